// Shared helpers of the ALEX core tests: the property-test seed, TID generation,
// entry printing, composite arithmetic, data-page and model-page invariant checkers,
// and the operation counter that ctest sums over the whole run (ops_total.cmake).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.h"
#include "omendb/alex/data_node.h"
#include "omendb/alex/entry.h"
#include "omendb/alex/keys.h"
#include "omendb/alex/model.h"
#include "omendb/alex/model_node.h"

namespace omendb::alex {

// gtest prints entries through ADL.
inline void PrintTo(const Entry& e, std::ostream* os) {
  *os << "{key=" << e.key << " (int " << int_from_code(e.key) << "), tid=" << e.tid << " (blk "
      << (e.tid >> 16) << " off " << (e.tid & 0xFFFF) << ")}";
}
inline void PrintTo(Status s, std::ostream* os) { *os << static_cast<int>(s) << " (" << status_name(s) << ")"; }

}  // namespace omendb::alex

namespace omendb::alex::test {

using testing::Dist;
using testing::SplitMix64;

inline std::string str(const Entry& e) {
  std::ostringstream os;
  PrintTo(e, &os);
  return os.str();
}

// ---------------------------------------------------------------------------------
// Seed: fixed by default, printed, overridable with OMENDB_SEED.

inline constexpr std::uint64_t kDefaultSeed = 20240611;

inline std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t v = kDefaultSeed;
    const char* s = std::getenv("OMENDB_SEED");
    if (s != nullptr && *s != '\0') v = std::strtoull(s, nullptr, 0);
    std::printf("[omendb] property-test seed = %" PRIu64 " (set OMENDB_SEED to override)\n", v);
    std::fflush(stdout);
    return v;
  }();
  return seed;
}

// A per-test stream derived from the seed and a label, so tests do not share state.
inline std::uint64_t derive_seed(const std::string& label) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : label) h = (h ^ c) * 1099511628211ull;
  return test_seed() ^ h;
}

// ---------------------------------------------------------------------------------
// Operation counter. Tests add to it; a listener writes each test's count to
// $OMENDB_OPS_DIR/<test>.ops when the test passes, and prints the process total.

inline std::uint64_t& test_ops() {
  static std::uint64_t n = 0;
  return n;
}
inline std::uint64_t& process_ops() {
  static std::uint64_t n = 0;
  return n;
}

class OpsListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override { test_ops() = 0; }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    process_ops() += test_ops();
    if (test_ops() > 0)
      std::printf("[omendb] %s.%s: %" PRIu64 " operations\n", info.test_suite_name(), info.name(), test_ops());
    const char* dir = std::getenv("OMENDB_OPS_DIR");
    if (dir == nullptr || *dir == '\0' || !info.result()->Passed()) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string name = std::string(info.test_suite_name()) + "." + info.name();
    std::replace(name.begin(), name.end(), '/', '_');
    std::ofstream out(std::string(dir) + "/" + name + ".ops");
    out << test_ops() << "\n";
  }
  void OnTestProgramEnd(const ::testing::UnitTest&) override {
    std::printf("[omendb] operations in this process: %" PRIu64 "\n", process_ops());
    std::fflush(stdout);
  }
};

// Registers the listener once per binary that includes this header in some TU and calls it.
inline bool install_ops_listener() {
  static const bool installed = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new OpsListener);
    return true;
  }();
  return installed;
}

// ---------------------------------------------------------------------------------
// TIDs: Postgres ItemPointers with offsets 1..291 (MaxHeapTuplesPerPage at 8 kB).

inline constexpr std::uint16_t kMaxOffset = 291;

inline std::uint64_t random_tid(SplitMix64& rng) {
  std::uint32_t block;
  switch (rng.below(8)) {
    case 0: block = static_cast<std::uint32_t>(rng.next()); break;  // anywhere in 32 bits
    case 1: block = static_cast<std::uint32_t>(rng.below(16)); break;
    default: block = static_cast<std::uint32_t>(rng.below(std::uint64_t{1} << 20)); break;
  }
  return make_tid(block, static_cast<std::uint16_t>(1 + rng.below(kMaxOffset)));
}

// Sorted, unique entries of a distribution with random TIDs.
inline std::vector<Entry> dist_entries(Dist d, std::size_t n, std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<Entry> v;
  for (std::int64_t k : testing::make_keys(d, n, seed)) v.push_back(Entry{code_from_int(k), random_tid(rng)});
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The next / previous TID in heap order among offsets 1..291 (nullopt at the ends).
inline std::optional<std::uint64_t> tid_after(std::uint64_t tid, SplitMix64& rng) {
  std::uint64_t block = tid >> 16;
  std::uint64_t off = tid & 0xFFFF;
  if (off < kMaxOffset && rng.below(4) != 0) return make_tid(static_cast<std::uint32_t>(block), static_cast<std::uint16_t>(off + 1));
  const std::uint64_t jump = 1 + rng.below(3);
  if (block + jump > 0xFFFFFFFEull) return std::nullopt;
  return make_tid(static_cast<std::uint32_t>(block + jump), static_cast<std::uint16_t>(1 + rng.below(4)));
}
inline std::optional<std::uint64_t> tid_before(std::uint64_t tid, SplitMix64& rng) {
  std::uint64_t block = tid >> 16;
  std::uint64_t off = tid & 0xFFFF;
  if (off > 1 && off <= kMaxOffset + 1 && rng.below(4) != 0)
    return make_tid(static_cast<std::uint32_t>(block), static_cast<std::uint16_t>(off - 1));
  const std::uint64_t jump = 1 + rng.below(3);
  if (block < jump) return std::nullopt;
  return make_tid(static_cast<std::uint32_t>(block - jump), static_cast<std::uint16_t>(kMaxOffset - rng.below(4)));
}

// ---------------------------------------------------------------------------------
// Composites (the 112-bit entry order).

inline constexpr Composite kMaxComposite = (Composite{~std::uint64_t{0}} << kTidBits) | kMaxTid;
inline constexpr Entry kMaxEntry{~std::uint64_t{0}, kMaxTid};

inline Entry from_composite(Composite c) {
  return Entry{static_cast<std::uint64_t>(c >> kTidBits), static_cast<std::uint64_t>(c & kMaxTid)};
}
inline std::optional<Entry> entry_before(const Entry& e) {
  const Composite c = to_composite(e);
  if (c == 0) return std::nullopt;
  return from_composite(c - 1);
}
inline std::optional<Entry> entry_after(const Entry& e) {
  const Composite c = to_composite(e);
  if (c == kMaxComposite) return std::nullopt;
  return from_composite(c + 1);
}
inline Composite random_composite(SplitMix64& rng) {
  const Composite hi = rng.next();
  return (hi << kTidBits) | (rng.next() & kMaxTid);
}
// Uniform-ish in [lo, hi].
inline Composite random_composite_between(SplitMix64& rng, Composite lo, Composite hi) {
  if (hi <= lo) return lo;
  const Composite span = hi - lo;
  const Composite r = (Composite{rng.next()} << 64) | rng.next();
  return lo + (span == ~Composite{0} ? r : r % (span + 1));
}

// ---------------------------------------------------------------------------------
// Data page invariants: the filler rule, iteration, encoding, fences, and that the page
// holds exactly `expected` (sorted).

inline ::testing::AssertionResult DataPageHolds(const DataPage& p, const std::vector<Entry>& expected,
                                                std::size_t page_bytes) {
  auto fail = [](const std::string& why) { return ::testing::AssertionFailure() << why; };
  if (!p.valid()) return fail("page not valid()");
  const DataHeader& h = p.header();
  if (h.magic != kDataMagic) return fail("bad magic");
  const SlotFormat format = p.format();
  if (format.key_width < 1 || format.key_width > 8 || format.tid_width < 1 || format.tid_width > 6)
    return fail("slot format " + std::to_string(format.key_width) + "+" + std::to_string(format.tid_width));
  if (p.capacity() != data_capacity(page_bytes, format))
    return fail("capacity " + std::to_string(p.capacity()) + " != data_capacity = " +
                std::to_string(data_capacity(page_bytes, format)));
  if (p.size() != expected.size())
    return fail("size() " + std::to_string(p.size()) + " != expected " + std::to_string(expected.size()));
  if (p.end() > p.capacity()) return fail("end() > capacity()");
  if (expected.empty()) {
    if (p.end() != 0) return fail("empty page with end() != 0");
  } else {
    if (p.end() == 0 || !p.occupied(p.end() - 1)) return fail("slot end()-1 not occupied");
  }
  const Fences f = p.fences();
  // Walk the slots: filler rule, occupancy, order.
  std::size_t k = 0;
  std::vector<std::size_t> occ;
  for (std::size_t s = 0; s < p.end(); ++s) {
    const Entry e = p.entry_at(s);
    if (s > 0 && e < p.entry_at(s - 1))
      return fail("entry_at not non-decreasing at slot " + std::to_string(s));
    if (p.occupied(s)) {
      if (k >= expected.size()) return fail("more occupied slots than entries");
      if (e != expected[k])
        return fail("occupied slot " + std::to_string(s) + " holds " + str(e) + ", expected #" + std::to_string(k) +
                    " " + str(expected[k]));
      if (!f.contains(e)) return fail("entry " + str(e) + " outside the fences");
      occ.push_back(s);
      ++k;
    }
  }
  if (k != expected.size()) return fail("occupied count " + std::to_string(k) + " != " + std::to_string(expected.size()));
  // Gaps hold a copy of the next occupied slot's entry.
  {
    std::size_t j = 0;
    for (std::size_t s = 0; s < p.end(); ++s) {
      if (p.occupied(s)) {
        ++j;
        continue;
      }
      if (p.entry_at(s) != p.entry_at(occ[j]))
        return fail("gap slot " + std::to_string(s) + " holds " + str(p.entry_at(s)) + ", not the next entry " +
                    str(p.entry_at(occ[j])));
    }
  }
  // Format: every key offset and every TID fits it (entry_at above decoded them back).
  if (!expected.empty()) {
    if (h.base_key > expected.front().key) return fail("base_key above the smallest key");
    const std::uint64_t span = expected.back().key - h.base_key;
    if (span > format.max_key_offset())
      return fail("key width " + std::to_string(h.key_width) + " too narrow for span " + std::to_string(span));
    for (const Entry& e : expected)
      if (!format.holds_tid(e.tid)) return fail("TID of " + str(e) + " does not fit the slot format");
  }
  // Iteration both ways. next_slot(s) / prev_slot(s) are the occupied slot at or after /
  // at or before s (lower_bound is next_slot(seek(e))), so a walk steps from s + 1 / s - 1.
  {
    std::size_t s = p.first_slot();
    for (std::size_t i = 0; i < occ.size(); ++i) {
      if (s != occ[i]) return fail("forward iteration: step " + std::to_string(i) + " slot " + std::to_string(s) +
                                   ", expected " + std::to_string(occ[i]));
      s = p.next_slot(s + 1);
    }
    if (s != p.end()) return fail("forward iteration does not end at end()");
    s = p.last_slot();
    for (std::size_t i = occ.size(); i-- > 0;) {
      if (s != occ[i]) return fail("backward iteration: slot " + std::to_string(s) + ", expected " + std::to_string(occ[i]));
      s = s == 0 ? p.end() : p.prev_slot(s - 1);
    }
    if (s != p.end()) return fail("backward iteration does not end at end()");
    // At-or-after / at-or-before from every slot, occupied or not.
    std::size_t j = 0;
    for (std::size_t t = 0; t < p.end(); ++t) {
      while (j < occ.size() && occ[j] < t) ++j;
      const std::size_t want_next = j < occ.size() ? occ[j] : p.end();
      if (p.next_slot(t) != want_next)
        return fail("next_slot(" + std::to_string(t) + ") = " + std::to_string(p.next_slot(t)) + ", expected " +
                    std::to_string(want_next));
      const std::size_t want_prev = (j < occ.size() && occ[j] == t) ? t : (j == 0 ? p.end() : occ[j - 1]);
      if (p.prev_slot(t) != want_prev)
        return fail("prev_slot(" + std::to_string(t) + ") = " + std::to_string(p.prev_slot(t)) + ", expected " +
                    std::to_string(want_prev));
    }
    if (p.next_slot(p.end()) != p.end()) return fail("next_slot(end()) != end()");
  }
  // copy_entries.
  {
    std::vector<Entry> out(p.size() + 1, Entry{0xDEAD, 0xBEEF});
    const std::size_t n = p.copy_entries(Span<Entry>(out.data(), p.size()));
    if (n != expected.size()) return fail("copy_entries returned " + std::to_string(n));
    for (std::size_t i = 0; i < n; ++i)
      if (out[i] != expected[i]) return fail("copy_entries[" + std::to_string(i) + "] = " + str(out[i]));
    if (out[p.size()] != Entry{0xDEAD, 0xBEEF}) return fail("copy_entries wrote past size()");
  }
  return ::testing::AssertionSuccess();
}

// lower_bound / upper_bound of a page against a sorted reference.
inline ::testing::AssertionResult BoundsMatch(const DataPage& p, const std::vector<Entry>& ref, const Entry& probe) {
  const auto lb = std::lower_bound(ref.begin(), ref.end(), probe);
  const auto ub = std::upper_bound(ref.begin(), ref.end(), probe);
  SearchSteps steps;
  const std::size_t l = p.lower_bound(probe, &steps);
  const std::size_t u = p.upper_bound(probe);
  if (lb == ref.end()) {
    if (l != p.end()) return ::testing::AssertionFailure() << "lower_bound(" << str(probe) << ") = slot " << l << ", expected end()";
  } else if (l >= p.end() || !p.occupied(l) || p.entry_at(l) != *lb) {
    return ::testing::AssertionFailure() << "lower_bound(" << str(probe) << ") = slot " << l << " (end " << p.end()
                                         << "), expected the slot of " << str(*lb);
  }
  if (ub == ref.end()) {
    if (u != p.end()) return ::testing::AssertionFailure() << "upper_bound(" << str(probe) << ") = slot " << u << ", expected end()";
  } else if (u >= p.end() || !p.occupied(u) || p.entry_at(u) != *ub) {
    return ::testing::AssertionFailure() << "upper_bound(" << str(probe) << ") = slot " << u << " (end " << p.end()
                                         << "), expected the slot of " << str(*ub);
  }
  // seek: the first slot (entry or filler) whose value is >= probe.
  const std::size_t sk = p.seek(probe);
  if (sk > p.end()) return ::testing::AssertionFailure() << "seek(" << str(probe) << ") = " << sk << " > end()";
  if (sk < p.end() && p.entry_at(sk) < probe)
    return ::testing::AssertionFailure() << "seek(" << str(probe) << ") = slot " << sk << " holding a smaller entry";
  if (sk > 0 && !(p.entry_at(sk - 1) < probe))
    return ::testing::AssertionFailure() << "seek(" << str(probe) << ") = slot " << sk << " is not the first such slot";
  if (sk > 0 && sk < p.end() && !p.fences().contains(probe))
    return ::testing::AssertionFailure() << "seek(" << str(probe) << ") inside (0, end) for an entry outside the fences";
  // Exponential plus binary search from the predicted slot: logarithmic in the page.
  std::uint32_t log2cap = 1;
  while ((std::size_t{1} << log2cap) < p.capacity() + 1) ++log2cap;
  if (!ref.empty() && steps.probes > 4 * log2cap + 8)
    return ::testing::AssertionFailure() << "lower_bound(" << str(probe) << ") took " << steps.probes << " probes";
  return ::testing::AssertionSuccess();
}

// Which slots are occupied by what (nullopt: gap or unused).
inline std::vector<std::optional<Entry>> slot_map(const DataPage& p) {
  std::vector<std::optional<Entry>> m(p.capacity());
  for (std::size_t s = 0; s < p.end(); ++s)
    if (p.occupied(s)) m[s] = p.entry_at(s);
  return m;
}

// ---------------------------------------------------------------------------------
// Model page invariants: slot runs, find_child, children().

struct SlotRun {
  BlockNumber block;
  std::size_t first;
  std::size_t last;
};

inline std::vector<SlotRun> runs_of(const ModelPage& m) {
  std::vector<SlotRun> runs;
  for (std::size_t s = 0; s < m.fanout(); ++s) {
    const BlockNumber b = m.child_at(s);
    if (!runs.empty() && runs.back().block == b)
      runs.back().last = s;
    else
      runs.push_back(SlotRun{b, s, s});
  }
  return runs;
}

inline bool is_pow2(std::size_t x) { return x != 0 && (x & (x - 1)) == 0; }

inline ::testing::AssertionResult ModelPageRoutesTo(const ModelPage& m, const std::vector<BlockNumber>& blocks,
                                                    std::size_t page_bytes, SplitMix64& rng) {
  auto fail = [](const std::string& why) { return ::testing::AssertionFailure() << why; };
  if (!m.valid()) return fail("model page not valid()");
  const ModelHeader& h = m.header();
  if (h.magic != kModelMagic) return fail("bad magic");
  if (!is_pow2(m.fanout()) || m.fanout() > max_fanout(page_bytes))
    return fail("fanout " + std::to_string(m.fanout()) + " not a power of two <= " + std::to_string(max_fanout(page_bytes)));
  if (h.children != blocks.size())
    return fail("header.children " + std::to_string(h.children) + " != " + std::to_string(blocks.size()));
  if (m.fanout() < blocks.size()) return fail("fanout below the number of children");
  const std::vector<SlotRun> runs = runs_of(m);
  if (runs.size() != blocks.size())
    return fail("slot array has " + std::to_string(runs.size()) + " runs for " + std::to_string(blocks.size()) +
                " children (a child owning non-consecutive slots?)");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].block != blocks[i])
      return fail("run " + std::to_string(i) + " is block " + std::to_string(runs[i].block) + ", expected " +
                  std::to_string(blocks[i]));
    for (std::size_t t = 0; t < 3; ++t) {
      const std::size_t hint = t == 0 ? runs[i].first : t == 1 ? runs[i].last : rng.below(m.fanout());
      std::size_t f = 12345, l = 12345;
      if (!m.find_child(blocks[i], hint, &f, &l))
        return fail("find_child(" + std::to_string(blocks[i]) + ", hint " + std::to_string(hint) + ") = false");
      if (f != runs[i].first || l != runs[i].last)
        return fail("find_child(" + std::to_string(blocks[i]) + ", hint " + std::to_string(hint) + ") = [" +
                    std::to_string(f) + ", " + std::to_string(l) + "], expected [" + std::to_string(runs[i].first) +
                    ", " + std::to_string(runs[i].last) + "]");
    }
  }
  {
    std::size_t f, l;
    if (m.find_child(0xFFFFFFF0u, rng.below(m.fanout()), &f, &l)) return fail("find_child found an absent block");
  }
  std::vector<ChildRef> out(blocks.size() + 1);
  out.back().block = 0xABCDEF;
  const std::size_t n = m.children(Span<ChildRef>(out.data(), blocks.size()));
  if (n != blocks.size()) return fail("children() returned " + std::to_string(n));
  if (out.back().block != 0xABCDEF) return fail("children() wrote past header().children entries");
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i].block != blocks[i]) return fail("children()[" + std::to_string(i) + "].block mismatch");
    if (i > 0 && out[i].low < out[i - 1].low) return fail("children() lows decrease at " + std::to_string(i));
  }
  return ::testing::AssertionSuccess();
}

// Every child is reachable and children()[i].low is exactly the lowest entry routed to it.
inline ::testing::AssertionResult ChildrenLowsExact(const ModelPage& m) {
  auto fail = [](const std::string& why) { return ::testing::AssertionFailure() << why; };
  const std::size_t n = m.header().children;
  std::vector<ChildRef> out(n);
  if (m.children(Span<ChildRef>(out.data(), n)) != n) return fail("children() count");
  for (std::size_t i = 0; i < n; ++i) {
    if (m.route(out[i].low) != out[i].block)
      return fail("children()[" + std::to_string(i) + "].low " + str(out[i].low) + " routes to block " +
                  std::to_string(m.route(out[i].low)) + ", not " + std::to_string(out[i].block));
    if (i == 0) continue;
    const auto before = entry_before(out[i].low);
    if (!before) return fail("children()[" + std::to_string(i) + "].low is the smallest entry");
    const BlockNumber b = m.route(*before);
    bool earlier = false;
    for (std::size_t j = 0; j < i; ++j) earlier |= out[j].block == b;
    if (!earlier)
      return fail("the entry before children()[" + std::to_string(i) + "].low routes to block " + std::to_string(b) +
                  ", not an earlier child");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace omendb::alex::test

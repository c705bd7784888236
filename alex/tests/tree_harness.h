// A MemoryTree driven side by side with a sorted reference (std::set<Entry>): every
// operation's result is compared, and every operation is counted.
#pragma once

#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "omendb/alex/memory_tree.h"
#include "test_support.h"

namespace omendb::alex::test {

class TreeHarness {
 public:
  TreeHarness(TreeOptions options, std::string label, std::uint64_t seed)
      : tree(options), rng(seed), label_(std::move(label)) {}

  MemoryTree tree;
  std::set<Entry> ref;
  std::vector<Entry> pool;  // distribution-shaped entries: insert candidates and probes
  std::string phase = "init";
  std::uint64_t ops = 0;    // tree operations (insert, erase, lookup, scan, bulk load call)
  std::uint64_t steps = 0;  // cursor steps inside scans and full verifications
  SplitMix64 rng;

  std::string ctx() const {
    return "[" + label_ + " seed=" + std::to_string(test_seed()) + " phase=" + phase + " op#" + std::to_string(ops) +
           " size=" + std::to_string(ref.size()) + "]";
  }

  void count() {
    ++ops;
    ++test_ops();
  }

  // --- modifications -------------------------------------------------------------

  void insert(const Entry& e) {
    count();
    const bool present = ref.count(e) != 0;
    const Status s = tree.insert(e);
    ASSERT_EQ(s, present ? Status::kDuplicate : Status::kOk) << "insert " << str(e) << " " << ctx();
    if (!present) ref.insert(e);
  }

  void erase(const Entry& e) {
    count();
    const bool present = ref.count(e) != 0;
    const Status s = tree.erase(e);
    ASSERT_EQ(s, present ? Status::kOk : Status::kNotFound) << "erase " << str(e) << " " << ctx();
    if (present) ref.erase(e);
  }

  void bulk_load(const std::vector<Entry>& sorted) {
    count();
    ASSERT_EQ(tree.bulk_load(Span<const Entry>(sorted.data(), sorted.size())), Status::kOk)
        << "bulk_load of " << sorted.size() << " " << ctx();
    ref = std::set<Entry>(sorted.begin(), sorted.end());
    ASSERT_EQ(ref.size(), sorted.size()) << "test bug: bulk-load input not unique";
  }

  // --- lookups ---------------------------------------------------------------------

  void expect_at(const Cursor& c, std::set<Entry>::const_iterator it, const char* what, const Entry& probe,
                 std::size_t step) {
    if (it == ref.end()) {
      ASSERT_FALSE(c.valid()) << what << "(" << str(probe) << ") step " << step << ": expected no entry, got "
                              << str(c.entry()) << " " << ctx();
    } else {
      ASSERT_TRUE(c.valid()) << what << "(" << str(probe) << ") step " << step << ": expected " << str(*it)
                             << ", got none " << ctx();
      ASSERT_EQ(c.entry(), *it) << what << "(" << str(probe) << ") step " << step << " " << ctx();
    }
  }

  void contains(const Entry& e) {
    count();
    ASSERT_EQ(tree.contains(e), ref.count(e) != 0) << "contains " << str(e) << " " << ctx();
  }

  // find_key, then the run of that key (up to 16 entries).
  void find_key(std::uint64_t key) {
    count();
    Cursor c = tree.find_key(key);
    auto it = ref.lower_bound(first_entry_of(key));
    const Entry probe = first_entry_of(key);
    for (std::size_t i = 0; i < 16; ++i) {
      expect_at(c, it, "find_key", probe, i);
      if (::testing::Test::HasFatalFailure() || it == ref.end() || it->key != key) return;
      c.next();
      ++it;
      ++steps;
    }
  }

  // Forward scan of `len` entries from lower_bound(e) (or upper_bound(e)).
  void scan_forward(const Entry& e, std::size_t len, bool strict) {
    count();
    Cursor c = strict ? tree.upper_bound(e) : tree.lower_bound(e);
    auto it = strict ? ref.upper_bound(e) : ref.lower_bound(e);
    const char* what = strict ? "upper_bound+next" : "lower_bound+next";
    for (std::size_t i = 0; i <= len; ++i) {
      expect_at(c, it, what, e, i);
      if (::testing::Test::HasFatalFailure() || it == ref.end()) return;
      c.next();
      ++it;
      ++steps;
    }
  }

  // Backward scan of `len` entries from the last entry <= e (inclusive) or < e.
  void scan_backward(const Entry& e, std::size_t len, bool inclusive) {
    count();
    Cursor c = inclusive ? tree.upper_bound(e) : tree.lower_bound(e);
    auto it = inclusive ? ref.upper_bound(e) : ref.lower_bound(e);
    if (c.valid()) {
      c.prev();
    } else {
      c = tree.last();
    }
    const char* what = inclusive ? "upper_bound/last+prev" : "lower_bound/last+prev";
    bool none = it == ref.begin();
    if (!none) --it;
    for (std::size_t i = 0; i <= len; ++i) {
      expect_at(c, none ? ref.end() : it, what, e, i);
      if (::testing::Test::HasFatalFailure() || none) return;
      c.prev();
      if (it == ref.begin()) none = true;
      else --it;
      ++steps;
    }
  }

  // A random walk of next/prev steps from lower_bound(e).
  void walk(const Entry& e, std::size_t len) {
    count();
    Cursor c = tree.lower_bound(e);
    auto it = ref.lower_bound(e);
    for (std::size_t i = 0; i < len; ++i) {
      expect_at(c, it, "walk", e, i);
      if (::testing::Test::HasFatalFailure() || it == ref.end()) return;
      if (rng.below(3) == 0) {
        if (it == ref.begin()) {
          c.prev();
          ASSERT_FALSE(c.valid()) << "prev from the first entry " << ctx();
          return;
        }
        c.prev();
        --it;
      } else {
        c.next();
        ++it;
      }
      ++steps;
    }
  }

  // --- entry choice --------------------------------------------------------------------

  // An existing entry near a distribution-shaped point (the reference itself if empty).
  std::optional<Entry> random_existing() {
    if (ref.empty()) return std::nullopt;
    if (pool.empty()) return *ref.begin();
    auto it = ref.lower_bound(pool[rng.below(pool.size())]);
    if (it == ref.end()) --it;
    return *it;
  }

  Entry random_probe() {
    switch (rng.below(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
        if (auto e = random_existing()) return *e;
        [[fallthrough]];
      case 4: {
        if (auto e = random_existing()) {
          switch (rng.below(4)) {
            case 0: if (auto b = entry_before(*e)) return *b; break;
            case 1: if (auto a = entry_after(*e)) return *a; break;
            case 2: return first_entry_of(e->key);
            default: return Entry{e->key, kMaxTid};
          }
          return *e;
        }
        [[fallthrough]];
      }
      case 5:
      case 6:
        if (!pool.empty()) return pool[rng.below(pool.size())];
        [[fallthrough]];
      case 7: return Entry{rng.next(), random_tid(rng)};
      case 8: {
        const Entry ends[] = {Entry{0, 0}, Entry{0, kMaxTid}, Entry{~std::uint64_t{0}, 0}, kMaxEntry,
                              Entry{kSignBit, 0}};
        return ends[rng.below(5)];
      }
      default: {
        if (auto e = random_existing()) {
          const std::uint64_t k = e->key + (rng.below(2) ? 1 : ~std::uint64_t{0});  // key +- 1 (wraps at the ends)
          return Entry{k, rng.below(2) ? 0 : random_tid(rng)};
        }
        return Entry{rng.next(), 0};
      }
    }
  }

  void random_read() {
    const Entry e = random_probe();
    switch (rng.below(8)) {
      case 0:
      case 1: contains(e); break;
      case 2: find_key(e.key); break;
      case 3: scan_forward(e, 1 + rng.below(rng.below(4) == 0 ? 200 : 20), false); break;
      case 4: scan_forward(e, 1 + rng.below(20), true); break;
      case 5: scan_backward(e, 1 + rng.below(rng.below(4) == 0 ? 200 : 20), true); break;
      case 6: scan_backward(e, 1 + rng.below(20), false); break;
      default: walk(e, 1 + rng.below(40)); break;
    }
  }

  // --- whole-tree verification -------------------------------------------------------------

  void check() {
    const CheckResult r = tree.check();
    ASSERT_TRUE(r.ok) << "tree.check(): " << r.message << " " << ctx();
    ASSERT_EQ(tree.size(), ref.size()) << ctx();
    const TreeStats st = tree.stats();
    ASSERT_EQ(st.entries, ref.size()) << ctx();
    ASSERT_EQ(st.height, tree.height()) << ctx();
    if (!ref.empty()) {
      ASSERT_GE(st.data_pages, 1u) << ctx();
    }
    std::size_t by_key_width = 0, by_tid_width = 0;
    for (std::size_t n : st.pages_by_key_width) by_key_width += n;
    for (std::size_t n : st.pages_by_tid_width) by_tid_width += n;
    ASSERT_EQ(by_key_width, st.data_pages) << ctx();
    ASSERT_EQ(by_tid_width, st.data_pages) << ctx();
    ASSERT_LE(st.empty_data_pages, st.data_pages) << ctx();
    ASSERT_EQ(st.data_bytes, st.data_pages * tree.options().page_size) << ctx();
    ASSERT_EQ(st.model_bytes, st.model_pages * tree.options().page_size) << ctx();
    ASSERT_LE(st.fill, 1.0) << ctx();
    if (!ref.empty()) {
      const LookupCost lc = tree.lookup_cost(random_probe());
      // One model page per level, plus any sideways steps across model-node fences.
      ASSERT_GE(lc.model_levels, tree.height() - 1) << "a lookup skipped a model level " << ctx();
      ASSERT_GE(lc.data_pages, 1u) << ctx();
    }
  }

  // Full forward and backward iteration against the reference.
  void verify_all() {
    Cursor c = tree.first();
    std::size_t i = 0;
    for (auto it = ref.begin(); it != ref.end(); ++it, ++i) {
      ASSERT_TRUE(c.valid()) << "forward iteration ended after " << i << " of " << ref.size() << " " << ctx();
      ASSERT_EQ(c.entry(), *it) << "forward iteration at " << i << " " << ctx();
      c.next();
      ++steps;
    }
    ASSERT_FALSE(c.valid()) << "forward iteration runs past the last entry " << ctx();
    c = tree.last();
    i = 0;
    for (auto it = ref.rbegin(); it != ref.rend(); ++it, ++i) {
      ASSERT_TRUE(c.valid()) << "backward iteration ended after " << i << " of " << ref.size() << " " << ctx();
      ASSERT_EQ(c.entry(), *it) << "backward iteration at " << i << " " << ctx();
      c.prev();
      ++steps;
    }
    ASSERT_FALSE(c.valid()) << "backward iteration runs past the first entry " << ctx();
  }

  void checkpoint(const std::string& what) {
    phase = what;
    check();
    if (::testing::Test::HasFatalFailure()) return;
    verify_all();
    if (::testing::Test::HasFatalFailure()) return;
    const TreeStats st = tree.stats();
    std::printf("[omendb] %s after %-16s size %8zu height %zu data pages %6zu (empty %zu) model pages %4zu fill %.3f "
                "model err %.2f/%lld\n",
                label_.c_str(), what.c_str(), ref.size(), st.height, st.data_pages, st.empty_data_pages,
                st.model_pages, st.fill, st.mean_model_error, static_cast<long long>(st.max_model_error));
  }

 private:
  std::string label_;
};

// Stop the calling test function on a fatal failure inside a helper.
#define HARNESS(stmt)                                    \
  do {                                                   \
    stmt;                                                \
    if (::testing::Test::HasFatalFailure()) return;      \
  } while (0)

}  // namespace omendb::alex::test

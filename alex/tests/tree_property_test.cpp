// Property tests: MemoryTree against std::set<Entry> under random interleavings of
// bulk_load, insert, erase, point lookups and forward/backward range scans, on every
// testing::Dist, with appends and prepends, at page sizes 4096, 8192 and 32768.
//
// Every result is compared with the reference; tree.check() runs after every phase.
// The seed is fixed (printed at start) and overridable with OMENDB_SEED. Each test's
// operation count is written for ops_total.cmake, which prints the run's total.
#include <cmath>
#include <string>
#include <vector>

#include "tree_harness.h"

namespace omendb::alex::test {
namespace {

const bool kListenerInstalled = install_ops_listener();

struct Scenario {
  Dist dist;
  std::size_t page_size;
  double fill;
  std::size_t n;           // distribution pool; the bulk loads take about half
  std::size_t grow;        // entries inserted one by one into an empty tree first
  std::size_t mixed_ops;   // random interleaving phase
};

std::string scenario_name(const Scenario& s) {
  std::string n = std::string(testing::dist_name(s.dist)) + "_" + std::to_string(s.page_size);
  if (std::fabs(s.fill - 0.8) > 1e-9) n += "_fill" + std::to_string(static_cast<int>(std::lround(s.fill * 100)));
  if (s.grow > 30000) n += "_grow" + std::to_string(s.grow / 1000) + "k";
  return n;
}

// Distribution-flavoured key gaps for appends and prepends (0: same key, next TID).
std::uint64_t key_gap(Dist d, SplitMix64& rng) {
  switch (d) {
    case Dist::kUniform: return 1 + rng.below(std::uint64_t{1} << 44);
    case Dist::kSequential: return 1;
    case Dist::kLognormal: return 1 + rng.below(10000000);
    case Dist::kClustered: return rng.below(3) ? 1 + rng.below(1024) : 1 + rng.below(std::uint64_t{1} << 30);
    case Dist::kParetoGap: {
      const double g = std::ceil(std::pow(1.0 - rng.unit(), -1.0 / 0.7));
      return g > 1e12 ? 1000000000000ull : static_cast<std::uint64_t>(g);
    }
    case Dist::kOutliers: return rng.below(10000) == 0 ? (std::uint64_t{1} << 40) : 1;
    case Dist::kOneKey: return 0;
    case Dist::kTenKeys: return rng.below(50) == 0 ? 1000 : 0;
    case Dist::kExtremes: return rng.below(2);
  }
  return 1;
}

std::optional<Entry> append_after(const Entry& cur, Dist d, SplitMix64& rng) {
  const std::uint64_t gap = key_gap(d, rng);
  if (gap > 0 && cur.key <= ~std::uint64_t{0} - gap) return Entry{cur.key + gap, random_tid(rng)};
  const auto t = tid_after(cur.tid, rng);
  if (!t) return std::nullopt;
  return Entry{cur.key, *t};
}

std::optional<Entry> prepend_before(const Entry& cur, Dist d, SplitMix64& rng) {
  const std::uint64_t gap = key_gap(d, rng);
  if (gap > 0 && cur.key >= gap) return Entry{cur.key - gap, random_tid(rng)};
  const auto t = tid_before(cur.tid, rng);
  if (!t) return std::nullopt;
  return Entry{cur.key, *t};
}

void PrintTo(const Scenario& s, std::ostream* os) { *os << scenario_name(s); }

class TreeProperty : public ::testing::TestWithParam<Scenario> {};

TEST_P(TreeProperty, MatchesReference) {
  const Scenario sc = GetParam();
  const std::string label = scenario_name(sc);
  TreeOptions opt;
  opt.page_size = sc.page_size;
  opt.fill_factor = sc.fill;
  TreeHarness h(opt, label, derive_seed("tree-" + label));
  std::printf("[omendb] %s: seed %llu (OMENDB_SEED), dist %s, page %zu, fill %.2f\n", label.c_str(),
              static_cast<unsigned long long>(test_seed()), testing::dist_name(sc.dist), sc.page_size, sc.fill);

  // The distribution pool: int64 keys -> codes, random heap TIDs (offsets 1..291).
  {
    const auto keys = testing::make_keys(sc.dist, sc.n, derive_seed("keys-" + label));
    h.pool.reserve(keys.size() + 64);
    for (std::int64_t k : keys) h.pool.push_back(Entry{code_from_int(k), random_tid(h.rng)});
    if (sc.dist == Dist::kExtremes) {
      // The explicit ends of the code space, TIDs at their ends too.
      for (std::uint64_t k : {std::uint64_t{0}, ~std::uint64_t{0}}) {
        h.pool.push_back(Entry{k, make_tid(0, 1)});
        h.pool.push_back(Entry{k, kMaxTid});
        h.pool.push_back(Entry{k, make_tid(0xFFFFFFFFu, 1)});
        for (int i = 0; i < 20; ++i) h.pool.push_back(Entry{k, random_tid(h.rng)});
      }
      for (std::size_t i = h.pool.size(); i > 1; --i) std::swap(h.pool[i - 1], h.pool[h.rng.below(i)]);
    }
  }

  // Phase 0: the empty tree, then one-by-one inserts (splits from a single page up).
  h.phase = "empty";
  h.check();
  if (HasFatalFailure()) return;
  for (int i = 0; i < 50; ++i) HARNESS(h.random_read());
  HARNESS(h.erase(h.pool[0]));
  HARNESS(h.checkpoint("empty"));
  h.phase = "grow";
  const std::size_t grow = std::min(sc.grow, h.pool.size());
  for (std::size_t i = 0; i < grow; ++i) {
    // Shuffled pool order, except sequential keys which arrive ascending.
    HARNESS(h.insert(h.pool[i]));
    if (h.rng.below(3) == 0) HARNESS(h.random_read());
    if (h.rng.below(50) == 0) HARNESS(h.insert(*h.random_existing()));  // duplicate
  }
  HARNESS(h.checkpoint("grow"));

  // Phase 1: bulk load replaces everything.
  {
    std::vector<Entry> load;
    for (std::size_t i = 0; i < h.pool.size(); i += 2) load.push_back(h.pool[i]);
    std::sort(load.begin(), load.end());
    load.erase(std::unique(load.begin(), load.end()), load.end());
    h.phase = "bulk_load";
    HARNESS(h.bulk_load(load));
    HARNESS(h.checkpoint("bulk_load"));
    if (sc.dist == Dist::kUniform && load.size() > 10000) {
      const double f = h.tree.stats().fill;
      EXPECT_NEAR(f, sc.fill, 0.05) << "bulk load density of uniform keys " << h.ctx();
    }
  }

  // Phase 2: random interleaving.
  h.phase = "mixed";
  for (std::size_t i = 0; i < sc.mixed_ops; ++i) {
    const std::uint64_t r = h.rng.below(100);
    if (r < 30) {
      HARNESS(h.insert(h.pool[h.rng.below(h.pool.size())]));
    } else if (r < 33) {
      if (auto e = h.random_existing()) HARNESS(h.insert(*e));
    } else if (r < 35) {
      // A fresh entry anywhere (mostly absent from the pool).
      HARNESS(h.insert(h.rng.below(2) ? Entry{h.rng.next(), random_tid(h.rng)} : h.random_probe()));
    } else if (r < 50) {
      if (auto e = h.random_existing()) HARNESS(h.erase(*e));
    } else if (r < 53) {
      HARNESS(h.erase(h.random_probe()));
    } else {
      HARNESS(h.random_read());
    }
  }
  HARNESS(h.checkpoint("mixed"));

  // Phase 3: erase most entries (leaving empty pages), then a contiguous hole, then refill.
  h.phase = "erase";
  {
    const std::size_t start = h.ref.size();
    std::vector<Entry> erased;
    while (h.ref.size() > start / 7) {
      const Entry e = *h.random_existing();
      HARNESS(h.erase(e));
      erased.push_back(e);
      if (h.rng.below(3) == 0) HARNESS(h.random_read());
    }
    HARNESS(h.checkpoint("erase"));
    if (h.ref.size() > 10) {
      // Erase a contiguous range of about a third of what is left.
      auto it = h.ref.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(h.ref.size() / 3));
      std::vector<Entry> range;
      for (std::size_t k = 0; k < h.ref.size() / 3 && it != h.ref.end(); ++k, ++it) range.push_back(*it);
      for (const Entry& e : range) {
        HARNESS(h.erase(e));
        erased.push_back(e);
      }
      for (int k = 0; k < 200; ++k) HARNESS(h.random_read());
      HARNESS(h.checkpoint("erase_range"));
    }
    h.phase = "refill";
    for (std::size_t k = 0; k < erased.size(); k += 2) {
      HARNESS(h.insert(erased[k]));
      if (h.rng.below(4) == 0) HARNESS(h.random_read());
    }
    HARNESS(h.checkpoint("refill"));
  }

  // Phase 4: a fresh bulk load, then appends above the largest entry and prepends below
  // the smallest, interleaved with reads.
  {
    std::vector<Entry> load;
    for (std::size_t i = 1; i < h.pool.size(); i += 2) {
      // Extremes: leave room at both ends of the code space for the appends and prepends.
      const Entry& e = h.pool[i];
      if (sc.dist == Dist::kExtremes && (e.key < 200 || e.key > ~std::uint64_t{0} - 200)) continue;
      load.push_back(e);
    }
    std::sort(load.begin(), load.end());
    load.erase(std::unique(load.begin(), load.end()), load.end());
    h.phase = "bulk_load2";
    HARNESS(h.bulk_load(load));
    HARNESS(h.checkpoint("bulk_load2"));
    const std::size_t n_app = std::max<std::size_t>(1000, sc.n / 5);
    h.phase = "append";
    Entry cur = *h.ref.rbegin();
    std::size_t appended = 0;
    for (std::size_t i = 0; i < n_app; ++i) {
      const auto next = append_after(cur, sc.dist, h.rng);
      if (!next) break;
      HARNESS(h.insert(*next));
      cur = *next;
      ++appended;
      if (h.rng.below(4) == 0) HARNESS(h.random_read());
    }
    HARNESS(h.checkpoint("append"));
    h.phase = "prepend";
    cur = *h.ref.begin();
    std::size_t prepended = 0;
    for (std::size_t i = 0; i < n_app; ++i) {
      const auto next = prepend_before(cur, sc.dist, h.rng);
      if (!next) break;
      HARNESS(h.insert(*next));
      cur = *next;
      ++prepended;
      if (h.rng.below(4) == 0) HARNESS(h.random_read());
    }
    HARNESS(h.checkpoint("prepend"));
    EXPECT_GT(appended, n_app / 2);
    std::printf("[omendb] %s: appended %zu, prepended %zu\n", label.c_str(), appended, prepended);
  }

  // Phase 5: a last mixed burst over the appended tree.
  h.phase = "mixed2";
  for (std::size_t i = 0; i < sc.mixed_ops / 4; ++i) {
    const std::uint64_t r = h.rng.below(100);
    if (r < 25) HARNESS(h.insert(h.pool[h.rng.below(h.pool.size())]));
    else if (r < 45) { if (auto e = h.random_existing()) HARNESS(h.erase(*e)); }
    else HARNESS(h.random_read());
  }
  HARNESS(h.checkpoint("final"));
  std::printf("[omendb] %s: %llu operations, %llu cursor steps\n", label.c_str(),
              static_cast<unsigned long long>(h.ops), static_cast<unsigned long long>(h.steps));
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> v;
  const Dist all[] = {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kClustered, Dist::kParetoGap,
                      Dist::kOutliers, Dist::kOneKey, Dist::kTenKeys, Dist::kExtremes};
  for (Dist d : all) v.push_back(Scenario{d, 8192, 0.8, 40000, 10000, 40000});
  v.push_back(Scenario{Dist::kSequential, 8192, 1.0, 40000, 10000, 30000});
  v.push_back(Scenario{Dist::kUniform, 8192, 1.0, 40000, 10000, 30000});
  v.push_back(Scenario{Dist::kLognormal, 8192, 0.5, 40000, 10000, 30000});
  for (Dist d : {Dist::kUniform, Dist::kParetoGap, Dist::kOneKey, Dist::kTenKeys, Dist::kExtremes})
    v.push_back(Scenario{d, 4096, 0.7, 30000, 8000, 30000});
  // Many small pages grown by inserts alone: model nodes fill up, split and stack.
  v.push_back(Scenario{Dist::kUniform, 4096, 0.8, 160000, 160000, 20000});
  v.push_back(Scenario{Dist::kOneKey, 4096, 0.8, 120000, 120000, 20000});
  for (Dist d : {Dist::kUniform, Dist::kLognormal, Dist::kClustered, Dist::kOneKey})
    v.push_back(Scenario{d, 32768, 0.9, 60000, 15000, 40000});
  // Tiny pages (Postgres allows 1 and 2 kB blocks): deep trees, root splits, every level busy.
  for (Dist d : {Dist::kUniform, Dist::kParetoGap, Dist::kOneKey, Dist::kExtremes})
    v.push_back(Scenario{d, 1024, 0.8, 40000, 40000, 20000});
  v.push_back(Scenario{Dist::kLognormal, 2048, 0.8, 40000, 40000, 20000});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Dists, TreeProperty, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& i) { return scenario_name(i.param); });

}  // namespace
}  // namespace omendb::alex::test

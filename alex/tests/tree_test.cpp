// MemoryTree: edge cases (empty tree, the ends of the entry space, bad arguments),
// append/prepend packing, and one key a million times.
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "tree_harness.h"

namespace omendb::alex::test {
namespace {

const bool kListenerInstalled = install_ops_listener();

constexpr std::uint64_t kU64Max = ~std::uint64_t{0};

TEST(Tree, EmptyTree) {
  for (std::size_t page : {std::size_t{4096}, std::size_t{8192}, std::size_t{32768}}) {
    TreeOptions o;
    o.page_size = page;
    MemoryTree t(o);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.first().valid());
    EXPECT_FALSE(t.last().valid());
    EXPECT_FALSE(t.lower_bound(Entry{0, 0}).valid());
    EXPECT_FALSE(t.upper_bound(Entry{0, 0}).valid());
    EXPECT_FALSE(t.find_key(5).valid());
    EXPECT_FALSE(t.contains(Entry{5, 5}));
    EXPECT_EQ(t.erase(Entry{5, 5}), Status::kNotFound);
    const CheckResult r = t.check();
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(t.bulk_load(Span<const Entry>()), Status::kOk);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.first().valid());
    EXPECT_TRUE(t.check().ok) << t.check().message;
    EXPECT_EQ(t.insert(Entry{5, 5}), Status::kOk);
    EXPECT_EQ(t.insert(Entry{5, 5}), Status::kDuplicate);
    ASSERT_TRUE(t.first().valid());
    EXPECT_EQ(t.first().entry(), (Entry{5, 5}));
    EXPECT_EQ(t.last().entry(), (Entry{5, 5}));
    EXPECT_EQ(t.erase(Entry{5, 5}), Status::kOk);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.first().valid());
    EXPECT_TRUE(t.check().ok) << t.check().message;
  }
}

// Entries at the very ends of the 112-bit space: (0, 0) and (2^64 - 1, 2^48 - 1).
TEST(Tree, EndsOfTheEntrySpace) {
  TreeHarness h(TreeOptions{}, "ends", derive_seed("tree-ends"));
  const std::vector<Entry> ends = {Entry{0, 0}, Entry{0, 1}, Entry{0, make_tid(0, 1)}, Entry{0, kMaxTid},
                                   Entry{1, 0}, Entry{kSignBit, 0}, Entry{kU64Max - 1, kMaxTid},
                                   Entry{kU64Max, 0}, Entry{kU64Max, make_tid(0xFFFFFFFFu, 291)},
                                   Entry{kU64Max, kMaxTid - 1}, kMaxEntry};
  for (const Entry& e : ends) HARNESS(h.insert(e));
  for (const Entry& e : ends) HARNESS(h.insert(e));  // all duplicates now
  HARNESS(h.checkpoint("ends"));
  for (const Entry& e : ends) {
    HARNESS(h.contains(e));
    HARNESS(h.find_key(e.key));
    HARNESS(h.scan_forward(e, 20, false));
    HARNESS(h.scan_forward(e, 20, true));
    HARNESS(h.scan_backward(e, 20, true));
    HARNESS(h.scan_backward(e, 20, false));
  }
  // Many more around them, then the same again with bulk load.
  std::vector<Entry> more = ends;
  for (std::uint64_t i = 1; i <= 3000; ++i) {
    more.push_back(Entry{0, make_tid(static_cast<std::uint32_t>(i), 7)});
    more.push_back(Entry{kU64Max, make_tid(static_cast<std::uint32_t>(i), 7)});
    more.push_back(Entry{i, 9});
    more.push_back(Entry{kU64Max - i, 9});
  }
  for (std::size_t i = more.size(); i > 1; --i) std::swap(more[i - 1], more[h.rng.below(i)]);
  for (const Entry& e : more) HARNESS(h.insert(e));
  HARNESS(h.checkpoint("ends+inserts"));
  for (int i = 0; i < 3000; ++i) HARNESS(h.random_read());
  std::sort(more.begin(), more.end());
  more.erase(std::unique(more.begin(), more.end()), more.end());
  HARNESS(h.bulk_load(more));
  HARNESS(h.checkpoint("ends bulk"));
  for (const Entry& e : ends) {
    HARNESS(h.scan_forward(e, 5, false));
    HARNESS(h.scan_backward(e, 5, true));
    HARNESS(h.erase(e));
  }
  HARNESS(h.checkpoint("ends erased"));
}

TEST(Tree, BadArguments) {
  MemoryTree t;
  const std::vector<Entry> good = {Entry{1, 1}, Entry{2, 1}, Entry{3, 1}};
  ASSERT_EQ(t.bulk_load(Span<const Entry>(good.data(), good.size())), Status::kOk);
  const std::vector<Entry> unsorted = {Entry{1, 1}, Entry{3, 1}, Entry{2, 1}};
  const std::vector<Entry> dup = {Entry{1, 1}, Entry{2, 1}, Entry{2, 1}};
  const std::vector<Entry> big_tid = {Entry{1, 1}, Entry{2, kMaxTid + 1}};
  EXPECT_EQ(t.bulk_load(Span<const Entry>(unsorted.data(), unsorted.size())), Status::kBadArgument);
  EXPECT_EQ(t.bulk_load(Span<const Entry>(dup.data(), dup.size())), Status::kBadArgument);
  EXPECT_EQ(t.bulk_load(Span<const Entry>(big_tid.data(), big_tid.size())), Status::kBadArgument);
  // A refused bulk load leaves the tree as it was.
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.contains(Entry{2, 1}));
  EXPECT_TRUE(t.check().ok) << t.check().message;
  EXPECT_EQ(t.insert(Entry{7, kMaxTid + 1}), Status::kBadArgument);
  EXPECT_EQ(t.insert(Entry{7, ~std::uint64_t{0}}), Status::kBadArgument);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.contains(Entry{7, kMaxTid + 1}));
  EXPECT_TRUE(t.check().ok) << t.check().message;
}

TEST(Tree, CursorsFallOffBothEnds) {
  TreeHarness h(TreeOptions{}, "cursor-ends", derive_seed("cursor-ends"));
  std::vector<Entry> load;
  for (std::uint64_t i = 0; i < 5000; ++i) load.push_back(Entry{code_from_int(static_cast<std::int64_t>(i)), make_tid(1, 1)});
  HARNESS(h.bulk_load(load));
  Cursor c = h.tree.last();
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.entry(), load.back());
  c.next();
  EXPECT_FALSE(c.valid());
  c = h.tree.first();
  EXPECT_EQ(c.entry(), load.front());
  c.prev();
  EXPECT_FALSE(c.valid());
  EXPECT_FALSE(h.tree.lower_bound(Entry{load.back().key, load.back().tid + 1}).valid());
  EXPECT_FALSE(h.tree.upper_bound(load.back()).valid());
  EXPECT_EQ(h.tree.lower_bound(Entry{0, 0}).entry(), load.front());
}

// Erasing all but a few entries leaves many empty pages; scans and lookups cross them.
TEST(Tree, ScansCrossEmptyPages) {
  for (std::size_t page : {std::size_t{4096}, std::size_t{8192}}) {
    TreeOptions o;
    o.page_size = page;
    TreeHarness h(o, "empty-pages-" + std::to_string(page), derive_seed("empty-pages"));
    std::vector<Entry> load;
    for (std::uint64_t i = 0; i < 60000; ++i)
      load.push_back(Entry{code_from_int(static_cast<std::int64_t>(i * 17)), make_tid(static_cast<std::uint32_t>(i % 1000), 1 + i % 291)});
    std::sort(load.begin(), load.end());
    HARNESS(h.bulk_load(load));
    h.pool = load;
    for (std::size_t i = 0; i < load.size(); ++i)
      if (i % 9973 != 5) HARNESS(h.erase(load[i]));
    HARNESS(h.checkpoint("sparse"));
    EXPECT_GT(h.tree.stats().empty_data_pages, 0u);
    for (int i = 0; i < 5000; ++i) HARNESS(h.random_read());
    for (std::size_t i = 0; i < load.size(); ++i)
      if (i % 9973 != 5) HARNESS(h.erase(load[i]));  // all kNotFound now
    for (std::size_t i = 0; i < load.size(); ++i)
      if (i % 9973 == 5) HARNESS(h.erase(load[i]));
    HARNESS(h.checkpoint("emptied"));
    EXPECT_EQ(h.tree.size(), 0u);
    for (int i = 0; i < 500; ++i) HARNESS(h.random_read());
    for (std::size_t i = 0; i < load.size(); i += 3) HARNESS(h.insert(load[i]));
    HARNESS(h.checkpoint("refilled"));
    for (int i = 0; i < 5000; ++i) HARNESS(h.random_read());
  }
}

// Appends after a bulk load pack pages at the fill factor instead of half-filling them;
// prepends likewise.
TEST(Tree, AppendsAndPrependsPackPages) {
  for (std::size_t page : {std::size_t{4096}, std::size_t{8192}, std::size_t{32768}}) {
    for (bool prepend : {false, true}) {
      TreeOptions o;
      o.page_size = page;
      o.fill_factor = 0.8;
      const std::string label = std::string(prepend ? "prepend-" : "append-") + std::to_string(page);
      TreeHarness h(o, label, derive_seed(label));
      const std::int64_t n0 = 10000, n1 = page == 32768 ? 150000 : 60000;
      std::vector<Entry> load;
      for (std::int64_t i = 0; i < n0; ++i)
        load.push_back(Entry{code_from_int(prepend ? n1 + i : i), make_tid(static_cast<std::uint32_t>(i / 100), 1 + i % 100)});
      HARNESS(h.bulk_load(load));
      for (std::int64_t i = 0; i < n1; ++i) {
        const std::int64_t k = prepend ? n1 - 1 - i : n0 + i;
        HARNESS(h.insert(Entry{code_from_int(k), make_tid(static_cast<std::uint32_t>(k / 100), 1 + k % 100)}));
        if (i % 16 == 0) HARNESS(h.random_read());
      }
      HARNESS(h.checkpoint(prepend ? "prepends" : "appends"));
      const TreeStats st = h.tree.stats();
      EXPECT_GE(st.fill, 0.7) << label << ": pages are not packed (" << st.data_pages << " pages for " << st.entries
                              << " entries)";
    }
  }
}

// Sequential TIDs of one key appended after a bulk load (the common heap-insert pattern),
// then the same in descending TID order.
TEST(Tree, OneKeyAscendingAndDescendingTids) {
  TreeHarness h(TreeOptions{}, "one-key-tids", derive_seed("one-key-tids"));
  const std::uint64_t key = code_from_int(42);
  std::vector<Entry> load;
  for (std::uint32_t b = 100000; b < 100200; ++b)
    for (std::uint16_t off = 1; off <= 100; ++off) load.push_back(Entry{key, make_tid(b, off)});
  HARNESS(h.bulk_load(load));
  for (int i = 0; i < 200; ++i) h.pool.push_back(Entry{key, random_tid(h.rng)});
  for (std::uint32_t b = 100200; b < 100600; ++b)
    for (std::uint16_t off = 1; off <= 100; ++off) {
      HARNESS(h.insert(Entry{key, make_tid(b, off)}));
      if (off == 50) HARNESS(h.random_read());
    }
  HARNESS(h.checkpoint("ascending"));
  for (std::uint32_t b = 100000; b-- > 99600;)
    for (std::uint16_t off = 100; off >= 1; --off) {
      HARNESS(h.insert(Entry{key, make_tid(b, off)}));
      if (off == 50) HARNESS(h.random_read());
    }
  HARNESS(h.checkpoint("descending"));
  EXPECT_GE(h.tree.stats().fill, 0.6);
  HARNESS(h.find_key(key));
  EXPECT_EQ(h.tree.find_key(key).entry(), (Entry{key, make_tid(99600, 1)}));
  EXPECT_FALSE(h.tree.find_key(key + 1).valid());
}

// One key a million times (distinct random heap TIDs), bulk loaded, then looked up,
// scanned both ways, and modified.
TEST(TreeMillion, OneKeyAMillionTimes) {
  constexpr std::size_t kN = 1000000;
  TreeHarness h(TreeOptions{}, "one-key-1M", derive_seed("one-key-1M"));
  const std::uint64_t key = code_from_int(42);
  std::vector<Entry> load;
  {
    std::vector<std::uint64_t> tids;
    tids.reserve(kN + kN / 20);
    while (tids.size() < kN) {
      while (tids.size() < kN + kN / 50)
        tids.push_back(make_tid(static_cast<std::uint32_t>(h.rng.below(std::uint64_t{1} << 22)),
                                static_cast<std::uint16_t>(1 + h.rng.below(kMaxOffset))));
      std::sort(tids.begin(), tids.end());
      tids.erase(std::unique(tids.begin(), tids.end()), tids.end());
    }
    // Keep exactly kN, spread over the whole range.
    for (std::size_t i = tids.size(); i > 1; --i) std::swap(tids[i - 1], tids[h.rng.below(i)]);
    tids.resize(kN);
    std::sort(tids.begin(), tids.end());
    load.reserve(kN);
    for (std::uint64_t t : tids) load.push_back(Entry{key, t});
  }
  HARNESS(h.bulk_load(load));
  ASSERT_EQ(h.tree.size(), kN);
  HARNESS(h.checkpoint("bulk 1M"));
  EXPECT_GE(h.tree.height(), 2u);
  // Probes: the key itself, its neighbours, random TIDs (present and absent).
  for (int i = 0; i < 20000; ++i) h.pool.push_back(Entry{key, make_tid(static_cast<std::uint32_t>(h.rng.below(std::uint64_t{1} << 22)),
                                                                      static_cast<std::uint16_t>(1 + h.rng.below(kMaxOffset)))});
  HARNESS(h.find_key(key));
  EXPECT_EQ(h.tree.find_key(key).entry(), load.front());
  EXPECT_EQ(h.tree.find_key(key - 1).entry(), load.front());
  EXPECT_FALSE(h.tree.find_key(key + 1).valid());
  EXPECT_EQ(h.tree.last().entry(), load.back());
  for (int i = 0; i < 100000; ++i) HARNESS(h.random_read());
  // Modifications: erases, inserts of new TIDs, appends and prepends of the key.
  h.phase = "modify";
  Entry hi = load.back(), lo = load.front();
  for (int i = 0; i < 40000; ++i) {
    switch (h.rng.below(6)) {
      case 0:
      case 1: HARNESS(h.erase(*h.random_existing())); break;
      case 2: HARNESS(h.insert(h.pool[h.rng.below(h.pool.size())])); break;
      case 3: {
        const auto t = tid_after(hi.tid, h.rng);
        if (t) { hi = Entry{key, *t}; HARNESS(h.insert(hi)); }
        break;
      }
      case 4: {
        const auto t = tid_before(lo.tid, h.rng);
        if (t) { lo = Entry{key, *t}; HARNESS(h.insert(lo)); }
        break;
      }
      default: HARNESS(h.random_read()); break;
    }
  }
  HARNESS(h.checkpoint("modified"));
  for (int i = 0; i < 20000; ++i) HARNESS(h.random_read());
  std::printf("[omendb] one key x 1M: %llu operations, %llu cursor steps\n", static_cast<unsigned long long>(h.ops),
              static_cast<unsigned long long>(h.steps));
}

}  // namespace
}  // namespace omendb::alex::test

namespace omendb::alex::test {
namespace {

// Bulk-loaded entries route to their own data page (align_cuts, bulk_load.h: "so
// bulk-loaded entries route to their own page, no hop needed"): a performance expectation,
// checked for the evenly spread sets where it is achievable.
TEST(Tree, BulkLoadedLookupsRarelyHop) {
  for (Dist d : {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kParetoGap, Dist::kOneKey}) {
    TreeHarness h(TreeOptions{}, std::string("hops-") + testing::dist_name(d), derive_seed("hops"));
    std::vector<Entry> load;
    for (std::int64_t k : testing::make_keys(d, 100000, derive_seed("hops-keys"))) load.push_back(Entry{code_from_int(k), random_tid(h.rng)});
    std::sort(load.begin(), load.end());
    load.erase(std::unique(load.begin(), load.end()), load.end());
    HARNESS(h.bulk_load(load));
    HARNESS(h.checkpoint("bulk"));
    double pages = 0;
    std::uint32_t worst = 0;
    for (int i = 0; i < 5000; ++i) {
      const LookupCost c = h.tree.lookup_cost(load[h.rng.below(load.size())]);
      pages += c.data_pages;
      worst = std::max(worst, c.data_pages);
    }
    pages /= 5000;
    std::printf("[omendb] %s: %.3f data pages per lookup (worst %u), height %zu\n", testing::dist_name(d), pages, worst,
                h.tree.height());
    if (d == Dist::kUniform || d == Dist::kSequential) {
      EXPECT_LE(pages, 1.1) << testing::dist_name(d);
    }
  }
}

// Keys in dense clusters far apart, each cluster many pages: one line cannot route the
// pages of two clusters (the gap between them takes its slots), so the level-1 nodes must
// end where clusters do (take_model_group). Nodes that straddled clusters walked 4.4 data
// pages per lookup at 10M clustered keys.
TEST(Tree, BulkLoadedClustersRouteToTheirPages) {
  TreeHarness h(TreeOptions{}, "hops-clusters", derive_seed("hops-clusters"));
  std::vector<Entry> load;
  for (int cluster = 0; cluster < 30; ++cluster) {
    const std::uint64_t base = h.rng.below(std::uint64_t{1} << 60);
    const std::uint64_t width = std::uint64_t{1} << (20 + h.rng.below(11));
    for (int i = 0; i < 12000; ++i)
      load.push_back(Entry{code_from_int(static_cast<std::int64_t>(base + h.rng.below(width))), random_tid(h.rng)});
  }
  std::sort(load.begin(), load.end());
  load.erase(std::unique(load.begin(), load.end()), load.end());
  HARNESS(h.bulk_load(load));
  HARNESS(h.checkpoint("bulk"));
  double pages = 0;
  for (int i = 0; i < 5000; ++i) pages += h.tree.lookup_cost(load[h.rng.below(load.size())]).data_pages;
  EXPECT_LE(pages / 5000, 1.1);
}

}  // namespace
}  // namespace omendb::alex::test

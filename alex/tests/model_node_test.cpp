// ModelPage: build, route, find_child, split_child (plain, with doubling, kNodeFull,
// kNotFound) and children(), on pages of 4096, 8192 and 32768 bytes.
#include <cstring>
#include <map>
#include <vector>

#include "omendb/alex/bulk_load.h"
#include "omendb/alex/model_node.h"
#include "test_support.h"

namespace omendb::alex::test {
namespace {

const std::size_t kPageSizes[] = {4096, 8192, 32768};

struct NodeBuf {
  explicit NodeBuf(std::size_t n) : bytes(n), buf(n) {}
  std::size_t bytes;
  std::vector<std::byte> buf;
  ModelPage page() { return ModelPage(buf.data(), bytes); }
};

std::vector<ChildRef> linear_children(std::size_t n, BlockNumber first_block = 100) {
  std::vector<ChildRef> v;
  for (std::size_t i = 0; i < n; ++i)
    v.push_back(ChildRef{Entry{code_from_int(static_cast<std::int64_t>(i) * 1000000), make_tid(1, 1)},
                         static_cast<BlockNumber>(first_block + i)});
  return v;
}

std::vector<BlockNumber> blocks_of(const std::vector<ChildRef>& c) {
  std::vector<BlockNumber> b;
  for (const auto& x : c) b.push_back(x.block);
  return b;
}

Span<const ChildRef> cspan(const std::vector<ChildRef>& v) { return Span<const ChildRef>(v.data(), v.size()); }

// A root's fences: everything.
Fences all_entries() { return Fences{Entry{0, 0}, Entry{}, true}; }
// An inner node of a level: from its first child's low to just past its last child's.
Fences bounded(const std::vector<ChildRef>& c) {
  return Fences{c.front().low, Entry{c.back().low.key + 1000000, 0}, false};
}

TEST(ModelNode, MaxFanout) {
  for (std::size_t bytes : kPageSizes) {
    const std::size_t f = max_fanout(bytes);
    ASSERT_TRUE(is_pow2(f)) << bytes;
    EXPECT_LE(sizeof(ModelHeader) + f * sizeof(BlockNumber), bytes);
    EXPECT_GT(sizeof(ModelHeader) + 2 * f * sizeof(BlockNumber), bytes) << "not the largest power of two";
  }
}

TEST(ModelNode, ZeroedPageIsNotValid) {
  NodeBuf b(8192);
  EXPECT_FALSE(b.page().valid());
}

// Evenly spread lows: each child gets slots, and its own low routes to it. A rightmost
// node (infinite high fence) keeps the upper half of its slots for the last child.
TEST(ModelNode, BuildAndRouteLinearLows) {
  SplitMix64 rng(derive_seed("mn-build"));
  for (std::size_t bytes : kPageSizes) {
    for (bool rightmost : {true, false}) {
      for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{100},
                            max_fanout(bytes) / 4, max_fanout(bytes) / 2}) {
        SCOPED_TRACE(std::to_string(bytes) + " bytes, " + std::to_string(n) + " children, " +
                     (rightmost ? "rightmost" : "bounded"));
        NodeBuf b(bytes);
        auto m = b.page();
        const auto children = linear_children(n);
        const Fences f = rightmost ? all_entries() : bounded(children);
        ASSERT_EQ(m.build(cspan(children), 1, f, 11, 12), Status::kOk);
        ASSERT_TRUE(ModelPageRoutesTo(m, blocks_of(children), bytes, rng));
        EXPECT_EQ(m.header().level, 1);
        EXPECT_EQ(m.header().left, 11u);
        EXPECT_EQ(m.header().right, 12u);
        EXPECT_EQ(m.fences().low, f.low);
        EXPECT_EQ(m.fences().high_infinite, f.high_infinite);
        if (!f.high_infinite) {
          EXPECT_EQ(m.fences().high, f.high);
        }
        for (const auto& c : children) ASSERT_EQ(m.route(c.low), c.block) << str(c.low);
        // Entries between two lows route to the left one (a slot boundary may fall a little
        // below a low -- routing is a hint -- so only the middle is checked); entries far out
        // go to the ends.
        for (std::size_t i = 0; i + 1 < n; ++i) {
          const Entry mid{children[i].low.key + 500000, 77};
          ASSERT_EQ(m.route(mid), children[i].block);
        }
        EXPECT_EQ(m.route(Entry{0, 0}), children.front().block);
        EXPECT_EQ(m.route(kMaxEntry), children.back().block);
        // (Only while the children fit in an eighth of the slots: a node packed with children
        // gives every one of them room instead.)
        if (rightmost && n > 1 && 8 * n <= m.fanout()) {
          const auto runs = runs_of(m);
          EXPECT_GE(runs.back().last - runs.back().first + 1, m.fanout() / 2)
              << "the rightmost node keeps the upper half of its slots for appends";
        }
        ASSERT_TRUE(ChildrenLowsExact(m));
        std::vector<ChildRef> out(n);
        ASSERT_EQ(m.children(Span<ChildRef>(out.data(), n)), n);
        for (std::size_t i = 1; i < n; ++i) {
          EXPECT_LE(out[i].low, children[i].low) << "child " << i << " is reached only above its own low";
          EXPECT_GT(out[i].low, children[i - 1].low);
        }
        // set_fences round-trips.
        const Fences g{Entry{5, 6}, Entry{7, 8}, false};
        m.set_fences(g);
        EXPECT_EQ(m.fences().low, g.low);
        EXPECT_EQ(m.fences().high, g.high);
        EXPECT_FALSE(m.fences().high_infinite);
        EXPECT_TRUE(m.valid());
      }
    }
  }
}

TEST(ModelNode, MeanRoutingHops) {
  SplitMix64 rng(derive_seed("mn-hops"));
  for (std::size_t bytes : kPageSizes) {
    const auto lin = linear_children(100);
    // Evenly spread lows sit on their slots; only the estimate for keys near run boundaries remains.
    EXPECT_LT(mean_routing_hops(cspan(lin), bytes), 0.5) << "evenly spread lows need (almost) no hops";
    // Lows bunched at one point plus one far outlier: the model cannot separate them.
    std::vector<ChildRef> bunched;
    for (std::size_t i = 0; i < 99; ++i)
      bunched.push_back(ChildRef{Entry{code_from_int(1000), make_tid(static_cast<std::uint32_t>(i), 1)}, static_cast<BlockNumber>(i)});
    bunched.push_back(ChildRef{Entry{code_from_int(std::int64_t{1} << 60), 1}, 99});
    const double h = mean_routing_hops(cspan(bunched), bytes);
    EXPECT_GE(h, 0.0);
    EXPECT_GT(h, mean_routing_hops(cspan(lin), bytes)) << "bunched lows should cost hops";
    std::vector<ChildRef> rnd;
    std::vector<Entry> e;
    for (int i = 0; i < 300; ++i) e.push_back(Entry{rng.next(), random_tid(rng)});
    std::sort(e.begin(), e.end());
    for (std::size_t i = 0; i < e.size(); ++i) rnd.push_back(ChildRef{e[i], static_cast<BlockNumber>(i)});
    EXPECT_GE(mean_routing_hops(cspan(rnd), bytes), 0.0);
  }
}

// Lognormal keys give each child a wider range than the one before it: a least-squares
// line crowds the dense first children into a few slots (4 sideways steps per lookup
// over these 40), so the node tries lines that spread the first children and clamp the
// last. One root then routes them with about one step instead of a level more.
TEST(ModelNode, SkewedLowsRouteWithFewHops) {
  const auto e = dist_entries(Dist::kLognormal, 400000, derive_seed("mn-skewed"));
  std::vector<ChildRef> children;
  for (std::size_t i = 0; i < e.size(); i += 10000)
    children.push_back(ChildRef{e[i], static_cast<BlockNumber>(children.size())});
  ASSERT_EQ(children.size(), 40u);
  std::vector<std::byte> page(8192);
  ModelPage node(page.data(), page.size());
  ASSERT_EQ(node.build(cspan(children), 2, Fences{Entry{}, Entry{}, true}, kInvalidBlock, kInvalidBlock), Status::kOk);
  double steps = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const std::size_t owner = i / 10000;
    const std::size_t routed = node.route(e[i]);
    steps += static_cast<double>(routed > owner ? routed - owner : owner - routed);
  }
  steps /= static_cast<double>(e.size());
  EXPECT_LT(steps, 2.0);  // 1.2 here; the least-squares line alone: 4.0
  EXPECT_LT(mean_routing_hops(cspan(children), 8192), 2.0);
  // So the root takes them all, where it used to split them under another level.
  EXPECT_EQ(take_model_group(cspan(children), 8192, 2, true), children.size());
}

TEST(ModelNode, BuildRejectsTooManyChildren) {
  for (std::size_t bytes : kPageSizes) {
    NodeBuf b(bytes);
    const auto ok = linear_children(max_fanout(bytes) / 2);
    EXPECT_EQ(b.page().build(cspan(ok), 2, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
    EXPECT_EQ(b.page().header().level, 2);
    const auto too_many = linear_children(max_fanout(bytes) / 2 + 1);
    NodeBuf b2(bytes);
    EXPECT_EQ(b2.page().build(cspan(too_many), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kBadArgument);
  }
}

// Lows from every distribution, colliding lows included: the structure always holds.
TEST(ModelNode, BuildFromDistributions) {
  SplitMix64 rng(derive_seed("mn-dists"));
  for (std::size_t bytes : kPageSizes) {
    for (Dist d : {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kClustered, Dist::kParetoGap,
                   Dist::kOutliers, Dist::kOneKey, Dist::kTenKeys, Dist::kExtremes}) {
      SCOPED_TRACE(std::string(testing::dist_name(d)) + " " + std::to_string(bytes));
      std::vector<Entry> e;
      for (std::int64_t k : testing::make_keys(d, 20000, rng.next())) e.push_back(Entry{code_from_int(k), random_tid(rng)});
      std::sort(e.begin(), e.end());
      e.erase(std::unique(e.begin(), e.end()), e.end());
      for (std::size_t n : {std::size_t{2}, std::size_t{50}, max_fanout(bytes) / 2}) {
        std::vector<ChildRef> children;
        const std::size_t step = e.size() / n;
        for (std::size_t i = 0; i < n; ++i)
          children.push_back(ChildRef{e[i * step], static_cast<BlockNumber>(7 + 3 * i)});
        NodeBuf b(bytes);
        auto m = b.page();
        ASSERT_EQ(m.build(cspan(children), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
        ASSERT_TRUE(ModelPageRoutesTo(m, blocks_of(children), bytes, rng));
        // Routing is monotone in the entry: walking sorted entries never goes back a child.
        std::map<BlockNumber, std::size_t> index;
        for (std::size_t i = 0; i < n; ++i) index[children[i].block] = i;
        std::size_t last = 0;
        for (std::size_t i = 0; i < e.size(); i += 7) {
          const BlockNumber blk = m.route(e[i]);
          ASSERT_TRUE(index.count(blk)) << "routed to an unknown block";
          ASSERT_GE(index[blk], last);
          last = index[blk];
        }
      }
    }
  }
}

// Samples for route-stability checks: random entries around the children plus every
// child's low and its neighbours.
std::vector<Entry> route_samples(const std::vector<ChildRef>& children, SplitMix64& rng, std::size_t n) {
  std::vector<Entry> s;
  const Composite lo = to_composite(children.front().low);
  const Composite hi = to_composite(children.back().low) + (Composite{1} << 70);
  for (std::size_t i = 0; i < n; ++i) s.push_back(from_composite(random_composite_between(rng, lo, hi)));
  for (const auto& c : children) {
    s.push_back(c.low);
    if (auto b = entry_before(c.low)) s.push_back(*b);
    if (auto a = entry_after(c.low)) s.push_back(*a);
  }
  s.push_back(Entry{0, 0});
  s.push_back(kMaxEntry);
  std::sort(s.begin(), s.end());
  return s;
}

// After splitting `child` into child + new_child at `split`: entries routed elsewhere
// are not moved; the child's entries go to child below a threshold and new_child above,
// and everything from `split` up goes to new_child when `exact`.
::testing::AssertionResult RoutesAfterSplit(const ModelPage& m, const std::vector<Entry>& samples,
                                            const std::vector<BlockNumber>& before, BlockNumber child,
                                            BlockNumber new_child, const Entry& split, bool exact) {
  bool seen_new = false;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const BlockNumber now = m.route(samples[i]);
    if (before[i] != child) {
      if (now != before[i])
        return ::testing::AssertionFailure() << "entry " << str(samples[i]) << " moved from block " << before[i]
                                             << " to " << now << " (split of " << child << ")";
      continue;
    }
    if (now != child && now != new_child)
      return ::testing::AssertionFailure() << "entry " << str(samples[i]) << " of the split child went to " << now;
    if (now == child && seen_new)
      return ::testing::AssertionFailure() << "entry " << str(samples[i]) << " routes back to the child after new_child";
    seen_new |= now == new_child;
    if (exact && samples[i] >= split && now != new_child)
      return ::testing::AssertionFailure() << "entry " << str(samples[i]) << " >= split " << str(split)
                                           << " still routes to the old child";
  }
  if (m.route(split) != new_child && exact)
    return ::testing::AssertionFailure() << "the split entry does not route to new_child";
  return ::testing::AssertionSuccess();
}

std::vector<BlockNumber> routes(const ModelPage& m, const std::vector<Entry>& samples) {
  std::vector<BlockNumber> r;
  for (const Entry& e : samples) r.push_back(m.route(e));
  return r;
}

// The smallest entry routed to a slot >= `slot` (nullopt if none), by bisection over the
// composite space -- the tests' own inverse, independent of first_entry_reaching.
std::optional<Entry> lowest_reaching(const LinearModel& model, std::size_t slot, std::size_t slots) {
  if (model.slot(kMaxEntry, slots) < slot) return std::nullopt;
  if (model.slot(Entry{0, 0}, slots) >= slot) return Entry{0, 0};
  Composite lo = 0, hi = kMaxComposite;  // slot(lo) < slot <= slot(hi)
  while (hi - lo > 1) {
    const Composite mid = lo + (hi - lo) / 2;
    if (model.slot(from_composite(mid), slots) >= slot) hi = mid;
    else lo = mid;
  }
  return from_composite(hi);
}

// A split entry routed exactly to `slot` under `model` with `slots` slots (nullopt if none).
std::optional<Entry> entry_in_slot(const LinearModel& model, std::size_t slot, std::size_t slots, SplitMix64& rng) {
  const auto first = lowest_reaching(model, slot, slots);
  if (!first) return std::nullopt;
  Composite hi = kMaxComposite;
  if (slot + 1 < slots) {
    const auto next = lowest_reaching(model, slot + 1, slots);
    if (next) {
      if (to_composite(*next) == 0) return std::nullopt;
      hi = to_composite(*next) - 1;
    }
  }
  if (hi < to_composite(*first)) return std::nullopt;
  // Mostly the slot's lowest entry, sometimes one inside it.
  const Entry e = rng.below(2) ? *first : from_composite(random_composite_between(rng, to_composite(*first), hi));
  if (model.slot(e, slots) != slot) return std::nullopt;
  return e;
}

TEST(ModelNode, SplitChildWithinItsRun) {
  SplitMix64 rng(derive_seed("mn-split"));
  for (std::size_t bytes : kPageSizes) {
    NodeBuf b(bytes);
    auto m = b.page();
    const auto children = linear_children(10);
    ASSERT_EQ(m.build(cspan(children), 1, bounded(children), kInvalidBlock, kInvalidBlock), Status::kOk);
    const auto samples = route_samples(children, rng, 3000);
    auto runs = runs_of(m);
    ASSERT_EQ(runs.size(), 10u);
    const SlotRun r = runs[4];
    ASSERT_GT(r.last, r.first) << "10 children in " << m.fanout() << " slots should own several each";
    const std::size_t t = r.first + 1 + rng.below(r.last - r.first);
    const auto split = entry_in_slot(m.header().model, t, m.fanout(), rng);
    ASSERT_TRUE(split.has_value());
    ASSERT_EQ(m.route(*split), r.block);
    const auto before = routes(m, samples);
    const std::size_t fanout = m.fanout();
    ASSERT_EQ(m.split_child(r.block, 9999, *split), Status::kOk);
    EXPECT_EQ(m.fanout(), fanout) << "no doubling when the child owns several slots";
    auto blocks = blocks_of(children);
    blocks.insert(blocks.begin() + 5, 9999);
    ASSERT_TRUE(ModelPageRoutesTo(m, blocks, bytes, rng));
    runs = runs_of(m);
    EXPECT_EQ(runs[4].first, r.first);
    EXPECT_EQ(runs[4].last, t - 1);
    EXPECT_EQ(runs[5].first, t);
    EXPECT_EQ(runs[5].last, r.last);
    ASSERT_TRUE(RoutesAfterSplit(m, samples, before, r.block, 9999, *split, true));
    ASSERT_TRUE(ChildrenLowsExact(m));
  }
}

TEST(ModelNode, SplitChildDoublesASingleSlotChild) {
  SplitMix64 rng(derive_seed("mn-double"));
  for (std::size_t bytes : kPageSizes) {
    NodeBuf b(bytes);
    auto m = b.page();
    const auto children = linear_children(3);
    ASSERT_EQ(m.build(cspan(children), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
    auto runs = runs_of(m);
    std::optional<SlotRun> single;
    for (const SlotRun& r : runs)
      if (r.first == r.last && r.first + 1 < m.fanout()) { single = r; break; }
    if (!single) {
      // Make one: split off the last slot of a child's run.
      const SlotRun r = runs[runs.size() / 2];
      ASSERT_GT(r.last, r.first);
      const auto s = entry_in_slot(m.header().model, r.last, m.fanout(), rng);
      ASSERT_TRUE(s.has_value());
      ASSERT_EQ(m.split_child(r.block, 8888, *s), Status::kOk);
      runs = runs_of(m);
      for (const SlotRun& x : runs)
        if (x.first == x.last && x.first + 1 < m.fanout()) { single = x; break; }
    }
    ASSERT_TRUE(single.has_value());
    const std::size_t fanout = m.fanout();
    ASSERT_LT(fanout, max_fanout(bytes)) << "a node of 3 children is built at the maximum fanout: nothing to double into";
    LinearModel doubled = m.header().model;
    ASSERT_TRUE(doubled.double_scale());
    const auto split = entry_in_slot(doubled, 2 * single->first + 1, 2 * fanout, rng);
    ASSERT_TRUE(split.has_value()) << "no entry predicts the upper half of the doubled slot";
    ASSERT_EQ(m.route(*split), single->block);
    std::vector<BlockNumber> blocks;
    for (const SlotRun& x : runs) blocks.push_back(x.block);
    const auto samples = route_samples(children, rng, 3000);
    const auto before = routes(m, samples);
    ASSERT_EQ(m.split_child(single->block, 7777, *split), Status::kOk);
    EXPECT_EQ(m.fanout(), 2 * fanout);
    blocks.insert(std::find(blocks.begin(), blocks.end(), single->block) + 1, 7777);
    ASSERT_TRUE(ModelPageRoutesTo(m, blocks, bytes, rng));
    const auto after = runs_of(m);
    for (std::size_t i = 0, j = 0; i < runs.size(); ++i, ++j) {
      if (runs[i].block == single->block) {
        EXPECT_EQ(after[j].first, 2 * runs[i].first);
        EXPECT_EQ(after[j].last, 2 * runs[i].first);
        ++j;
        EXPECT_EQ(after[j].block, 7777u);
        EXPECT_EQ(after[j].first, 2 * runs[i].first + 1);
        EXPECT_EQ(after[j].last, 2 * runs[i].first + 1);
        continue;
      }
      EXPECT_EQ(after[j].first, 2 * runs[i].first) << "doubling moved the run of block " << runs[i].block;
      EXPECT_EQ(after[j].last, 2 * runs[i].last + 1) << "doubling moved the run of block " << runs[i].block;
    }
    ASSERT_TRUE(RoutesAfterSplit(m, samples, before, single->block, 7777, *split, true));
    ASSERT_TRUE(ChildrenLowsExact(m));
  }
}

// Merging an emptied child into its left neighbour: the neighbour owns both runs, every
// other child keeps its slots, and a child that does not follow `into` is refused.
TEST(ModelNode, MergeChild) {
  NodeBuf b(8192);
  auto m = b.page();
  const auto children = linear_children(10);
  ASSERT_EQ(m.build(cspan(children), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
  const auto runs = runs_of(m);
  const std::vector<std::byte> untouched = b.buf;
  EXPECT_EQ(m.merge_child(children[5].block, children[3].block, children[5].low), Status::kNotFound)
      << "child 3 does not own the slots before child 5";
  EXPECT_EQ(m.merge_child(children[0].block, children[1].block, children[0].low), Status::kNotFound)
      << "the first child has no left neighbour here";
  EXPECT_EQ(m.merge_child(4242, children[1].block, children[1].low), Status::kNotFound);
  EXPECT_TRUE(untouched == b.buf) << "a refused merge modified the page";
  ASSERT_EQ(m.merge_child(children[5].block, children[4].block, children[5].low), Status::kOk);
  EXPECT_EQ(m.header().children, 9u);
  const auto after = runs_of(m);
  ASSERT_EQ(after.size(), 9u);
  EXPECT_EQ(after[4].block, children[4].block);
  EXPECT_EQ(after[4].first, runs[4].first);
  EXPECT_EQ(after[4].last, runs[5].last);
  for (std::size_t i = 5; i < 9; ++i) EXPECT_EQ(after[i].first, runs[i + 1].first);
  auto blocks = blocks_of(children);
  blocks.erase(blocks.begin() + 5);
  SplitMix64 rng(derive_seed("merge-child"));
  ASSERT_TRUE(ModelPageRoutesTo(m, blocks, 8192, rng));
}

TEST(ModelNode, SplitChildNotFound) {
  NodeBuf b(8192);
  auto m = b.page();
  const auto children = linear_children(5);
  ASSERT_EQ(m.build(cspan(children), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
  const auto bytes = b.buf;
  EXPECT_EQ(m.split_child(4242, 4343, Entry{code_from_int(1500000), 0}), Status::kNotFound);
  EXPECT_TRUE(bytes == b.buf);
}

// Repeated splits until the node is full: every split keeps the structure and moves no
// entry of another child; kNodeFull comes only when a single-slot child cannot double,
// and leaves the page untouched.
TEST(ModelNode, SplitUntilNodeFull) {
  for (std::size_t bytes : kPageSizes) {
    SCOPED_TRACE(std::to_string(bytes) + " bytes");
    SplitMix64 rng(derive_seed("mn-full-" + std::to_string(bytes)));
    NodeBuf b(bytes);
    auto m = b.page();
    auto refs = linear_children(4);
    ASSERT_EQ(m.build(cspan(refs), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
    std::vector<BlockNumber> blocks = blocks_of(refs);
    const auto samples = route_samples(refs, rng, bytes == 32768 ? 600 : 1500);
    BlockNumber next_block = 5000;
    bool full = false;
    std::size_t splits = 0, doublings = 0;
    const std::size_t max_iter = bytes == 32768 ? 1500 : 5000;
    for (std::size_t iter = 0; iter < max_iter && !full; ++iter) {
      const auto runs = runs_of(m);
      const std::size_t fanout = m.fanout();
      // Prefer a multi-slot child; otherwise a single-slot one (which needs doubling).
      std::vector<std::size_t> multi;
      for (std::size_t i = 0; i < runs.size(); ++i)
        if (runs[i].last > runs[i].first) multi.push_back(i);
      const bool use_multi = !multi.empty() && rng.below(8) != 0;
      const std::size_t ri = use_multi ? multi[rng.below(multi.size())] : rng.below(runs.size());
      const SlotRun r = runs[ri];
      std::optional<Entry> split;
      bool needs_doubling = false;
      bool can_double = false;
      if (r.last > r.first) {
        split = entry_in_slot(m.header().model, r.first + 1 + rng.below(r.last - r.first), fanout, rng);
      } else {
        needs_doubling = true;
        LinearModel d = m.header().model;
        can_double = fanout < max_fanout(bytes) && d.double_scale();
        if (can_double) {
          split = entry_in_slot(d, 2 * r.first + 1, 2 * fanout, rng);
        } else {
          // Any entry routed to the child: the node cannot give it another slot.
          split = entry_in_slot(m.header().model, r.first, fanout, rng);
          if (split && split == std::optional<Entry>(Entry{0, 0})) split.reset();
        }
      }
      if (!split || m.route(*split) != r.block) continue;
      const auto before = routes(m, samples);
      const std::vector<std::byte> before_bytes = b.buf;
      const BlockNumber nb = next_block++;
      const Status s = m.split_child(r.block, nb, *split);
      if (s == Status::kNodeFull) {
        ASSERT_TRUE(needs_doubling) << "kNodeFull for a child owning " << r.last - r.first + 1 << " slots";
        ASSERT_FALSE(can_double) << "kNodeFull although the slot array could double (fanout " << fanout << ")";
        ASSERT_TRUE(before_bytes == b.buf) << "kNodeFull modified the page";
        full = true;
        break;
      }
      ASSERT_EQ(s, Status::kOk) << "iteration " << iter;
      ++splits;
      if (m.fanout() != fanout) {
        ++doublings;
        ASSERT_EQ(m.fanout(), 2 * fanout);
        ASSERT_TRUE(needs_doubling) << "doubled although the child owned several slots";
      }
      blocks.insert(std::find(blocks.begin(), blocks.end(), r.block) + 1, nb);
      if (bytes != 32768 || iter % 50 == 0) {
        ASSERT_TRUE(ModelPageRoutesTo(m, blocks, bytes, rng)) << "iteration " << iter;
      }
      ASSERT_TRUE(RoutesAfterSplit(m, samples, before, r.block, nb, *split, !needs_doubling || can_double))
          << "iteration " << iter;
    }
    ASSERT_TRUE(ModelPageRoutesTo(m, blocks, bytes, rng));
    ASSERT_TRUE(ChildrenLowsExact(m));
    std::printf("[omendb] model node %zu: %zu splits, %zu doublings, %zu children, fanout %zu, full=%d\n", bytes,
                splits, doublings, blocks.size(), m.fanout(), full);
    EXPECT_GT(doublings, 0u);
    if (bytes != 32768) {
      EXPECT_TRUE(full) << "never reached kNodeFull";
    }
  }
}

// A split entry predicted at the child's first slot cannot be separated by the slots it
// owns: the core may double further or refuse with kNodeFull, but must not lose the
// child, misroute other children, or change the page on refusal.
TEST(ModelNode, SplitAtTheChildsFirstSlot) {
  SplitMix64 rng(derive_seed("mn-degenerate"));
  for (std::size_t bytes : kPageSizes) {
    NodeBuf b(bytes);
    auto m = b.page();
    const auto children = linear_children(6);
    ASSERT_EQ(m.build(cspan(children), 1, all_entries(), kInvalidBlock, kInvalidBlock), Status::kOk);
    const auto runs = runs_of(m);
    const SlotRun r = runs[3];
    // The entry just above the child's own lowest entry: same (first) slot.
    const auto lowest = lowest_reaching(m.header().model, r.first, m.fanout());
    ASSERT_TRUE(lowest.has_value());
    const Entry split = *entry_after(*lowest);
    ASSERT_EQ(m.route_slot(split), r.first);
    const auto samples = route_samples(children, rng, 2000);
    const auto before = routes(m, samples);
    const std::vector<std::byte> before_bytes = b.buf;
    const Status s = m.split_child(r.block, 6666, split);
    if (s == Status::kNodeFull) {
      EXPECT_TRUE(before_bytes == b.buf) << "kNodeFull modified the page";
      continue;
    }
    ASSERT_EQ(s, Status::kOk);
    auto blocks = blocks_of(children);
    blocks.insert(blocks.begin() + 4, 6666);
    ASSERT_TRUE(ModelPageRoutesTo(m, blocks, bytes, rng));
    ASSERT_TRUE(RoutesAfterSplit(m, samples, before, r.block, 6666, split, false));
  }
}

}  // namespace
}  // namespace omendb::alex::test

// Bulk-load planning: take_data_page and take_model_group produce pages the node
// functions accept, at the requested fill.
#include <vector>

#include "omendb/alex/bulk_load.h"
#include "omendb/alex/data_node.h"
#include "omendb/alex/model_node.h"
#include "test_support.h"

namespace omendb::alex::test {
namespace {

TEST(BulkLoad, TakeDataPageFillsPagesThatLayOut) {
  SplitMix64 rng(derive_seed("bulk-take"));
  for (std::size_t bytes : {std::size_t{4096}, std::size_t{8192}, std::size_t{32768}}) {
    for (Dist d : {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kClustered, Dist::kParetoGap,
                   Dist::kOutliers, Dist::kOneKey, Dist::kTenKeys, Dist::kExtremes}) {
      const auto e = dist_entries(d, 30000, rng.next());
      for (double fill : {0.5, 0.8, 1.0}) {
        SCOPED_TRACE(std::string(testing::dist_name(d)) + " " + std::to_string(bytes) + " fill " + std::to_string(fill));
        std::size_t pos = 0, pages = 0;
        std::vector<std::byte> buf(bytes);
        while (pos < e.size()) {
          const Span<const Entry> rest(e.data() + pos, e.size() - pos);
          const std::size_t n = take_data_page(rest, fill, bytes);
          ASSERT_GE(n, 1u);
          ASSERT_LE(n, rest.size());
          FormatNeeds needs;
          for (std::size_t i = 0; i < n; ++i) needs.add(rest[i]);
          const double cap = static_cast<double>(data_capacity(bytes, needs.format()));
          ASSERT_LE(static_cast<double>(n), fill * cap + 1)
              << "page " << pages << " overfilled at stride " << needs.format().stride();
          if (n < rest.size()) {
            // Never emptier than a page in the widest format.
            ASSERT_GE(static_cast<double>(n), fill * static_cast<double>(data_capacity(bytes, SlotFormat{8, 6, 65536})) - 1)
                << "page " << pages << " underfilled";
            // And one more entry would have overfilled it.
            needs.add(rest[n]);
            ASSERT_GT(static_cast<double>(n + 1), fill * static_cast<double>(data_capacity(bytes, needs.format())))
                << "page " << pages << " stopped early";
          }
          Fences f;
          f.low = pos == 0 ? Entry{0, 0} : rest[0];
          f.high_infinite = n == rest.size();
          if (!f.high_infinite) f.high = rest[n];
          DataPage p(buf.data(), bytes);
          ASSERT_EQ(p.layout(rest.first(n), f, kInvalidBlock, kInvalidBlock), Status::kOk) << "page " << pages;
          ASSERT_EQ(p.size(), n);
          pos += n;
          ++pages;
        }
      }
    }
  }
}

TEST(BulkLoad, TakeModelGroupBuildsNodes) {
  SplitMix64 rng(derive_seed("bulk-group"));
  for (std::size_t bytes : {std::size_t{4096}, std::size_t{8192}, std::size_t{32768}}) {
    for (Dist d : {Dist::kUniform, Dist::kLognormal, Dist::kParetoGap, Dist::kOneKey, Dist::kExtremes}) {
      const auto e = dist_entries(d, 60000, rng.next());
      std::vector<ChildRef> children;
      for (std::size_t i = 0; i < e.size(); i += 13)
        children.push_back(ChildRef{e[i], static_cast<BlockNumber>(children.size() + 1)});
      std::size_t pos = 0, groups = 0;
      std::vector<std::byte> buf(bytes);
      while (pos < children.size()) {
        const Span<const ChildRef> rest(children.data() + pos, children.size() - pos);
        const std::size_t n = take_model_group(rest, bytes, 1, pos == 0);
        ASSERT_GE(n, 1u);
        ASSERT_LE(n, std::min(rest.size(), max_fanout(bytes) / 2));
        ModelPage m(buf.data(), bytes);
        Fences f;
        f.low = pos == 0 ? Entry{0, 0} : rest[0].low;
        f.high_infinite = n == rest.size();
        if (!f.high_infinite) f.high = rest[n].low;
        ASSERT_EQ(m.build(rest.first(n), 1, f, kInvalidBlock, kInvalidBlock), Status::kOk);
        ASSERT_EQ(m.header().children, n);
        pos += n;
        ++groups;
      }
      // The cost model groups many children per node, not one or two.
      EXPECT_LE(groups, children.size() / 4 + 1) << testing::dist_name(d) << " " << bytes;
    }
  }
}

}  // namespace
}  // namespace omendb::alex::test

namespace omendb::alex::test {
namespace {

// align_cuts moves page boundaries under a node to where the node routes, never emptying
// a page or filling it beyond half way from the fill factor to full: afterwards (almost)
// every entry routes to its own page.
TEST(BulkLoad, AlignCutsMovesBoundariesToTheRouting) {
  SplitMix64 rng(derive_seed("bulk-align"));
  for (std::size_t bytes : {std::size_t{4096}, std::size_t{8192}, std::size_t{32768}}) {
    for (Dist d : {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kClustered, Dist::kParetoGap,
                   Dist::kOneKey, Dist::kExtremes}) {
      for (double fill : {0.5, 0.8}) {
        SCOPED_TRACE(std::string(testing::dist_name(d)) + " " + std::to_string(bytes) + " fill " + std::to_string(fill));
        const auto e = dist_entries(d, 40000, rng.next());
        // Pages as the planner cuts them, at most max_fanout / 2 of them under one node.
        std::vector<std::size_t> cuts = {0};
        while (cuts.back() < e.size() && cuts.size() <= max_fanout(bytes) / 2) {
          const Span<const Entry> rest(e.data() + cuts.back(), e.size() - cuts.back());
          cuts.push_back(cuts.back() + take_data_page(rest, fill, bytes));
        }
        const std::size_t n = cuts.size() - 1;
        const BlockNumber first_block = 1000;
        std::vector<ChildRef> children;
        for (std::size_t k = 0; k < n; ++k) children.push_back(ChildRef{e[cuts[k]], static_cast<BlockNumber>(first_block + k)});
        std::vector<std::byte> buf(bytes);
        ModelPage node(buf.data(), bytes);
        const Fences f{Entry{0, 0}, e[cuts.back() - 1], cuts.back() == e.size()};
        ASSERT_EQ(node.build(Span<const ChildRef>(children.data(), n), 1, f, kInvalidBlock, kInvalidBlock), Status::kOk);
        const Span<const Entry> sorted(e.data(), cuts.back());
        auto misrouted = [&](const std::vector<std::size_t>& c) {
          std::size_t bad = 0;
          for (std::size_t k = 0; k < n; ++k)
            for (std::size_t i = c[k]; i < c[k + 1]; ++i) bad += node.route(e[i]) != first_block + k;
          return bad;
        };
        const std::size_t before = misrouted(cuts);
        std::vector<std::size_t> aligned = cuts;
        align_cuts(node, sorted, Span<std::size_t>(aligned.data(), aligned.size()), first_block, bytes, fill);
        ASSERT_EQ(aligned.front(), cuts.front());
        ASSERT_EQ(aligned.back(), cuts.back());
        for (std::size_t k = 0; k < n; ++k) {
          ASSERT_LT(aligned[k], aligned[k + 1]) << "page " << k << " emptied";
          FormatNeeds needs;
          for (std::size_t i = aligned[k]; i < aligned[k + 1]; ++i) needs.add(e[i]);
          const double most = std::max(1.0, (1 + fill) / 2 * static_cast<double>(data_capacity(bytes, needs.format())));
          ASSERT_LE(static_cast<double>(aligned[k + 1] - aligned[k]), most) << "page " << k << " overfilled";
        }
        const std::size_t after = misrouted(aligned);
        EXPECT_LE(after, before);
        // With room to move (fill 0.5: a page may grow by half), evenly spread keys nearly
        // all route home.
        if ((d == Dist::kUniform || d == Dist::kSequential) && fill <= 0.5) {
          EXPECT_LE(after, sorted.size() / 50) << "entries still routed to another page: " << after << " (before "
                                               << before << ")";
        }
      }
    }
  }
}

}  // namespace
}  // namespace omendb::alex::test

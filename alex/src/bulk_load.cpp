#include "omendb/alex/bulk_load.h"

#include <algorithm>
#include <cmath>

#include "omendb/alex/data_node.h"

namespace omendb::alex {

std::size_t take_data_page(Span<const Entry> rest, double fill, std::size_t page_bytes) noexcept {
  if (rest.empty()) return 0;
  const std::uint64_t base = rest[0].key;
  std::size_t best = 1;
  for (const int width : {2, 4, 8}) {
    const std::size_t target =
        std::max<std::size_t>(1, static_cast<std::size_t>(fill * static_cast<double>(data_capacity(page_bytes, width))));
    if (target <= best) break;  // a wider page would hold no more than the narrower one
    const std::uint64_t max_offset = width == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * width)) - 1;
    const std::size_t window = std::min(rest.size(), target);
    const Entry* fitting = std::upper_bound(rest.begin(), rest.begin() + window, max_offset,
                                            [base](std::uint64_t limit, const Entry& e) { return e.key - base > limit; });
    best = std::max<std::size_t>(best, static_cast<std::size_t>(fitting - rest.begin()));
    if (best == window) break;  // this width takes all it may
  }
  return best;
}

std::size_t take_model_group(Span<const ChildRef> rest, std::size_t page_bytes, int level) noexcept {
  // At least 4 slots per child, so children can split a few times before the node must
  // double or retrain.
  const std::size_t largest = std::min(rest.size(), max_fanout(page_bytes) / 4);
  if (largest <= 2) return largest;
  // Halving the group size adds log(largest / n) / log(largest) of a level to every
  // lookup and a model page per group; a group too big for its line costs the hops its
  // collisions cause. Groups stay at least 1/8 of the largest, so hard data cannot
  // spend a model page on a handful of children.
  const double step_cost = level == 1 ? kHopCost : kLevelCost;
  std::size_t best = largest;
  double best_cost = 0;
  for (std::size_t n = largest; n >= 2 && n * 8 >= largest; n /= 2) {
    const double levels = std::log(static_cast<double>(largest) / static_cast<double>(n)) /
                          std::log(static_cast<double>(largest));
    const double cost = step_cost * mean_routing_hops(rest.first(n), page_bytes) + kLevelCost * levels;
    if (n == largest || cost < best_cost) {
      best = n;
      best_cost = cost;
    }
  }
  return best;
}

void align_cuts(const ModelPage& node, Span<const Entry> sorted, Span<std::size_t> cuts, BlockNumber first_block,
                std::size_t page_bytes) noexcept {
  const auto fits = [&](std::size_t from, std::size_t to) {
    if (to <= from) return false;
    const int width = key_width_for(sorted[to - 1].key - sorted[from].key);
    return to - from <= data_capacity(page_bytes, width);
  };
  for (std::size_t k = 1; k + 1 < cuts.size(); ++k) {
    const BlockNumber child = first_block + static_cast<BlockNumber>(k);
    const Entry* cut = std::partition_point(sorted.begin() + cuts[k - 1] + 1, sorted.begin() + cuts[k + 1],
                                            [&](const Entry& e) { return node.route(e) < child; });
    const auto at = static_cast<std::size_t>(cut - sorted.begin());
    if (fits(cuts[k - 1], at) && fits(at, cuts[k + 1])) cuts[k] = at;
  }
}

}  // namespace omendb::alex

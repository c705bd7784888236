#include "omendb/alex/bulk_load.h"

#include <algorithm>
#include <cmath>

#include "omendb/alex/data_node.h"

namespace omendb::alex {

std::size_t take_data_page(Span<const Entry> rest, double fill, std::size_t page_bytes) noexcept {
  // The format only widens as the page reaches further, so its capacity only shrinks: the
  // page takes entries while it stays within `fill` of the capacity of the format they need.
  FormatNeeds needs;
  std::size_t stride = 0;
  double limit = 0;
  std::size_t n = 0;
  while (n < rest.size()) {
    needs.add(rest[n]);
    const SlotFormat format = needs.format();
    if (format.stride() != stride) {
      stride = format.stride();
      limit = std::max(1.0, fill * static_cast<double>(data_capacity(page_bytes, format)));
    }
    if (static_cast<double>(n + 1) > limit) break;
    ++n;
  }
  return n;
}

std::size_t take_model_group(Span<const ChildRef> rest, std::size_t page_bytes, int level, bool whole_level) noexcept {
  // At least 4 slots per child, so children can split a few times before the node must
  // double or retrain.
  const std::size_t largest = std::min(rest.size(), max_fanout(page_bytes) / 4);
  if (largest <= 2) return largest;
  // A smaller group adds log(largest / n) / log(largest) of a level to every lookup and
  // a model page per group; a group too big for its line costs the hops its collisions
  // cause. The sizes tried are the halvings of the largest and, at level 1, for each
  // halving, the size that ends the group at the widest key gap within it: where keys
  // come in dense clusters far apart, one line fits the data pages of one cluster and no
  // more, so the group must end where its cluster does (one reaching into the next
  // cluster squeezes its own pages into a few slots). Above level 1 a hop is a step
  // between cached model pages, a fraction of a level, and groups stay at least 1/8 of
  // the largest; a node that can take its whole level is the root, and any smaller group
  // puts one more level above them all. (Trying every size found no better groups for 30
  // times the work, and tripled CREATE INDEX time on 10M clustered keys.)
  const double step_cost = level == 1 ? kHopCost : kModelHopCost;
  const std::size_t smallest = level == 1 ? 2 : std::max<std::size_t>(2, (largest + 7) / 8);
  const bool root = level > 1 && whole_level && largest == rest.size();
  std::size_t best = largest;
  double best_cost = 0;
  const auto consider = [&](std::size_t n) {
    const double levels = root ? (n == largest ? 0.0 : 1.0)
                               : std::log(static_cast<double>(largest) / static_cast<double>(n)) /
                                     std::log(static_cast<double>(largest));
    const double cost = step_cost * mean_routing_hops(rest.first(n), page_bytes) + kLevelCost * levels;
    if (n == largest || cost < best_cost) {
      best = n;
      best_cost = cost;
    }
  };
  // widest_end[h]: the i in [1, h) whose gap to child i - 1 is the widest of the first h.
  std::size_t widest_end[4096 / 4 + 1];  // max_fanout() is at most 4096
  std::size_t at = 1;
  std::uint64_t widest = 0;
  for (std::size_t i = 1; i < largest; ++i) {
    const std::uint64_t gap = rest[i].low.key - rest[i - 1].low.key;
    if (gap > widest) {
      widest = gap;
      at = i;
    }
    widest_end[i + 1] = at;
  }
  for (std::size_t h = largest; h >= smallest; h /= 2) {
    consider(h);
    if (level == 1 && widest_end[h] >= 2) consider(widest_end[h]);
  }
  return best;
}

void align_cuts(const ModelPage& node, Span<const Entry> sorted, Span<std::size_t> cuts, BlockNumber first_block,
                std::size_t page_bytes, double fill) noexcept {
  const double most = (1.0 + fill) / 2;
  const auto room = [&](const FormatNeeds& needs) {
    return std::max(1.0, most * static_cast<double>(data_capacity(page_bytes, needs.format())));
  };
  for (std::size_t k = 1; k + 1 < cuts.size(); ++k) {
    const BlockNumber child = first_block + static_cast<BlockNumber>(k);
    const Entry* cut = std::partition_point(sorted.begin() + cuts[k - 1] + 1, sorted.begin() + cuts[k + 1] - 1,
                                            [&](const Entry& e) { return node.route(e) < child; });
    const auto target = static_cast<std::size_t>(cut - sorted.begin());
    // Moving the boundary grows one page only (the other keeps a subset of its entries, in
    // a format no wider): it takes its neighbour's entries one at a time while it has room.
    FormatNeeds grown;
    std::size_t at = cuts[k];
    if (target > at) {
      for (std::size_t i = cuts[k - 1]; i < at; ++i) grown.add(sorted[i]);
      for (; at < target; ++at) {
        grown.add(sorted[at]);
        if (static_cast<double>(at + 1 - cuts[k - 1]) > room(grown)) break;
      }
    } else {
      for (std::size_t i = at; i < cuts[k + 1]; ++i) grown.add(sorted[i]);
      for (; at > target; --at) {
        grown.add(sorted[at - 1]);
        if (static_cast<double>(cuts[k + 1] - at + 1) > room(grown)) break;
      }
    }
    cuts[k] = at;
  }
}

}  // namespace omendb::alex

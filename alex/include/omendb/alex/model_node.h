// A model node: one ALEX inner node in one page-sized byte span.
//
// Layout: ModelHeader | child block numbers (fanout x 4 bytes, fanout a power of two).
// A child owns a run of consecutive slots (ALEX's pointer duplication); routing evaluates
// the model and follows the slot. Routing is a hint, fences are the truth: a node's
// fences are exactly the union of its children's, and a search that arrives at a page
// whose fences do not hold its entry follows the page's left or right link, at every
// level (Lehman-Yao), so a slot boundary that falls inside a child costs one sideways
// step rather than a walk along the data pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include "omendb/alex/span.h"

#include "omendb/alex/data_node.h"
#include "omendb/alex/entry.h"
#include "omendb/alex/model.h"

namespace omendb::alex {

inline constexpr std::uint32_t kModelMagic = 0x41584C4D;  // "MLXA"

// What routing reads comes first, in one cache line; links and fences follow.
struct ModelHeader {
  std::uint32_t magic;
  std::uint8_t level;  // 1: children are data pages; n: children are model nodes of level n-1
  std::uint8_t flags;  // kHighInfinite
  std::uint16_t reserved;
  std::uint32_t fanout;
  std::uint32_t children;  // distinct children
  LinearModel model;
  BlockNumber left;  // model nodes of one level are linked in key order
  BlockNumber right;
  Entry low;  // fences: the node routes exactly the entries in [low, high)
  Entry high;
};
static_assert(sizeof(ModelHeader) == 96, "ModelHeader is stored in pages");

// A child and the lowest entry it is expected to hold: its low fence, except that the
// leftmost page's fence is the minimum entry, an outlier a model must not be fitted to,
// so its first entry stands in for it.
struct ChildRef {
  Entry low{};
  BlockNumber block = kInvalidBlock;
};

// A node is retrained in place only while its children route with at most this many
// sideways steps per lookup on average; beyond it, it splits so each half fits its own line.
inline constexpr double kMaxRetrainHops = 0.5;

// The largest power-of-two fanout a page of `page_bytes` holds.
std::size_t max_fanout(std::size_t page_bytes) noexcept;

// The mean number of extra data pages a lookup walks when a node is built over
// `children`: the distance from the child that owns the slot the model predicts for an
// entry to the child that holds it (children pushed apart where their lows collide),
// averaged over entries taken as spread evenly between consecutive lows.
double mean_routing_hops(Span<const ChildRef> children, std::size_t page_bytes) noexcept;

class ModelPage {
 public:
  ModelPage(std::byte* page, std::size_t bytes) noexcept : page_(page), bytes_(bytes) {}

  // Writes a node routing to `children` (in key order, at least one, at most
  // max_fanout/2 so every child can own a slot with room to grow): fits the model to
  // the children's lows and gives each child the slots its low predicts, pushed apart
  // where lows collide. The rightmost node of a level (high fence infinite) with at most
  // fanout/8 children keeps the upper half of its slots for keys beyond the last child,
  // where appends go.
  // kBadArgument if there are too many children. With at least 4 children whose best
  // line would take more than `max_hops` sideways steps per lookup (mean_routing_hops'
  // estimate, over the slots the node really spreads them on), kNodeFull and the page
  // is left as it was: retrain's test, made on the line the node would be built with.
  Status build(Span<const ChildRef> children, std::uint8_t level, const Fences& fences, BlockNumber left,
               BlockNumber right, double max_hops = std::numeric_limits<double>::infinity()) noexcept;

  bool valid() const noexcept;
  std::size_t page_bytes() const noexcept { return bytes_; }
  const ModelHeader& header() const noexcept { return *reinterpret_cast<const ModelHeader*>(page_); }
  ModelHeader& header() noexcept { return *reinterpret_cast<ModelHeader*>(page_); }
  std::size_t fanout() const noexcept { return header().fanout; }
  Fences fences() const noexcept { return Fences{header().low, header().high, (header().flags & kHighInfinite) != 0}; }
  void set_fences(const Fences& f) noexcept;
  BlockNumber child_at(std::size_t slot) const noexcept { return slots()[slot]; }
  // The bytes routing reads (header and slot array); the rest of the page is unused
  // until the node doubles, so a copy made for routing can stop here.
  std::size_t used_bytes() const noexcept;

  std::size_t route_slot(const Entry& e) const noexcept { return header().model.slot(e, fanout()); }
  BlockNumber route(const Entry& e) const noexcept { return child_at(route_slot(e)); }

  // The slot run [first, last] owned by `child`, searched outward from `hint`; false if
  // the child is not here.
  bool find_child(BlockNumber child, std::size_t hint, std::size_t* first, std::size_t* last) const noexcept;

  // Gives `new_child` (the right half of `child`, starting at `split`) the slots of
  // `child` at and above split's predicted slot, doubling the slot array first when
  // `child` owns a single slot. kNodeFull when the array cannot double; kNotFound if
  // `child` is not here.
  Status split_child(BlockNumber child, BlockNumber new_child, const Entry& split) noexcept;

  // Gives the slots of `child` (whose low fence is `child_low`) to `into`, which owns the
  // run just before them: `child` was an empty page merged into its left neighbour.
  // kNotFound if `child` is not here or `into` is not the child before it.
  Status merge_child(BlockNumber child, BlockNumber into, const Entry& child_low) noexcept;

  // The distinct children in order, each with the lowest entry the model routes to it
  // (an estimate of the child's low fence). Returns how many were written; `out` must
  // hold header().children entries.
  std::size_t children(Span<ChildRef> out) const noexcept;

 private:
  BlockNumber* slots() const noexcept;

  std::byte* page_;
  std::size_t bytes_;
};

// The node's children after `child` split at `split` into itself and `new_child`: the
// children() estimates with the new child inserted after `child`. kNotFound if `child`
// is not here; `out` must hold header().children + 1 entries.
Status children_after_split(const ModelPage& node, BlockNumber child, BlockNumber new_child, const Entry& split,
                            Span<ChildRef> out, std::size_t* n) noexcept;

// When split_child found no slot to give: retrains `node` in place over `children` (in
// order, the new child included) if they fit with room to grow and one line routes them
// well; kNodeFull if the node should be split instead (split_model_page).
Status retrain(ModelPage node, Span<const ChildRef> children) noexcept;

// Splits `node` (block `node_block`) over `children` into itself, keeping children[0, at),
// and the blank page `sibling` (block `sibling_block`), which takes children[at, n) and
// the old right link. The page to the right of the old node, if any, must have its left
// link set to sibling_block by the caller. children[at].low becomes the fence between
// the two, so it must be that child's real low fence (0 < at < n).
Status split_model_page(ModelPage node, ModelPage sibling, BlockNumber node_block, BlockNumber sibling_block,
                        Span<const ChildRef> children, std::size_t at) noexcept;

}  // namespace omendb::alex

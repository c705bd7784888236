// Bulk loading, bottom-up: pack sorted entries into data pages at a fill factor, then
// group each level's pages under model nodes until one root remains.
//
// The planning functions only decide how much goes into the next page; the caller writes
// the page (DataPage::layout, ModelPage::build) wherever its pages live -- the in-memory
// store here, Postgres buffers in the extension -- so both build the same structure.
#pragma once

#include <cstddef>
#include "omendb/alex/span.h"

#include "omendb/alex/entry.h"
#include "omendb/alex/model_node.h"

namespace omendb::alex {

// How many of the sorted entries `rest` the next data page takes at `fill` (0 < fill <= 1):
// as many as keep it within fill x the capacity of the slot format they need (at least one).
std::size_t take_data_page(Span<const Entry> rest, double fill, std::size_t page_bytes) noexcept;

// How many of the children `rest` (in key order) the next model node of `level` takes.
// This is ALEX's cost model on pages: each candidate size is charged the expected sideways
// steps its fitted model causes (children pushed off their predicted slot) plus the cost
// of the extra level a smaller node implies, and the cheapest wins. A step costs a data
// page under a level-1 node and a cached model page above. `whole_level`: rest holds every
// child of the level (the first group of the level), so above level 1 a node taking them
// all is the root. (Level 1 ignores it: the extension plans its groups from a window of
// data pages and cannot know.)
std::size_t take_model_group(Span<const ChildRef> rest, std::size_t page_bytes, int level, bool whole_level) noexcept;

// Moves the boundaries between the data pages under one model node to where the node's
// routing puts them, so bulk-loaded entries route to their own page, no hop needed.
// `cuts` holds the first entry index of each child page and, last, the end of the
// node's entries; the children are blocks first_block, first_block + 1, ... in key order.
// A boundary moves only as far as leaves every page non-empty and no fuller than half way
// from `fill` to full: a page packed fuller than that would shift long runs on its first
// inserts (each shift a long WAL record in the extension) and split soon.
void align_cuts(const ModelPage& node, Span<const Entry> sorted, Span<std::size_t> cuts, BlockNumber first_block,
                std::size_t page_bytes, double fill) noexcept;

// Cost-model weights, in units of one exponential-search probe (ALEX's unit). A model
// level is a cached page (the extension keeps model pages in backend memory); a hop is
// one more data page pinned, locked and missed in cache, as costly as several levels.
inline constexpr double kHopCost = 50.0;    // one extra data page visited
inline constexpr double kLevelCost = 20.0;  // one extra model level traversed
// One sideways step between model pages: a cached header and a fence comparison. In the
// core at 10M keys a fourth level cost uniform lookups about 70 ns and 20 steps per lookup
// about 55 ns (docs/BENCHMARKS.md), so a step is well under a fifth of a level.
inline constexpr double kModelHopCost = 4.0;

}  // namespace omendb::alex

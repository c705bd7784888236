// The whole multi-level index on an in-memory page store.
//
// This is the core's reference composition of node operations -- descent, moving across
// fences, splits propagated up the model levels, bulk load -- used by the tests and the
// microbenchmarks. The extension composes the same node operations on Postgres buffers.
// Not thread-safe; cursors are invalidated by any modification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include "omendb/alex/span.h"
#include <string>
#include <vector>

#include "omendb/alex/data_node.h"
#include "omendb/alex/entry.h"
#include "omendb/alex/model_node.h"

namespace omendb::alex {

struct TreeOptions {
  std::size_t page_size = 8192;
  double fill_factor = 0.8;  // bulk load density and append/prepend split density
};

// Per-lookup work, for the benchmarks' "search steps per lookup".
struct LookupCost {
  std::uint32_t model_levels = 0;  // model pages visited
  std::uint32_t data_pages = 0;    // data pages visited (1 + hops)
  std::uint32_t probes = 0;        // entries compared on the data page
};

struct TreeStats {
  std::size_t height = 0;  // model levels + 1
  std::size_t entries = 0;
  std::size_t data_pages = 0;
  std::size_t model_pages = 0;
  std::size_t empty_data_pages = 0;
  std::size_t data_bytes = 0;   // data pages x page size
  std::size_t model_bytes = 0;  // model pages x page size
  double fill = 0;              // entries / data slots
  double data_bytes_per_key = 0;
  double mean_model_error = 0;  // data-page model, slots
  std::int64_t max_model_error = 0;
  std::size_t pages_by_key_width[9] = {};  // data pages by slot format: index 1..8
  std::size_t pages_by_tid_width[7] = {};  // index 1..6
};

struct CheckResult {
  bool ok = true;
  std::string message;  // the first broken invariant, naming the page
};

class MemoryTree;

// A position on an entry, and the entry, decoded when the cursor arrives: a point lookup
// decodes it while the page's slot format is at hand from the search. Valid until the
// tree changes. The slot may be a gap whose filler copies the entry (what a search lands
// on); moving resolves it.
class Cursor {
 public:
  bool valid() const noexcept { return block_ != kInvalidBlock; }
  Entry entry() const noexcept { return entry_; }
  void next() noexcept;
  void prev() noexcept;

 private:
  friend class MemoryTree;
  Cursor() noexcept = default;
  Cursor(const MemoryTree* tree, BlockNumber block, std::size_t slot) noexcept : tree_(tree), block_(block), slot_(slot) {}
  void settle_forward() noexcept;
  void settle_backward() noexcept;

  const MemoryTree* tree_ = nullptr;
  BlockNumber block_ = kInvalidBlock;
  std::size_t slot_ = 0;
  Entry entry_{};
};

class MemoryTree {
 public:
  explicit MemoryTree(TreeOptions options = {});
  MemoryTree(const MemoryTree&) = delete;
  MemoryTree& operator=(const MemoryTree&) = delete;

  // Replaces the contents with `sorted` (strictly increasing). kBadArgument otherwise.
  Status bulk_load(Span<const Entry> sorted);
  Status insert(const Entry& e);  // kDuplicate if present
  Status erase(const Entry& e);   // kNotFound if absent
  bool contains(const Entry& e) const noexcept;

  [[gnu::flatten]] Cursor lower_bound(const Entry& e) const noexcept;  // first entry >= e
  Cursor upper_bound(const Entry& e) const noexcept;  // first entry > e
  // lower_bound(first_entry_of(key)), compiled for the known TID 0 (a point lookup).
  [[gnu::flatten]] Cursor find_key(std::uint64_t key) const noexcept;
  Cursor first() const noexcept;
  Cursor last() const noexcept;

  // The work a lower_bound(e) does.
  LookupCost lookup_cost(const Entry& e) const noexcept;

  std::size_t size() const noexcept { return size_; }
  std::size_t height() const noexcept { return height_; }
  const TreeOptions& options() const noexcept { return options_; }

  // Verifies every structural invariant (docs/ARCHITECTURE.md lists them).
  CheckResult check() const;
  TreeStats stats() const;

 private:
  friend class Cursor;
  struct PathStep {
    BlockNumber block;
    std::size_t slot;
  };

  std::byte* page(BlockNumber b) const noexcept {
    return chunks_[b >> kChunkShift].get() + (b & (kPagesPerChunk - 1)) * options_.page_size;
  }
  DataPage data(BlockNumber b) const noexcept { return DataPage(page(b), options_.page_size); }
  ModelPage model(BlockNumber b) const noexcept { return ModelPage(page(b), options_.page_size); }
  BlockNumber allocate();
  void clear();

  struct Position {
    BlockNumber block;
    std::size_t slot;  // DataPage::seek's answer on that page
  };
  struct Route {
    BlockNumber block;
    const ProbeHint* hint;  // the data page's probe hint
  };
  // Follows the models down to a data page, moving sideways at each model level until
  // its fences hold e.
  Route route_down(const Entry& e, std::vector<PathStep>* path, LookupCost* cost) const noexcept;
  // Descends to the data page holding e, recording the model path when asked. Given
  // `found`, stores there the entry at the answer's slot if it lies before the page's end,
  // decoded while the search's slot format is at hand (a point lookup's cursor).
  [[gnu::flatten]] Position locate(const Entry& e, std::vector<PathStep>* path, LookupCost* cost,
                                   Entry* found = nullptr) const noexcept;
  // Recomputes a data page's probe hint, here and in the route hints of its parent (found
  // from `path`, which reached the page's level-1 parent or a neighbour of it).
  void refresh_hint(BlockNumber block, const std::vector<PathStep>& path);
  void store_hint(BlockNumber block);  // hints_ only: the caller mirrors the parent
  // Copies the children's hints into a level-1 node's route hints.
  void mirror_hints(BlockNumber node);
  bool route_hints_current(BlockNumber node) const noexcept;
  void split(BlockNumber block, const Entry& incoming, std::vector<PathStep>& path);
  // Tells the level-`level` parent of `child` that `new_child` now holds [split, ...).
  void insert_child(std::uint8_t level, std::vector<PathStep>& path, BlockNumber child, BlockNumber new_child,
                    const Entry& split);
  BlockNumber find_parent(std::uint8_t level, const std::vector<PathStep>& path, BlockNumber child) const;
  void build_levels(std::vector<ChildRef> children);
  // ChildRef::low of a page at `level` (0 = data).
  Entry low_hint(BlockNumber block, std::size_t level) const noexcept;

  TreeOptions options_;
  // Pages live in chunks of kPagesPerChunk, backed by huge pages where the OS allows.
  static constexpr unsigned kChunkShift = 8;
  static constexpr BlockNumber kPagesPerChunk = BlockNumber{1} << kChunkShift;
  struct ChunkFree {
    void operator()(std::byte* p) const noexcept;
  };
  std::vector<std::unique_ptr<std::byte, ChunkFree>> chunks_;
  BlockNumber pages_ = 0;
  std::vector<ProbeHint> hints_;  // by block; default (empty) for model pages
  // By level-1 node and slot: the hint of the child the slot routes to, a copy of hints_
  // that a lookup reads alongside the child pointer instead of after it (on a large tree
  // both are cache misses: this takes one off the chain before the data page is fetched).
  std::vector<std::vector<ProbeHint>> route_hints_;
  BlockNumber root_ = kInvalidBlock;
  BlockNumber leftmost_ = kInvalidBlock;
  BlockNumber rightmost_ = kInvalidBlock;
  std::size_t height_ = 0;
  std::size_t size_ = 0;
  std::vector<Entry> scratch_;
  std::vector<ChildRef> child_scratch_;
};

}  // namespace omendb::alex

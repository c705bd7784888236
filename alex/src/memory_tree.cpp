#include "omendb/alex/memory_tree.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "omendb/alex/bulk_load.h"

namespace omendb::alex {

MemoryTree::MemoryTree(TreeOptions options) : options_(options) {
  scratch_.resize(max_data_capacity(options_.page_size) + 1);
  child_scratch_.resize(max_fanout(options_.page_size) + 1);
}

void MemoryTree::ChunkFree::operator()(std::byte* p) const noexcept { std::free(p); }

BlockNumber MemoryTree::allocate() {
  if ((pages_ & (kPagesPerChunk - 1)) == 0) {
    // Random lookups over a large index miss the TLB on every page; 2 MB pages help.
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = (kPagesPerChunk * options_.page_size + kHugePage - 1) / kHugePage * kHugePage;
    void* chunk = std::aligned_alloc(kHugePage, bytes);
    if (chunk == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(chunk, bytes, MADV_HUGEPAGE);
#endif
    chunks_.emplace_back(static_cast<std::byte*>(chunk));
  }
  const BlockNumber block = pages_++;
  std::memset(page(block), 0, options_.page_size);
  return block;
}

void MemoryTree::store_hint(BlockNumber block) {
  if (hints_.size() <= block) hints_.resize(std::max<std::size_t>(block + 1, 2 * hints_.size()));
  hints_[block] = data(block).probe_hint();
}

void MemoryTree::refresh_hint(BlockNumber block, const std::vector<PathStep>& path) {
  store_hint(block);
  const BlockNumber parent = height_ > 1 ? find_parent(1, path, block) : kInvalidBlock;
  std::size_t first, last;
  if (parent == kInvalidBlock || !model(parent).find_child(block, path.back().slot, &first, &last)) return;
  std::fill(route_hints_[parent].begin() + first, route_hints_[parent].begin() + last + 1, hints_[block]);
}

bool MemoryTree::route_hints_current(BlockNumber node) const noexcept {
  const ModelPage m = model(node);
  if (route_hints_.size() <= node || route_hints_[node].size() != m.fanout()) return false;
  for (std::size_t s = 0; s < m.fanout(); ++s)
    if (std::memcmp(&route_hints_[node][s], &hints_[m.child_at(s)], sizeof(ProbeHint)) != 0) return false;
  return true;
}

void MemoryTree::mirror_hints(BlockNumber node) {
  const ModelPage m = model(node);
  if (m.header().level != 1) return;
  if (route_hints_.size() <= node) route_hints_.resize(std::max<std::size_t>(node + 1, 2 * route_hints_.size()));
  std::vector<ProbeHint>& mirror = route_hints_[node];
  mirror.resize(m.fanout());
  for (std::size_t s = 0; s < mirror.size(); ++s) mirror[s] = hints_[m.child_at(s)];
}

void MemoryTree::clear() {
  chunks_.clear();
  hints_.clear();
  route_hints_.clear();
  pages_ = 0;
  root_ = leftmost_ = rightmost_ = kInvalidBlock;
  height_ = 0;
  size_ = 0;
}

Status MemoryTree::bulk_load(Span<const Entry> sorted) {
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].tid > kMaxTid || (i > 0 && !(sorted[i - 1] < sorted[i]))) return Status::kBadArgument;
  }
  if (options_.fill_factor <= 0 || options_.fill_factor > 1) return Status::kBadArgument;
  clear();

  // Plan the data pages (cuts[i] is page i's first entry), give them the first blocks in
  // key order, build the model levels over them, and only then cut the pages where the
  // level-1 nodes route.
  std::vector<std::size_t> cuts;
  std::size_t pos = 0;
  do {
    cuts.push_back(pos);
    pos += take_data_page(sorted.subspan(pos), options_.fill_factor, options_.page_size);
  } while (pos < sorted.size());
  cuts.push_back(sorted.size());
  const std::size_t pages = cuts.size() - 1;
  std::vector<ChildRef> children;
  for (std::size_t i = 0; i < pages; ++i) {
    // The leftmost page's fence is (0, 0); its first entry stands in for fitting.
    const Entry low = i == 0 ? (sorted.empty() ? Entry{} : sorted[0]) : sorted[cuts[i]];
    children.push_back(ChildRef{low, allocate()});
  }
  build_levels(children);
  BlockNumber level1 = kInvalidBlock;  // the leftmost level-1 node
  if (height_ > 1) {
    level1 = root_;
    while (model(level1).header().level > 1) level1 = model(level1).child_at(0);
  }
  for (BlockNumber node = level1; node != kInvalidBlock; node = model(node).header().right) {
    const BlockNumber first = model(node).child_at(0);
    const std::size_t n = model(node).header().children;
    align_cuts(model(node), sorted, Span<std::size_t>(cuts).subspan(first, n + 1), first, options_.page_size,
               options_.fill_factor);
  }
  for (std::size_t i = 0; i < pages; ++i) {
    const BlockNumber block = children[i].block;
    const bool last = i + 1 == pages;
    const Fences fences{i == 0 ? Entry{} : sorted[cuts[i]], last ? Entry{} : sorted[cuts[i + 1]], last};
    const Status s = data(block).layout(sorted.subspan(cuts[i], cuts[i + 1] - cuts[i]), fences,
                                        i == 0 ? kInvalidBlock : block - 1, last ? kInvalidBlock : block + 1);
    if (s != Status::kOk) return s;
    store_hint(block);
  }
  for (BlockNumber node = level1; node != kInvalidBlock; node = model(node).header().right) mirror_hints(node);
  leftmost_ = children.front().block;
  rightmost_ = children.back().block;
  size_ = sorted.size();
  return Status::kOk;
}

void MemoryTree::build_levels(std::vector<ChildRef> children) {
  std::uint8_t level = 1;
  while (children.size() > 1) {
    std::vector<ChildRef> parents;
    for (std::size_t pos = 0; pos < children.size();) {
      const std::size_t take =
          take_model_group(Span<const ChildRef>(children).subspan(pos), options_.page_size, level, pos == 0);
      const BlockNumber block = allocate();
      const BlockNumber left = parents.empty() ? kInvalidBlock : parents.back().block;
      const bool last = pos + take == children.size();
      // Only the very first child's low is a stand-in (ChildRef); the others are fences.
      const Fences fences{pos == 0 ? Entry{} : children[pos].low, last ? Entry{} : children[pos + take].low, last};
      model(block).build(Span<const ChildRef>(children).subspan(pos, take), level, fences, left, kInvalidBlock);
      if (left != kInvalidBlock) model(left).header().right = block;
      parents.push_back(ChildRef{children[pos].low, block});
      pos += take;
    }
    children = std::move(parents);
    ++level;
  }
  root_ = children.front().block;
  height_ = level;
}

MemoryTree::Route MemoryTree::route_down(const Entry& e, std::vector<PathStep>* path, LookupCost* cost) const noexcept {
  BlockNumber block = root_;
  const ProbeHint* hint = nullptr;
  for (std::size_t level = height_; level > 1; --level) {
    for (;;) {
      const ModelHeader& h = model(block).header();
      if (cost) ++cost->model_levels;
      if (e < h.low && h.left != kInvalidBlock)
        block = h.left;
      else if (!(h.flags & kHighInfinite) && !(e < h.high))
        block = h.right;
      else
        break;
    }
    const ModelPage node = model(block);
    const std::size_t slot = node.route_slot(e);
    if (path) path->push_back(PathStep{block, slot});
    if (level == 2) hint = &route_hints_[block][slot];
    block = node.child_at(slot);
  }
  return Route{block, hint ? hint : &hints_[block]};
}

MemoryTree::Position MemoryTree::locate(const Entry& e, std::vector<PathStep>* path, LookupCost* cost,
                                        Entry* found) const noexcept {
  // Model pages are few and cached, so their fences are checked on the way down. The data
  // page's header, the line the probe hint names and its neighbours (where the exponential
  // search goes next) are fetched together, and a page whose entries bracket e proves the
  // route without reading its fences; otherwise the fences decide, stepping across (a route
  // that fell on a slot boundary is off by a page).
  const Route route = route_down(e, path, cost);
  BlockNumber block = route.block;
  const std::byte* guess = page(block) + probe_offset(*route.hint, e);
  __builtin_prefetch(page(block));
  __builtin_prefetch(guess - 64);
  __builtin_prefetch(guess);
  __builtin_prefetch(guess + 64);
  SearchSteps steps;
  for (;;) {
    const DataPage page = data(block);
    const std::size_t slot = page.seek(e, cost ? &steps : nullptr);
    if (cost) {
      ++cost->data_pages;
      cost->probes = steps.probes;
    }
    const auto arrive = [&] {
      if (found && slot < page.end()) *found = page.entry_at(slot);
      return Position{block, slot};
    };
    if (slot > 0 && slot < page.end()) return arrive();
    const DataHeader& h = page.header();
    if (e < h.low && h.left != kInvalidBlock)
      block = h.left;
    else if (!(h.flags & kHighInfinite) && !(e < h.high))
      block = h.right;
    else
      return arrive();
  }
}

Status MemoryTree::insert(const Entry& e) {
  if (e.tid > kMaxTid) return Status::kBadArgument;
  if (root_ == kInvalidBlock) bulk_load({});
  std::vector<PathStep> path;
  for (;;) {
    path.clear();
    const BlockNumber block = locate(e, &path, nullptr).block;
    const LinearModel before = data(block).header().model;
    const Status s = data(block).insert(e, scratch_);
    // A plain insert leaves the page model alone; a re-layout fits a new one.
    if (std::memcmp(&before, &data(block).header().model, sizeof before) != 0) refresh_hint(block, path);
    if (s == Status::kOk) ++size_;
    if (s != Status::kPageFull) return s;
    split(block, e, path);
  }
}

void MemoryTree::split(BlockNumber block, const Entry& incoming, std::vector<PathStep>& path) {
  const Entry boundary = choose_split(data(block), incoming, options_.fill_factor);
  const BlockNumber new_block = allocate();
  const BlockNumber old_right = data(block).header().right;
  split_data_page(data(block), data(new_block), block, new_block, boundary, scratch_);
  // The parent's route hints are copied once insert_child has given new_block its slots.
  store_hint(block);
  store_hint(new_block);
  if (old_right != kInvalidBlock)
    data(old_right).header().left = new_block;
  else
    rightmost_ = new_block;
  insert_child(1, path, block, new_block, boundary);
}

void MemoryTree::insert_child(std::uint8_t level, std::vector<PathStep>& path, BlockNumber child,
                              BlockNumber new_child, const Entry& split) {
  if (level == height_) {  // the root split: grow a level
    const BlockNumber root = allocate();
    const ChildRef children[2] = {ChildRef{low_hint(child, level - 1), child}, ChildRef{split, new_child}};
    model(root).build(Span<const ChildRef>(children, 2), level, Fences{}, kInvalidBlock, kInvalidBlock);
    root_ = root;
    ++height_;
    mirror_hints(root);
    return;
  }
  const BlockNumber parent = find_parent(level, path, child);
  ModelPage node = model(parent);
  if (node.split_child(child, new_child, split) == Status::kOk) {
    mirror_hints(parent);
    return;
  }

  // No slot to give: retrain the node over its children, or split it. This tree can read
  // every child's low fence, so it replaces the node's estimates with them.
  std::size_t n = 0;
  children_after_split(node, child, new_child, split, Span<ChildRef>(child_scratch_), &n);
  const Span<ChildRef> list = Span<ChildRef>(child_scratch_).first(n);
  for (ChildRef& c : list)
    if (c.block != new_child) c.low = low_hint(c.block, level - 1);
  if (retrain(node, list) == Status::kOk) {
    mirror_hints(parent);
    return;
  }
  const BlockNumber right = node.header().right;
  const BlockNumber sibling = allocate();
  const std::size_t half = n / 2;
  const Entry middle = list[half].low;  // a fence: only a leftmost child's low is a stand-in
  split_model_page(model(parent), model(sibling), parent, sibling, list, half);
  mirror_hints(parent);
  mirror_hints(sibling);
  if (right != kInvalidBlock) model(right).header().left = sibling;
  insert_child(static_cast<std::uint8_t>(level + 1), path, parent, sibling, middle);
}

Entry MemoryTree::low_hint(BlockNumber block, std::size_t level) const noexcept {
  // A page's low fence, except on the leftmost page of a level, whose fence (0, 0) says
  // nothing about where its entries are: there, the first entry stands in.
  if (level > 0) {
    const ModelPage node = model(block);
    return node.header().left == kInvalidBlock ? low_hint(node.child_at(0), level - 1) : node.header().low;
  }
  const DataPage page = data(block);
  const bool leftmost = page.header().left == kInvalidBlock;
  return leftmost && page.size() > 0 ? page.entry_at(page.first_slot()) : page.header().low;
}

BlockNumber MemoryTree::find_parent(std::uint8_t level, const std::vector<PathStep>& path, BlockNumber child) const {
  // The descent passed through the parent unless the data level moved across fences
  // (or an earlier split moved the child to a sibling): then it is a neighbour.
  const PathStep& step = path[height_ - 1 - level];
  std::size_t first, last;
  if (model(step.block).find_child(child, step.slot, &first, &last)) return step.block;
  for (BlockNumber b = model(step.block).header().right; b != kInvalidBlock; b = model(b).header().right)
    if (model(b).find_child(child, 0, &first, &last)) return b;
  for (BlockNumber b = model(step.block).header().left; b != kInvalidBlock; b = model(b).header().left)
    if (model(b).find_child(child, model(b).fanout() - 1, &first, &last)) return b;
  return kInvalidBlock;  // check() reports the orphan
}

Status MemoryTree::erase(const Entry& e) {
  if (root_ == kInvalidBlock) return Status::kNotFound;
  const Status s = data(locate(e, nullptr, nullptr).block).erase(e);
  if (s == Status::kOk) --size_;
  return s;
}

bool MemoryTree::contains(const Entry& e) const noexcept {
  const Cursor c = lower_bound(e);
  return c.valid() && c.entry() == e;
}

Cursor MemoryTree::lower_bound(const Entry& e) const noexcept {
  if (root_ == kInvalidBlock) return Cursor();
  Cursor c(this, kInvalidBlock, 0);
  const Position at = locate(e, nullptr, nullptr, &c.entry_);
  c.block_ = at.block;
  c.slot_ = at.slot;
  if (at.slot >= data(at.block).end()) c.settle_forward();
  return c;
}

Cursor MemoryTree::find_key(std::uint64_t key) const noexcept { return lower_bound(first_entry_of(key)); }

Cursor MemoryTree::upper_bound(const Entry& e) const noexcept {
  Entry next;
  if (e.tid < kMaxTid)
    next = Entry{e.key, e.tid + 1};
  else if (e.key < ~std::uint64_t{0})
    next = Entry{e.key + 1, 0};
  else
    return Cursor();
  return lower_bound(next);
}

Cursor MemoryTree::first() const noexcept {
  if (leftmost_ == kInvalidBlock) return Cursor();
  Cursor c(this, leftmost_, data(leftmost_).first_slot());
  c.settle_forward();
  return c;
}

Cursor MemoryTree::last() const noexcept {
  if (rightmost_ == kInvalidBlock) return Cursor();
  Cursor c(this, rightmost_, data(rightmost_).last_slot());
  c.settle_backward();
  return c;
}

LookupCost MemoryTree::lookup_cost(const Entry& e) const noexcept {
  LookupCost cost;
  if (root_ == kInvalidBlock) return cost;
  locate(e, nullptr, &cost);
  return cost;
}

void Cursor::settle_forward() noexcept {
  // Moves to the first entry at or after (block_, slot_), crossing empty pages.
  while (block_ != kInvalidBlock) {
    const DataPage page = tree_->data(block_);
    if (slot_ < page.end()) {
      entry_ = page.entry_at(slot_);
      return;
    }
    block_ = page.header().right;
    if (block_ != kInvalidBlock) slot_ = tree_->data(block_).first_slot();
  }
}

void Cursor::settle_backward() noexcept {
  // slot_ == end() means "before this page's first entry": continue on the left.
  while (block_ != kInvalidBlock) {
    const DataPage page = tree_->data(block_);
    if (slot_ < page.end()) {
      entry_ = page.entry_at(slot_);
      return;
    }
    block_ = page.header().left;
    if (block_ != kInvalidBlock) slot_ = tree_->data(block_).last_slot();
  }
}

void Cursor::next() noexcept {
  const DataPage page = tree_->data(block_);
  slot_ = page.next_slot(page.next_slot(slot_) + 1);
  settle_forward();
}

void Cursor::prev() noexcept {
  const DataPage page = tree_->data(block_);
  const std::size_t at = page.next_slot(slot_);
  slot_ = at == 0 ? page.end() : page.prev_slot(at - 1);
  settle_backward();
}

TreeStats MemoryTree::stats() const {
  TreeStats st;
  st.height = height_;
  st.entries = size_;
  std::size_t slots = 0;
  double error_sum = 0;
  for (BlockNumber b = leftmost_; b != kInvalidBlock; b = data(b).header().right) {
    const DataPage page = data(b);
    ++st.data_pages;
    if (page.size() == 0) ++st.empty_data_pages;
    slots += page.capacity();
    ++st.pages_by_key_width[page.header().key_width];
    ++st.pages_by_tid_width[page.header().tid_width];
    double mean;
    std::int64_t max;
    page.model_error(&mean, &max);
    error_sum += mean * static_cast<double>(page.size());
    st.max_model_error = std::max(st.max_model_error, max);
  }
  st.model_pages = pages_ - st.data_pages;
  st.data_bytes = st.data_pages * options_.page_size;
  st.model_bytes = st.model_pages * options_.page_size;
  st.fill = slots ? static_cast<double>(size_) / static_cast<double>(slots) : 0;
  st.data_bytes_per_key = size_ ? static_cast<double>(st.data_bytes) / static_cast<double>(size_) : 0;
  st.mean_model_error = size_ ? error_sum / static_cast<double>(size_) : 0;
  return st;
}

namespace {

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  return os << "(" << e.key << "," << (e.tid >> 16) << ":" << (e.tid & 0xFFFF) << ")";
}

struct Checker {
  std::ostringstream failure;
  bool failed = false;

  template <class... Parts>
  bool fail(BlockNumber block, const Parts&... parts) {
    if (!failed) {
      failure << "page " << block << ": ";
      (failure << ... << parts);
      failed = true;
    }
    return false;
  }
};

bool check_data_page(Checker& c, BlockNumber block, const DataPage& page) {
  if (!page.valid()) return c.fail(block, "not a valid data page");
  const Fences f = page.fences();
  bool have_prev = false;
  Entry prev{};
  for (std::size_t s = 0; s < page.capacity(); ++s) {
    if (s >= page.end()) {
      if (page.occupied(s)) return c.fail(block, "slot ", s, " occupied beyond end ", page.end());
      continue;
    }
    if (!page.occupied(s)) continue;
    const Entry e = page.entry_at(s);
    if (have_prev && !(prev < e)) return c.fail(block, "entries out of order at slot ", s, ": ", prev, " then ", e);
    if (!f.contains(e)) return c.fail(block, "entry ", e, " at slot ", s, " outside its fences");
    if (e.key < page.header().base_key) return c.fail(block, "key below the page's base key at slot ", s);
    prev = e;
    have_prev = true;
  }
  if (page.end() > 0 && !page.occupied(page.end() - 1)) return c.fail(block, "end ", page.end(), " is not one past an entry");
  for (std::size_t s = 0; s < page.end(); ++s) {
    if (!page.occupied(s) && page.entry_at(s) != page.entry_at(page.next_slot(s)))
      return c.fail(block, "gap ", s, " does not copy the next entry");
  }
  return true;
}

}  // namespace

CheckResult MemoryTree::check() const {
  Checker c;
  auto result = [&]() { return CheckResult{!c.failed, c.failure.str()}; };
  if (root_ == kInvalidBlock) {
    if (size_ != 0) c.fail(0, "empty tree with ", size_, " entries");
    return result();
  }

  // The data level: a doubly linked chain whose fences abut and partition the entries.
  std::vector<BlockNumber> chain;
  std::size_t entries = 0;
  BlockNumber prev = kInvalidBlock;
  Fences prev_fences;
  for (BlockNumber b = leftmost_; b != kInvalidBlock; b = data(b).header().right) {
    const DataPage page = data(b);
    if (!check_data_page(c, b, page)) return result();
    const Fences f = page.fences();
    if (page.header().left != prev) return c.fail(b, "left link ", page.header().left, " but left neighbour is ", prev), result();
    if (prev == kInvalidBlock) {
      if (f.low != Entry{}) return c.fail(b, "leftmost page's low fence is ", f.low), result();
    } else if (prev_fences.high_infinite || prev_fences.high != f.low) {
      return c.fail(b, "low fence ", f.low, " does not meet the left page's high fence"), result();
    }
    if (chain.size() > pages_) return c.fail(b, "the right links loop"), result();
    chain.push_back(b);
    entries += page.size();
    prev = b;
    prev_fences = f;
  }
  if (prev != rightmost_) return c.fail(prev, "the chain ends here, not at the rightmost page ", rightmost_), result();
  if (!prev_fences.high_infinite) return c.fail(prev, "the rightmost page's high fence is finite"), result();
  if (entries != size_) return c.fail(leftmost_, "the pages hold ", entries, " entries, the tree counts ", size_), result();

  // The model levels: each level's nodes, left to right, list the level below in order,
  // each node exactly once, and the root reaches them all.
  std::vector<BlockNumber> level_nodes{root_};
  for (std::size_t level = height_ - 1; level >= 1; --level) {
    std::vector<BlockNumber> below;
    BlockNumber left = kInvalidBlock;
    for (const BlockNumber b : level_nodes) {
      const ModelPage node = model(b);
      if (!node.valid()) return c.fail(b, "not a valid model page"), result();
      if (node.header().level != level) return c.fail(b, "level ", int(node.header().level), ", expected ", level), result();
      if (node.header().left != left) return c.fail(b, "model left link ", node.header().left, ", expected ", left), result();
      if (left != kInvalidBlock && model(left).header().right != b) return c.fail(left, "model right link broken"), result();
      std::size_t distinct = 0;
      for (std::size_t s = 0; s < node.fanout(); ++s) {
        if (s > 0 && node.child_at(s) == node.child_at(s - 1)) continue;
        below.push_back(node.child_at(s));
        ++distinct;
      }
      if (distinct != node.header().children) return c.fail(b, "counts ", node.header().children, " children, has ", distinct), result();
      if (level == 1 && !route_hints_current(b)) return c.fail(b, "a route hint differs from its child's probe hint"), result();
      left = b;
    }
    if (left != kInvalidBlock && model(left).header().right != kInvalidBlock) return c.fail(left, "rightmost model node links right"), result();
    level_nodes = std::move(below);
    if (level == 1) break;
  }
  if (level_nodes != chain) return c.fail(root_, "the model levels do not list the data pages in order, each once"), result();

  // Every entry is reachable by descent.
  for (const BlockNumber b : chain) {
    const DataPage page = data(b);
    for (std::size_t s = page.first_slot(); s < page.end(); s = page.next_slot(s + 1)) {
      if (locate(page.entry_at(s), nullptr, nullptr).block != b) return c.fail(b, "descent for ", page.entry_at(s), " does not arrive here"), result();
    }
  }
  return result();
}

}  // namespace omendb::alex

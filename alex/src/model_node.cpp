#include "omendb/alex/model_node.h"

#include <algorithm>

namespace omendb::alex {
namespace {

constexpr std::size_t kHeaderBytes = sizeof(ModelHeader);

std::size_t next_power_of_two(std::size_t v) noexcept {
  std::size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

// Slots cost nothing (the page is there anyway) and finer slots misroute less, so a node
// gets up to 32 per child, within the page; only nodes with few children can double.
std::size_t fanout_for(std::size_t children, std::size_t page_bytes) noexcept {
  return std::min(max_fanout(page_bytes), std::max<std::size_t>(2, next_power_of_two(32 * children)));
}

// Child i owns [starts[i], starts[i+1]): its predicted slot, pushed right past its left
// neighbour and left enough to leave every later child a slot. starts has n + 1 entries.
void assign_starts(const LinearModel& model, Span<const ChildRef> children, std::size_t fanout,
                   std::size_t* starts) noexcept {
  const std::size_t n = children.size();
  starts[0] = 0;
  for (std::size_t i = 1; i < n; ++i) {
    std::size_t start = model.slot(children[i].low, fanout);
    start = std::max(start, starts[i - 1] + 1);
    starts[i] = std::min(start, fanout - (n - i));
  }
  starts[n] = fanout;
}

// mean_routing_hops for the node `model` makes over `fanout` slots.
double routing_hops(const LinearModel& model, Span<const ChildRef> children, std::size_t fanout) noexcept {
  const std::size_t n = children.size();
  std::size_t starts[4097];
  assign_starts(model, children, fanout, starts);
  // Child i's entries lie between its low and the next child's, so the model sends them
  // to the slots [predicted(low i), predicted(low i+1)); a lookup walks from the owner of
  // its slot to i. Entries are taken as spread evenly over those slots (a child whose
  // slots collapse to one is all sent there), and every child as holding as many.
  // (Slot boundaries inside a child cost nothing at build: bulk load cuts the pages
  // where the node routes, align_cuts.)
  double hops = 0;
  std::size_t owner = 0;
  std::size_t from = model.slot(children[0].low, fanout);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t to = i + 1 < n ? model.slot(children[i + 1].low, fanout) : from + 1;
    while (owner > 0 && starts[owner] > from) --owner;
    while (owner + 1 < n && starts[owner + 1] <= from) ++owner;
    if (to <= from) {
      hops += static_cast<double>(owner > i ? owner - i : i - owner);
    } else {
      double walked = 0;
      for (std::size_t j = owner, slot = from; slot < to; ++j) {
        const std::size_t end = std::min(to, starts[j + 1]);
        walked += static_cast<double>(end - slot) * static_cast<double>(j > i ? j - i : i - j);
        slot = end;
      }
      hops += walked / static_cast<double>(to - from);
    }
    from = std::max(from, to);
  }
  return hops / static_cast<double>(n);
}

struct RoutingFit {
  LinearModel model;
  double hops;
};

// The line that maps the children's lows onto `spread` of the node's `fanout` slots with
// the fewest sideways steps. The least-squares fit suits lows spread evenly; where each
// child spans a wider range than the last (lognormal keys) it crowds the dense children
// into a few slots, and every lookup among them walks. So lines through the first
// child's low and child k's fair share of the slots (k * spread / n) are tried as well,
// k halving from the last child: each gives the children up to k room to spread and
// clamps those beyond into the last slots.
RoutingFit fit_routing(Span<const ChildRef> children, std::size_t spread, std::size_t fanout) noexcept {
  const std::size_t n = children.size();
  const double per_child = static_cast<double>(spread) / static_cast<double>(n);
  RoutingFit best{fit_model_by(n, [&](std::size_t i) { return children[i].low; }, per_child, children[n - 1].low), 0};
  if (n < 2) return best;
  best.hops = routing_hops(best.model, children, fanout);
  for (std::size_t k = n - 1; k >= 1 && best.hops > 0; k /= 2) {
    LinearModel line = best.model;  // the same base and input scale
    const std::int64_t x = line.input(children[k].low);
    if (x <= 0) break;  // children 1..k share the first child's low
    set_slope(line, static_cast<long double>(k) * per_child / static_cast<long double>(x), 0, 0);
    const double hops = routing_hops(line, children, fanout);
    if (hops < best.hops) best = RoutingFit{line, hops};
  }
  return best;
}

}  // namespace

double mean_routing_hops(Span<const ChildRef> children, std::size_t page_bytes) noexcept {
  const std::size_t n = children.size();
  if (n < 2 || 2 * n > max_fanout(page_bytes)) return 0;
  const std::size_t fanout = fanout_for(n, page_bytes);
  return fit_routing(children, fanout, fanout).hops;
}

std::size_t max_fanout(std::size_t page_bytes) noexcept {
  if (page_bytes < kHeaderBytes + 2 * sizeof(BlockNumber)) return 0;
  std::size_t fanout = 2;
  while (kHeaderBytes + 2 * fanout * sizeof(BlockNumber) <= page_bytes) fanout *= 2;
  return std::min<std::size_t>(fanout, 4096);
}

std::size_t ModelPage::used_bytes() const noexcept {
  if (bytes_ < kHeaderBytes) return bytes_;
  return std::min<std::size_t>(bytes_, kHeaderBytes + std::size_t{header().fanout} * sizeof(BlockNumber));
}

BlockNumber* ModelPage::slots() const noexcept { return reinterpret_cast<BlockNumber*>(page_ + kHeaderBytes); }

bool ModelPage::valid() const noexcept {
  if (bytes_ < kHeaderBytes || reinterpret_cast<std::uintptr_t>(page_) % 8 != 0) return false;
  const ModelHeader& h = header();
  const std::size_t f = h.fanout;
  return h.magic == kModelMagic && h.level >= 1 && f >= 2 && (f & (f - 1)) == 0 && f <= max_fanout(bytes_) &&
         h.children >= 1 && h.children <= f;
}

void ModelPage::set_fences(const Fences& f) noexcept {
  ModelHeader& h = header();
  h.low = f.low;
  h.high = f.high_infinite ? Entry{} : f.high;
  h.flags = static_cast<std::uint8_t>(f.high_infinite ? (h.flags | kHighInfinite) : (h.flags & ~kHighInfinite));
}

Status ModelPage::build(Span<const ChildRef> children, std::uint8_t level, const Fences& fences, BlockNumber left,
                        BlockNumber right, double max_hops) noexcept {
  const std::size_t n = children.size();
  const std::size_t limit = max_fanout(bytes_);
  if (n == 0 || 2 * n > limit || level == 0) return Status::kBadArgument;
  const std::size_t fanout = fanout_for(n, bytes_);
  // Appends land beyond the last child of the rightmost node: leave them half the slots,
  // if the children keep 4 slots each in the other half.
  const bool reserve = fences.high_infinite && 8 * n <= fanout;
  const RoutingFit fit = fit_routing(children, reserve ? fanout / 2 : fanout, fanout);
  if (n >= 4 && fit.hops > max_hops) return Status::kNodeFull;

  ModelHeader& h = header();
  h = ModelHeader{};
  h.magic = kModelMagic;
  h.level = level;
  h.fanout = static_cast<std::uint32_t>(fanout);
  h.children = static_cast<std::uint32_t>(n);
  h.left = left;
  h.right = right;
  set_fences(fences);
  h.model = fit.model;

  std::size_t starts[4097];
  assign_starts(h.model, children, fanout, starts);
  BlockNumber* s = slots();
  for (std::size_t i = 0; i < n; ++i) std::fill(s + starts[i], s + starts[i + 1], children[i].block);
  return Status::kOk;
}

bool ModelPage::find_child(BlockNumber child, std::size_t hint, std::size_t* first, std::size_t* last) const noexcept {
  const std::size_t f = fanout();
  const BlockNumber* s = slots();
  hint = std::min(hint, f - 1);
  std::size_t found = f;
  for (std::size_t d = 0; d < f && found == f; ++d) {
    if (hint + d < f && s[hint + d] == child) found = hint + d;
    else if (d <= hint && s[hint - d] == child) found = hint - d;
    else if (hint + d >= f && d > hint) break;
  }
  if (found == f) return false;
  std::size_t a = found, b = found;
  while (a > 0 && s[a - 1] == child) --a;
  while (b + 1 < f && s[b + 1] == child) ++b;
  *first = a;
  *last = b;
  return true;
}

Status ModelPage::split_child(BlockNumber child, BlockNumber new_child, const Entry& split) noexcept {
  std::size_t a, b;
  if (!find_child(child, route_slot(split), &a, &b)) return Status::kNotFound;
  ModelHeader& h = header();
  // One slot cannot be shared: the array doubles, every child keeping its keys.
  const bool doubling = a == b;
  LinearModel model = h.model;
  std::size_t fanout = this->fanout();
  if (doubling) {
    if (2 * fanout > max_fanout(bytes_) || !model.double_scale()) return Status::kNodeFull;
    fanout *= 2;
    a = 2 * a;
    b = 2 * b + 1;
  }
  // Slots no entry reaches would leave the new child unrouted (a line fitted long ago
  // can flatten out below them): the node must be retrained instead.
  const std::size_t from = std::clamp(model.slot(split, fanout), a + 1, b);
  Entry first;
  if (!model.first_entry_reaching(static_cast<std::int64_t>(from), &first)) return Status::kNodeFull;
  if (doubling) {
    BlockNumber* s = slots();
    for (std::size_t i = fanout / 2; i-- > 0;) s[2 * i] = s[2 * i + 1] = s[i];
    h.model = model;
    h.fanout = static_cast<std::uint32_t>(fanout);
  }
  std::fill(slots() + from, slots() + b + 1, new_child);
  ++h.children;
  return Status::kOk;
}

Status ModelPage::merge_child(BlockNumber child, BlockNumber into, const Entry& child_low) noexcept {
  std::size_t a, b;
  if (!find_child(child, route_slot(child_low), &a, &b) || a == 0 || slots()[a - 1] != into) return Status::kNotFound;
  std::fill(slots() + a, slots() + b + 1, into);
  --header().children;
  return Status::kOk;
}

std::size_t ModelPage::children(Span<ChildRef> out) const noexcept {
  const std::size_t f = fanout();
  const BlockNumber* s = slots();
  std::size_t n = 0;
  const Entry top{~std::uint64_t{0}, kMaxTid};
  for (std::size_t i = 0; i < f && n < out.size(); ++i) {
    if (i > 0 && s[i] == s[i - 1]) continue;
    Entry low;
    if (!header().model.first_entry_reaching(static_cast<std::int64_t>(i), &low)) low = top;
    if (n > 0 && low < out[n - 1].low) low = out[n - 1].low;
    out[n++] = ChildRef{low, s[i]};
  }
  return n;
}


Status children_after_split(const ModelPage& node, BlockNumber child, BlockNumber new_child, const Entry& split,
                            Span<ChildRef> out, std::size_t* n) noexcept {
  if (out.size() < node.header().children + 1) return Status::kBadArgument;
  std::size_t count = node.children(out.first(node.header().children));
  std::size_t at = 0;
  while (at < count && out[at].block != child) ++at;
  if (at == count) return Status::kNotFound;
  std::copy_backward(out.begin() + at + 1, out.begin() + count, out.begin() + count + 1);
  out[at + 1] = ChildRef{split, new_child};
  // The estimates around the split must not contradict the one exact low we know.
  if (split < out[at].low) out[at].low = split;
  for (std::size_t i = at + 2; i <= count && out[i].low < split; ++i) out[i].low = split;
  *n = count + 1;
  return Status::kOk;
}

Status retrain(ModelPage node, Span<const ChildRef> children) noexcept {
  const std::size_t n = children.size();
  const std::size_t page_bytes = node.page_bytes();
  if (2 * n > max_fanout(page_bytes)) return Status::kNodeFull;
  const ModelHeader h = node.header();
  return node.build(children, h.level, node.fences(), h.left, h.right, kMaxRetrainHops);
}

Status split_model_page(ModelPage node, ModelPage sibling, BlockNumber node_block, BlockNumber sibling_block,
                        Span<const ChildRef> children, std::size_t at) noexcept {
  if (at == 0 || at >= children.size()) return Status::kBadArgument;
  const ModelHeader h = node.header();
  const Fences fences = node.fences();
  const Entry middle = children[at].low;
  const Status s = sibling.build(children.subspan(at), h.level, Fences{middle, fences.high, fences.high_infinite},
                                 node_block, h.right);
  if (s != Status::kOk) return s;
  return node.build(children.first(at), h.level, Fences{fences.low, middle, false}, h.left, sibling_block);
}

}  // namespace omendb::alex

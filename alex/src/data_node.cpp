#include "omendb/alex/data_node.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace omendb::alex {
namespace {

constexpr std::size_t kHeaderBytes = sizeof(DataHeader);
constexpr std::size_t kSpareBytes = 8;  // past the last slot: room for 8-byte loads
constexpr std::uint32_t kRadixStep = 32;  // TID radixes are multiples: offsets grow a little

// A shift longer than this on a page with room to spare means the gaps are no longer
// where the keys are: re-lay the page out (ALEX's retrain) instead of shifting -- but at
// most once per capacity / kRelayoutEvery inserts, since on locally hard keys no line puts
// the gaps where the next keys land and re-laying out every insert would cost O(page) each.
constexpr std::size_t kMaxShift = 64;
constexpr double kRelayoutDensity = 0.9;
constexpr std::size_t kRelayoutEvery = 16;
constexpr std::size_t kMinSlotBytes = 2;

std::size_t bitmap_words(std::size_t capacity) noexcept { return (capacity + 63) / 64; }

// Header | occupancy bitmap | slots of (key offset, TID), interleaved so that the probe
// that finds a key has its TID in the same cache line | spare bytes.
std::size_t layout_bytes(std::size_t capacity, std::size_t stride) noexcept {
  return kHeaderBytes + bitmap_words(capacity) * 8 + capacity * stride + kSpareBytes;
}

std::size_t capacity_for_stride(std::size_t page_bytes, std::size_t stride) noexcept {
  if (page_bytes < layout_bytes(1, stride)) return 0;
  std::size_t capacity = (page_bytes - kHeaderBytes - kSpareBytes) * 8 / (8 * stride + 1);
  while (capacity > 0 && layout_bytes(capacity, stride) > page_bytes) --capacity;
  return std::min<std::size_t>(capacity, 0xFFFF);
}


// Unaligned little-endian loads of `width` bytes; the spare bytes after the slots make the
// full 8-byte load safe for every slot.
std::uint64_t load_masked(const std::byte* p, std::uint64_t mask) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);  // little-endian hosts only (x86-64, arm64)
  return v & mask;
}

void store_uint(std::byte* p, std::uint64_t v, int width) noexcept {
  std::memcpy(p, &v, static_cast<std::size_t>(width));
}

// The entry right after e in (key, tid) order; false if e is the largest possible.
bool successor(const Entry& e, Entry* out) noexcept {
  if (e.tid < kMaxTid) {
    *out = Entry{e.key, e.tid + 1};
    return true;
  }
  if (e.key == ~std::uint64_t{0}) return false;
  *out = Entry{e.key + 1, 0};
  return true;
}

// Reads the slots of one page with the target already translated into the page's offset
// space. The masks assume the widths of a valid page (keys 1..8 bytes, TIDs 1..6): any
// other width reads a wrong mask, never outside the 8-byte load, and costs no branch.
struct SlotReader {
  const std::byte* slots;
  std::size_t stride;
  std::uint64_t key_mask;
  std::uint64_t tid_mask;
  SlotFormat format;

  SlotReader(const std::byte* s, const SlotFormat& f) noexcept
      : slots(s), stride(f.stride()), key_mask(low_bytes(f.key_width)), tid_mask(low_bytes(f.tid_width)), format(f) {}

  static std::uint64_t low_bytes(int width) noexcept { return ~std::uint64_t{0} >> ((64 - 8 * width) & 63); }
  std::uint64_t offset(std::size_t slot) const noexcept { return load_masked(slots + slot * stride, key_mask); }
  std::uint64_t tid(std::size_t slot) const noexcept {
    return format.decode_tid(load_masked(slots + slot * stride + format.key_width, tid_mask));
  }
  // A key-only target (TID 0) is never below an equal key, so its search compares offsets
  // only: point lookups, whose probes then cost one load and one compare each.
  template <bool kKeyOnly>
  bool less(std::size_t slot, std::uint64_t target_offset, std::uint64_t target_tid) const noexcept {
    const std::uint64_t o = offset(slot);
    if constexpr (kKeyOnly) return o < target_offset;
    return o < target_offset || (o == target_offset && tid(slot) < target_tid);
  }
};

// First slot in [0, end) whose value is >= the target, searching outward from `predicted`
// (exponential) and then by bisection inside the bracket.
template <bool kKeyOnly>
std::size_t search_slots(const SlotReader& r, std::size_t end, std::size_t predicted, std::uint64_t target_offset,
                         std::uint64_t target_tid, SearchSteps* steps) noexcept {
  const auto less = [&](std::size_t slot) { return r.less<kKeyOnly>(slot, target_offset, target_tid); };
  std::uint32_t probes = 1;
  std::size_t lo, hi;  // answer in [lo, hi]: slots below lo are less, slot hi is not (or hi == end)
  if (less(predicted)) {
    std::size_t step = 1;
    lo = predicted + 1;
    hi = end;
    for (std::size_t probe = predicted + 1; probe < end; probe = predicted + step) {
      ++probes;
      if (!less(probe)) {
        hi = probe;
        break;
      }
      lo = probe + 1;
      step *= 2;
    }
  } else {
    std::size_t step = 1;
    hi = predicted;
    lo = 0;
    while (step <= predicted) {
      const std::size_t probe = predicted - step;
      ++probes;
      if (less(probe)) {
        lo = probe + 1;
        break;
      }
      hi = probe;
      step *= 2;
    }
  }
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    ++probes;
    if (less(mid))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (steps) steps->probes += probes;
  return lo;
}

}  // namespace

int bytes_for(std::uint64_t value) noexcept {
  const int bits = 64 - __builtin_clzll(value | 1);
  return (bits + 7) / 8;
}

std::size_t data_capacity(std::size_t page_bytes, const SlotFormat& format) noexcept {
  return capacity_for_stride(page_bytes, format.stride());
}

std::size_t max_data_capacity(std::size_t page_bytes) noexcept {
  return capacity_for_stride(page_bytes, kMinSlotBytes);
}

void FormatNeeds::add(const Entry& e) noexcept {
  if (count_++ == 0) min_key_ = max_key_ = e.key;
  min_key_ = std::min(min_key_, e.key);
  max_key_ = std::max(max_key_, e.key);
  max_block_ = std::max(max_block_, e.tid >> 16);
  max_offset_ = std::max(max_offset_, e.tid & 0xFFFF);
}

SlotFormat FormatNeeds::format() const noexcept {
  // The radix leaves room for offsets a little above the largest seen and the width for
  // every offset below the radix in the largest block, so the next heap tuples of the
  // same blocks fit without a re-encode.
  SlotFormat f;
  f.key_width = bytes_for(key_span());
  f.tid_radix = static_cast<std::uint32_t>((max_offset_ / kRadixStep + 1) * kRadixStep);
  f.tid_width = bytes_for((max_block_ + 1) * f.tid_radix - 1);
  return f;
}

ProbeHint DataPage::probe_hint() const noexcept {
  // The page model's line, unclamped between the first and the last key so it is the
  // model's own; it starts at the first key, or where the model reaches slot 0 if that is
  // later, so that keys before it clamp to the first slot.
  if (size() == 0) return ProbeHint{};
  const LinearModel& model = header().model;
  const auto slots_at = static_cast<std::int64_t>(slots() - page_);
  const auto byte_at = [&](std::uint64_t key) {
    return slots_at + model.predict(first_entry_of(key)) * static_cast<std::int64_t>(stride());
  };
  std::uint64_t first_key = entry_at(first_slot()).key;
  const std::uint64_t last_key = entry_at(last_slot()).key;
  Entry reaches_zero;
  if (byte_at(first_key) < slots_at && model.first_entry_reaching(0, &reaches_zero) && reaches_zero.key < last_key)
    first_key = reaches_zero.key;
  const std::int64_t first_byte = std::max(byte_at(first_key), slots_at);
  const float per_key = last_key == first_key ? 0.0f
                                              : static_cast<float>(byte_at(last_key) - byte_at(first_key)) /
                                                    static_cast<float>(last_key - first_key);
  const auto last_byte = static_cast<std::uint16_t>(slots_at + static_cast<std::int64_t>(last_slot() * stride()));
  return ProbeHint{first_key, per_key, static_cast<std::uint16_t>(std::min<std::int64_t>(first_byte, last_byte)),
                   last_byte};
}

std::uint64_t* DataPage::bitmap() const noexcept { return reinterpret_cast<std::uint64_t*>(page_ + kHeaderBytes); }

std::byte* DataPage::slots() const noexcept { return page_ + kHeaderBytes + bitmap_words(capacity()) * 8; }

std::size_t DataPage::stride() const noexcept { return static_cast<std::size_t>(header().key_width + header().tid_width); }

bool DataPage::valid() const noexcept {
  if (bytes_ < kHeaderBytes || reinterpret_cast<std::uintptr_t>(page_) % 8 != 0) return false;
  const DataHeader& h = header();
  if (h.magic != kDataMagic) return false;
  if (h.key_width < 1 || h.key_width > 8 || h.tid_width < 1 || h.tid_width > 6) return false;
  if (h.capacity == 0 || h.capacity != data_capacity(bytes_, format())) return false;
  return h.laid_out <= h.capacity && h.end <= h.capacity;
}

std::size_t DataPage::size() const noexcept {
  const std::uint64_t* bits = bitmap();
  std::size_t n = 0;
  // Every word, not only those below end(): the checkers compare this with the entries
  // they walk, which catches a bit set beyond the end.
  for (std::size_t w = 0, words = bitmap_words(capacity()); w < words; ++w)
    n += static_cast<std::size_t>(__builtin_popcountll(bits[w]));
  return n;
}

Fences DataPage::fences() const noexcept {
  const DataHeader& h = header();
  return Fences{h.low, h.high, (h.flags & kHighInfinite) != 0};
}

void DataPage::set_fences(const Fences& f) noexcept {
  DataHeader& h = header();
  h.low = f.low;
  h.high = f.high_infinite ? Entry{} : f.high;
  h.flags = static_cast<std::uint8_t>(f.high_infinite ? (h.flags | kHighInfinite) : (h.flags & ~kHighInfinite));
}

bool DataPage::occupied(std::size_t slot) const noexcept { return (bitmap()[slot / 64] >> (slot % 64)) & 1; }

Entry DataPage::entry_at(std::size_t slot) const noexcept {
  const SlotReader r(slots(), format());
  return Entry{header().base_key + r.offset(slot), r.tid(slot)};
}

void DataPage::write_slot(std::size_t slot, const Entry& e) noexcept {
  const SlotFormat f = format();
  std::byte* p = slots() + slot * stride();
  store_uint(p, e.key - header().base_key, f.key_width);
  store_uint(p + f.key_width, f.encode_tid(e.tid), f.tid_width);
}

void DataPage::copy_slot(std::size_t to, std::size_t from) noexcept {
  std::memcpy(slots() + to * stride(), slots() + from * stride(), stride());
}

void DataPage::move_slots(std::size_t to, std::size_t from, std::size_t n) noexcept {
  std::memmove(slots() + to * stride(), slots() + from * stride(), n * stride());
}

void DataPage::set_occupied(std::size_t slot, bool on) noexcept {
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if (on)
    bitmap()[slot / 64] |= bit;
  else
    bitmap()[slot / 64] &= ~bit;
}

std::size_t DataPage::next_slot(std::size_t slot) const noexcept {
  const std::size_t end_slot = end();
  if (slot >= end_slot) return end_slot;
  const std::uint64_t* bits = bitmap();
  std::size_t word = slot / 64;
  std::uint64_t w = bits[word] & (~std::uint64_t{0} << (slot % 64));
  for (;;) {
    if (w != 0) {
      const std::size_t found = word * 64 + static_cast<std::size_t>(__builtin_ctzll(w));
      return found < end_slot ? found : end_slot;
    }
    if (++word * 64 >= end_slot) return end_slot;
    w = bits[word];
  }
}

std::size_t DataPage::prev_slot(std::size_t slot) const noexcept {
  // The occupied slot at or before `slot`; end() if none.
  if (end() == 0) return end();
  if (slot >= end()) slot = end() - 1;
  const std::uint64_t* bits = bitmap();
  std::size_t word = slot / 64;
  const unsigned shift = static_cast<unsigned>(63 - slot % 64);
  std::uint64_t w = (bits[word] << shift) >> shift;
  for (;;) {
    if (w != 0) return word * 64 + 63 - static_cast<std::size_t>(__builtin_clzll(w));
    if (word == 0) return end();
    w = bits[--word];
  }
}

std::size_t DataPage::first_slot() const noexcept { return next_slot(0); }

std::size_t DataPage::last_slot() const noexcept { return end() == 0 ? 0 : prev_slot(end() - 1); }

std::size_t DataPage::predicted_slot(const Entry& e) const noexcept {
  return end() == 0 ? 0 : header().model.slot(e, end());
}

std::size_t DataPage::seek(const Entry& e, SearchSteps* steps) const noexcept {
  const DataHeader& h = header();
  const std::size_t end_slot = h.end;
  if (end_slot == 0) return 0;
  if (e.key < h.base_key) return 0;
  const std::uint64_t target_offset = e.key - h.base_key;
  const SlotReader reader(slots(), format());
  if (target_offset > reader.key_mask) return end_slot;
  const std::size_t predicted = h.model.slot(e, end_slot);
  return e.tid == 0 ? search_slots<true>(reader, end_slot, predicted, target_offset, 0, steps)
                    : search_slots<false>(reader, end_slot, predicted, target_offset, e.tid, steps);
}

std::size_t DataPage::lower_bound(const Entry& e, SearchSteps* steps) const noexcept {
  // The first slot >= e may be a gap; its filler copies the next occupied slot, which is
  // then the answer.
  return next_slot(seek(e, steps));
}

std::size_t DataPage::upper_bound(const Entry& e, SearchSteps* steps) const noexcept {
  Entry next;
  return successor(e, &next) ? lower_bound(next, steps) : end();
}

std::size_t DataPage::copy_entries(Span<Entry> out) const noexcept {
  std::size_t n = 0;
  for (std::size_t s = first_slot(); s < end() && n < out.size(); s = next_slot(s + 1)) out[n++] = entry_at(s);
  return n;
}

Status DataPage::layout(Span<const Entry> entries, const Fences& fences, BlockNumber left, BlockNumber right) noexcept {
  const std::size_t n = entries.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!fences.contains(entries[i]) || (i > 0 && !(entries[i - 1] < entries[i]))) return Status::kBadArgument;
  }
  FormatNeeds needs;
  for (const Entry& e : entries) needs.add(e);
  const SlotFormat format = needs.format();
  const std::size_t capacity = data_capacity(bytes_, format);
  if (capacity == 0) return Status::kBadArgument;
  if (n > capacity) return Status::kPageFull;
  // The base is the low fence when the offsets reach the high fence from there, so no
  // insert can force a re-encode; otherwise it sits below the first key by half the room
  // the width leaves (but not below the low fence), so inserts on either side rarely do.
  const std::uint64_t first = n > 0 ? entries[0].key : fences.low.key;
  const std::uint64_t room = format.max_key_offset() - needs.key_span();
  const bool fences_fit = !fences.high_infinite && fences.high.key - fences.low.key <= format.max_key_offset();
  const std::uint64_t base = fences_fit ? fences.low.key : first - std::min(room / 2, first - fences.low.key);

  std::memset(page_, 0, bytes_);
  DataHeader& h = header();
  h.magic = kDataMagic;
  h.key_width = static_cast<std::uint8_t>(format.key_width);
  h.tid_width = static_cast<std::uint8_t>(format.tid_width);
  h.tid_radix_less_one = static_cast<std::uint16_t>(format.tid_radix - 1);
  h.capacity = static_cast<std::uint16_t>(capacity);
  h.laid_out = static_cast<std::uint16_t>(n);
  h.left = left;
  h.right = right;
  h.base_key = base;
  set_fences(fences);
  if (n == 0) return Status::kOk;

  // Spread the entries over the whole array so inserts find gaps near their predicted slot.
  // Each goes halfway between the slot the model predicts (ALEX's placement) and its slot in
  // an even spread: where keys bunch up, the model's slots alone pack them into long runs
  // without a gap, and an insert there shifts -- and WAL-logs -- the whole run; the even
  // slots alone triple the model's error. Halfway costs ~1.6x the error and cuts the bytes
  // an insert rewrites by ~60% (docs/ARCHITECTURE.md, "Data pages").
  const Entry model_limit = fences.high_infinite ? entries[n - 1] : fences.high;
  h.model = fit_model(entries, static_cast<double>(capacity) / static_cast<double>(n), model_limit);
  std::size_t next_free = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t slot = (h.model.slot(entries[i], capacity) + i * capacity / n) / 2;
    slot = std::max(slot, next_free);
    slot = std::min(slot, capacity - (n - i));
    write_slot(slot, entries[i]);
    set_occupied(slot, true);
    next_free = slot + 1;
  }
  h.end = static_cast<std::uint16_t>(next_free);
  fill_gaps();
  return Status::kOk;
}

void DataPage::fill_gaps() noexcept {
  // Walking down from the last entry, every gap copies the occupied slot above it.
  std::size_t source = end() - 1;
  for (std::size_t s = end(); s-- > 0;) {
    if (occupied(s))
      source = s;
    else
      copy_slot(s, source);
  }
}

bool DataPage::fits_format(const Entry& e) const noexcept {
  const DataHeader& h = header();
  const SlotFormat f = format();
  return e.key >= h.base_key && e.key - h.base_key <= f.max_key_offset() && f.holds_tid(e.tid);
}

std::size_t DataPage::nearest_gap(std::size_t slot) const noexcept {
  // Slots at or beyond end() are free too (their bits are clear). `slot` may be
  // capacity(); returns capacity() if the page is full.
  const std::size_t cap = capacity();
  for (std::size_t d = 0; slot + d < cap || d <= slot; ++d) {
    if (slot + d < cap && !occupied(slot + d)) return slot + d;
    if (d <= slot && slot - d < cap && !occupied(slot - d)) return slot - d;
  }
  return cap;
}

Status DataPage::relayout_with(const Entry& extra, Span<Entry> scratch) noexcept {
  // layout() checks that everything fits before it writes a byte, so a kPageFull leaves
  // the page as it was.
  const std::size_t n = size() + 1;
  if (scratch.size() < n) return Status::kBadArgument;
  std::size_t out = 0;
  bool placed = false;
  for (std::size_t s = first_slot(); s < end(); s = next_slot(s + 1)) {
    const Entry e = entry_at(s);
    if (!placed && extra < e) {
      scratch[out++] = extra;
      placed = true;
    }
    scratch[out++] = e;
  }
  if (!placed) scratch[out++] = extra;
  const DataHeader h = header();
  return layout(scratch.first(n), fences(), h.left, h.right);
}

Status DataPage::insert(const Entry& e, Span<Entry> scratch) noexcept {
  if (!fences().contains(e)) return Status::kOutOfRange;
  const std::size_t first_ge = seek(e);
  const std::size_t next_real = next_slot(first_ge);
  if (next_real < end() && entry_at(next_real) == e) return Status::kDuplicate;
  if (!fits_format(e)) return relayout_with(e, scratch);
  if (size() == capacity()) return Status::kPageFull;

  DataHeader& h = header();
  if (first_ge < next_real || (next_real == end() && end() < capacity())) {
    // A gap run [first_ge, next_real) sits right before the successor (or past the last
    // entry, where every slot up to capacity is free): use the predicted slot within it.
    const std::size_t run_end = next_real == end() ? capacity() : next_real;
    const std::size_t slot = std::clamp(h.model.slot(e, capacity()), first_ge, run_end - 1);
    write_slot(slot, e);
    set_occupied(slot, true);
    for (std::size_t s = first_ge; s < slot; ++s) copy_slot(s, slot);
    if (slot >= h.end) h.end = static_cast<std::uint16_t>(slot + 1);
    return Status::kOk;
  }

  // The successor occupies first_ge: shift the run between it and the nearest gap.
  const std::size_t gap = nearest_gap(first_ge);
  const std::size_t distance = gap > first_ge ? gap - first_ge : first_ge - gap;
  if (distance > kMaxShift && size() + 1 <= kRelayoutDensity * capacity() &&
      size() >= h.laid_out + capacity() / kRelayoutEvery)
    return relayout_with(e, scratch);
  std::size_t slot;
  if (gap > first_ge) {
    move_slots(first_ge + 1, first_ge, gap - first_ge);
    slot = first_ge;
    if (gap >= h.end) h.end = static_cast<std::uint16_t>(gap + 1);
  } else {
    move_slots(gap, gap + 1, first_ge - 1 - gap);
    slot = first_ge - 1;
  }
  set_occupied(gap, true);
  write_slot(slot, e);
  return Status::kOk;
}

Status DataPage::erase(const Entry& e) noexcept {
  const std::size_t slot = lower_bound(e);
  if (slot >= end() || entry_at(slot) != e) return Status::kNotFound;
  DataHeader& h = header();
  set_occupied(slot, false);
  const std::size_t prev = slot == 0 ? end() : prev_slot(slot - 1);
  const std::size_t run_start = prev == end() ? 0 : prev + 1;
  const std::size_t next = next_slot(slot + 1);
  if (next == end()) {
    h.end = static_cast<std::uint16_t>(run_start);  // the gaps before it now trail the page
  } else {
    for (std::size_t s = run_start; s <= slot; ++s) copy_slot(s, next);
  }
  return Status::kOk;
}

void DataPage::model_error(double* mean, std::int64_t* max) const noexcept {
  double sum = 0;
  std::int64_t worst = 0;
  std::size_t n = 0;
  for (std::size_t s = first_slot(); s < end(); s = next_slot(s + 1)) {
    const std::int64_t predicted = static_cast<std::int64_t>(header().model.slot(entry_at(s), capacity()));
    const std::int64_t error = std::llabs(predicted - static_cast<std::int64_t>(s));
    sum += static_cast<double>(error);
    worst = std::max(worst, error);
    ++n;
  }
  *mean = n ? sum / static_cast<double>(n) : 0;
  *max = worst;
}

Status split_data_page(DataPage left, DataPage right, BlockNumber left_block, BlockNumber right_block,
                       const Entry& boundary, Span<Entry> scratch) noexcept {
  const Fences old = left.fences();
  if (!(old.low < boundary) || !old.contains(boundary)) return Status::kBadArgument;
  const std::size_t n = left.copy_entries(scratch);
  if (n != left.size()) return Status::kBadArgument;
  const std::size_t cut =
      static_cast<std::size_t>(std::lower_bound(scratch.begin(), scratch.begin() + n, boundary) - scratch.begin());
  const BlockNumber old_left = left.header().left;
  const BlockNumber old_right = left.header().right;
  // Each half's entries are a subset of the old page's, so each fits a format no wider.
  Status s = right.layout(scratch.subspan(cut, n - cut), Fences{boundary, old.high, old.high_infinite}, left_block,
                          old_right);
  if (s != Status::kOk) return s;
  return left.layout(scratch.first(cut), Fences{old.low, boundary, false}, old_left, right_block);
}

Entry choose_split(const DataPage& page, const Entry& incoming, double fill) noexcept {
  const std::size_t n = page.size();
  const Fences f = page.fences();
  const auto nth = [&](std::size_t index) {
    std::size_t s = page.first_slot();
    for (std::size_t i = 0; i < index; ++i) s = page.next_slot(s + 1);
    return page.entry_at(s);
  };
  const auto packed = static_cast<std::size_t>(fill * static_cast<double>(n) + 0.5);
  if (f.high_infinite && page.entry_at(page.last_slot()) < incoming) {
    const std::size_t keep = std::clamp<std::size_t>(packed, 1, n);
    return keep == n ? incoming : nth(keep);
  }
  if (page.header().left == kInvalidBlock && incoming < page.entry_at(page.first_slot())) {
    return nth(n - std::clamp<std::size_t>(packed, 1, n));
  }
  return nth(n / 2);
}

}  // namespace omendb::alex

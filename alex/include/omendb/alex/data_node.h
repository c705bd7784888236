// A data node: one ALEX gapped array in one page-sized byte span.
//
// Layout (docs/ARCHITECTURE.md has the picture):
//   DataHeader | occupancy bitmap (64-bit words) | slots: capacity x (key, TID) | 8 spare bytes
// Each page picks its slot format (SlotFormat) from the entries it is laid out with: keys
// as offsets from the page's base key in 1 to 8 bytes, TIDs as block * radix + offset in 1
// to 6 bytes. The spare bytes let every field be read with one unaligned 8-byte load.
// Entries are ordered by (key, tid). Slots [0, end) obey ALEX's filler rule: an empty slot
// holds a copy of the next occupied slot's entry, so the array is non-decreasing and can
// be searched without the bitmap; slots at or beyond `end` are unused. The page model
// predicts a slot from an entry; searches start there and go outward (exponential, then
// binary).
//
// Every function works on raw page memory handed in by the caller, is noexcept, and never
// allocates; operations that rebuild the page take a caller-provided scratch array.
#pragma once

#include <cstddef>
#include <cstdint>
#include "omendb/alex/span.h"

#include "omendb/alex/entry.h"
#include "omendb/alex/model.h"

namespace omendb::alex {

inline constexpr std::uint32_t kDataMagic = 0x33584C44;  // "DLX3": the entry count is the bitmap's

// How a page encodes its slots. A TID (block << 16 | offset) is stored as
// block * tid_radix + offset, which keeps TID order as long as every offset on the page is
// below the radix: a page of a heap with 226 tuples per block and 44k blocks then stores
// its TIDs in 3 bytes instead of 6.
struct SlotFormat {
  int key_width = 1;           // 1..8 bytes of offset from the page's base key
  int tid_width = 1;           // 1..6 bytes
  std::uint32_t tid_radix = 1; // 1..65536

  std::size_t stride() const noexcept { return static_cast<std::size_t>(key_width + tid_width); }
  std::uint64_t max_key_offset() const noexcept { return width_max(key_width); }
  bool holds_tid(std::uint64_t tid) const noexcept {
    const std::uint64_t offset = tid & 0xFFFF;
    return offset < tid_radix && (tid >> 16) <= (width_max(tid_width) - offset) / tid_radix;
  }
  std::uint64_t encode_tid(std::uint64_t tid) const noexcept { return (tid >> 16) * tid_radix + (tid & 0xFFFF); }
  std::uint64_t decode_tid(std::uint64_t code) const noexcept {
    return ((code / tid_radix) << 16) | (code % tid_radix);
  }
  static std::uint64_t width_max(int bytes) noexcept {
    return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
  }
};

// What a set of entries demands of a slot format: grows one entry at a time, in any
// order, so the bulk loader can ask how far a page may reach and layout() can pick the
// format.
class FormatNeeds {
 public:
  void add(const Entry& e) noexcept;
  // The narrowest format storing every entry added so far, as offsets from a base key at
  // most the smallest key added.
  SlotFormat format() const noexcept;
  std::uint64_t key_span() const noexcept { return max_key_ - min_key_; }

 private:
  std::size_t count_ = 0;
  std::uint64_t min_key_ = 0;
  std::uint64_t max_key_ = 0;
  std::uint64_t max_block_ = 0;
  std::uint64_t max_offset_ = 0;
};

// What a search reads comes first, in one cache line; links and fences follow.
struct DataHeader {
  std::uint32_t magic;
  std::uint8_t key_width;  // SlotFormat
  std::uint8_t tid_width;
  std::uint16_t capacity;
  // Entries when the page was last laid out: re-layouts are rationed by the inserts since.
  // The current count is the bitmap's, so that a plain insert or erase leaves the header
  // alone and its WAL record carries only the slots and the bitmap word it changed.
  std::uint16_t laid_out;
  std::uint16_t end;          // one past the last occupied slot; 0 when empty
  std::uint8_t reserved;
  std::uint8_t flags;         // kHighInfinite
  std::uint16_t tid_radix_less_one;
  std::uint64_t base_key;
  LinearModel model;
  BlockNumber left;
  BlockNumber right;
  Entry low;
  Entry high;
};
static_assert(sizeof(DataHeader) == 104, "DataHeader is stored in pages");
static_assert(offsetof(DataHeader, left) == 64, "the search fields fill the first cache line");

inline constexpr std::uint8_t kHighInfinite = 1;

// Where on a page a search for a key will look first: the page model's line in key space,
// kept off the page in 16 bytes (the in-memory tree holds one per data page, small enough
// to stay in cache; the extension can keep them with its cached model pages). It lets a
// caller fetch the page header and the probed cache line at the same time instead of one
// after the other. Only ever a prefetch hint: a stale one costs a miss, never an answer.
struct ProbeHint {
  std::uint64_t first_key = 0;
  float bytes_per_key = 0;       // slope of the model's line, in slot bytes per key unit
  std::uint16_t first_byte = 0;  // where the line puts first_key: no search starts before it
  std::uint16_t last_byte = 0;   // the last occupied slot: no search starts beyond it
};
static_assert(sizeof(ProbeHint) == 16, "four hints to a cache line");

// The byte offset within the page a search for e probably probes first.
inline std::size_t probe_offset(const ProbeHint& hint, const Entry& e) noexcept {
  const float ahead = e.key > hint.first_key ? static_cast<float>(e.key - hint.first_key) * hint.bytes_per_key : 0.0f;
  const float at = static_cast<float>(hint.first_byte) + ahead;
  // Below last_byte the offset fits 32 bits, whose conversion is one instruction (size_t's
  // needs a range test).
  return at >= static_cast<float>(hint.last_byte) ? hint.last_byte : static_cast<std::uint32_t>(at);
}

// The fewest bytes (1..8) that store every value up to `value`: the width of a page's key
// offsets, and of its encoded TIDs.
int bytes_for(std::uint64_t value) noexcept;

// Slots a page of `page_bytes` holds in `format` (0 if it cannot hold any).
std::size_t data_capacity(std::size_t page_bytes, const SlotFormat& format) noexcept;

// The most slots a page of `page_bytes` can hold, in its narrowest format: scratch space
// for a page's entries is sized by it.
std::size_t max_data_capacity(std::size_t page_bytes) noexcept;

struct SearchSteps {
  std::uint32_t probes = 0;  // slots compared, exponential and binary phases together
};

// A view of one data page. Cheap to copy; does not own the memory.
class DataPage {
 public:
  DataPage(std::byte* page, std::size_t bytes) noexcept : page_(page), bytes_(bytes) {}

  // Writes a page holding `entries` (sorted, unique, inside `fences`), placed where a
  // freshly fitted model predicts them. kPageFull if they do not fit at the key width
  // their range needs.
  Status layout(Span<const Entry> entries, const Fences& fences, BlockNumber left, BlockNumber right) noexcept;

  bool valid() const noexcept;  // magic, format and capacity agree with the page size
  SlotFormat format() const noexcept {
    const DataHeader& h = header();
    return SlotFormat{h.key_width, h.tid_width, static_cast<std::uint32_t>(h.tid_radix_less_one) + 1};
  }
  ProbeHint probe_hint() const noexcept;
  const DataHeader& header() const noexcept { return *reinterpret_cast<const DataHeader*>(page_); }
  DataHeader& header() noexcept { return *reinterpret_cast<DataHeader*>(page_); }
  Fences fences() const noexcept;
  void set_fences(const Fences& f) noexcept;
  std::size_t size() const noexcept;  // occupied slots
  std::size_t capacity() const noexcept { return header().capacity; }
  std::size_t end() const noexcept { return header().end; }

  bool occupied(std::size_t slot) const noexcept;
  Entry entry_at(std::size_t slot) const noexcept;  // valid for any slot < end()

  // Occupied slots: first/last return end() when the page is empty; next_slot(s) is the
  // first occupied slot at or after s and prev_slot(s) the last at or before s (inclusive),
  // end() when there is none.
  std::size_t first_slot() const noexcept;
  std::size_t last_slot() const noexcept;
  std::size_t next_slot(std::size_t slot) const noexcept;
  std::size_t prev_slot(std::size_t slot) const noexcept;

  // The occupied slot of the first entry >= e (lower_bound) or > e (upper_bound), or
  // end() if there is none on this page.
  std::size_t lower_bound(const Entry& e, SearchSteps* steps = nullptr) const noexcept;
  std::size_t upper_bound(const Entry& e, SearchSteps* steps = nullptr) const noexcept;

  // The first slot whose value is >= e: an entry, or a gap whose filler copies the entry
  // (lower_bound is next_slot(seek(e))); end() if every entry is < e. A result strictly
  // inside (0, end()) proves e lies within this page's fences without reading them.
  std::size_t seek(const Entry& e, SearchSteps* steps = nullptr) const noexcept;

  // The predicted slot of e, clamped to [0, end()).
  std::size_t predicted_slot(const Entry& e) const noexcept;

  // Inserts an entry. kOutOfRange if it lies outside the fences, kDuplicate if present,
  // kPageFull if the page must be split first. May rebuild the page (wider format, refit model) through
  // `scratch`, which must hold size() + 1 entries.
  Status insert(const Entry& e, Span<Entry> scratch) noexcept;

  // Removes an entry. kNotFound if absent.
  Status erase(const Entry& e) noexcept;

  // Copies the entries in order into out (which must hold size() entries).
  std::size_t copy_entries(Span<Entry> out) const noexcept;

  // Mean and max |predicted slot - actual slot| over the entries.
  void model_error(double* mean, std::int64_t* max) const noexcept;

 private:
  std::uint64_t* bitmap() const noexcept;
  std::byte* slots() const noexcept;
  std::size_t stride() const noexcept;
  void write_slot(std::size_t slot, const Entry& e) noexcept;
  void copy_slot(std::size_t to, std::size_t from) noexcept;
  void move_slots(std::size_t to, std::size_t from, std::size_t n) noexcept;
  void set_occupied(std::size_t slot, bool on) noexcept;
  void fill_gaps() noexcept;
  bool fits_format(const Entry& e) const noexcept;
  std::size_t nearest_gap(std::size_t slot) const noexcept;
  // Lays the page out again with its entries plus `extra`.
  Status relayout_with(const Entry& extra, Span<Entry> scratch) noexcept;

  std::byte* page_;
  std::size_t bytes_;
};

// Splits a page at `boundary`: entries below it stay in `left` (rewritten in place), the
// rest go to the blank page `right`, whose low fence -- and the left page's new high
// fence -- is `boundary` (low < boundary, and boundary inside the old fences). Links:
// left.right = right_block, right.left = left_block, right.right = the old left.right
// (that page's left link is the caller's to update). `scratch` must hold left.size()
// entries.
Status split_data_page(DataPage left, DataPage right, BlockNumber left_block, BlockNumber right_block,
                       const Entry& boundary, Span<Entry> scratch) noexcept;

// Where to split a full page that must take `incoming`: the middle entry, except that an
// entry beyond the rightmost page's last entry leaves the old page `fill` full (and one
// before the leftmost page's first entry leaves the new right page `fill` full), so
// appends and prepends pack pages instead of half-filling them. The boundary may be
// `incoming` itself.
Entry choose_split(const DataPage& page, const Entry& incoming, double fill) noexcept;

}  // namespace omendb::alex

// Index entries and the bounds (fences) that partition the entry space.
//
// An entry is a (key code, heap TID) pair. Key codes are order-preserving 64-bit
// images of SQL values (keys.h); a TID is Postgres's 6-byte ItemPointer packed as
// block << 16 | offset, so comparing the packed integers orders TIDs as
// ItemPointerCompare does. Entries are totally ordered by (key, tid) and are unique.
#pragma once

#include <cstdint>

namespace omendb::alex {

using BlockNumber = std::uint32_t;
inline constexpr BlockNumber kInvalidBlock = 0xFFFFFFFFu;

inline constexpr int kTidBits = 48;
inline constexpr std::uint64_t kMaxTid = (std::uint64_t{1} << kTidBits) - 1;

constexpr std::uint64_t make_tid(std::uint32_t block, std::uint16_t offset) noexcept {
  return (std::uint64_t{block} << 16) | offset;
}

struct Entry {
  std::uint64_t key = 0;
  std::uint64_t tid = 0;  // < 2^48

  friend constexpr bool operator==(const Entry& a, const Entry& b) noexcept {
    return a.key == b.key && a.tid == b.tid;
  }
  friend constexpr bool operator!=(const Entry& a, const Entry& b) noexcept { return !(a == b); }
  friend constexpr bool operator<(const Entry& a, const Entry& b) noexcept {
    return a.key < b.key || (a.key == b.key && a.tid < b.tid);
  }
  friend constexpr bool operator<=(const Entry& a, const Entry& b) noexcept { return !(b < a); }
  friend constexpr bool operator>(const Entry& a, const Entry& b) noexcept { return b < a; }
  friend constexpr bool operator>=(const Entry& a, const Entry& b) noexcept { return !(a < b); }
};

// The smallest entry with this key: "key >= k" starts here.
constexpr Entry first_entry_of(std::uint64_t key) noexcept { return Entry{key, 0}; }

// A 112-bit integer with the same order as Entry: models are fitted on it, so a run of
// one key spread over many pages is still separated by its TIDs.
using Composite = unsigned __int128;

constexpr Composite to_composite(const Entry& e) noexcept {
  return (Composite{e.key} << kTidBits) | e.tid;
}

// Fences: a data page holds exactly the entries e with low <= e < high. The lowest
// possible entry (0, 0) is the low fence of the leftmost page; the rightmost page's high
// fence is "infinite".
struct Fences {
  Entry low{};
  Entry high{};
  bool high_infinite = true;

  constexpr bool contains(const Entry& e) const noexcept {
    return low <= e && (high_infinite || e < high);
  }
};

enum class Status : int {
  kOk = 0,
  kNotFound = 1,
  kDuplicate = 2,      // the exact (key, tid) is already present
  kPageFull = 3,       // the data page cannot take the entry: split it
  kNodeFull = 4,       // the model node cannot give the child another slot: retrain or split it
  kBadPage = 5,        // the bytes are not a page of the expected kind
  kBadArgument = 6,    // e.g. unsorted bulk-load input, page too small, TID out of range
  kOutOfRange = 7,     // the entry is outside this page's fences
  kInternalError = 8,  // an exception was caught at the C boundary
};

const char* status_name(Status s) noexcept;

}  // namespace omendb::alex

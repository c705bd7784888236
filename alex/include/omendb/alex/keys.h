// Order-preserving 64-bit key codes.
//
// Every supported SQL type maps to an unsigned 64-bit code whose unsigned order is the
// order of the type's btree comparison function, so the core compares plain integers:
//   * integers (int2, int4, int8, date, timestamp, timestamptz): flip the sign bit.
//     Postgres stores -infinity/+infinity dates and timestamps as the minimum and maximum
//     of the underlying integer, so they land at the ends by themselves.
//   * floats (float4 widened to float8 exactly, float8): the IEEE trick -- flip all bits
//     of negatives, set the sign bit of non-negatives -- after folding -0 into +0 and
//     every NaN into one code above +Infinity, because btree treats -0 = +0 and all NaNs
//     as equal and greater than everything.
// Decoding returns a canonical value of the class: -0 decodes to +0 and NaN to the
// default quiet NaN, so an index-only scan cannot reproduce those two exactly.
#pragma once

#include <cstdint>
#include <cstring>

namespace omendb::alex {

enum class KeyKind : std::uint8_t {
  kInt2 = 1,
  kInt4 = 2,
  kInt8 = 3,
  kFloat4 = 4,
  kFloat8 = 5,
  kDate = 6,
  kTimestamp = 7,
  kTimestampTz = 8,
};

inline constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

constexpr std::uint64_t code_from_int(std::int64_t v) noexcept {
  return static_cast<std::uint64_t>(v) ^ kSignBit;
}

constexpr std::int64_t int_from_code(std::uint64_t code) noexcept {
  return static_cast<std::int64_t>(code ^ kSignBit);
}

inline constexpr std::uint64_t kNanCode = ~std::uint64_t{0};

inline std::uint64_t code_from_double(double v) noexcept {
  if (v != v) return kNanCode;
  if (v == 0.0) v = 0.0;  // -0 joins +0
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

inline double double_from_code(std::uint64_t code) noexcept {
  if (code == kNanCode) {
    const std::uint64_t quiet_nan = 0x7FF8000000000000ull;
    double v;
    std::memcpy(&v, &quiet_nan, sizeof v);
    return v;
  }
  const std::uint64_t bits = (code & kSignBit) ? (code & ~kSignBit) : ~code;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

inline std::uint64_t code_from_float(float v) noexcept { return code_from_double(static_cast<double>(v)); }

inline float float_from_code(std::uint64_t code) noexcept { return static_cast<float>(double_from_code(code)); }

}  // namespace omendb::alex

#include "omendb/alex/model.h"

#include <algorithm>
#include <cmath>

namespace omendb::alex {
namespace {

int bit_length(Composite v) noexcept {
  int bits = 0;
  while (v != 0) {
    v >>= 1;
    ++bits;
  }
  return bits;
}

Entry entry_from_composite(Composite c) noexcept {
  return Entry{static_cast<std::uint64_t>(c >> kTidBits), static_cast<std::uint64_t>(c) & kMaxTid};
}

inline constexpr Composite kMaxComposite = (Composite{1} << (64 + kTidBits)) - 1;

// Inputs are kept below 2^62 over the fitted range so later entries up to 4x beyond it
// still resolve before the input saturates.
inline constexpr int kInputBits = 62;

// Products of an int64 input and the slope must fit a signed 128-bit integer.
inline constexpr std::uint64_t kMaxSlope = (std::uint64_t{1} << 63) - 1;

}  // namespace

int pre_shift_for(Composite range) noexcept {
  const int bits = bit_length(range);
  return bits > kInputBits ? bits - kInputBits : 0;
}

void set_slope(LinearModel& m, long double slope, long double mean_x, long double mean_y) noexcept {
  long double quantised = 0;
  if (slope > 0) {
    int exponent = 0;
    std::frexp(static_cast<double>(slope), &exponent);  // slope in [2^(e-1), 2^e)
    const int post = std::clamp(63 - exponent, 0, 127);  // slope * 2^post in [2^62, 2^63)
    const long double scaled = std::ldexp(slope, post);
    m.slope = scaled >= 0x1p63L ? kMaxSlope : std::min(kMaxSlope, static_cast<std::uint64_t>(std::llroundl(scaled)));
    m.post_shift = static_cast<std::uint8_t>(post);
    quantised = std::ldexp(static_cast<long double>(m.slope), -post);
  }
  // floor() in predict_input loses half a slot on average; the +0.5 gives it back.
  m.intercept = static_cast<std::int64_t>(std::floor(mean_y - quantised * mean_x + 0.5L));
}

std::int64_t LinearModel::input_below_base(const Entry& e) const noexcept {
  constexpr Composite kLimit = Composite{1} << 63;
  const Composite x = ((base() - to_composite(e) - 1) >> pre_shift) + 1;  // ceil: x is floor((c - b) / 2^pre)
  return x >= kLimit ? INT64_MIN : -static_cast<std::int64_t>(x);
}

std::int64_t LinearModel::predict_wide(std::int64_t x) const noexcept {
  constexpr __int128 kLimit = __int128{1} << 62;
  __int128 scaled = (__int128{x} * static_cast<__int128>(slope)) >> post_shift;  // arithmetic: floor
  if (scaled > kLimit) scaled = kLimit;
  if (scaled < -kLimit) scaled = -kLimit;
  return intercept + static_cast<std::int64_t>(scaled);
}

bool LinearModel::first_entry_reaching(std::int64_t target, Entry* out) const noexcept {
  if (predict(Entry{}) >= target) {
    *out = Entry{};
    return true;
  }
  std::int64_t lo = INT64_MIN, hi = INT64_MAX;  // predict_input(lo) < target <= predict_input(hi)
  if (predict_input(hi) < target) return false;
  const auto gap = [&] { return static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo); };
  while (gap() > 1) {
    const std::int64_t mid = lo + static_cast<std::int64_t>(gap() / 2);
    if (predict_input(mid) >= target)
      hi = mid;
    else
      lo = mid;
  }
  // The smallest entry whose input is hi: base + hi * 2^pre_shift (entry (0, 0) has a
  // smaller prediction, so this lies above it).
  const __int128 offset = static_cast<__int128>(hi) * (__int128{1} << pre_shift);
  const __int128 at = static_cast<__int128>(base()) + offset;
  if (at > static_cast<__int128>(kMaxComposite)) return false;
  *out = entry_from_composite(static_cast<Composite>(at));
  return true;
}

bool LinearModel::double_scale() noexcept {
  if (intercept > (std::int64_t{1} << 60) || intercept < -(std::int64_t{1} << 60)) return false;
  if (post_shift > 0) {
    --post_shift;
  } else if (slope <= kMaxSlope / 2) {
    slope <<= 1;
  } else {
    return false;
  }
  intercept *= 2;
  return true;
}

}  // namespace omendb::alex

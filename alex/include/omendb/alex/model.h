// A linear model from entries to slots, evaluated in exact integer arithmetic.
//
// slot = intercept + floor(x * slope / 2^post_shift), x = floor((entry - base) / 2^pre_shift)
// where entry and base are the 112-bit composites of entry.h and x saturates to int64.
// Fitting uses floating point (it is an optimisation), but evaluation is exact, so two
// processes, a replica and the fitter itself agree on every prediction, keys above 2^53
// lose nothing, and the prediction is monotone (non-decreasing) in the entry -- the
// property routing relies on. Entries below the base get negative inputs, so they
// predict below it rather than all landing on the base's slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include "omendb/alex/span.h"

#include "omendb/alex/entry.h"

namespace omendb::alex {

struct LinearModel {
  std::uint64_t base_key = 0;
  std::uint64_t base_tid = 0;
  std::uint64_t slope = 0;  // fixed point, scaled by 2^post_shift; below 2^63
  std::int64_t intercept = 0;
  std::uint8_t pre_shift = 0;
  std::uint8_t post_shift = 0;
  std::uint8_t reserved[6] = {};

  Composite base() const noexcept { return to_composite(Entry{base_key, base_tid}); }

  // Scaled input of the model; saturates instead of wrapping, which keeps monotonicity.
  // Lookups evaluate three models each, so the common cases take 64-bit arithmetic; the
  // tests check every path against the 128-bit definition.
  std::int64_t input(const Entry& e) const noexcept {
    const bool borrow = e.tid < base_tid;
    if (e.key > base_key || (e.key == base_key && !borrow)) {
      // c - b = high * 2^48 + low, low in [0, 2^48), high in [0, 2^64).
      const std::uint64_t high = e.key - base_key - borrow;
      const std::uint64_t low = (e.tid - base_tid) & kMaxTid;
      if (pre_shift >= kTidBits) {
        const unsigned shift = pre_shift - kTidBits;
        const std::uint64_t x = shift < 64 ? high >> shift : 0;
        return x > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(x);
      }
      // x = high * 2^(48 - pre_shift) + low / 2^pre_shift, which reaches 2^63 exactly
      // when high reaches 2^(15 + pre_shift).
      if (high >> (63 - kTidBits + pre_shift) != 0) return INT64_MAX;
      return static_cast<std::int64_t>((high << (kTidBits - pre_shift)) | (low >> pre_shift));
    }
    return input_below_base(e);
  }

  std::int64_t predict_input(std::int64_t x) const noexcept {
    if (post_shift >= 64 && post_shift < 128 && slope <= INT64_MAX) {
      // The fitter's usual case: one signed 64x64 multiply's high half, then a floor
      // shift; |x * slope| < 2^126 stays within the +-2^62 clamp.
      const auto high = static_cast<std::int64_t>((__int128{x} * static_cast<std::int64_t>(slope)) >> 64);
      return intercept + (high >> (post_shift - 64));
    }
    return predict_wide(x);
  }

  std::int64_t predict(const Entry& e) const noexcept { return predict_input(input(e)); }

  // predict() clamped into [0, slots).
  std::size_t slot(const Entry& e, std::size_t slots) const noexcept {
    const std::int64_t p = predict(e);
    if (p <= 0) return 0;
    return static_cast<std::size_t>(p) >= slots ? slots - 1 : static_cast<std::size_t>(p);
  }

  // The smallest entry whose prediction reaches `target` (an exact inverse, by bisection
  // over the integer input). Returns false if no entry does.
  bool first_entry_reaching(std::int64_t target, Entry* out) const noexcept;

  // Doubles every prediction exactly (predict'(e) is 2*predict(e) or 2*predict(e)+1), so
  // a model node can double its slot array without moving any key to another child.
  bool double_scale() noexcept;

  // The 128-bit remainder of input() and predict_input(), out of line so that the fast
  // paths inline into the descent -- also where the descent is flattened (MemoryTree::
  // locate) or link-time optimisation inlines across files: inlined, they share their
  // 128-bit arithmetic with the fast paths and lengthen them.
  [[gnu::noinline, gnu::cold]] std::int64_t input_below_base(const Entry& e) const noexcept;
  [[gnu::noinline, gnu::cold]] std::int64_t predict_wide(std::int64_t x) const noexcept;
};
static_assert(sizeof(LinearModel) == 40, "LinearModel is stored in pages");

// Least-squares fit of entry(i) -> i * scale, i < n, with a non-negative slope (ALEX places
// n keys in n / density slots with scale = 1 / density), quantised with its base at
// entry(0). Inputs up to `max_entry` resolve without saturation; pass the last entry
// when nothing larger is expected. Entries must be sorted.
template <class EntryAt>
LinearModel fit_model_by(std::size_t n, EntryAt entry, double scale, const Entry& max_entry) noexcept;

inline LinearModel fit_model(Span<const Entry> entries, double scale, const Entry& max_entry) noexcept {
  return fit_model_by(entries.size(), [&](std::size_t i) { return entries[i]; }, scale, max_entry);
}

// The quantisation half of a fit: slope in slots per input unit, intercept at input 0.
void set_slope(LinearModel& m, long double slope, long double mean_x, long double mean_y) noexcept;
int pre_shift_for(Composite range) noexcept;

template <class EntryAt>
LinearModel fit_model_by(std::size_t n, EntryAt entry, double scale, const Entry& max_entry) noexcept {
  LinearModel m;
  if (n == 0) return m;
  const Entry first = entry(0);
  const Entry last = entry(n - 1);
  m.base_key = first.key;
  m.base_tid = first.tid;
  m.pre_shift = static_cast<std::uint8_t>(pre_shift_for(to_composite(max_entry > last ? max_entry : last) - m.base()));
  if (n == 1) return m;
  long double mean_x = 0, mean_y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_x += static_cast<long double>(m.input(entry(i)));
    mean_y += static_cast<long double>(i) * scale;
  }
  mean_x /= n;
  mean_y /= n;
  long double cov = 0, var = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double dx = static_cast<long double>(m.input(entry(i))) - mean_x;
    cov += dx * (static_cast<long double>(i) * scale - mean_y);
    var += dx * dx;
  }
  set_slope(m, (var > 0 && cov > 0) ? cov / var : 0, mean_x, mean_y);
  return m;
}

}  // namespace omendb::alex

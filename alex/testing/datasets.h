// Deterministic key sets for the tests and the microbenchmarks.
//
// Our own PRNG and transforms (not <random>'s distributions, which differ between
// standard libraries), so a seed names the same keys everywhere.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace omendb::testing {

struct SplitMix64 {
  std::uint64_t state;
  explicit SplitMix64(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  double normal() {  // Box-Muller
    double u1 = unit();
    while (u1 <= 0.0) u1 = unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * unit());
  }
};

enum class Dist {
  kUniform,      // uniform over all of int64
  kSequential,   // 1, 2, 3, ...
  kLognormal,    // floor(exp(N(0, 2)) * 1e9), ALEX/SOSD style
  kClustered,    // 1000 clusters of random width 2^10..2^39 at random bases in [0, 2^60]
  kParetoGap,    // key += ceil(Pareto(alpha = 0.7)): locally hard, fb-like
  kOutliers,     // dense ids plus 0.01% huge outliers
  kOneKey,       // one key repeated
  kTenKeys,      // ten distinct keys
  kExtremes,     // INT64_MIN, INT64_MAX and their neighbours mixed with small keys
};

inline const char* dist_name(Dist d) {
  switch (d) {
    case Dist::kUniform: return "uniform";
    case Dist::kSequential: return "sequential";
    case Dist::kLognormal: return "lognormal";
    case Dist::kClustered: return "clustered";
    case Dist::kParetoGap: return "pareto_gap";
    case Dist::kOutliers: return "outliers";
    case Dist::kOneKey: return "one_key";
    case Dist::kTenKeys: return "ten_keys";
    case Dist::kExtremes: return "extremes";
  }
  return "?";
}

// n int64 keys in a shuffled order (kSequential: ascending). Keys repeat only for the
// duplicate-heavy sets and, rarely, where the distribution itself collides.
inline std::vector<std::int64_t> make_keys(Dist d, std::size_t n, std::uint64_t seed) {
  SplitMix64 rng(seed * 0x2545F4914F6CDD1Dull + static_cast<std::uint64_t>(d));
  std::vector<std::int64_t> keys;
  keys.reserve(n);
  switch (d) {
    case Dist::kUniform:
      for (std::size_t i = 0; i < n; ++i) keys.push_back(static_cast<std::int64_t>(rng.next()));
      break;
    case Dist::kSequential:
      for (std::size_t i = 0; i < n; ++i) keys.push_back(static_cast<std::int64_t>(i + 1));
      return keys;
    case Dist::kLognormal:
      for (std::size_t i = 0; i < n; ++i) {
        const double v = std::exp(2.0 * rng.normal()) * 1e9;
        keys.push_back(v >= 9.2e18 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(v));
      }
      break;
    case Dist::kClustered: {
      constexpr int kClusters = 1000;
      std::int64_t base[kClusters];
      std::int64_t width[kClusters];
      for (int c = 0; c < kClusters; ++c) {
        base[c] = static_cast<std::int64_t>(rng.below(std::uint64_t{1} << 60));
        width[c] = std::int64_t{1} << (10 + rng.below(30));
      }
      for (std::size_t i = 0; i < n; ++i) {
        const auto c = rng.below(kClusters);
        keys.push_back(base[c] + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(width[c]))));
      }
      break;
    }
    case Dist::kParetoGap: {
      std::int64_t k = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double u = 1.0 - rng.unit();  // (0, 1]
        const double gap = std::ceil(std::pow(u, -1.0 / 0.7));
        k += gap > 1e12 ? std::int64_t{1000000000000} : static_cast<std::int64_t>(gap);
        keys.push_back(k);
      }
      break;
    }
    case Dist::kOutliers:
      for (std::size_t i = 0; i < n; ++i) {
        if (rng.below(10000) == 0)
          keys.push_back(static_cast<std::int64_t>((std::uint64_t{1} << 61) + rng.below(std::uint64_t{1} << 61)));
        else
          keys.push_back(static_cast<std::int64_t>(i + 1));
      }
      break;
    case Dist::kOneKey:
      keys.assign(n, 42);
      return keys;
    case Dist::kTenKeys:
      for (std::size_t i = 0; i < n; ++i) keys.push_back(static_cast<std::int64_t>(rng.below(10)) * 1000 - 3000);
      break;
    case Dist::kExtremes: {
      constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
      constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
      for (std::size_t i = 0; i < n; ++i) {
        switch (rng.below(4)) {
          case 0: keys.push_back(kMin + static_cast<std::int64_t>(rng.below(64))); break;
          case 1: keys.push_back(kMax - static_cast<std::int64_t>(rng.below(64))); break;
          default: keys.push_back(static_cast<std::int64_t>(rng.below(2000)) - 1000); break;
        }
      }
      break;
    }
  }
  for (std::size_t i = keys.size(); i > 1; --i) std::swap(keys[i - 1], keys[rng.below(i)]);
  return keys;
}

}  // namespace omendb::testing

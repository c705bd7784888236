// LinearModel: exact integer evaluation, monotonicity over the full 112-bit entry space
// (keys beyond 2^53 and near 2^64), the exact inverse first_entry_reaching, double_scale,
// and fit_model's accuracy on linear data.
#include <cmath>
#include <cstring>
#include <vector>

#include "omendb/alex/model.h"
#include "test_support.h"

namespace omendb::alex::test {
namespace {

constexpr std::uint64_t kU64Max = ~std::uint64_t{0};

std::vector<Entry> linear_entries(std::uint64_t first_key, std::uint64_t stride, std::size_t n, std::uint64_t tid) {
  std::vector<Entry> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(Entry{first_key + i * stride, tid});
  return v;
}

// A set of models to test: fitted on many shapes, plus random raw parameters.
std::vector<LinearModel> model_zoo(SplitMix64& rng) {
  std::vector<LinearModel> zoo;
  const double scales[] = {1.0, 1.0 / 0.7, 0.5, 3.0};
  auto add_fit = [&](const std::vector<Entry>& e, double scale, const Entry& max_entry) {
    zoo.push_back(fit_model(Span<const Entry>(e.data(), e.size()), scale, max_entry));
  };
  for (double scale : scales) {
    add_fit(linear_entries(1000, 1, 500, 7), scale, Entry{1499, 7});
    add_fit(linear_entries(std::uint64_t{1} << 53, 1, 1000, 1), scale, Entry{(std::uint64_t{1} << 53) + 999, 1});
    add_fit(linear_entries(std::uint64_t{1} << 60, 3, 1000, 1), scale, kMaxEntry);
    add_fit(linear_entries(kU64Max - 999, 1, 1000, 5), scale, kMaxEntry);
    add_fit(linear_entries(0, std::uint64_t{1} << 54, 1000, 5), scale, kMaxEntry);
    // One key, many TIDs: the composite separates them.
    std::vector<Entry> dup;
    for (std::uint64_t t = 1; t <= 800; ++t) dup.push_back(Entry{code_from_int(42), make_tid(static_cast<std::uint32_t>(t / 7), static_cast<std::uint16_t>(1 + t % 7))});
    add_fit(dup, scale, dup.back());
  }
  for (Dist d : {Dist::kUniform, Dist::kLognormal, Dist::kClustered, Dist::kParetoGap, Dist::kOutliers,
                 Dist::kTenKeys, Dist::kExtremes}) {
    const auto e = dist_entries(d, 2000, rng.next());
    add_fit(e, 1.0 / 0.8, e.back());
    add_fit(e, 1.0, kMaxEntry);
  }
  {
    const std::vector<Entry> one = {Entry{code_from_int(5), 9}};
    add_fit(one, 1.0, one[0]);
  }
  for (int i = 0; i < 60; ++i) {
    LinearModel m;
    m.base_key = rng.below(4) == 0 ? 0 : rng.next();
    m.base_tid = rng.next() & kMaxTid;
    m.slope = rng.next() >> (1 + rng.below(63));  // below 2^63
    m.intercept = static_cast<std::int64_t>(rng.below(1u << 20)) - (1 << 19);
    m.pre_shift = static_cast<std::uint8_t>(rng.below(49));
    m.post_shift = static_cast<std::uint8_t>(rng.below(64));
    zoo.push_back(m);
  }
  return zoo;
}

// Pairs a <= b from several scales: adjacent composites, nearby, anywhere, near the top.
std::pair<Entry, Entry> random_pair(SplitMix64& rng, const LinearModel& m) {
  Composite a;
  switch (rng.below(5)) {
    case 0: a = random_composite(rng); break;
    case 1: a = m.base() + (Composite{rng.next()} << rng.below(49)); break;
    case 2: a = kMaxComposite - (Composite{rng.next()} >> rng.below(64)); break;
    case 3: a = (Composite{(std::uint64_t{1} << 53) + rng.below(1u << 20)} << kTidBits) | (rng.next() & kMaxTid); break;
    default: a = m.base() > 100 ? m.base() - rng.below(100) : 0; break;
  }
  if (a > kMaxComposite) a = kMaxComposite;
  Composite b;
  switch (rng.below(3)) {
    case 0: b = a + rng.below(3); break;
    case 1: b = a + (Composite{rng.next()} >> rng.below(64)); break;
    default: b = random_composite_between(rng, a, kMaxComposite); break;
  }
  if (b > kMaxComposite || b < a) b = kMaxComposite;
  return {from_composite(a), from_composite(b)};
}

TEST(Model, LayoutIsFortyBytes) { EXPECT_EQ(sizeof(LinearModel), 40u); }

// The definition of a prediction, written the long way (unsigned magnitudes, a full
// 128-bit product). Pages store models, so the fast paths must agree with it on every
// entry: a model page routes keys by what the fitter's predictions were.
std::int64_t reference_prediction(const LinearModel& m, const Entry& e) {
  const Composite c = to_composite(e), b = m.base(), limit = Composite{1} << 63;
  std::int64_t x;
  if (c >= b) {
    const Composite q = (c - b) >> m.pre_shift;
    x = q >= limit ? INT64_MAX : static_cast<std::int64_t>(q);
  } else {
    const Composite q = ((b - c - 1) >> m.pre_shift) + 1;
    x = q > limit ? INT64_MIN : static_cast<std::int64_t>(-static_cast<__int128>(q));
  }
  const bool negative = x < 0;
  const auto magnitude = static_cast<unsigned __int128>(negative ? -__int128{x} : __int128{x});
  const unsigned __int128 product = magnitude * m.slope;
  const unsigned __int128 q = product >> m.post_shift;
  // A floor, not a truncation, for negative products.
  const __int128 scaled = negative ? -static_cast<__int128>(q) - ((q << m.post_shift) != product) : static_cast<__int128>(q);
  const __int128 cap = __int128{1} << 62;
  return m.intercept + static_cast<std::int64_t>(scaled > cap ? cap : scaled < -cap ? -cap : scaled);
}

TEST(Model, EvaluationMatchesTheDefinition) {
  SplitMix64 rng(derive_seed("model-definition"));
  auto zoo = model_zoo(rng);
  for (int i = 0; i < 40; ++i) {  // raw models on the slow paths too: steep slopes, wide pre-shifts
    LinearModel m;
    m.base_key = rng.next();
    m.base_tid = rng.next() & kMaxTid;
    m.slope = rng.next() >> (1 + rng.below(8));
    m.intercept = static_cast<std::int64_t>(rng.below(1u << 20)) - (1 << 19);
    m.pre_shift = static_cast<std::uint8_t>(rng.below(51));
    m.post_shift = static_cast<std::uint8_t>(rng.below(128));
    zoo.push_back(m);
  }
  for (std::size_t z = 0; z < zoo.size(); ++z) {
    const LinearModel& m = zoo[z];
    for (int t = 0; t < 4000; ++t) {
      const auto [a, b] = random_pair(rng, m);
      for (const Entry& e : {a, b}) {
        ASSERT_EQ(m.predict(e), reference_prediction(m, e)) << "model #" << z << " e=" << str(e);
      }
    }
    for (const Entry& e : {Entry{0, 0}, kMaxEntry, from_composite(m.base()), from_composite(m.base() + 1)}) {
      ASSERT_EQ(m.predict(e), reference_prediction(m, e)) << "model #" << z << " e=" << str(e);
    }
  }
}

TEST(Model, PredictionIsMonotone) {
  SplitMix64 rng(derive_seed("model-monotone"));
  const auto zoo = model_zoo(rng);
  for (std::size_t z = 0; z < zoo.size(); ++z) {
    const LinearModel& m = zoo[z];
    for (int t = 0; t < 4000; ++t) {
      const auto [a, b] = random_pair(rng, m);
      ASSERT_LE(a, b);
      ASSERT_LE(m.predict(a), m.predict(b)) << "model #" << z << " a=" << str(a) << " b=" << str(b);
    }
    ASSERT_LE(m.predict(Entry{0, 0}), m.predict(kMaxEntry));
  }
}

// Exact evaluation: fitted on perfectly linear data, the model reproduces the positions
// even where doubles cannot tell the keys apart (beyond 2^53, near 2^64, TIDs of one key).
TEST(Model, ExactOnLinearDataBeyondDoublePrecision) {
  struct Case {
    const char* name;
    std::vector<Entry> entries;
  };
  std::vector<Case> cases = {
      {"small", linear_entries(1000, 1, 1000, 3)},
      {"2^53", linear_entries(std::uint64_t{1} << 53, 1, 1000, 3)},
      {"2^63+", linear_entries((std::uint64_t{1} << 63) + 12345, 1, 1000, 3)},
      {"near 2^64", linear_entries(kU64Max - 999, 1, 1000, 3)},
      {"stride 2^50", linear_entries(5, std::uint64_t{1} << 50, 1000, 3)},
  };
  {
    std::vector<Entry> dup;  // one key at the top of the range, consecutive TIDs
    for (std::uint64_t t = 0; t < 1000; ++t) dup.push_back(Entry{kU64Max, make_tid(77, 1) + t});
    cases.push_back({"one key, consecutive tids", dup});
  }
  for (const auto& c : cases) {
    for (double scale : {1.0, 1.25, 0.5}) {
      const auto& e = c.entries;
      const LinearModel m = fit_model(Span<const Entry>(e.data(), e.size()), scale, e.back());
      EXPECT_EQ(m.base_key, e.front().key) << c.name;
      EXPECT_EQ(m.base_tid, e.front().tid) << c.name;
      for (std::size_t i = 0; i < e.size(); ++i) {
        const double want = static_cast<double>(i) * scale;
        ASSERT_LE(std::fabs(static_cast<double>(m.predict(e[i])) - want), 2.0)
            << c.name << " scale " << scale << " entry #" << i << " predicted " << m.predict(e[i]);
      }
    }
  }
}

TEST(Model, FitResolvesUpToMaxEntryWithoutSaturation) {
  SplitMix64 rng(derive_seed("model-maxentry"));
  for (Dist d : {Dist::kUniform, Dist::kSequential, Dist::kLognormal, Dist::kExtremes, Dist::kOneKey}) {
    const auto e = dist_entries(d, 3000, rng.next());
    for (const Entry& max_entry : {e.back(), kMaxEntry}) {
      const LinearModel m = fit_model(Span<const Entry>(e.data(), e.size()), 1.0 / 0.8, max_entry);
      const Composite raw = (to_composite(max_entry) - m.base()) >> m.pre_shift;
      EXPECT_LT(raw, Composite{1} << 63) << testing::dist_name(d) << ": input of max_entry saturates";
      EXPECT_LT(m.slope, std::uint64_t{1} << 63);
      // The fitted entries' own predictions (about n * scale) are not saturated either.
      const __int128 product = (__int128{m.input(e.back())} * static_cast<__int128>(m.slope)) >> m.post_shift;
      EXPECT_LT(product, __int128{1} << 62) << testing::dist_name(d) << ": product saturates";
      // The fitted data itself lands on roughly its positions (non-negative slope, ends in range).
      EXPECT_LE(m.predict(e.front()), m.predict(e.back()));
      EXPECT_GE(m.predict(e.back()), -1);
    }
  }
}

TEST(Model, SinglePointFit) {
  const std::vector<Entry> one = {Entry{code_from_int(-5), 3}};
  const LinearModel m = fit_model(Span<const Entry>(one.data(), 1), 1.0, one[0]);
  EXPECT_EQ(m.predict(one[0]), 0);
}

// first_entry_reaching(t) = min { e : predict(e) >= t }, exactly.
TEST(Model, FirstEntryReachingIsTheExactInverse) {
  SplitMix64 rng(derive_seed("model-inverse"));
  const auto zoo = model_zoo(rng);
  for (std::size_t z = 0; z < zoo.size(); ++z) {
    const LinearModel& m = zoo[z];
    const std::int64_t lo = m.predict(Entry{0, 0});
    const std::int64_t hi = m.predict(kMaxEntry);
    const std::uint64_t width = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    for (int t = 0; t < 300; ++t) {
      std::int64_t target;
      switch (rng.below(4)) {
        case 0: target = lo - static_cast<std::int64_t>(rng.below(3)); break;
        case 1: target = hi + static_cast<std::int64_t>(rng.below(3)); break;
        default: {
          // Near the base (where the slots are) half of the time, anywhere otherwise.
          const std::int64_t from = rng.below(2) ? m.predict(from_composite(m.base())) : lo;
          const std::uint64_t w = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(from) + 1;
          target = static_cast<std::int64_t>(static_cast<std::uint64_t>(from) + rng.below(w > 100000 && rng.below(2) ? 100000 : w));
        }
      }
      (void)width;
      Entry r{0xAAAA, 0xBBBB};
      const bool found = m.first_entry_reaching(target, &r);
      if (!found) {
        ASSERT_LT(hi, target) << "model #" << z << ": no entry reaches " << target << " but the largest predicts " << hi;
        continue;
      }
      ASSERT_LE(r.tid, kMaxTid);
      ASSERT_GE(m.predict(r), target) << "model #" << z << " target " << target << " result " << str(r);
      const auto before = entry_before(r);
      if (before) {
        ASSERT_LT(m.predict(*before), target)
            << "model #" << z << " target " << target << ": result " << str(r) << " is not the smallest";
      }
    }
  }
}

// double_scale: each prediction p becomes 2p or 2p + 1. Checked on entries whose
// prediction is not saturated before or after (|input| below 2^62, |product| below 2^61),
// where "exactly" is meaningful.
TEST(Model, DoubleScaleDoublesEveryPrediction) {
  SplitMix64 rng(derive_seed("model-double"));
  const auto zoo = model_zoo(rng);
  int doubled = 0;
  for (std::size_t z = 0; z < zoo.size(); ++z) {
    LinearModel m = zoo[z];
    for (int round = 0; round < 4; ++round) {
      LinearModel d = m;
      if (!d.double_scale()) {
        EXPECT_EQ(std::memcmp(&d, &m, sizeof d), 0) << "model #" << z << ": a failed double_scale changed the model";
        break;
      }
      ++doubled;
      int checked = 0;
      for (int t = 0; t < 3000; ++t) {
        const Entry e = random_pair(rng, m).first;
        const std::int64_t x = m.input(e);
        if (x >= (std::int64_t{1} << 62) || x <= -(std::int64_t{1} << 62)) continue;
        const __int128 product = (__int128{x} * static_cast<__int128>(m.slope)) >> m.post_shift;
        if (product >= (__int128{1} << 61) || product <= -(__int128{1} << 61)) continue;
        ++checked;
        const std::int64_t p = m.predict(e);
        const std::int64_t q = d.predict(e);
        ASSERT_TRUE(q == 2 * p || q == 2 * p + 1)
            << "model #" << z << " round " << round << " entry " << str(e) << ": " << p << " -> " << q;
      }
      // Always check the fitted range's own ends.
      const std::int64_t pb = m.predict(from_composite(m.base()));
      const std::int64_t qb = d.predict(from_composite(m.base()));
      ASSERT_TRUE(qb == 2 * pb || qb == 2 * pb + 1) << "model #" << z << " at base";
      (void)checked;
      m = d;
    }
  }
  EXPECT_GT(doubled, 50);
}

TEST(Model, SlotClamps) {
  LinearModel m;
  m.intercept = -5;
  m.slope = 1;
  m.pre_shift = 48;  // one per key
  EXPECT_EQ(m.slot(Entry{0, 0}, 10), 0u);
  EXPECT_EQ(m.slot(Entry{7, 0}, 10), 2u);
  EXPECT_EQ(m.slot(Entry{100, 0}, 10), 9u);
  EXPECT_EQ(m.slot(kMaxEntry, 10), 9u);
}

}  // namespace
}  // namespace omendb::alex::test

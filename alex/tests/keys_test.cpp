// Key codes (keys.h) against PostgreSQL's btree comparison rules.
//
// The reference comparators below restate Postgres's own: btint2cmp/btint4cmp/btint8cmp
// and the cross-type integer_ops, date_cmp (DATEVAL_NOBEGIN = INT32_MIN, DATEVAL_NOEND =
// INT32_MAX), timestamp_cmp (DT_NOBEGIN = INT64_MIN, DT_NOEND = INT64_MAX), and
// float4_cmp_internal / float8_cmp_internal / float48cmp: NaNs are equal to each other and
// greater than everything else, and -0 equals +0.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "omendb/alex/alex_c.h"
#include "omendb/alex/keys.h"
#include "test_support.h"

namespace omendb::alex::test {
namespace {

template <class T>
int sgn(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
int code_cmp(std::uint64_t a, std::uint64_t b) { return sgn(a, b); }

// float8_cmp_internal
int pg_float8_cmp(double a, double b) {
  if (std::isnan(a)) return std::isnan(b) ? 0 : 1;
  if (std::isnan(b)) return -1;
  return a > b ? 1 : (a < b ? -1 : 0);
}
// float4_cmp_internal
int pg_float4_cmp(float a, float b) {
  if (std::isnan(a)) return std::isnan(b) ? 0 : 1;
  if (std::isnan(b)) return -1;
  return a > b ? 1 : (a < b ? -1 : 0);
}

double bits_to_double(std::uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
std::uint64_t double_bits(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}
float bits_to_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
std::uint32_t float_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Checks that code order equals reference order on every pair of a sample (after
// sorting it by the reference, adjacent pairs and random pairs).
template <class T, class Cmp, class Code>
void ExpectOrderAgrees(std::vector<T> values, Cmp cmp, Code code, const char* what) {
  std::stable_sort(values.begin(), values.end(), [&](const T& a, const T& b) { return cmp(a, b) < 0; });
  for (std::size_t i = 1; i < values.size(); ++i) {
    const int want = cmp(values[i - 1], values[i]);
    ASSERT_LE(want, 0);
    ASSERT_EQ(code_cmp(code(values[i - 1]), code(values[i])), want)
        << what << ": adjacent values #" << i - 1 << " and #" << i << " (" << values[i - 1] << ", " << values[i] << ")";
  }
  SplitMix64 rng(derive_seed(what));
  for (int t = 0; t < 20000 && values.size() > 1; ++t) {
    const T& a = values[rng.below(values.size())];
    const T& b = values[rng.below(values.size())];
    ASSERT_EQ(code_cmp(code(a), code(b)), cmp(a, b)) << what << ": " << a << " vs " << b;
  }
}

TEST(Keys, IntegerCodesFlipTheSignBit) {
  EXPECT_EQ(code_from_int(std::numeric_limits<std::int64_t>::min()), 0u);
  EXPECT_EQ(code_from_int(-1), 0x7FFFFFFFFFFFFFFFull);
  EXPECT_EQ(code_from_int(0), kSignBit);
  EXPECT_EQ(code_from_int(std::numeric_limits<std::int64_t>::max()), ~std::uint64_t{0});
}

TEST(Keys, Int2OrderMatchesBtint2cmp) {
  std::vector<std::int64_t> v = {INT16_MIN, INT16_MIN + 1, -1000, -256, -255, -2, -1, 0, 1, 2, 255, 256, 1000,
                                 INT16_MAX - 1, INT16_MAX};
  SplitMix64 rng(derive_seed("int2"));
  for (int i = 0; i < 5000; ++i) v.push_back(static_cast<std::int16_t>(rng.next()));
  ExpectOrderAgrees(v, [](std::int64_t a, std::int64_t b) { return sgn(a, b); },
                    [](std::int64_t x) { return code_from_int(static_cast<std::int16_t>(x)); }, "int2");
}

TEST(Keys, Int4OrderMatchesBtint4cmp) {
  std::vector<std::int64_t> v = {INT32_MIN, INT32_MIN + 1, INT16_MIN - 1, INT16_MIN, -65536, -65535, -1, 0, 1,
                                 65535, 65536, INT16_MAX, INT16_MAX + 1, INT32_MAX - 1, INT32_MAX};
  SplitMix64 rng(derive_seed("int4"));
  for (int i = 0; i < 5000; ++i) v.push_back(static_cast<std::int32_t>(rng.next()));
  ExpectOrderAgrees(v, [](std::int64_t a, std::int64_t b) { return sgn(a, b); },
                    [](std::int64_t x) { return code_from_int(static_cast<std::int32_t>(x)); }, "int4");
}

TEST(Keys, Int8OrderMatchesBtint8cmp) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> v = {kMin, kMin + 1, kMin + 2, INT32_MIN - 1LL, INT32_MIN, -(std::int64_t{1} << 53) - 1,
                                 -(std::int64_t{1} << 53), -1, 0, 1, std::int64_t{1} << 53, (std::int64_t{1} << 53) + 1,
                                 INT32_MAX, INT32_MAX + 1LL, kMax - 2, kMax - 1, kMax};
  SplitMix64 rng(derive_seed("int8"));
  for (int i = 0; i < 20000; ++i) v.push_back(static_cast<std::int64_t>(rng.next()));
  for (int i = 0; i < 2000; ++i) v.push_back(static_cast<std::int64_t>(rng.below(200)) - 100);
  ExpectOrderAgrees(v, [](std::int64_t a, std::int64_t b) { return sgn(a, b); },
                    [](std::int64_t x) { return code_from_int(x); }, "int8");
}

// integer_ops is one btree family: int2 = int4 = int8 for the same number.
TEST(Keys, CrossTypeIntegersShareCodes) {
  SplitMix64 rng(derive_seed("cross-int"));
  for (int i = 0; i < 10000; ++i) {
    const std::int16_t s = static_cast<std::int16_t>(rng.next());
    const std::int32_t w = static_cast<std::int32_t>(rng.next());
    EXPECT_EQ(code_from_int(s), code_from_int(static_cast<std::int32_t>(s)));
    EXPECT_EQ(code_from_int(s), code_from_int(static_cast<std::int64_t>(s)));
    EXPECT_EQ(code_from_int(w), code_from_int(static_cast<std::int64_t>(w)));
    EXPECT_EQ(code_cmp(code_from_int(s), code_from_int(w)), sgn<std::int64_t>(s, w));
  }
}

TEST(Keys, DateOrderIncludingInfinities) {
  // date is int32 days since 2000-01-01; -infinity/+infinity are INT32_MIN/INT32_MAX.
  const std::int32_t kNoBegin = std::numeric_limits<std::int32_t>::min();
  const std::int32_t kNoEnd = std::numeric_limits<std::int32_t>::max();
  const std::int32_t kMinDate = -2451545;   // 4713-11-24 BC (Julian day 0)
  const std::int32_t kMaxDate = 2145031948; // 5874897-12-31 AD
  std::vector<std::int64_t> v = {kNoBegin, kMinDate, kMinDate + 1, -730120, -1, 0, 1, 366, 8766, 9131,
                                 kMaxDate - 1, kMaxDate, kNoEnd};
  SplitMix64 rng(derive_seed("date"));
  for (int i = 0; i < 5000; ++i)
    v.push_back(kMinDate + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(std::int64_t{kMaxDate} - kMinDate + 1))));
  ExpectOrderAgrees(v, [](std::int64_t a, std::int64_t b) { return sgn(a, b); },
                    [](std::int64_t x) { return code_from_int(static_cast<std::int32_t>(x)); }, "date");
  // The infinities sit strictly outside every finite date.
  EXPECT_LT(code_from_int(kNoBegin), code_from_int(kMinDate));
  EXPECT_GT(code_from_int(kNoEnd), code_from_int(kMaxDate));
  EXPECT_EQ(int_from_code(code_from_int(kNoBegin)), kNoBegin);
  EXPECT_EQ(int_from_code(code_from_int(kNoEnd)), kNoEnd);
}

TEST(Keys, TimestampOrderIncludingInfinities) {
  // timestamp/timestamptz are int64 microseconds since 2000-01-01 (UTC for timestamptz);
  // -infinity/+infinity are INT64_MIN/INT64_MAX.
  const std::int64_t kNoBegin = std::numeric_limits<std::int64_t>::min();
  const std::int64_t kNoEnd = std::numeric_limits<std::int64_t>::max();
  const std::int64_t kMinTs = -211813488000000000LL;  // 4714-11-24 BC
  const std::int64_t kMaxTs = 9223371331200000000LL;  // 294277-01-01 AD
  std::vector<std::int64_t> v = {kNoBegin, kMinTs, kMinTs + 1, -946684800000000LL /* 1970 */, -1, 0, 1,
                                 86400000000LL, 1700000000000000LL, kMaxTs - 1, kMaxTs, kNoEnd};
  SplitMix64 rng(derive_seed("timestamp"));
  for (int i = 0; i < 20000; ++i)
    v.push_back(static_cast<std::int64_t>(static_cast<std::uint64_t>(kMinTs) +
                                          rng.below(static_cast<std::uint64_t>(kMaxTs) - static_cast<std::uint64_t>(kMinTs) + 1)));
  for (int i = 0; i < 2000; ++i) v.push_back(1700000000000000LL + static_cast<std::int64_t>(rng.below(1000)));
  ExpectOrderAgrees(v, [](std::int64_t a, std::int64_t b) { return sgn(a, b); },
                    [](std::int64_t x) { return code_from_int(x); }, "timestamp");
  EXPECT_EQ(code_from_int(kNoBegin), 0u);
  EXPECT_EQ(code_from_int(kNoEnd), ~std::uint64_t{0});
}

std::vector<double> float8_samples() {
  const double inf = std::numeric_limits<double>::infinity();
  const double dmax = std::numeric_limits<double>::max();
  const double dmin = std::numeric_limits<double>::min();
  const double den = std::numeric_limits<double>::denorm_min();
  std::vector<double> v = {-inf, -dmax, -1e300, -9007199254740993.0, -9007199254740992.0, -1.0 - 1e-15, -1.0,
                           -0.5, -dmin, -den * 2, -den, -0.0, 0.0, den, den * 2, dmin, 0.1, 0.5, 1.0,
                           1.0 + std::numeric_limits<double>::epsilon(), 9007199254740992.0, 1e300, dmax, inf,
                           std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::signaling_NaN(), bits_to_double(0x7FF0000000000001ull),
                           bits_to_double(0x7FFFFFFFFFFFFFFFull), bits_to_double(0xFFF0000000000001ull),
                           bits_to_double(0xFFFFFFFFFFFFFFFFull), bits_to_double(0x7FF8DEADBEEF0000ull)};
  SplitMix64 rng(derive_seed("float8-samples"));
  for (int i = 0; i < 30000; ++i) v.push_back(bits_to_double(rng.next()));  // every class, NaN payloads included
  for (int i = 0; i < 5000; ++i) v.push_back((rng.unit() - 0.5) * 1000.0);
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<double>(static_cast<std::int64_t>(rng.below(10)) - 5));
  return v;
}

std::vector<float> float4_samples() {
  const float inf = std::numeric_limits<float>::infinity();
  const float fmax = std::numeric_limits<float>::max();
  const float fmin = std::numeric_limits<float>::min();
  const float den = std::numeric_limits<float>::denorm_min();
  std::vector<float> v = {-inf, -fmax, -1e30f, -16777217.0f, -1.0f, -fmin, -den, -0.0f, 0.0f, den, fmin, 0.1f,
                          1.0f, 16777216.0f, 1e30f, fmax, inf, std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::signaling_NaN(),
                          bits_to_float(0x7F800001u), bits_to_float(0xFFFFFFFFu), bits_to_float(0x7FC12345u)};
  SplitMix64 rng(derive_seed("float4-samples"));
  for (int i = 0; i < 30000; ++i) v.push_back(bits_to_float(static_cast<std::uint32_t>(rng.next())));
  for (int i = 0; i < 3000; ++i) v.push_back(static_cast<float>((rng.unit() - 0.5) * 1000.0));
  return v;
}

TEST(Keys, Float8OrderMatchesFloat8Cmp) {
  ExpectOrderAgrees(float8_samples(), pg_float8_cmp, [](double x) { return code_from_double(x); }, "float8");
}

TEST(Keys, Float4OrderMatchesFloat4Cmp) {
  ExpectOrderAgrees(float4_samples(), pg_float4_cmp, [](float x) { return code_from_float(x); }, "float4");
}

TEST(Keys, NaNsAreEqualAndAboveInfinity) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::uint64_t nan_code = code_from_double(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(nan_code, kNanCode);
  EXPECT_GT(nan_code, code_from_double(inf));
  EXPECT_GT(nan_code, code_from_double(std::numeric_limits<double>::max()));
  const std::uint64_t payloads[] = {0x7FF0000000000001ull, 0x7FF8000000000000ull, 0x7FF8000000000001ull,
                                    0x7FFFFFFFFFFFFFFFull, 0xFFF0000000000001ull, 0xFFF8000000000000ull,
                                    0xFFFFFFFFFFFFFFFFull, 0x7FF4000000000000ull};
  for (std::uint64_t p : payloads) {
    const double d = bits_to_double(p);
    ASSERT_TRUE(std::isnan(d));
    EXPECT_EQ(code_from_double(d), nan_code) << std::hex << p;
    EXPECT_EQ(code_from_double(-d), nan_code) << std::hex << p;
  }
  const std::uint32_t fpayloads[] = {0x7F800001u, 0x7FC00000u, 0x7FFFFFFFu, 0xFF800001u, 0xFFC00000u, 0xFFFFFFFFu};
  for (std::uint32_t p : fpayloads) {
    const float f = bits_to_float(p);
    ASSERT_TRUE(std::isnan(f));
    EXPECT_EQ(code_from_float(f), nan_code) << std::hex << p;
  }
  EXPECT_GT(nan_code, code_from_float(std::numeric_limits<float>::infinity()));
  // NaN is the largest code of all: no finite value or infinity reaches it.
  SplitMix64 rng(derive_seed("nan"));
  for (int i = 0; i < 100000; ++i) {
    const double d = bits_to_double(rng.next());
    if (!std::isnan(d)) {
      ASSERT_LT(code_from_double(d), nan_code) << d;
    }
  }
}

TEST(Keys, NegativeZeroEqualsPositiveZero) {
  EXPECT_EQ(code_from_double(-0.0), code_from_double(0.0));
  EXPECT_EQ(code_from_float(-0.0f), code_from_float(0.0f));
  EXPECT_EQ(code_from_float(-0.0f), code_from_double(0.0));
  EXPECT_LT(code_from_double(-std::numeric_limits<double>::denorm_min()), code_from_double(-0.0));
  EXPECT_GT(code_from_double(std::numeric_limits<double>::denorm_min()), code_from_double(-0.0));
}

// float4 values are widened exactly; float48cmp compares as float8.
TEST(Keys, Float4CodesAreFloat8CodesOfTheWidenedValue) {
  for (float f : float4_samples()) {
    ASSERT_EQ(code_from_float(f), code_from_double(static_cast<double>(f))) << f;
  }
  const std::vector<float> fs = float4_samples();
  const std::vector<double> ds = float8_samples();
  SplitMix64 rng(derive_seed("float48"));
  for (int i = 0; i < 50000; ++i) {
    const float f = fs[rng.below(fs.size())];
    const double d = ds[rng.below(ds.size())];
    ASSERT_EQ(code_cmp(code_from_float(f), code_from_double(d)), pg_float8_cmp(static_cast<double>(f), d))
        << f << " vs " << d;
  }
  // A float4 and the nearby float8 that it is not equal to stay ordered.
  EXPECT_LT(code_from_float(0.1f), code_from_double(0.1000000015));
  EXPECT_GT(code_from_float(0.1f), code_from_double(0.1));
}

TEST(Keys, IntegerRoundTrip) {
  const std::int64_t fixed[] = {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min() + 1,
                                INT32_MIN, INT16_MIN, -1, 0, 1, INT16_MAX, INT32_MAX,
                                std::numeric_limits<std::int64_t>::max() - 1, std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t v : fixed) EXPECT_EQ(int_from_code(code_from_int(v)), v);
  SplitMix64 rng(derive_seed("int-rt"));
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(rng.next());
    ASSERT_EQ(int_from_code(code_from_int(v)), v);
    const std::uint64_t c = rng.next();
    ASSERT_EQ(code_from_int(int_from_code(c)), c);
  }
}

TEST(Keys, FloatRoundTrip) {
  for (double d : float8_samples()) {
    const double back = double_from_code(code_from_double(d));
    if (std::isnan(d)) {
      ASSERT_TRUE(std::isnan(back)) << "NaN must decode to NaN";
    } else if (d == 0.0) {
      ASSERT_EQ(double_bits(back), double_bits(0.0)) << "zero (either sign) decodes to +0";
    } else {
      ASSERT_EQ(double_bits(back), double_bits(d)) << d;
    }
    // The decoded value encodes to the same code (canonical forms are fixed points).
    ASSERT_EQ(code_from_double(back), code_from_double(d)) << d;
  }
  for (float f : float4_samples()) {
    const float back = float_from_code(code_from_float(f));
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(back));
    } else if (f == 0.0f) {
      ASSERT_EQ(float_bits(back), float_bits(0.0f));
    } else {
      ASSERT_EQ(float_bits(back), float_bits(f)) << f;
    }
    ASSERT_EQ(code_from_float(back), code_from_float(f)) << f;
  }
  EXPECT_EQ(double_bits(double_from_code(code_from_double(-0.0))), double_bits(0.0));
  EXPECT_TRUE(std::isnan(double_from_code(kNanCode)));
}

// The C API's key functions are the C++ ones.
TEST(Keys, CApiAgrees) {
  SplitMix64 rng(derive_seed("keys-c"));
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::int64_t>(rng.next());
    ASSERT_EQ(alex_code_from_int(v), code_from_int(v));
    ASSERT_EQ(alex_int_from_code(static_cast<std::uint64_t>(v)), int_from_code(static_cast<std::uint64_t>(v)));
    const double d = bits_to_double(rng.next());
    ASSERT_EQ(alex_code_from_double(d), code_from_double(d));
    const std::uint64_t c = code_from_double(d);
    const double a = alex_double_from_code(c);
    const double b = double_from_code(c);
    ASSERT_TRUE(double_bits(a) == double_bits(b) || (std::isnan(a) && std::isnan(b)));
  }
}

TEST(Keys, StatusNames) {
  for (int s = 0; s <= 8; ++s) {
    const char* n = status_name(static_cast<Status>(s));
    ASSERT_NE(n, nullptr);
    EXPECT_GT(std::strlen(n), 0u);
    EXPECT_STREQ(alex_status_name(static_cast<AlexStatus>(s)), n);
  }
  EXPECT_NE(alex_core_version(), nullptr);
}

}  // namespace
}  // namespace omendb::alex::test

-- Deterministic key sets, generated in SQL so that every PostgreSQL 15 server makes the
-- same data: bench_keys(name, n) returns n int8 keys, a few fewer where a generator
-- repeats a key (the caller deduplicates). Every "random" draw is a hash of the row number.

-- A uniform draw in (0, 1) from 52 bits of hash.
CREATE OR REPLACE FUNCTION bench_u01(i bigint, seed bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ((hashint8extended(i, seed) & 4503599627370495)::float8 + 0.5) / 4503599627370496.0 $$;

-- The low 31 bits of v spread over the even bit positions: half of a Morton (Z-order) code.
CREATE OR REPLACE FUNCTION bench_spread_bits(v bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE x bigint := v & 2147483647;
BEGIN
  x := (x | (x << 16)) & 281470681808895;     -- 0x0000FFFF0000FFFF
  x := (x | (x << 8))  & 71777214294589695;   -- 0x00FF00FF00FF00FF
  x := (x | (x << 4))  & 1085102592571150095; -- 0x0F0F0F0F0F0F0F0F
  x := (x | (x << 2))  & 3689348814741910323; -- 0x3333333333333333
  x := (x | (x << 1))  & 6148914691236517205; -- 0x5555555555555555
  RETURN x;
END $$;

CREATE OR REPLACE FUNCTION bench_keys(name text, n bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
  CASE name
  WHEN 'seq' THEN       -- 1..n: a straight-line CDF, the learned index's best case
    RETURN QUERY SELECT i FROM generate_series(1, n) i;
  WHEN 'uniform' THEN   -- hashed, spread over all of int8
    RETURN QUERY SELECT hashint8extended(i, 42) FROM generate_series(1, n) i;
  WHEN 'lognormal' THEN -- exp(N(0, 2)) scaled by 1e9, as SOSD's lognormal (sampled, not quantiles)
    RETURN QUERY SELECT (1e9 * exp(2 * sqrt(-2 * ln(bench_u01(i, 1))) * cos(2 * pi() * bench_u01(i, 2))))::bigint
                 FROM generate_series(1, n) i;
  WHEN 'clustered' THEN -- 1000 dense runs at hashed bases over 2^62, each with its own stride 1..128
    RETURN QUERY SELECT (hashint8extended(i % 1000, 5) & 4611686018427387903)
                        + (i / 1000) * (1 + (hashint8extended(i % 1000, 6) & 127))
                 FROM generate_series(1, n) i;
  WHEN 'pareto' THEN    -- running sum of Pareto(1.2) gaps capped at 1e9 (locally hard, like SOSD books),
                        -- plus 0.01% outliers just under 2^62 (like SOSD fb)
    RETURN QUERY SELECT CASE WHEN bench_u01(i, 30) < 0.0001
                             THEN 4611686018427387904 - (hashint8extended(i, 31) & 1099511627775)
                             ELSE (sum(least(floor(power(bench_u01(i, 20), -1 / 1.2)), 1e9)::bigint) OVER (ORDER BY i))::bigint END
                 FROM generate_series(1, n) i;
  WHEN 'osmlike' THEN   -- Morton codes of points around 2000 "cities" of skewed popularity
                        -- plus 10% background, clustered at many scales like SOSD osm_cellids
    RETURN QUERY
      WITH p AS (SELECT i, floor(2000 * power(bench_u01(i, 10), 3))::bigint AS city,
                        bench_u01(i, 11) < 0.1 AS background
                 FROM generate_series(1, n) i),
      xy AS (SELECT i,
               CASE WHEN background THEN bench_u01(i, 12)
                    ELSE least(greatest(bench_u01(city, 13) + 0.002 * (1 + 20 * bench_u01(city, 15))
                         * sqrt(-2 * ln(bench_u01(i, 16))) * cos(2 * pi() * bench_u01(i, 17)), 0), 0.9999999) END AS x,
               CASE WHEN background THEN bench_u01(i, 14)
                    ELSE least(greatest(bench_u01(city, 14) + 0.002 * (1 + 20 * bench_u01(city, 15))
                         * sqrt(-2 * ln(bench_u01(i, 16))) * sin(2 * pi() * bench_u01(i, 17)), 0), 0.9999999) END AS y
             FROM p)
      SELECT bench_spread_bits((x * 2147483648)::bigint) | (bench_spread_bits((y * 2147483648)::bigint) << 1) FROM xy;
  ELSE
    RAISE EXCEPTION 'unknown dataset %', name;
  END CASE;
END $$;

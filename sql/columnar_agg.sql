-- ColumnarAgg: aggregates computed inside the scan must equal the built-in aggregates
-- exactly: NULLs, empty input, 128-bit integer sums returned as numeric, float overflow
-- errors, NaN ordering, grouping keys with NULLs, and this transaction's buffered rows.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;

CREATE TABLE a (g int, g2 date, gb bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, t text)
    USING columnar;
SELECT columnar_set_options('a', chunk_group_row_limit => 100, stripe_row_limit => 1000);
INSERT INTO a
SELECT CASE WHEN x % 11 <> 0 THEN x % 5 END,
       date '2026-01-01' + x % 3,
       CASE WHEN x % 13 <> 0 THEN x % 2 = 0 END,
       CASE WHEN x % 7 <> 0 THEN (x % 30000 - 15000)::int2 END,
       CASE WHEN x % 7 <> 1 THEN x * 7919 END,
       -- large enough that the sum overflows int8: sum(int8) is numeric
       CASE WHEN x % 7 <> 2 THEN 9000000000000000000 - x END,
       -- quarters are exact in float: sums do not depend on the order
       CASE WHEN x % 7 <> 3 THEN (x / 4.0)::float4 END,
       CASE WHEN x % 7 <> 4 THEN x / 4.0 END,
       'x' || x
  FROM generate_series(1, 2500) x;
CREATE TABLE h AS SELECT * FROM a;

-- Computes q (with %I for the table) on a, on a without ColumnarAgg, and on h.
CREATE FUNCTION agree(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    inside text;
    outside text;
    heap text;
BEGIN
    EXECUTE format('SELECT string_agg(x::text, '';'' ORDER BY x::text) FROM (' || q || ') x', 'a')
        INTO inside;
    SET LOCAL omendb.columnar_aggregate = off;
    EXECUTE format('SELECT string_agg(x::text, '';'' ORDER BY x::text) FROM (' || q || ') x', 'a')
        INTO outside;
    EXECUTE format('SELECT string_agg(x::text, '';'' ORDER BY x::text) FROM (' || q || ') x', 'h')
        INTO heap;
    RESET omendb.columnar_aggregate;
    RETURN CASE WHEN inside = outside AND inside = heap THEN 'same: ' || left(inside, 200)
        ELSE format('differ: %s | %s | %s', inside, outside, heap) END;
END $$;

EXPLAIN (COSTS OFF) SELECT count(*), sum(i4) FROM a;
EXPLAIN (COSTS OFF) SELECT g, g2, count(*), max(f8) FROM a GROUP BY g, g2 ORDER BY 3 DESC;
SELECT agree('SELECT count(*), count(i2), count(f8) FROM %I');
SELECT agree('SELECT sum(i2), sum(i4), sum(i8), sum(f4), sum(f8) FROM %I');
SELECT agree('SELECT avg(i2), avg(i4), avg(i8) FROM %I');
SELECT agree('SELECT min(i2), max(i2), min(i4), max(i4), min(i8), max(i8), min(f4), max(f4), min(f8), max(f8) FROM %I');
SELECT agree('SELECT g, count(*), sum(i4), avg(i8), min(f4), max(f8) FROM %I GROUP BY g');
SELECT agree('SELECT g2, g, gb, count(*), sum(i2), count(t) FROM %I GROUP BY g2, g, gb');
SELECT agree('SELECT sum(i4) FROM %I GROUP BY gb');
SELECT g, g2, count(*), sum(i4) FROM a GROUP BY g, g2 ORDER BY g, g2 LIMIT 4;

-- Not computed inside the scan: a WHERE clause, avg of a float, DISTINCT, FILTER,
-- HAVING, an expression, a grouping column of another type.
EXPLAIN (COSTS OFF) SELECT sum(i4) FROM a WHERE g = 1;
EXPLAIN (COSTS OFF) SELECT avg(f8) FROM a;
EXPLAIN (COSTS OFF) SELECT count(DISTINCT g) FROM a;
EXPLAIN (COSTS OFF) SELECT count(*) FILTER (WHERE g = 1) FROM a;
EXPLAIN (COSTS OFF) SELECT g, count(*) FROM a GROUP BY g HAVING count(*) > 1;
EXPLAIN (COSTS OFF) SELECT sum(i4 + 1) FROM a;
EXPLAIN (COSTS OFF) SELECT t, count(*) FROM a GROUP BY t;

-- Empty input: one row without GROUP BY, none with it.
CREATE TABLE e (i int, f float8) USING columnar;
SELECT count(*), count(i), sum(i), avg(i), min(f), max(f), sum(f) FROM e;
SELECT i, count(*) FROM e GROUP BY i;

-- Float overflow is the same error; NaN sorts above everything.
INSERT INTO e VALUES (1, 1e308), (2, 1e308);
SELECT sum(f) FROM e;
SET omendb.columnar_aggregate = off;
SELECT sum(f) FROM e;
RESET omendb.columnar_aggregate;
INSERT INTO e VALUES (3, 'NaN'), (4, '-Infinity');
SELECT min(f), max(f) FROM e;
SET omendb.columnar_aggregate = off;
SELECT min(f), max(f) FROM e;
RESET omendb.columnar_aggregate;

-- int8 sums beyond int8 stay exact.
CREATE TABLE big (i int8) USING columnar;
INSERT INTO big SELECT 9223372036854775807 FROM generate_series(1, 3);
INSERT INTO big VALUES (-9223372036854775808), (NULL);
SELECT sum(i), avg(i), count(i), count(*) FROM big;

-- This transaction's rows: flushed for the read, or read from memory in a savepoint.
BEGIN;
INSERT INTO e VALUES (10, 0.5);
SELECT count(*), sum(i) FROM e;
SAVEPOINT s;
SELECT count(*), sum(i) FROM e;
INSERT INTO e VALUES (11, 0.5);
SELECT count(*), sum(i) FROM e;
ROLLBACK TO s;
SELECT count(*), sum(i) FROM e;
ROLLBACK;
SELECT count(*), sum(i) FROM e;

DROP TABLE a, h, e, big;
DROP FUNCTION agree(text);

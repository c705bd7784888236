-- The ColumnarScan custom scan: projection, chunk-group skipping, and answers equal to
-- a heap table holding the same rows. Small chunk groups (100 rows, stripes of 1,000)
-- make the skipped counts easy to check: the key k is in load order, so
-- "k BETWEEN 250 AND 349" touches exactly groups 2 and 3 of 30.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;

CREATE TABLE s (k int, b bigint, f float8, n numeric, t text COLLATE "C", tz timestamptz,
                d date, big text)
    USING columnar;
SELECT columnar_set_options('s', chunk_group_row_limit => 100, stripe_row_limit => 1000);
INSERT INTO s
SELECT g - 1,
       CASE WHEN g % 9 <> 0 THEN (g * 7919) % 1000 END,
       CASE WHEN g % 8 <> 0 THEN g / 3.0 END,
       CASE WHEN g % 7 <> 0 THEN (g * 1.25)::numeric END,
       CASE WHEN g % 6 <> 0 THEN 'v' || lpad(g::text, 5, '0') END,
       timestamptz '2026-01-01 00:00+00' + g * interval '1 hour',
       -- groups 10-19 hold only NULLs in d
       CASE WHEN g - 1 NOT BETWEEN 1000 AND 1999 THEN date '2020-01-01' + g END,
       -- TOAST-sized values (the heap copy keeps them toasted)
       CASE WHEN g % 500 = 0 THEN repeat(md5(g::text), 300) END
  FROM generate_series(1, 3000) g;
CREATE TABLE h AS SELECT * FROM s;
ANALYZE s;
ANALYZE h;

-- Runs a query with %I replaced by s, then by h: the rows one has and the other lacks.
CREATE FUNCTION differ(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    only_s bigint;
    only_h bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((' || q || ') EXCEPT ALL (' || q || ')) x', 's', 'h')
        INTO only_s;
    EXECUTE format('SELECT count(*) FROM ((' || q || ') EXCEPT ALL (' || q || ')) x', 'h', 's')
        INTO only_h;
    RETURN CASE WHEN only_s = 0 AND only_h = 0 THEN 'same' ELSE
        format('%s rows only in s, %s only in h', only_s, only_h) END;
END $$;

-- Projection: the columns of the target list and the quals, nothing else.
EXPLAIN (COSTS OFF) SELECT b FROM s;
EXPLAIN (COSTS OFF) SELECT 1 FROM s;
EXPLAIN (COSTS OFF) SELECT t FROM s WHERE f > 10;
EXPLAIN (COSTS OFF) SELECT s FROM s WHERE k = 5;
EXPLAIN (COSTS OFF) SELECT ctid, k FROM s WHERE k < 3;

-- Skipping: the groups refuted by min/max, for each operator and BETWEEN.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k BETWEEN 250 AND 349;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k = 1234;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k < 100;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k <= 100;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k > 2899;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k >= 2899;
-- constant on the left, a cross-type operator (int4 column, int8 constant)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE 2950::int8 < k;
-- text under its own collation, timestamps against a stable expression
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE t >= 'v02900';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM s WHERE tz < timestamptz '2026-01-01 00:00+00' + interval '150 hours';
-- a group whose column is all NULL never satisfies a strict operator
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE d > '2000-01-01';
-- not usable for skipping: another collation, a volatile value, an OR, a non-btree operator
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE t < 'v00100' COLLATE "POSIX";
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k < random() * 0;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k < 5 OR k > 2990;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k <> 5;

-- Parameters: a generic plan evaluates them at scan start; NULL refutes every group.
PREPARE q(int, int) AS SELECT count(*), sum(b) FROM s WHERE k BETWEEN $1 AND $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q(100, 199);
EXECUTE q(100, 199);
EXECUTE q(2990, 5000);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q(NULL, 5);
EXECUTE q(NULL, 5);
RESET plan_cache_mode;
-- a correlated subquery's parameter: re-evaluated at every rescan
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT g, (SELECT count(*) FROM s WHERE s.k BETWEEN g * 1000 AND g * 1000 + 150) FROM generate_series(1, 3) g;
SELECT g, (SELECT count(*) FROM s WHERE s.k BETWEEN g * 1000 AND g * 1000 + 150) FROM generate_series(1, 3) g;
-- an initplan's value
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM s WHERE k > (SELECT max(k) - 50 FROM h);

-- Answers equal to the heap copy's.
SELECT differ('SELECT * FROM %I');
SELECT differ('SELECT k, b, f, n, t, tz, d, big FROM %I WHERE k BETWEEN 250 AND 349');
SELECT differ('SELECT k, big FROM %I WHERE big IS NOT NULL');
SELECT differ('SELECT t, n FROM %I WHERE t > ''v01000'' AND t <= ''v01500''');
SELECT differ('SELECT count(*), sum(b), avg(f), sum(n), min(t), max(tz) FROM %I');
SELECT differ('SELECT b %% 10, count(*), sum(n) FROM %I GROUP BY 1');
SELECT differ('SELECT count(d), min(d) FROM %I WHERE d < ''2020-06-01''');
SELECT differ('SELECT k FROM %I WHERE b IS NULL AND k >= 1500');
SELECT differ('SELECT x.k, y.b FROM %I x JOIN h y USING (k) WHERE x.k < 500 AND y.f > 20');

-- The GUC off: a plain sequential scan, same answers.
SET omendb.columnar_custom_scan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM s WHERE k BETWEEN 250 AND 349;
SELECT differ('SELECT k, t FROM %I WHERE k BETWEEN 250 AND 349');
RESET omendb.columnar_custom_scan;

-- This transaction's buffered rows: flushed for the read, or (inside a savepoint)
-- read from memory; both are skipped by min/max like written stripes.
BEGIN;
INSERT INTO s (k, t) SELECT g, 'new' FROM generate_series(5000, 5099) g;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE k >= 5000;
INSERT INTO s (k, t) SELECT g, 'newer' FROM generate_series(6000, 6049) g;
SAVEPOINT sp;
SELECT t, count(*) FROM s WHERE k >= 5000 GROUP BY t ORDER BY t;
ROLLBACK;
SELECT count(*) FROM s WHERE k >= 5000;

-- Columns added and dropped after the rows were written.
ALTER TABLE s ADD COLUMN z int DEFAULT 7;
ALTER TABLE h ADD COLUMN z int DEFAULT 7;
ALTER TABLE s DROP COLUMN f;
ALTER TABLE h DROP COLUMN f;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM s WHERE z = 7 AND k < 150;
SELECT differ('SELECT * FROM %I WHERE z = 7 AND k < 150');

-- Index fetches (read through the fetch cache) agree with the scan.
CREATE INDEX ON s (k);
CREATE INDEX ON h (k);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE k = 77;
SELECT differ('SELECT * FROM %I WHERE k IN (0, 77, 99, 100, 1999, 2999, 3000)');
SELECT differ('SELECT k, t, big FROM %I WHERE k BETWEEN 480 AND 520');
RESET enable_seqscan;
RESET enable_bitmapscan;
-- TRUNCATE in the creating transaction restarts the row numbers: the cache must forget.
BEGIN;
CREATE TABLE tr (i int, t text) USING columnar;
INSERT INTO tr SELECT g, 'old' FROM generate_series(1, 10) g;
CREATE INDEX ON tr (i);
SET LOCAL enable_seqscan = off;
SELECT t FROM tr WHERE i = 3;
TRUNCATE tr;
INSERT INTO tr SELECT g, 'new' FROM generate_series(1, 10) g;
SELECT t FROM tr WHERE i = 3;
ROLLBACK;

-- ANALYZE samples a sane row count and statistics.
ANALYZE s;
SELECT reltuples BETWEEN 2700 AND 3300 AS rows_ok FROM pg_class WHERE relname = 's';
SELECT null_frac BETWEEN 0.05 AND 0.2 AS null_frac_ok FROM pg_stats WHERE tablename = 's' AND attname = 'b';

DROP TABLE s, h;
DROP FUNCTION differ(text);

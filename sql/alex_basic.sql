-- The alex access method on an int8 column: plan shapes, and answers equal to btree's
-- on an identical table after CREATE INDEX, after inserts that split many pages, and
-- after DELETE + VACUUM. Data are deterministic (no random()).
CREATE EXTENSION omendb;

-- ta is indexed by alex, tb (the same rows) by btree.
CREATE TABLE ta (k int8, v int4);
CREATE TABLE tb (k int8, v int4);

-- 30,000 keys scattered over about [-5e8, 5e8] by a multiplicative hash, plus 2,000
-- rows sharing 20 small keys (duplicates) and a run of consecutive keys.
CREATE FUNCTION basic_rows(lo int, hi int) RETURNS TABLE (k int8, v int4)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN i % 15 = 0 THEN (i % 20)::int8
              WHEN i % 15 = 1 THEN 1000000000 + i
              ELSE (i::int8 * 2654435761 % 1000003) * 1000 - 500000000 END, i
    FROM generate_series(lo, hi) i
$$;
INSERT INTO ta SELECT * FROM basic_rows(1, 30000);
INSERT INTO tb SELECT * FROM basic_rows(1, 30000);
CREATE INDEX ta_k_alex ON ta USING alex (k);
CREATE INDEX tb_k_btree ON tb (k);
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;

-- Runs a query on ta and on tb ($t names the table) and says which scans the plan on
-- ta uses, how many rows came back and whether both answers, in their order, are equal.
CREATE FUNCTION alex_vs_btree(query text, OUT alex_scans text, OUT n bigint, OUT same boolean)
LANGUAGE plpgsql AS $$
DECLARE
  qa text := replace(query, '$t', 'ta');
  qb text := replace(query, '$t', 'tb');
  line text;
  ra text;
  rb text;
  nb bigint;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || qa LOOP
    IF line ~ '(Scan|Scan Backward) (using|on) ' THEN
      alex_scans := concat_ws('; ', alex_scans,
                              regexp_replace(line, '^[ ->]*(.*?) *$', '\1'));
    END IF;
  END LOOP;
  EXECUTE format('SELECT count(*), string_agg(r::text, '','') FROM (%s) r', qa) INTO n, ra;
  EXECUTE format('SELECT count(*), string_agg(r::text, '','') FROM (%s) r', qb) INTO nb, rb;
  same := n = nb AND ra IS NOT DISTINCT FROM rb;
END
$$;

SET enable_seqscan = off;
-- Plans are pinned by enable_* rather than left to costs: index scans here, bitmap
-- scans in their own sections.
SET enable_bitmapscan = off;

-- Plan shapes.
EXPLAIN (COSTS OFF) SELECT * FROM ta WHERE k = 1000000016;
EXPLAIN (COSTS OFF) SELECT * FROM ta WHERE k BETWEEN 1000000000 AND 1000000100 ORDER BY k;
EXPLAIN (COSTS OFF) SELECT k FROM ta WHERE k > 999000000;
EXPLAIN (COSTS OFF) SELECT * FROM ta WHERE k BETWEEN 10 AND 20 ORDER BY k DESC LIMIT 5;
EXPLAIN (COSTS OFF) SELECT min(k), max(k) FROM ta;
SET enable_indexscan = off;
SET enable_bitmapscan = on;
EXPLAIN (COSTS OFF) SELECT * FROM ta WHERE k < 0;
RESET enable_indexscan;
SET enable_bitmapscan = off;

-- The same queries, and more, against btree.
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 1000000016');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 42');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 5 ORDER BY v');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k BETWEEN 1000000000 AND 1000000100 ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN 0 AND 1000000 ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > 999000000 ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k < -499000000 ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k BETWEEN 10 AND 20 ORDER BY k DESC, v LIMIT 5');
SELECT * FROM alex_vs_btree('SELECT min(k), max(k) FROM $t');
SELECT * FROM alex_vs_btree('SELECT k FROM $t ORDER BY k');
-- The whole index backwards, with and without a qual that leaves out the NULLs.
SELECT * FROM alex_vs_btree('SELECT k FROM $t ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k >= 19 ORDER BY k LIMIT 200');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k <= 1 ORDER BY k DESC LIMIT 200');
-- Contradictory and empty ranges.
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > 5 AND k < 3');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > 9223372036854775807');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k < -9223372036854775808');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k = 3 AND k = 4');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > 3 AND k >= 5 AND k < 10 AND k <= 7 ORDER BY k');
-- Every key of the table, probed one at a time by a nested loop (a rescan per key).
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT * FROM alex_vs_btree('SELECT count(*), sum(x.v) FROM (SELECT k FROM basic_rows(1, 30000)) p JOIN $t x ON x.k = p.k');
RESET enable_mergejoin;
-- A merge join of the index with itself.
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ta a JOIN ta b ON a.k = b.k;
SELECT * FROM alex_vs_btree('SELECT count(*) FROM $t a JOIN $t b ON a.k = b.k');
RESET enable_nestloop;
RESET enable_hashjoin;
-- Bitmap scans.
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k < 0 ORDER BY k, v');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 5 OR k BETWEEN 100000000 AND 200000000 OR k > 1000029000 ORDER BY k, v');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = ANY (''{0, 3, 1000000016, 1000000031}'') ORDER BY k, v');
RESET enable_indexscan;
SET enable_bitmapscan = off;
-- A scrollable cursor goes both ways (over a Materialize: alex scans do not turn around).
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT k FROM ta WHERE k > 1000029900 ORDER BY k;
FETCH 3 FROM c;
FETCH BACKWARD 2 FROM c;
FETCH LAST FROM c;
FETCH BACKWARD 3 FROM c;
COMMIT;
BEGIN;
DECLARE c CURSOR FOR SELECT k FROM ta WHERE k BETWEEN 1000000001 AND 1000000100 ORDER BY k DESC;
FETCH 3 FROM c;
COMMIT;

SELECT alex_index_check('ta_k_alex', true);
SELECT height >= 1 AS has_height, entries = (SELECT count(*) FROM ta) AS all_entries,
       null_entries = 0 AS no_nulls, data_pages > 1 AS several_pages
  FROM alex_index_stats('ta_k_alex');

-- 200,000 inserts in one statement, in scattered order across the whole key range, and
-- more in several statements: ascending (appends at the right end), descending (at the
-- left end), 5,000 copies of one key, and keys in the gaps between existing ones.
CREATE FUNCTION more_rows(lo int, hi int) RETURNS TABLE (k int8, v int4)
LANGUAGE sql IMMUTABLE AS $$
  SELECT (i::int8 * 48271 % 2147483647) % 1200000000 - 550000000, i FROM generate_series(lo, hi) i
$$;
INSERT INTO ta SELECT * FROM more_rows(100001, 300000);
INSERT INTO tb SELECT * FROM more_rows(100001, 300000);
SELECT alex_index_check('ta_k_alex', true);
INSERT INTO ta SELECT 2000000000 + i, i FROM generate_series(300001, 310000) i;
INSERT INTO tb SELECT 2000000000 + i, i FROM generate_series(300001, 310000) i;
INSERT INTO ta SELECT -2000000000 - i, i FROM generate_series(310001, 320000) i;
INSERT INTO tb SELECT -2000000000 - i, i FROM generate_series(310001, 320000) i;
INSERT INTO ta SELECT 123456789, i FROM generate_series(320001, 325000) i;
INSERT INTO tb SELECT 123456789, i FROM generate_series(320001, 325000) i;
INSERT INTO ta SELECT k + 1, v + 1000000 FROM basic_rows(1, 30000);
INSERT INTO tb SELECT k + 1, v + 1000000 FROM basic_rows(1, 30000);
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
SELECT alex_index_check('ta_k_alex', true);
SELECT height >= 1 AS has_height, entries = (SELECT count(*) FROM ta) AS all_entries,
       data_pages > 100 AS many_pages
  FROM alex_index_stats('ta_k_alex');

SELECT * FROM alex_vs_btree('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 123456789 ORDER BY v');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN 123456000 AND 123457000 ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > 123456789 ORDER BY k LIMIT 10');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k < 123456789 ORDER BY k DESC LIMIT 10');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN -1000 AND 1000000 ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT min(k), max(k) FROM $t');
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT * FROM alex_vs_btree('SELECT count(*), sum(x.v) FROM (SELECT k FROM more_rows(100001, 150000)) p JOIN $t x ON x.k = p.k');
RESET enable_hashjoin;
RESET enable_mergejoin;
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k BETWEEN -100000000 AND 100000000 ORDER BY k, v');
RESET enable_indexscan;
SET enable_bitmapscan = off;

-- Deletes: every third row, then a whole key range (emptying many pages), then VACUUM.
DELETE FROM ta WHERE v % 3 = 0;
DELETE FROM tb WHERE v % 3 = 0;
-- Before VACUUM the dead entries are still indexed; the heap filters them out.
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN 0 AND 10000000 ORDER BY k');
DELETE FROM ta WHERE k BETWEEN -300000000 AND 300000000;
DELETE FROM tb WHERE k BETWEEN -300000000 AND 300000000;
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
SELECT alex_index_check('ta_k_alex', true);
SELECT entries = (SELECT count(*) FROM ta) AS dead_entries_gone FROM alex_index_stats('ta_k_alex');
SELECT * FROM alex_vs_btree('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k BETWEEN -400000000 AND 400000000 ORDER BY k, v');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k > -300000000 ORDER BY k LIMIT 3');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k < 300000000 ORDER BY k DESC LIMIT 3');
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k = 123456789 ORDER BY v');
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT * FROM alex_vs_btree('SELECT * FROM $t WHERE k < 0 ORDER BY k, v');
RESET enable_indexscan;
SET enable_bitmapscan = off;

-- Inserts into the emptied range go to the pages VACUUM emptied.
INSERT INTO ta SELECT * FROM more_rows(400001, 420000);
INSERT INTO tb SELECT * FROM more_rows(400001, 420000);
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN -400000000 AND 400000000 ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');

-- Everything deleted: the index answers nothing, then takes rows again.
DELETE FROM ta;
DELETE FROM tb;
VACUUM ta;
VACUUM tb;
SELECT alex_index_check('ta_k_alex', true);
SELECT entries FROM alex_index_stats('ta_k_alex');
SELECT * FROM alex_vs_btree('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k = 42');
INSERT INTO ta SELECT * FROM basic_rows(1, 5000);
INSERT INTO tb SELECT * FROM basic_rows(1, 5000);
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
SELECT * FROM alex_vs_btree('SELECT k FROM $t WHERE k BETWEEN 0 AND 10 ORDER BY k');

SELECT alex_index_check('ta_k_alex');
SELECT alex_index_check('ta_k_alex', heapallindexed => true);

-- A key far from a page full of equal keys needs a wider slot format, with fewer slots,
-- than the page's entries: the half of the split it belongs to can still be too full
-- for it, and splits again (it used to fail: "a split left no room for the new entry").
CREATE TABLE wide_split (k int8);
INSERT INTO wide_split SELECT 0 FROM generate_series(1, 6000);
INSERT INTO wide_split SELECT 4000000000000000000 FROM generate_series(1, 6000);
CREATE INDEX wide_split_k ON wide_split USING alex (k);
INSERT INTO wide_split
  SELECT CASE WHEN g % 61 = 0 THEN 2000000000000000000 + g ELSE 0 END FROM generate_series(1, 6000) g;
SELECT count(*), min(k), max(k) FROM wide_split WHERE k BETWEEN 1 AND 3000000000000000000;
SELECT alex_index_check('wide_split_k', heapallindexed => true);
DROP TABLE wide_split;

RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE ta, tb;
DROP FUNCTION alex_vs_btree(text), basic_rows(int, int), more_rows(int, int);
DROP EXTENSION omendb;

-- NULLs in alex indexes: an empty table, an all-NULL column, and a column mixing
-- values and NULLs compared with btree: IS NULL / IS NOT NULL, NULLs last going
-- forward and first going backward, as btree orders them.
CREATE EXTENSION omendb;

-- alex_vs, shared with the other alex tests.
\getenv abs_srcdir PG_ABS_SRCDIR
\set alex_vs_file :abs_srcdir '/sql/alex_vs.inc'
\i :alex_vs_file

SET enable_seqscan = off;
-- Plans are pinned by enable_* rather than left to costs: index scans here, bitmap
-- scans in their own sections.
SET enable_bitmapscan = off;

-- An empty table: the index answers nothing, then takes its first rows, NULLs first.
CREATE TABLE ta (k int4, v int4);
CREATE TABLE tb (LIKE ta);
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb (k);
SELECT height >= 1 AS has_height, entries, null_entries FROM alex_index_stats('ta_k');
SELECT alex_index_check('ta_k', true);
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k = 1');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
SELECT * FROM alex_vs('SELECT min(k), max(k) FROM $t');
-- Scans that may return NULLs while the index holds none.
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NULL');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
INSERT INTO ta VALUES (NULL, 1), (NULL, 2);
INSERT INTO tb VALUES (NULL, 1), (NULL, 2);
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NOT NULL');
SELECT * FROM alex_vs('SELECT k, v FROM $t ORDER BY k, v');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
INSERT INTO ta VALUES (5, 3), (NULL, 4), (-5, 5);
INSERT INTO tb VALUES (5, 3), (NULL, 4), (-5, 5);
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
SELECT k, v FROM ta ORDER BY k DESC, v;
SELECT alex_index_check('ta_k', true);
SELECT entries, null_entries FROM alex_index_stats('ta_k');
DROP TABLE ta, tb;

-- A column of NULLs only: 10,000 of them over several NULL pages.
CREATE TABLE ta (k int8, v int4);
CREATE TABLE tb (LIKE ta);
INSERT INTO ta SELECT NULL, i FROM generate_series(1, 10000) i;
INSERT INTO tb SELECT NULL, i FROM generate_series(1, 10000) i;
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb (k);
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
SELECT entries, null_entries, null_pages > 1 AS several_null_pages FROM alex_index_stats('ta_k');
SELECT alex_index_check('ta_k', true);
EXPLAIN (COSTS OFF) SELECT count(*) FROM ta WHERE k IS NULL;
SELECT * FROM alex_vs('SELECT count(*) FROM $t WHERE k IS NULL');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NOT NULL');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k = 5');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k > 0');
SELECT * FROM alex_vs('SELECT min(k), max(k) FROM $t');
SELECT * FROM alex_vs('SELECT count(*) FROM (SELECT k FROM $t ORDER BY k) s');
SELECT * FROM alex_vs('SELECT count(*) FROM (SELECT k FROM $t ORDER BY k DESC) s');
SELECT * FROM alex_vs('SELECT count(*) FROM (SELECT k FROM $t ORDER BY k DESC LIMIT 20) s');
-- More NULLs by insertion, then a value.
INSERT INTO ta SELECT NULL, i FROM generate_series(10001, 12000) i;
INSERT INTO tb SELECT NULL, i FROM generate_series(10001, 12000) i;
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
INSERT INTO ta VALUES (42, 0);
INSERT INTO tb VALUES (42, 0);
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NOT NULL');
SELECT * FROM alex_vs('SELECT k, count(*) FROM (SELECT k FROM $t ORDER BY k DESC) s GROUP BY k ORDER BY k');
SELECT (SELECT k FROM ta ORDER BY k LIMIT 1) AS first, (SELECT k FROM ta ORDER BY k DESC LIMIT 1) AS first_backward;
SELECT alex_index_check('ta_k', true);
-- Deleting NULL rows: VACUUM removes their entries from the NULL pages.
DELETE FROM ta WHERE v % 2 = 0;
DELETE FROM tb WHERE v % 2 = 0;
VACUUM ta;
VACUUM tb;
SELECT entries, null_entries FROM alex_index_stats('ta_k');
SELECT alex_index_check('ta_k', true);
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY k DESC, v');
-- Every NULL row deleted: the NULL pages are empty.
DELETE FROM ta WHERE k IS NULL;
DELETE FROM tb WHERE k IS NULL;
VACUUM ta;
VACUUM tb;
SELECT entries, null_entries FROM alex_index_stats('ta_k');
SELECT alex_index_check('ta_k', true);
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
INSERT INTO ta VALUES (NULL, -1);
INSERT INTO tb VALUES (NULL, -1);
SELECT * FROM alex_vs('SELECT k, v FROM $t ORDER BY k DESC');
SELECT alex_index_check('ta_k', true);
DROP TABLE ta, tb;

-- Values and NULLs mixed: every fifth row NULL, some loaded by CREATE INDEX, some inserted.
CREATE TABLE ta (k int4, v int4);
CREATE TABLE tb (LIKE ta);
INSERT INTO ta SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7919 % 10007 END, i FROM generate_series(1, 10000) i;
INSERT INTO tb SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7919 % 10007 END, i FROM generate_series(1, 10000) i;
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb (k);
INSERT INTO ta SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7919 % 10007 END, i FROM generate_series(10001, 20000) i;
INSERT INTO tb SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7919 % 10007 END, i FROM generate_series(10001, 20000) i;
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
SELECT entries, null_entries FROM alex_index_stats('ta_k');

EXPLAIN (COSTS OFF) SELECT k FROM ta WHERE k IS NULL;
EXPLAIN (COSTS OFF) SELECT k FROM ta WHERE k IS NOT NULL ORDER BY k DESC;
EXPLAIN (COSTS OFF) SELECT k FROM ta ORDER BY k;
EXPLAIN (COSTS OFF) SELECT k FROM ta ORDER BY k DESC;
-- Orders the index does not provide take a sort.
EXPLAIN (COSTS OFF) SELECT k FROM ta ORDER BY k NULLS FIRST;
EXPLAIN (COSTS OFF) SELECT k FROM ta ORDER BY k DESC NULLS LAST;

SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NULL');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k IS NOT NULL ORDER BY k DESC');
-- NULLS LAST going forward, NULLS FIRST going backward, as btree.
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k LIMIT 5');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC LIMIT 5');
SELECT k FROM ta ORDER BY k DESC LIMIT 3;
SELECT k FROM ta ORDER BY k LIMIT 3 OFFSET 15997;
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k NULLS FIRST');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC NULLS LAST');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k > 10000 OR k IS NULL ORDER BY k');
SELECT * FROM alex_vs('SELECT count(*) FROM $t WHERE k IS NULL AND k = 5');
SELECT * FROM alex_vs('SELECT count(*) FROM $t WHERE k IS NULL AND k IS NOT NULL');
SELECT * FROM alex_vs('SELECT min(k), max(k), count(k), count(*) FROM $t');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k < 100 ORDER BY k DESC');
-- A comparison with a NULL parameter matches nothing (the scan key carries SK_ISNULL).
SET plan_cache_mode = force_generic_plan;
PREPARE q(int) AS SELECT count(*) FROM ta WHERE k = $1;
EXPLAIN (COSTS OFF) EXECUTE q(NULL);
EXECUTE q(NULL);
EXECUTE q(5);
PREPARE r(int) AS SELECT k FROM ta WHERE k > $1 ORDER BY k DESC LIMIT 2;
EXECUTE r(NULL);
EXECUTE r(9990);
DEALLOCATE q;
DEALLOCATE r;
RESET plan_cache_mode;
-- Bitmap scans.
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NOT NULL ORDER BY v');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL OR k = 17 ORDER BY v');
RESET enable_indexscan;
SET enable_bitmapscan = off;
-- A nested loop probing with NULLs and values (NULL = NULL is not true).
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT * FROM alex_vs('SELECT p.k, count(x.v) FROM (VALUES (NULL::int4), (17), (10006), (20000)) p(k) LEFT JOIN $t x ON x.k = p.k GROUP BY p.k ORDER BY p.k');
SELECT p.k, count(x.v) FROM (VALUES (NULL::int4), (17), (10006), (20000)) p(k) LEFT JOIN ta x ON x.k = p.k GROUP BY p.k ORDER BY p.k;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- After deletes and VACUUM.
DELETE FROM ta WHERE v % 3 = 0;
DELETE FROM tb WHERE v % 3 = 0;
VACUUM ta;
VACUUM tb;
SELECT entries = (SELECT count(k) FROM ta) AS values_counted,
       null_entries = (SELECT count(*) FROM ta WHERE k IS NULL) AS nulls_counted
  FROM alex_index_stats('ta_k');
SELECT * FROM alex_vs('SELECT k, v FROM $t ORDER BY k, v');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');
SELECT * FROM alex_vs('SELECT v FROM $t WHERE k IS NULL ORDER BY v');

SELECT alex_index_check('ta_k');
SELECT alex_index_check('ta_k', true);

RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE ta, tb;
DROP FUNCTION alex_vs(text);
DROP EXTENSION omendb;

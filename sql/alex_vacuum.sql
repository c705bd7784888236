-- VACUUM unlinks the data pages it empties and, once no snapshot can still lead to
-- them, recycles them: inserts reuse them instead of growing the index. Scans in both
-- directions cross the unlinked ranges; answers equal btree's and a sequential scan's.
CREATE EXTENSION omendb;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
\getenv abs_srcdir PG_ABS_SRCDIR
\set alex_vs_file :abs_srcdir '/sql/alex_vs.inc'
\i :alex_vs_file

CREATE TABLE ta (k int8, v int4);
CREATE TABLE tb (k int8, v int4);
INSERT INTO ta SELECT g, g FROM generate_series(1, 200000) g;
INSERT INTO tb SELECT g, g FROM generate_series(1, 200000) g;
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb (k);
SELECT pg_relation_size('ta_k') AS size_built \gset
SELECT data_pages AS pages_built FROM alex_index_stats('ta_k') \gset
SELECT free_pages FROM alex_index_stats('ta_k');

-- Half the keys in one range, and every key but one in each of a few others: the first
-- empties pages, the others leave them with an entry each.
DELETE FROM ta WHERE k BETWEEN 20001 AND 120000 OR (k BETWEEN 150000 AND 160000 AND k % 1000 <> 0);
DELETE FROM tb WHERE k BETWEEN 20001 AND 120000 OR (k BETWEEN 150000 AND 160000 AND k % 1000 <> 0);
VACUUM (INDEX_CLEANUP ON) ta;
VACUUM (INDEX_CLEANUP ON) tb;
SELECT alex_index_check('ta_k', heapallindexed => true);
SELECT data_pages < :pages_built * 0.6 AS emptied_pages_unlinked, free_pages > 0 AS pages_free,
       pg_relation_size('ta_k') = :size_built AS size_unchanged
  FROM alex_index_stats('ta_k');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 19990 AND 120010 ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 19990 AND 120010 ORDER BY k DESC');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 140000 AND 170000 ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 140000 AND 170000 ORDER BY k DESC');
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k = 50000');
SELECT * FROM alex_vs('SELECT count(*) FROM $t WHERE k > 0');
SET enable_indexscan = off;
SET enable_bitmapscan = on;
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 10000 AND 130000 ORDER BY k');
RESET enable_indexscan;
SET enable_bitmapscan = off;

-- Inserts into the unlinked range go to the left neighbours that took it over.
INSERT INTO ta SELECT g, g FROM generate_series(60000, 60999) g;
INSERT INTO tb SELECT g, g FROM generate_series(60000, 60999) g;
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 19990 AND 120010 ORDER BY k');
SELECT alex_index_check('ta_k', heapallindexed => true);

-- A transaction that ends after the deletions moves the horizon past them: the next
-- VACUUM puts the pages in the free space map, and growth takes them from there.
CREATE TABLE horizon (x int);
INSERT INTO horizon VALUES (1);
VACUUM (INDEX_CLEANUP ON) ta;
SELECT pg_relation_size('ta_k') AS size_before_growth, free_pages AS free_before_growth
  FROM alex_index_stats('ta_k') \gset
INSERT INTO ta SELECT g, g FROM generate_series(200001, 260000) g;
INSERT INTO tb SELECT g, g FROM generate_series(200001, 260000) g;
SELECT pg_relation_size('ta_k') = :size_before_growth AS grew_into_recycled_pages,
       free_pages < :free_before_growth AS free_pages_taken
  FROM alex_index_stats('ta_k');
SELECT alex_index_check('ta_k', heapallindexed => true);
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k > 190000 ORDER BY k');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k DESC');

-- Everything deleted: every page but the leftmost (and the first child of each model
-- page) goes; the index still answers and takes rows.
DELETE FROM ta;
DELETE FROM tb;
VACUUM (INDEX_CLEANUP ON) ta;
SELECT alex_index_check('ta_k', heapallindexed => true);
SELECT entries FROM alex_index_stats('ta_k');
SELECT * FROM alex_vs('SELECT k FROM $t ORDER BY k');
INSERT INTO ta SELECT g, g FROM generate_series(1, 50000) g;
INSERT INTO tb SELECT g, g FROM generate_series(1, 50000) g;
SELECT * FROM alex_vs('SELECT k FROM $t WHERE k BETWEEN 100 AND 49000 ORDER BY k DESC');
SELECT alex_index_check('ta_k', heapallindexed => true);

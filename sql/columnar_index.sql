-- btree and alex indexes on a columnar table: index scans (row numbers as TIDs) give
-- the same answers as a heap table, unique indexes catch duplicates in buffered rows
-- and in stripes, CREATE INDEX CONCURRENTLY works, alex_index_check passes.
-- (An earlier test may have left the extension installed.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;
CREATE TABLE h (id int8, k int4, ts timestamptz, t text);
INSERT INTO h SELECT g, (g * 7919) % 10007, timestamptz '2024-01-01 00:00+00' + g * interval '1 minute',
                     'value ' || g
  FROM generate_series(1, 20000) g;
CREATE TABLE c (LIKE h) USING columnar;
SELECT columnar_set_options('c', stripe_row_limit => 5000, chunk_group_row_limit => 1000);
INSERT INTO c SELECT * FROM h;

CREATE INDEX c_id_btree ON c (id);
CREATE INDEX c_k_alex ON c USING alex (k);
CREATE INDEX c_ts_alex ON c USING alex (ts);
SET enable_seqscan = off;
SET enable_bitmapscan = off;

EXPLAIN (COSTS OFF) SELECT * FROM c WHERE id = 12345;
SELECT * FROM c WHERE id = 12345;
EXPLAIN (COSTS OFF) SELECT * FROM c WHERE k BETWEEN 100 AND 110 ORDER BY k, id;
SELECT count(*) AS diff FROM (
    (SELECT * FROM c WHERE k BETWEEN 100 AND 200 EXCEPT ALL SELECT * FROM h WHERE k BETWEEN 100 AND 200)
    UNION ALL
    (SELECT * FROM h WHERE k BETWEEN 100 AND 200 EXCEPT ALL SELECT * FROM c WHERE k BETWEEN 100 AND 200)) x;
SELECT count(*), min(id), max(id) FROM c WHERE k BETWEEN 100 AND 200;
EXPLAIN (COSTS OFF) SELECT id FROM c WHERE ts >= '2024-01-10' ORDER BY ts LIMIT 3;
SELECT id, ts FROM c WHERE ts >= '2024-01-10' ORDER BY ts LIMIT 3;
-- A range over one key order reads chunk groups in turn (the fetch caches one group).
SELECT sum(id), count(*) FROM c WHERE id BETWEEN 2500 AND 17500;
SELECT alex_index_check('c_k_alex', heapallindexed => true);
SELECT alex_index_check('c_ts_alex', heapallindexed => true);

-- Inserts after the build reach every index; a transaction's own rows are found by
-- its later statements through the index.
BEGIN;
INSERT INTO c VALUES (30001, 5, now(), 'new');
SELECT id, t FROM c WHERE id = 30001;
SELECT id, t FROM c WHERE k = 5 AND t = 'new';
COMMIT;
SELECT alex_index_check('c_k_alex', heapallindexed => true);

-- Unique indexes see duplicates among rows still buffered, in other stripes, and
-- not at all among rolled-back rows.
CREATE UNIQUE INDEX c_id_unique ON c (id);
INSERT INTO c VALUES (7, 0, now(), 'dup of a stripe row');
INSERT INTO c VALUES (40000, 0, now(), 'a'), (40000, 0, now(), 'b');
BEGIN;
INSERT INTO c VALUES (40001, 0, now(), 'x');
INSERT INTO c VALUES (40001, 0, now(), 'y');
ROLLBACK;
BEGIN;
INSERT INTO c VALUES (40002, 0, now(), 'x');
SAVEPOINT s;
INSERT INTO c VALUES (40002, 0, now(), 'y');
ROLLBACK;
INSERT INTO c VALUES (40001, 0, now(), 'after rollback');
SELECT id, t FROM c WHERE id >= 40000;

-- CREATE INDEX CONCURRENTLY, and a partial and an expression index.
CREATE INDEX CONCURRENTLY c_t_cic ON c (t);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'c_t_cic'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM c WHERE t = 'value 777';
SELECT id FROM c WHERE t = 'value 777';
CREATE INDEX c_partial ON c (id) WHERE k < 10;
CREATE INDEX c_expr ON c ((id % 1000));
SELECT count(*) FROM c WHERE k < 10 AND id > 19000;
SELECT count(*) FROM c WHERE id % 1000 = 999;
-- CREATE INDEX never plans a parallel build on a columnar table, even when told to.
SET min_parallel_table_scan_size = 0;
SET max_parallel_maintenance_workers = 2;
CREATE INDEX c_k_btree ON c (k);
SELECT count(*) FROM c WHERE k = 5;
RESET max_parallel_maintenance_workers;
RESET min_parallel_table_scan_size;
-- REINDEX rebuilds from the table.
REINDEX TABLE c;
SELECT count(*) FROM c WHERE k BETWEEN 100 AND 200;

-- Index-only scans fall back to fetching rows (no visibility map) and stay correct.
EXPLAIN (COSTS OFF) SELECT k FROM c WHERE k BETWEEN 1 AND 3;
SELECT count(k) FROM c WHERE k BETWEEN 1 AND 3;

-- ANALYZE samples without error and estimates the row count.
RESET enable_seqscan;
ANALYZE c;
SELECT reltuples BETWEEN 19000 AND 21000 AS estimated FROM pg_class WHERE oid = 'c'::regclass;
SELECT count(*) > 0 AS has_stats FROM pg_stats WHERE tablename = 'c';
VACUUM c;
SELECT reltuples FROM pg_class WHERE oid = 'c'::regclass;

RESET enable_bitmapscan;
DROP TABLE c, h;

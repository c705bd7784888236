-- DDL on columnar tables: options and their errors, ALTER TABLE ... SET ACCESS METHOD
-- both ways, SET TABLESPACE, plans that never go parallel, and a clear error for
-- everything not supported yet.
-- (An earlier test may have left the extension installed.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;
CREATE TABLE c (id int PRIMARY KEY, t text) USING columnar;
INSERT INTO c SELECT g, 'row ' || g FROM generate_series(1, 3000) g;
SELECT * FROM columnar_options('c');

-- Options: validated with clear errors; NULL keeps an option.
SELECT columnar_set_options('c', compression => 'gzip');
SELECT columnar_set_options('c', compression_level => 0);
SELECT columnar_set_options('c', compression_level => 20);
SELECT columnar_set_options('c', stripe_row_limit => 999);
SELECT columnar_set_options('c', stripe_row_limit => 10000001);
SELECT columnar_set_options('c', chunk_group_row_limit => 99);
SELECT columnar_set_options('c', chunk_group_row_limit => 100001);
SELECT columnar_set_options('c', stripe_row_limit => 1000, chunk_group_row_limit => 2000);
SELECT columnar_set_options(NULL);
CREATE TABLE heap_t (i int);
SELECT columnar_set_options('heap_t', compression => 'lz4');
SELECT columnar_options('heap_t');
SELECT columnar_stats('heap_t');
SELECT columnar_set_options('c', compression => 'lz4', compression_level => 5);
SELECT columnar_set_options('c', stripe_row_limit => 2000);
SELECT * FROM columnar_options('c');
-- Options are transactional.
BEGIN;
SELECT columnar_set_options('c', compression => 'none');
ROLLBACK;
SELECT compression FROM columnar_options('c');
-- Only the owner sets options.
CREATE ROLE columnar_other;
GRANT SELECT ON c TO columnar_other;
SET ROLE columnar_other;
SELECT columnar_set_options('c', compression => 'none');
SELECT rows FROM columnar_stats('c');
RESET ROLE;
REVOKE ALL ON c FROM columnar_other;
DROP ROLE columnar_other;

-- Foreign keys from a columnar table, AFTER ROW triggers (they fetch the new rows by
-- TID) and transition tables work.
CREATE TABLE p (id int PRIMARY KEY);
INSERT INTO p SELECT generate_series(1, 100);
CREATE TABLE cc (id int, pid int REFERENCES p (id)) USING columnar;
INSERT INTO cc SELECT g, g % 100 + 1 FROM generate_series(1, 1000) g;
INSERT INTO cc VALUES (1, 1000);
CREATE FUNCTION cc_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'after row %: % rows', NEW.id, (SELECT count(*) FROM cc);
  RETURN NULL;
END $$;
CREATE TRIGGER cc_row AFTER INSERT ON cc FOR EACH ROW EXECUTE FUNCTION cc_row();
CREATE FUNCTION cc_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'statement inserted % rows', (SELECT count(*) FROM new_rows);
  RETURN NULL;
END $$;
CREATE TRIGGER cc_stmt AFTER INSERT ON cc REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION cc_stmt();
INSERT INTO cc VALUES (5000, 1), (5001, 2);
SELECT count(*) FROM cc;
DROP TABLE cc, p;
DROP FUNCTION cc_row(), cc_stmt();

-- Not supported yet: each names the feature. (UPDATE, DELETE and row locks:
-- columnar_dml.)
INSERT INTO c VALUES (5001, 'x') ON CONFLICT (id) DO UPDATE SET t = 'y';
INSERT INTO c VALUES (5001, 'x') ON CONFLICT (id) DO NOTHING;
INSERT INTO c VALUES (5001, 'x') ON CONFLICT DO NOTHING;
-- (A conflict found before inserting needs no speculative insertion: nothing happens.)
INSERT INTO c VALUES (1, 'x') ON CONFLICT (id) DO NOTHING;
SELECT count(*) FROM c TABLESAMPLE SYSTEM (50);
CLUSTER c USING c_pkey;
CREATE UNLOGGED TABLE u (i int) USING columnar;
-- SERIALIZABLE reads (no predicate locks), by a scan and through an index; writing and
-- unique checks need none.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) FROM c;
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SET LOCAL enable_seqscan = off;
SELECT t FROM c WHERE id = 1;
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO c VALUES (5002, 'serializable insert');
INSERT INTO c VALUES (5002, 'duplicate');
ROLLBACK;
BEGIN;
SET LOCAL omendb.columnar_custom_scan = off;
DECLARE back SCROLL CURSOR FOR SELECT id FROM c;
FETCH 2 FROM back;
FETCH BACKWARD 1 FROM back;
ROLLBACK;
-- (The ColumnarScan does not scan backward either, so the planner materializes it.)
BEGIN;
DECLARE back SCROLL CURSOR FOR SELECT id FROM c;
FETCH 2 FROM back;
FETCH BACKWARD 1 FROM back;
ROLLBACK;
CREATE PUBLICATION pub FOR TABLE c;
INSERT INTO c VALUES (5000, 'published');
UPDATE c SET t = 'published' WHERE id = 1;
DELETE FROM c WHERE id = 1;
DROP PUBLICATION pub;

-- The planner never plans a parallel scan of a columnar table, even when told to.
SET max_parallel_workers_per_gather = 4;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
ALTER TABLE c SET (parallel_workers = 4);
EXPLAIN (COSTS OFF) SELECT count(*) FROM c;
SELECT count(*) FROM c;
INSERT INTO heap_t SELECT generate_series(1, 100000);
ANALYZE heap_t;
EXPLAIN (COSTS OFF) SELECT count(*) FROM c JOIN heap_t ON c.id = heap_t.i;
-- Rows this transaction still buffers are read in parallel mode too (not flushed).
BEGIN;
INSERT INTO c VALUES (7000, 'buffered');
SELECT count(*) FROM c JOIN heap_t ON c.id = heap_t.i OR c.id = 7000;
COMMIT;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
ALTER TABLE c RESET (parallel_workers);

-- ALTER TABLE ... SET ACCESS METHOD both ways keeps rows and indexes working.
ALTER TABLE c SET ACCESS METHOD heap;
SELECT amname FROM pg_class JOIN pg_am ON relam = pg_am.oid WHERE relname = 'c';
SELECT count(*), sum(id) FROM c;
ALTER TABLE c SET ACCESS METHOD columnar;
SELECT amname FROM pg_class JOIN pg_am ON relam = pg_am.oid WHERE relname = 'c';
SELECT count(*), sum(id) FROM c;
SET enable_seqscan = off;
SELECT t FROM c WHERE id = 2999;
RESET enable_seqscan;
SELECT stripes, rows FROM columnar_stats('c');
-- Only the live storage has metadata.
SELECT count(DISTINCT storage_id) AS storages FROM omendb.columnar_stripe;

-- SET TABLESPACE copies the pages; the metadata still matches.
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE columnar_ts LOCATION '';
ALTER TABLE c SET TABLESPACE columnar_ts;
SELECT count(*), sum(id) FROM c;
INSERT INTO c VALUES (6000, 'in tablespace');
SELECT count(*) FROM c;
ALTER TABLE c SET TABLESPACE pg_default;
DROP TABLESPACE columnar_ts;
SELECT count(*) FROM c;

-- VACUUM FULL rewrites the rows into full stripes (merging small ones), keeps the
-- options and rebuilds the indexes.
INSERT INTO c VALUES (7001, 'small 1');
INSERT INTO c VALUES (7002, 'small 2');
INSERT INTO c VALUES (7003, 'small 3');
SELECT columnar_set_options('c', chunk_group_row_limit => 1000);
SELECT stripes, chunk_groups, rows FROM columnar_stats('c');
VACUUM FULL c;
SELECT stripes, chunk_groups, rows FROM columnar_stats('c');
SELECT compression, chunk_group_row_limit FROM columnar_options('c');
SELECT count(*), sum(id) FROM c;
SET enable_seqscan = off;
SELECT t FROM c WHERE id = 7002;
RESET enable_seqscan;
SELECT count(DISTINCT storage_id) AS storages FROM omendb.columnar_stripe;

-- Temporary columnar tables work.
CREATE TEMP TABLE tmp (i int) USING columnar;
INSERT INTO tmp SELECT generate_series(1, 100);
SELECT sum(i) FROM tmp;
DROP TABLE tmp;

-- DROP EXTENSION needs CASCADE with columnar tables and then leaves nothing behind.
DO $$
BEGIN
  DROP EXTENSION omendb;
EXCEPTION WHEN dependent_objects_still_exist THEN
  RAISE NOTICE 'DROP EXTENSION without CASCADE refused: %', SQLERRM;
END $$;
SET client_min_messages = warning;
DROP EXTENSION omendb CASCADE;
RESET client_min_messages;
SELECT count(*) AS leftovers FROM pg_class WHERE relname = 'c';
SELECT count(*) AS leftovers FROM pg_namespace WHERE nspname = 'omendb';
SELECT count(*) AS leftovers FROM pg_am WHERE amname = 'columnar';
SELECT count(*) AS leftovers FROM pg_event_trigger WHERE evtname LIKE 'omendb%';
DROP TABLE heap_t;

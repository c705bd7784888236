-- UPDATE, DELETE and row locks on columnar tables, checked against the same
-- statements on a heap copy; VACUUM; a seeded random differential test.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;

CREATE TABLE dh (id int, k int, t text, n numeric, ts timestamptz);
CREATE TABLE dc (id int, k int, t text, n numeric, ts timestamptz) USING columnar;
SELECT columnar_set_options('dc', stripe_row_limit => 1000, chunk_group_row_limit => 100);
INSERT INTO dh SELECT g, g % 17, CASE WHEN g % 11 = 0 THEN NULL ELSE repeat('x', g % 50) END,
    g / 7.0, '2024-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 3000) g;
INSERT INTO dc SELECT * FROM dh;
CREATE INDEX dc_id ON dc USING alex (id);
CREATE INDEX dc_k ON dc (k);

-- The two tables hold the same rows (as multisets), or this says what differs.
CREATE FUNCTION dml_diff(OUT only_heap bigint, OUT only_columnar bigint) LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM (SELECT * FROM dh EXCEPT ALL SELECT * FROM dc) a),
         (SELECT count(*) FROM (SELECT * FROM dc EXCEPT ALL SELECT * FROM dh) b) $$;

DELETE FROM dh WHERE k = 3;
DELETE FROM dc WHERE k = 3;
UPDATE dh SET t = upper(t), n = n * 2 WHERE id % 5 = 0;
UPDATE dc SET t = upper(t), n = n * 2 WHERE id % 5 = 0;
SELECT * FROM dml_diff();
SELECT count(*), sum(n), count(t) FROM dc;

-- RETURNING, old and new values
DELETE FROM dc WHERE id IN (1, 2, 4000) RETURNING id, k, t;
DELETE FROM dh WHERE id IN (1, 2, 4000);
UPDATE dc SET k = -k WHERE id BETWEEN 5 AND 8 RETURNING id, k, ts;
UPDATE dh SET k = -k WHERE id BETWEEN 5 AND 8;
SELECT * FROM dml_diff();
-- a row deleted twice in one statement's join is deleted once
DELETE FROM dc USING generate_series(1, 2) WHERE dc.id = 9;
DELETE FROM dh WHERE id = 9;

-- UPDATE moves rows to new row numbers: both indexes find the new version only
UPDATE dc SET id = id + 100000 WHERE id BETWEEN 100 AND 110;
UPDATE dh SET id = id + 100000 WHERE id BETWEEN 100 AND 110;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id, k FROM dc WHERE id BETWEEN 100100 AND 100105;
SELECT id, k FROM dc WHERE id BETWEEN 100100 AND 100105 ORDER BY id;
SELECT count(*) FROM dc WHERE id BETWEEN 100 AND 110;
SELECT count(*) FROM dc WHERE k = 3;
SELECT count(*) FROM dc WHERE k = -5;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT * FROM dml_diff();

-- the same row updated twice in one transaction, and deleted after an update
BEGIN;
UPDATE dc SET n = 1 WHERE id = 21;
UPDATE dc SET n = n + 1 WHERE id = 21;
SELECT id, n FROM dc WHERE id = 21;
DELETE FROM dc WHERE id = 21;
SELECT count(*) FROM dc WHERE id = 21;
COMMIT;
UPDATE dh SET n = 2 WHERE id = 21;
DELETE FROM dh WHERE id = 21;

-- a savepoint rolled back takes its deletes and updates with it
BEGIN;
SAVEPOINT a;
DELETE FROM dc WHERE id < 1000;
UPDATE dc SET t = 'gone' WHERE id < 2000;
SELECT count(*) FROM dc WHERE id < 2000 AND t IS DISTINCT FROM 'gone';
ROLLBACK TO a;
SELECT count(*) FROM dc WHERE id < 1000;
DELETE FROM dc WHERE id = 30;
RELEASE a;
COMMIT;
DELETE FROM dh WHERE id = 30;
SELECT * FROM dml_diff();

-- an exception block rolls back the rows it updated, including new versions it wrote
DO $$ BEGIN
  UPDATE dc SET k = 1000 WHERE id < 50;
  RAISE EXCEPTION 'undo';
EXCEPTION WHEN raise_exception THEN NULL;
END $$;
SELECT count(*) FROM dc WHERE k = 1000;

-- rows inserted and changed in the same transaction, before they reach a stripe
BEGIN;
INSERT INTO dc VALUES (5000, 1, 'new', 1, now());
UPDATE dc SET t = 'newer' WHERE id = 5000;
SAVEPOINT b;
DELETE FROM dc WHERE id = 5000;
ROLLBACK TO b;
SELECT id, t FROM dc WHERE id = 5000;
DELETE FROM dc WHERE id = 5000;
COMMIT;
SELECT count(*) FROM dc WHERE id = 5000;

-- row locks
BEGIN;
SELECT id, k FROM dc WHERE id BETWEEN 40 AND 42 ORDER BY id FOR UPDATE;
SELECT id, k FROM dc WHERE id = 43 FOR SHARE;
SELECT id, k FROM dc WHERE id = 44 FOR NO KEY UPDATE;
SELECT id, k FROM dc WHERE id = 45 FOR KEY SHARE;
UPDATE dc SET k = k WHERE id = 40;
COMMIT;

-- a row lock is a row of omendb.columnar_row_lock, not a lock-table entry: a
-- transaction may lock more rows than the lock table holds; VACUUM forgets them after
CREATE TABLE dlock (id int) USING columnar;
INSERT INTO dlock SELECT generate_series(1, 20000);
SELECT count(*) AS locks_before FROM omendb.columnar_row_lock \gset
BEGIN;
SELECT count(*) FROM (SELECT id FROM dlock FOR UPDATE) l;
SELECT count(*) FROM (SELECT id FROM dlock WHERE id <= 10 FOR SHARE) l;
SELECT count(*) FROM pg_locks WHERE locktype = 'tuple';
COMMIT;
SELECT count(*) - :locks_before AS lock_rows FROM omendb.columnar_row_lock;
VACUUM dlock;
SELECT count(*) - :locks_before AS lock_rows FROM omendb.columnar_row_lock;
DROP TABLE dlock;

-- a foreign key referencing a columnar table locks the referenced row
CREATE TABLE dparent (id int PRIMARY KEY) USING columnar;
INSERT INTO dparent VALUES (1), (2);
CREATE TABLE dchild (pid int REFERENCES dparent (id));
INSERT INTO dchild VALUES (1);
INSERT INTO dchild VALUES (3);
DELETE FROM dparent WHERE id = 1;
DELETE FROM dparent WHERE id = 2;
SELECT * FROM dparent;
DROP TABLE dchild, dparent;

-- ON CONFLICT DO UPDATE of an existing row locks and updates it; a new key needs
-- speculative insertion, which is not supported
CREATE TABLE du (id int PRIMARY KEY, v text) USING columnar;
INSERT INTO du VALUES (1, 'a');
INSERT INTO du VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET v = du.v || excluded.v;
INSERT INTO du VALUES (2, 'x') ON CONFLICT (id) DO UPDATE SET v = excluded.v;
SELECT * FROM du;
DROP TABLE du;

-- a unique index: an update keeping its key passes, one to a taken key fails as on heap
CREATE TABLE du (id int PRIMARY KEY, v text) USING columnar;
INSERT INTO du VALUES (1, 'a'), (2, 'b');
UPDATE du SET v = 'c' WHERE id = 1;
UPDATE du SET id = 3 - id;
UPDATE du SET id = 2 WHERE id = 1;
SELECT * FROM du ORDER BY id;
DROP TABLE du;

-- VACUUM: the statistics count deleted rows; a first VACUUM merges the stripes with
-- many deleted rows, the next reclaims the old ones, and the indexes stay right
SELECT stripes, rows, deleted_rows FROM columnar_stats('dc');
VACUUM dc;
SELECT stripes, rows, deleted_rows FROM columnar_stats('dc');
VACUUM dc;
SELECT stripes, rows, deleted_rows FROM columnar_stats('dc');
SELECT * FROM dml_diff();
SELECT alex_index_check('dc_id', true);
SET enable_seqscan = off;
SELECT count(*), sum(id) FROM dc WHERE id > 0;
SELECT count(*) FROM dc WHERE k = 7;
RESET enable_seqscan;
SELECT count(*), sum(id) FROM dh WHERE id > 0;
SELECT count(*) FROM dh WHERE k = 7;
SELECT reltuples FROM pg_class WHERE relname = 'dc';

-- many small transactions leave small stripes; VACUUM merges them
CREATE TABLE dsmall (id int) USING columnar;
INSERT INTO dsmall VALUES (1);
INSERT INTO dsmall VALUES (2);
INSERT INTO dsmall VALUES (3);
SELECT stripes, rows FROM columnar_stats('dsmall');
VACUUM dsmall;
VACUUM dsmall;
SELECT stripes, rows, deleted_rows FROM columnar_stats('dsmall');
SELECT * FROM dsmall ORDER BY id;
DROP TABLE dsmall;

-- VACUUM truncates the pages no snapshot can read any more, here those of an aborted load
CREATE TABLE dtail (id int, t text) USING columnar;
INSERT INTO dtail VALUES (1, 'kept');
SELECT pg_relation_size('dtail') AS size_before \gset
BEGIN;
INSERT INTO dtail SELECT g, md5(g::text) FROM generate_series(1, 300000) g;
ROLLBACK;
SELECT pg_relation_size('dtail') > :size_before AS grew;
VACUUM dtail;
SELECT pg_relation_size('dtail') = :size_before AS truncated, count(*) FROM dtail;
INSERT INTO dtail VALUES (2, 'after');
SELECT * FROM dtail ORDER BY id;
DROP TABLE dtail;

-- ANALYZE counts live rows only
ANALYZE dc;
SELECT reltuples = (SELECT count(*) FROM dc) FROM pg_class WHERE relname = 'dc';

-- CREATE INDEX after deletes indexes the deleted rows as dead (a unique index accepts
-- an old version and its update with the same key); REINDEX too
CREATE UNIQUE INDEX dc_t_uq ON dc (id);
REINDEX TABLE dc;
SET enable_seqscan = off;
SELECT id, k FROM dc WHERE id = 100104;
RESET enable_seqscan;
DROP INDEX dc_t_uq;

-- rewrites keep exactly the live rows
ALTER TABLE dc SET ACCESS METHOD heap;
SELECT * FROM dml_diff();
ALTER TABLE dc SET ACCESS METHOD columnar;
SELECT * FROM dml_diff();
DELETE FROM dc WHERE k = 4;
DELETE FROM dh WHERE k = 4;
VACUUM FULL dc;
SELECT stripes, deleted_rows FROM columnar_stats('dc');
SELECT * FROM dml_diff();

-- The seeded random differential test: a mix of INSERT, COPY, UPDATE (also of the key
-- and moving rows), DELETE, savepoint rollbacks, VACUUM and ANALYZE on both tables;
-- after every step each query answer must match, or dml_check raises.
TRUNCATE dh, dc;
SELECT columnar_set_options('dc', stripe_row_limit => 1000, chunk_group_row_limit => 100);
CREATE UNIQUE INDEX dc_id_uq ON dc (id);
CREATE UNIQUE INDEX dh_id_uq ON dh (id);
CREATE SEQUENCE dml_ids;
CREATE TABLE dml_batch (id int, k int, t text, n numeric, ts timestamptz);

CREATE PROCEDURE dml_both(stmt text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(stmt, 'dh');
  EXECUTE format(stmt, 'dc');
END $$;

CREATE PROCEDURE dml_step(op int) LANGUAGE plpgsql AS $$
DECLARE
  m int := 1 + floor(random() * 13)::int;
  r int := floor(random() * m)::int;
  copy_file text := current_setting('data_directory') || '/columnar_dml.copy';
BEGIN
  TRUNCATE dml_batch;
  INSERT INTO dml_batch
    SELECT nextval('dml_ids'), floor(random() * 20)::int,
           CASE WHEN random() < 0.1 THEN NULL ELSE md5(random()::text) END,
           round((random() * 1000)::numeric, 2),
           '2024-01-01'::timestamptz + random() * interval '300 days'
    FROM generate_series(1, 1 + floor(random() * CASE WHEN op = 0 THEN 400 ELSE 40 END)::int);
  CASE op
    WHEN 0 THEN CALL dml_both('INSERT INTO %I SELECT * FROM dml_batch');
    WHEN 1 THEN
      EXECUTE format('COPY dml_batch TO %L', copy_file);
      CALL dml_both(format('COPY %%I FROM %L', copy_file));
    WHEN 2 THEN CALL dml_both(format('UPDATE %%I SET n = n + 1, t = t || ''u'' WHERE mod(id, %s) = %s', m, r));
    WHEN 3 THEN CALL dml_both(format('UPDATE %%I SET id = -id, k = k + 1 WHERE k = %s', r));
    WHEN 4 THEN CALL dml_both(format('DELETE FROM %%I WHERE mod(id, %s) = %s', m + 5, r));
    WHEN 5 THEN CALL dml_both(format('DELETE FROM %%I WHERE k = %s AND n < 500', r));
    WHEN 6 THEN
      -- a subtransaction that deletes and updates, then rolls back
      BEGIN
        CALL dml_both(format('DELETE FROM %%I WHERE mod(id, %s) = %s', m, r));
        CALL dml_both('UPDATE %I SET k = k + 100');
        RAISE EXCEPTION 'roll back';
      EXCEPTION WHEN raise_exception THEN NULL;
      END;
    ELSE
      -- insert and change rows in one statement sequence before they are flushed
      CALL dml_both('INSERT INTO %I SELECT * FROM dml_batch');
      CALL dml_both(format('UPDATE %%I SET t = NULL WHERE id IN (SELECT id FROM dml_batch WHERE k = %s)', r));
      CALL dml_both(format('DELETE FROM %%I WHERE id IN (SELECT id FROM dml_batch WHERE k = %s + 1)', r));
  END CASE;
END $$;

CREATE PROCEDURE dml_check(step int) LANGUAGE plpgsql AS $$
DECLARE
  d record;
  a text;
  b text;
BEGIN
  SELECT * INTO d FROM dml_diff();
  IF d.only_heap <> 0 OR d.only_columnar <> 0 THEN
    RAISE EXCEPTION 'step %: tables differ: % rows only in heap, % only in columnar',
      step, d.only_heap, d.only_columnar;
  END IF;
  SELECT string_agg(format('%s:%s:%s', k, c, s), ',' ORDER BY k) INTO a
    FROM (SELECT k, count(*) c, sum(n) s FROM dh GROUP BY k) x;
  SELECT string_agg(format('%s:%s:%s', k, c, s), ',' ORDER BY k) INTO b
    FROM (SELECT k, count(*) c, sum(n) s FROM dc GROUP BY k) x;
  IF a IS DISTINCT FROM b THEN
    RAISE EXCEPTION 'step %: GROUP BY differs: % / %', step, a, b;
  END IF;
  -- through the indexes
  PERFORM set_config('enable_seqscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  SELECT string_agg(id::text, ',' ORDER BY id) INTO a FROM dh WHERE id BETWEEN -300 AND 300;
  SELECT string_agg(id::text, ',' ORDER BY id) INTO b FROM dc WHERE id BETWEEN -300 AND 300;
  IF a IS DISTINCT FROM b THEN
    RAISE EXCEPTION 'step %: index range differs: % / %', step, a, b;
  END IF;
  SELECT count(*)::text INTO a FROM dh WHERE id = ANY (ARRAY[1, 2, 3, -4, 5, 50, 99]);
  SELECT count(*)::text INTO b FROM dc WHERE id = ANY (ARRAY[1, 2, 3, -4, 5, 50, 99]);
  IF a IS DISTINCT FROM b THEN
    RAISE EXCEPTION 'step %: index lookups differ: % / %', step, a, b;
  END IF;
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
END $$;

CREATE INDEX dc_alex ON dc USING alex (id);
SELECT setseed(0.5);
SET client_min_messages = warning;
-- 120 steps; every eighth is a VACUUM and every 30th an ANALYZE
SELECT CASE WHEN s % 8 = 7 THEN 'VACUUM dc'
            WHEN s % 30 = 29 THEN 'ANALYZE dc'
            ELSE format('CALL dml_step(%s)', floor(random() * 8)::int) END AS step,
       format('CALL dml_check(%s)', s) AS check_step
  FROM generate_series(0, 119) s \gexec
RESET client_min_messages;
SELECT count(*) > 1000 AS enough_rows, count(*) FILTER (WHERE id < 0) > 0 AS moved_keys FROM dc;
SELECT deleted_rows > 0 AS has_deleted FROM columnar_stats('dc');
VACUUM dc;
VACUUM dc;
CALL dml_check(-1);
SELECT alex_index_check('dc_alex', true);

-- The ColumnarScan and the ColumnarAgg leave deleted rows out as plain scans do: the
-- same answers with both turned off, and against the heap copy.
DELETE FROM dc WHERE id % 7 = 0;
DELETE FROM dh WHERE id % 7 = 0;
EXPLAIN (COSTS OFF) SELECT count(*), sum(id), min(id), max(id) FROM dc;
SELECT count(*), sum(id), min(id), max(id) FROM dc
EXCEPT SELECT count(*), sum(id), min(id), max(id) FROM dh;
SELECT count(*) AS scan_differs FROM
  ((SELECT id FROM dc WHERE id > 100 EXCEPT ALL SELECT id FROM dh WHERE id > 100)
   UNION ALL (SELECT id FROM dh WHERE id > 100 EXCEPT ALL SELECT id FROM dc WHERE id > 100)) d;
BEGIN;
SET LOCAL omendb.columnar_custom_scan = off;
SET LOCAL omendb.columnar_aggregate = off;
SELECT count(*), sum(id), min(id), max(id) FROM dc
EXCEPT SELECT count(*), sum(id), min(id), max(id) FROM dh;
COMMIT;

DROP TABLE dh, dc, dml_batch;
DROP SEQUENCE dml_ids;
DROP FUNCTION dml_diff();
DROP PROCEDURE dml_both(text), dml_step(int), dml_check(int);

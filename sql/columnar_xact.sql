-- Transactions on columnar tables: rows are buffered per (sub)transaction and command
-- and become stripes at commit; ROLLBACK and ROLLBACK TO SAVEPOINT discard them, a
-- transaction reads its own rows, TRUNCATE is transactional.
-- (An earlier test may have left the extension installed.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;
CREATE TABLE c (id int, t text) USING columnar;
SELECT columnar_set_options('c', stripe_row_limit => 1000, chunk_group_row_limit => 100);

-- Rolled back rows never appear, even after they filled and flushed stripes.
BEGIN;
INSERT INTO c SELECT g, 'rolled back' FROM generate_series(1, 2500) g;
SELECT count(*) FROM c;
ROLLBACK;
SELECT count(*) FROM c;

-- A transaction sees its own rows from its next command on; a statement does not see
-- the rows it inserts itself (INSERT ... SELECT from the same table doubles once).
BEGIN;
INSERT INTO c SELECT g, 'first' FROM generate_series(1, 1500) g;
SELECT count(*) FROM c;
INSERT INTO c SELECT id + 10000, 'copy' FROM c;
SELECT t, count(*) FROM c GROUP BY t ORDER BY t;
COMMIT;
SELECT t, count(*) FROM c GROUP BY t ORDER BY t;

-- Savepoints: rolled back levels lose their rows, released ones keep them; reads
-- inside a savepoint see the rows the enclosing level has not flushed yet.
BEGIN;
INSERT INTO c VALUES (-1, 'outer');
SAVEPOINT a;
SELECT count(*) FROM c WHERE id < 0;
INSERT INTO c VALUES (-2, 'in a');
SAVEPOINT b;
INSERT INTO c SELECT -g, 'in b' FROM generate_series(3, 1200) g;
SELECT count(*) FROM c WHERE id < 0;
ROLLBACK TO b;
SELECT count(*) FROM c WHERE id < 0;
RELEASE a;
SAVEPOINT c;
INSERT INTO c VALUES (-3, 'in c');
ROLLBACK TO c;
SELECT id, t FROM c WHERE id < 0 ORDER BY id;
COMMIT;
SELECT id, t FROM c WHERE id < 0 ORDER BY id;

-- An exception block is a subtransaction too.
DO $$
BEGIN
  INSERT INTO c VALUES (-10, 'before block');
  BEGIN
    INSERT INTO c VALUES (-11, 'in failed block');
    PERFORM count(*) FROM c;
    RAISE EXCEPTION 'fail';
  EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'block rolled back, % rows below -9 visible', (SELECT count(*) FROM c WHERE id < -9);
  END;
END $$;
SELECT id, t FROM c WHERE id < -9 ORDER BY id;

-- A cursor keeps its snapshot: rows inserted after it was opened stay invisible to it.
BEGIN;
DECLARE cur CURSOR FOR SELECT count(*) FROM c;
INSERT INTO c VALUES (-20, 'after cursor');
FETCH cur;
SELECT count(*) FROM c;
COMMIT;

-- TRUNCATE is transactional, including in the transaction that created the table.
BEGIN;
TRUNCATE c;
SELECT count(*) FROM c;
ROLLBACK;
SELECT count(*) FROM c;
BEGIN;
CREATE TABLE fresh (i int) USING columnar;
INSERT INTO fresh SELECT generate_series(1, 10);
SELECT count(*) FROM fresh;
TRUNCATE fresh;
INSERT INTO fresh VALUES (100);
SELECT * FROM fresh;
COMMIT;
SELECT * FROM fresh;
-- Options survive TRUNCATE; rows buffered before it vanish with the old storage.
BEGIN;
INSERT INTO c VALUES (-30, 'truncated');
TRUNCATE c;
INSERT INTO c VALUES (1, 'after truncate');
COMMIT;
SELECT * FROM c;
SELECT stripe_row_limit, chunk_group_row_limit FROM columnar_options('c');

DROP TABLE c, fresh;
SELECT count(*) AS stripes_left FROM omendb.columnar_stripe;

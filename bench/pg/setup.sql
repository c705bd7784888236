-- Two identical tables of :rows int8 keys in random heap order, the keys made by the
-- expression :keys of g (bench/pg/run picks it per distribution); one table gets alex,
-- the other btree.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS omendb;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
DROP TABLE IF EXISTS ta, tb, probes;
CREATE TABLE ta (k int8);
CREATE TABLE tb (k int8);
INSERT INTO ta SELECT k FROM (SELECT :keys AS k, g FROM generate_series(1, :rows) g) s ORDER BY hashint8(g);
INSERT INTO tb SELECT k FROM ta;
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
CREATE TABLE probes AS SELECT k FROM ta ORDER BY hashint8(k + 1) LIMIT 1000000;
ANALYZE probes;

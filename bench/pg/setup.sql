-- Two identical tables of :rows int8 keys in random heap order (keys ~ 2^33 spread,
-- a few duplicates), one indexed by alex and one by btree after CREATE INDEX timing.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS omendb;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
DROP TABLE IF EXISTS ta, tb, probes;
CREATE TABLE ta (k int8);
CREATE TABLE tb (k int8);
INSERT INTO ta SELECT (hashint8(g) & 2147483647)::int8 * 4 + (g & 3) FROM generate_series(1, :rows) g;
INSERT INTO tb SELECT k FROM ta;
VACUUM ANALYZE ta;
VACUUM ANALYZE tb;
CREATE TABLE probes AS SELECT k FROM ta ORDER BY hashint8(k + 1) LIMIT 1000000;
ANALYZE probes;

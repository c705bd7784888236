-- alex indexes and DDL: what CREATE INDEX accepts and refuses, reloptions, REINDEX,
-- CONCURRENTLY, TRUNCATE, UNLOGGED, temporary and partitioned tables, the catalog's
-- answers about the access method, and the SQL functions on the wrong relations.
CREATE EXTENSION omendb;

CREATE TABLE t (k int4, f float8, t text, n numeric, d date);
INSERT INTO t SELECT i * 7919 % 10007, i / 7.0, 'x' || i, i, '2000-01-01'::date + i
  FROM generate_series(1, 5000) i;

-- Reloptions: fillfactor 10..100, default 80.
CREATE INDEX t_ff90 ON t USING alex (k) WITH (fillfactor = 90);
CREATE INDEX t_ff10 ON t USING alex (k) WITH (fillfactor = 10);
CREATE INDEX t_ff100 ON t USING alex (k) WITH (fillfactor = 100);
CREATE INDEX t_ffdef ON t USING alex (k);
SELECT relname, reloptions FROM pg_class WHERE relname LIKE 't\_ff%' ORDER BY relname;
-- CREATE INDEX fills data pages up to the fillfactor: fewer pages when fuller.
SELECT (SELECT data_pages FROM alex_index_stats('t_ff10')) > (SELECT data_pages FROM alex_index_stats('t_ffdef')) AS ff10_more_pages,
       (SELECT data_pages FROM alex_index_stats('t_ffdef')) >= (SELECT data_pages FROM alex_index_stats('t_ff100')) AS ffdef_not_fewer,
       (SELECT fill FROM alex_index_stats('t_ff10')) < (SELECT fill FROM alex_index_stats('t_ff100')) AS ff10_emptier;
CREATE INDEX t_bad ON t USING alex (k) WITH (fillfactor = 5);
CREATE INDEX t_bad ON t USING alex (k) WITH (fillfactor = 101);
CREATE INDEX t_bad ON t USING alex (k) WITH (fillfactor = 0);
CREATE INDEX t_bad ON t USING alex (k) WITH (fillfactor = 'abc');
CREATE INDEX t_bad ON t USING alex (k) WITH (pages_per_range = 4);
ALTER INDEX t_ff90 SET (fillfactor = 50);
ALTER INDEX t_ff90 SET (fillfactor = 200);
ALTER INDEX t_ff90 RESET (fillfactor);
SELECT relname, reloptions FROM pg_class WHERE relname = 't_ff90';
SELECT alex_index_check(i, true) FROM unnest('{t_ff90,t_ff10,t_ff100,t_ffdef}'::regclass[]) i;
DROP INDEX t_ff90, t_ff10, t_ff100;

-- Column options: ASC NULLS LAST (the default) is accepted, DESC and NULLS FIRST are not.
CREATE INDEX t_asc ON t USING alex (k ASC NULLS LAST);
CREATE INDEX t_bad ON t USING alex (k DESC);
CREATE INDEX t_bad ON t USING alex (k NULLS FIRST);
CREATE INDEX t_bad ON t USING alex (k DESC NULLS LAST);
CREATE INDEX t_bad ON t USING alex (k ASC NULLS FIRST);
DROP INDEX t_asc;

-- What core refuses from the access method's flags.
CREATE UNIQUE INDEX t_bad ON t USING alex (k);
ALTER TABLE t ADD CONSTRAINT t_k_unique UNIQUE USING INDEX t_ffdef;
CREATE INDEX t_bad ON t USING alex (k) INCLUDE (f);
CREATE INDEX t_bad ON t USING alex (k, f);
CLUSTER t USING t_ffdef;

-- Types: only the eight, through their default or explicit operator classes.
CREATE INDEX t_bad ON t USING alex (t);
CREATE INDEX t_bad ON t USING alex (n);
CREATE INDEX t_bad ON t USING alex (t int4_ops);
CREATE INDEX t_bad ON t USING alex (k float8_ops);
CREATE INDEX t_bad ON t USING alex ((k::text));
CREATE INDEX t_int4 ON t USING alex (k int4_ops);
CREATE INDEX t_f ON t USING alex (f float8_ops);
CREATE INDEX t_d ON t USING alex (d);
DROP INDEX t_int4;
-- A domain over a supported type indexes as its base type.
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE TABLE dom (k posint);
INSERT INTO dom SELECT i FROM generate_series(1, 1000) i;
CREATE INDEX dom_k ON dom USING alex (k);
SET enable_seqscan = off;
SELECT count(*) FROM dom WHERE k > 990;
RESET enable_seqscan;
SELECT alex_index_check('dom_k', true);
DROP TABLE dom;
DROP DOMAIN posint;

-- Expression and partial indexes.
CREATE INDEX t_expr ON t USING alex ((k * 2));
CREATE INDEX t_expr8 ON t USING alex ((k::int8 * 1000000000));
CREATE INDEX t_part ON t USING alex (k) WHERE k % 2 = 0;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT k FROM t WHERE k * 2 = 12;
SELECT k FROM t WHERE k * 2 = 12;
EXPLAIN (COSTS OFF) SELECT k FROM t WHERE k::int8 * 1000000000 > 10000000000000 ORDER BY k::int8 * 1000000000 DESC LIMIT 3;
SELECT k FROM t WHERE k::int8 * 1000000000 > 10000000000000 ORDER BY k::int8 * 1000000000 DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT k FROM t WHERE k % 2 = 0 AND k < 10 ORDER BY k;
SELECT k FROM t WHERE k % 2 = 0 AND k < 10 ORDER BY k;
RESET enable_bitmapscan;
SELECT count(*) FROM t WHERE k * 2 BETWEEN 100 AND 1000;
SELECT count(*) FROM t WHERE k % 2 = 0 AND k BETWEEN 100 AND 1000;
RESET enable_seqscan;
SELECT count(*) FROM t WHERE k * 2 BETWEEN 100 AND 1000;
SELECT count(*) FROM t WHERE k % 2 = 0 AND k BETWEEN 100 AND 1000;
SELECT alex_index_check(i, true) FROM unnest('{t_expr,t_expr8,t_part}'::regclass[]) i;
SELECT entries FROM alex_index_stats('t_part');
SELECT count(*) FROM t WHERE k % 2 = 0;

-- Changing the column's type rebuilds the index: to another supported type, or refused.
ALTER TABLE t ALTER COLUMN k TYPE int8;
SELECT a.atttypid::regtype, o.opcname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid
  JOIN pg_opclass o ON o.oid = i.indclass[0] WHERE i.indexrelid = 't_ffdef'::regclass;
SELECT alex_index_check('t_ffdef', true);
ALTER TABLE t ALTER COLUMN d TYPE text;
DROP INDEX t_expr, t_expr8, t_part, t_f, t_d;

-- REINDEX, REINDEX CONCURRENTLY, CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY.
REINDEX INDEX t_ffdef;
SELECT alex_index_check('t_ffdef', true);
REINDEX TABLE t;
SELECT alex_index_check('t_ffdef', true);
REINDEX INDEX CONCURRENTLY t_ffdef;
SELECT alex_index_check('t_ffdef', true);
REINDEX TABLE CONCURRENTLY t;
SELECT alex_index_check('t_ffdef', true);
CREATE INDEX CONCURRENTLY t_cic ON t USING alex (k);
SELECT indisvalid, indisready FROM pg_index WHERE indexrelid = 't_cic'::regclass;
SELECT alex_index_check('t_cic', true);
DROP INDEX CONCURRENTLY t_cic;
SET enable_seqscan = off;
SELECT count(*), sum(k) FROM t WHERE k >= 5000;
RESET enable_seqscan;
SELECT count(*), sum(k) FROM t WHERE k >= 5000;

-- VACUUM FULL rebuilds the index; TRUNCATE empties it, and it takes rows again.
VACUUM FULL t;
SELECT alex_index_check('t_ffdef', true);
TRUNCATE t;
SELECT entries, null_entries FROM alex_index_stats('t_ffdef');
SELECT alex_index_check('t_ffdef', true);
INSERT INTO t (k) SELECT i FROM generate_series(1, 3000) i;
INSERT INTO t (k) VALUES (NULL);
SELECT entries, null_entries FROM alex_index_stats('t_ffdef');
SELECT alex_index_check('t_ffdef', true);
SET enable_seqscan = off;
SELECT count(*), min(k), max(k) FROM t WHERE k > 1000;
RESET enable_seqscan;
-- A rolled back TRUNCATE leaves the index as it was.
BEGIN;
TRUNCATE t;
INSERT INTO t (k) VALUES (1);
ROLLBACK;
SELECT entries, null_entries FROM alex_index_stats('t_ffdef');
SELECT alex_index_check('t_ffdef', true);
DROP TABLE t;

-- An UNLOGGED table (its index has an init fork) and a temporary table.
CREATE UNLOGGED TABLE u (k int8);
CREATE INDEX u_k ON u USING alex (k);
SELECT relpersistence FROM pg_class WHERE relname = 'u_k';
SELECT pg_relation_size('u_k', 'init') > 0 AS has_init_fork;
INSERT INTO u SELECT i * 3 FROM generate_series(1, 20000) i;
SET enable_seqscan = off;
SELECT count(*), sum(k) FROM u WHERE k BETWEEN 300 AND 30000;
SELECT k FROM u WHERE k < 100 ORDER BY k DESC LIMIT 3;
RESET enable_seqscan;
SELECT alex_index_check('u_k', true);
TRUNCATE u;
SELECT alex_index_check('u_k', true);
DROP TABLE u;
CREATE TEMPORARY TABLE tmp (k timestamptz);
INSERT INTO tmp SELECT '2020-01-01 00:00+00'::timestamptz + i * interval '1 hour' FROM generate_series(1, 5000) i;
CREATE INDEX tmp_k ON tmp USING alex (k);
INSERT INTO tmp SELECT '2019-01-01 00:00+00'::timestamptz + i * interval '1 hour' FROM generate_series(1, 5000) i;
SET enable_seqscan = off;
SELECT count(*) FROM tmp WHERE k < '2020-01-01 00:00+00';
RESET enable_seqscan;
SELECT alex_index_check('tmp_k', true);
DROP TABLE tmp;

-- A partitioned table: an alex index on the parent creates one per partition, also for
-- partitions attached or created later.
CREATE TABLE p (k int4, v text) PARTITION BY RANGE (k);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (MINVALUE) TO (1000);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (1000) TO (2000);
CREATE TABLE pdef PARTITION OF p DEFAULT;
INSERT INTO p SELECT i, 'v' || i FROM generate_series(0, 1999) i;
CREATE INDEX p_k ON p USING alex (k);
CREATE TABLE p3 PARTITION OF p FOR VALUES FROM (2000) TO (3000);
CREATE TABLE p4 (k int4, v text);
INSERT INTO p4 SELECT i, 'v' || i FROM generate_series(3000, 3999) i;
ALTER TABLE p ATTACH PARTITION p4 FOR VALUES FROM (3000) TO (MAXVALUE);
INSERT INTO p SELECT i, 'v' || i FROM generate_series(2000, 2999) i;
INSERT INTO p VALUES (NULL, 'null');
SELECT c.relname AS partition, i.relname AS index, am.amname
  FROM pg_inherits h JOIN pg_class i ON i.oid = h.inhrelid JOIN pg_index x ON x.indexrelid = i.oid
  JOIN pg_class c ON c.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam
 WHERE h.inhparent = 'p_k'::regclass ORDER BY 1;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE k BETWEEN 990 AND 1010 ORDER BY k;
SELECT string_agg(k::text, ',') FROM (SELECT k FROM p WHERE k BETWEEN 990 AND 1010 ORDER BY k) s;
EXPLAIN (COSTS OFF) SELECT k FROM p ORDER BY k DESC LIMIT 3;
SELECT k FROM p ORDER BY k DESC LIMIT 3;
SELECT k FROM p WHERE k IS NOT NULL ORDER BY k DESC LIMIT 3;
SELECT k FROM pdef ORDER BY k DESC;
RESET enable_bitmapscan;
SELECT k FROM p WHERE k < 3 OR k > 3997 OR k IS NULL ORDER BY k;
SELECT count(*), count(k), sum(k) FROM p;
RESET enable_seqscan;
SELECT count(*), count(k), sum(k) FROM p;
SELECT alex_index_check(i.inhrelid::regclass, true) FROM pg_inherits i WHERE i.inhparent = 'p_k'::regclass;
SELECT alex_index_check('p_k');
DROP INDEX p_k;
SELECT count(*) FROM pg_class WHERE relam = (SELECT oid FROM pg_am WHERE amname = 'alex');
DROP TABLE p;

-- An exclusion constraint on = works like uniqueness (amgettuple is all it needs).
CREATE TABLE ex (k int4, EXCLUDE USING alex (k WITH =));
INSERT INTO ex SELECT generate_series(1, 100);
INSERT INTO ex VALUES (101), (NULL), (NULL);
INSERT INTO ex VALUES (50);
SELECT alex_index_check('ex_k_excl', true);
DROP TABLE ex;

-- The SQL functions refuse whatever is not an alex index.
CREATE TABLE b (k int4);
CREATE INDEX b_btree ON b (k);
CREATE INDEX b_alex ON b USING alex (k);
SELECT alex_index_check('b_btree');
SELECT alex_index_check('b');
SELECT * FROM alex_index_stats('b_btree');
SELECT * FROM alex_index_stats('b');
SELECT alex_index_check('b_alex', NULL);
SELECT alex_index_check(NULL);
SELECT alex_index_check('b_alex', heapallindexed => false);
SELECT height >= 1 AS has_height, data_pages >= 1 AS has_data_page, entries, null_entries FROM alex_index_stats('b_alex');
DROP INDEX b_alex;
SELECT alex_index_check('b_alex');
DROP TABLE b;

-- The access method in the catalogs.
SELECT amname, amtype, amhandler FROM pg_am WHERE amname = 'alex';
SELECT opcname, opcintype::regtype, opf.opfname, opcdefault
  FROM pg_opclass opc JOIN pg_opfamily opf ON opf.oid = opc.opcfamily
  JOIN pg_am am ON am.oid = opc.opcmethod WHERE am.amname = 'alex' ORDER BY opcname;
SELECT opc.opcname, amvalidate(opc.oid)
  FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
 WHERE am.amname = 'alex' ORDER BY opcname;
SELECT p.name, pg_indexam_has_property(a.oid, p.name)
  FROM pg_am a, unnest(array['can_order', 'can_unique', 'can_multi_col', 'can_exclude',
                             'can_include', 'bogus']::text[]) WITH ORDINALITY p(name, ord)
 WHERE a.amname = 'alex' ORDER BY ord;
CREATE TABLE props (k int8, f float4);
CREATE INDEX props_k ON props USING alex (k);
CREATE INDEX props_f ON props USING alex (f);
SELECT p.name, pg_index_has_property('props_k'::regclass, p.name)
  FROM unnest(array['clusterable', 'index_scan', 'bitmap_scan', 'backward_scan',
                    'bogus']::text[]) WITH ORDINALITY p(name, ord) ORDER BY ord;
SELECT p.name, pg_index_column_has_property('props_k'::regclass, 1, p.name) AS k,
       pg_index_column_has_property('props_f'::regclass, 1, p.name) AS f
  FROM unnest(array['asc', 'desc', 'nulls_first', 'nulls_last', 'orderable',
                    'distance_orderable', 'returnable', 'search_array', 'search_nulls',
                    'bogus']::text[]) WITH ORDINALITY p(name, ord) ORDER BY ord;
SELECT alex_index_check('props_k', true), alex_index_check('props_f', true);
DROP TABLE props;

-- WAL modes: compact records need omendb's resource manager, registered only when omendb
-- is in shared_preload_libraries (t/011, t/012 and t/014 run that way); a server-wide
-- setting, like the preload it depends on.
SHOW omendb.alex_wal;
ALTER SYSTEM SET omendb.alex_wal = compact;
ALTER SYSTEM SET omendb.alex_wal = bogus;
SET omendb.alex_wal = generic;

DROP EXTENSION omendb;

-- Index fetches read one block (250 rows) of each column of a chunk group: rows in
-- every block of a chunk, a short last block, NULLs (none, some, a whole block, a whole
-- chunk), TOAST-sized and empty values, uncompressed blocks, rows of stripes written
-- before a column was dropped or added, deleted rows, and a cache too small to keep
-- anything, all give what the heap gives.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;
CREATE TABLE h (id int8, i int4, t text, f float8, gone int4);
INSERT INTO h
SELECT g,
       CASE WHEN g % 7 = 0 OR g BETWEEN 3001 AND 4000 THEN NULL ELSE g * 3 END,
       CASE WHEN g % 500 = 0 THEN repeat(md5(g::text), 100 + g % 50)   -- over 2 kB
            WHEN g % 11 = 0 THEN ''
            WHEN g BETWEEN 6001 AND 7000 THEN NULL
            ELSE 'v' || g END,
       CASE WHEN g BETWEEN 1 AND 12345 THEN g / 4.0 END,
       g
  FROM generate_series(1, 12345) g;
-- defaults (zstd, 10,000-row chunk groups: a group of 40 blocks and one of 2,345 rows)
CREATE TABLE c1 (LIKE h) USING columnar;
-- lz4, 2,500-row groups (ten blocks)
CREATE TABLE c2 (LIKE h) USING columnar;
SELECT columnar_set_options('c2', compression => 'lz4', chunk_group_row_limit => 2500);
-- uncompressed, 200-row groups (a group is one short block)
CREATE TABLE c3 (LIKE h) USING columnar;
SELECT columnar_set_options('c3', compression => 'none', chunk_group_row_limit => 200);
INSERT INTO c1 SELECT * FROM h;
INSERT INTO c2 SELECT * FROM h;
INSERT INTO c3 SELECT * FROM h;
CREATE INDEX ON h (id);
CREATE INDEX ON c1 (id);
CREATE INDEX ON c2 (id);
CREATE INDEX ON c3 (id);
-- a whole column of a chunk group NULL: f of rows beyond 12,345 (written below)
INSERT INTO h SELECT g, g, 'late ' || g, NULL, g FROM generate_series(12346, 12400) g;
INSERT INTO c1 SELECT * FROM h WHERE id > 12345;
INSERT INTO c2 SELECT * FROM h WHERE id > 12345;
INSERT INTO c3 SELECT * FROM h WHERE id > 12345;

-- Nested loops whose inner side is an index scan (seq scans stay allowed for the
-- probes' outer side: the plans are shown).
SET enable_bitmapscan = off;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_memoize = off;
SET join_collapse_limit = 1;
-- Probes in hashed order, so that consecutive fetches land in different blocks.
CREATE TABLE probe AS SELECT id FROM h ORDER BY hashint8(id);
ANALYZE probe, h, c1, c2, c3;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM probe p JOIN h USING (id) JOIN c1 c USING (id)
 WHERE (h.i, h.t, h.f, h.gone) IS DISTINCT FROM (c.i, c.t, c.f, c.gone);
SELECT 'c1' AS tab, count(*) AS rows,
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.gone) IS DISTINCT FROM (c.i, c.t, c.f, c.gone)) AS differ
  FROM probe p JOIN h USING (id) JOIN c1 c USING (id)
UNION ALL
SELECT 'c2', count(*),
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.gone) IS DISTINCT FROM (c.i, c.t, c.f, c.gone))
  FROM probe p JOIN h USING (id) JOIN c2 c USING (id)
UNION ALL
SELECT 'c3', count(*),
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.gone) IS DISTINCT FROM (c.i, c.t, c.f, c.gone))
  FROM probe p JOIN h USING (id) JOIN c3 c USING (id);
-- The first and last row of every block, the TOAST-sized values, whole rows.
SET enable_seqscan = off;
SELECT id, i, length(t) AS len, left(t, 12) AS t, f FROM c1
 WHERE id IN (1, 250, 251, 750, 751, 1000, 1001, 3000, 3001, 4000, 4001, 6001, 9999, 10000, 10001, 12000,
              12001, 12345, 12346, 12400, 500, 11000)
 ORDER BY id;
EXPLAIN (COSTS OFF) SELECT sum(length(t)) FROM c1 WHERE id > 0;
SELECT sum(length(t)) = (SELECT sum(length(t)) FROM h) AS same_text FROM c1 WHERE id > 0;
RESET enable_seqscan;

-- A cache of nothing: every fetch decodes its blocks again (and evicts them at the next).
SET omendb.columnar_cache_size = 0;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.gone) IS DISTINCT FROM (c.i, c.t, c.f, c.gone)) AS differ
  FROM probe p JOIN h USING (id) JOIN c1 c USING (id);
RESET omendb.columnar_cache_size;

-- A dropped column reads as gone, an added one as its default in older stripes and
-- as written in newer ones.
ALTER TABLE h DROP COLUMN gone;
ALTER TABLE c1 DROP COLUMN gone;
ALTER TABLE h ADD COLUMN extra text DEFAULT 'old';
ALTER TABLE c1 ADD COLUMN extra text DEFAULT 'old';
INSERT INTO h SELECT g, g, 'after', g, 'new ' || g FROM generate_series(12401, 14000) g;
INSERT INTO c1 SELECT * FROM h WHERE id > 12400;
INSERT INTO probe SELECT generate_series(12401, 14000);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.extra) IS DISTINCT FROM (c.i, c.t, c.f, c.extra)) AS differ,
       count(*) FILTER (WHERE c.extra = 'old') AS old_default
  FROM probe p JOIN h USING (id) JOIN c1 c USING (id);
SET enable_seqscan = off;
SELECT * FROM c1 WHERE id IN (12400, 12401, 13999) ORDER BY id;
RESET enable_seqscan;

-- Deleted rows are not fetched; the others of their blocks still are.
DELETE FROM h WHERE id % 1000 IN (0, 1, 500) OR id BETWEEN 5001 AND 5999;
DELETE FROM c1 WHERE id % 1000 IN (0, 1, 500) OR id BETWEEN 5001 AND 5999;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (h.i, h.t, h.f, h.extra) IS DISTINCT FROM (c.i, c.t, c.f, c.extra)) AS differ
  FROM probe p JOIN h USING (id) JOIN c1 c USING (id);
SELECT count(*) AS fetched_deleted FROM probe p JOIN c1 c USING (id)
 WHERE p.id % 1000 IN (0, 1, 500) OR p.id BETWEEN 5001 AND 5999;
SET enable_seqscan = off;
SELECT id, i FROM c1 WHERE id IN (4999, 5000, 5001, 5999, 6000, 6002) ORDER BY id;
RESET enable_seqscan;

-- Bit-packed blocks (fixed-width values passed by value and numeric values, zstd and
-- lz4 tables): every such type, negative values, values near the int8 limits (packed
-- modulo 2^64), whole seconds (a common factor), a constant column (no bits), a block
-- spanning both int8 limits (not packed), unsigned oids, numerics of one scale (zero,
-- negative, large, small) and blocks that cannot be packed (mixed scales, NaN, huge),
-- NULLs (some, a whole block, first and last rows of blocks), fetched one by one through
-- an index, scanned, and with no cache.
CREATE TABLE ph (id int8, i2 int2, i4 int4, i8 int8, big int8, d date, tz timestamptz,
                 bo bool, ch "char", f4 float4, f8 float8, o oid, k int4, wide int8,
                 n2 numeric(12,2), n6 numeric(20,6), nmix numeric);
INSERT INTO ph
SELECT g,
       CASE WHEN g % 9 <> 0 THEN (g % 200 - 100)::int2 END,
       CASE WHEN g % 1000 NOT IN (0, 1) THEN -g * 3 END,
       CASE WHEN g BETWEEN 1001 AND 2000 THEN NULL ELSE g::int8 * 1000003 END,
       9223372036854775807 - g * 7,
       CASE WHEN g % 5 <> 0 THEN date '2000-01-01' + g % 400 END,
       timestamptz '2025-01-01 00:00+00' + (g * 7919 % 86400) * interval '1 second',
       CASE WHEN g % 4 <> 0 THEN g % 3 = 0 END,
       chr(65 + g % 26)::"char",
       (g % 17) / 4.0,
       g / 8.0,
       (4294967295 - g % 100)::oid,
       42,
       CASE WHEN g = 2400 THEN -9223372036854775808 WHEN g = 2401 THEN 9223372036854775807 ELSE g END,
       CASE WHEN g % 13 <> 0 THEN (g * 7919 % 2000003 - 1000000) / 100.0 END,
       CASE WHEN g <= 1000 THEN g / 7.0 WHEN g <= 2000 THEN 99999999999999.999999 - g END,
       CASE WHEN g <= 1000 THEN g / 3.0 WHEN g = 1500 THEN 'NaN' WHEN g <= 2000 THEN g
            ELSE 1e30 * g END
  FROM generate_series(1, 2500) g;
CREATE TABLE pc_zstd (LIKE ph) USING columnar;
CREATE TABLE pc_lz4 (LIKE ph) USING columnar;
SELECT columnar_set_options('pc_lz4', compression => 'lz4', chunk_group_row_limit => 1500);
INSERT INTO pc_zstd SELECT * FROM ph;
INSERT INTO pc_lz4 SELECT * FROM ph;
CREATE INDEX ON ph (id);
CREATE INDEX ON pc_zstd (id);
CREATE INDEX ON pc_lz4 (id);
CREATE TABLE pprobe AS SELECT id FROM ph ORDER BY hashint8(id);
ANALYZE ph, pc_zstd, pc_lz4, pprobe;
SELECT 'zstd' AS tab, count(*) AS rows, count(*) FILTER (WHERE h IS DISTINCT FROM c) AS differ
  FROM pprobe p JOIN ph h USING (id) JOIN pc_zstd c USING (id)
UNION ALL
SELECT 'lz4', count(*), count(*) FILTER (WHERE h IS DISTINCT FROM c)
  FROM pprobe p JOIN ph h USING (id) JOIN pc_lz4 c USING (id);
SET omendb.columnar_cache_size = 0;
SELECT count(*) AS rows, count(*) FILTER (WHERE h IS DISTINCT FROM c) AS differ
  FROM pprobe p JOIN ph h USING (id) JOIN pc_zstd c USING (id);
RESET omendb.columnar_cache_size;
SET enable_seqscan = off;
SELECT * FROM pc_zstd WHERE id IN (1, 999, 1000, 1001, 2000, 2001, 2400, 2401, 2500) ORDER BY id;
RESET enable_seqscan;
SELECT (SELECT count(*) FROM (SELECT * FROM ph EXCEPT ALL SELECT * FROM pc_zstd) x) +
       (SELECT count(*) FROM (SELECT * FROM pc_zstd EXCEPT ALL SELECT * FROM ph) x) +
       (SELECT count(*) FROM (SELECT * FROM ph EXCEPT ALL SELECT * FROM pc_lz4) x) +
       (SELECT count(*) FROM (SELECT * FROM pc_lz4 EXCEPT ALL SELECT * FROM ph) x) AS scan_diff;
-- packed columns take a fraction of their raw bytes
SELECT compressed_bytes < raw_bytes / 3 AS packed FROM columnar_stats('pc_zstd');

-- A fetch asks once per snapshot whether the table has delete marks at all (pc_zstd
-- has none yet) and keeps the answer across the rescans of a nested loop: the marks of
-- an earlier command of the transaction are seen, in fetches, in the old-row fetches of
-- UPDATE and in a nested loop, under READ COMMITTED and REPEATABLE READ.
BEGIN;
SET LOCAL enable_seqscan = off;
SELECT count(*) FROM pc_zstd WHERE id IN (5, 6, 7);
DELETE FROM pc_zstd WHERE id = 5;
SELECT count(*) FROM pc_zstd WHERE id IN (5, 6, 7);
UPDATE pc_zstd SET k = 1 WHERE id = 7;
UPDATE pc_zstd SET k = 2 WHERE id = 7;
SELECT id, k FROM pc_zstd WHERE id IN (5, 6, 7) ORDER BY id;
SELECT count(*) AS rows, count(*) FILTER (WHERE h IS DISTINCT FROM c) AS differ
  FROM pprobe p JOIN ph h USING (id) JOIN pc_zstd c USING (id);
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL enable_seqscan = off;
SELECT count(*) FROM pc_zstd WHERE id IN (5, 6, 7);
DELETE FROM pc_zstd WHERE id = 6;
SELECT count(*) FROM pc_zstd WHERE id IN (5, 6, 7);
ROLLBACK;

-- A fetched row's columns are decoded as the executor asks for them (the columnar
-- slot): only early columns, a filter on an early column then later ones, whole rows of
-- every type with NULLs and TOAST-sized values, dropped and added columns, columns
-- asked for after the scan moved on to other rows (the outer side of a nested loop,
-- whose blocks a cache of nothing has dropped by then), UPDATE and DELETE RETURNING,
-- triggers' old and new rows, SELECT FOR UPDATE, index-only scans: all as on heap.
-- lazy_diff runs a query on lh and lc (for @) and counts the rows one has and the
-- other has not.
CREATE FUNCTION lazy_diff(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('WITH h AS (%s), c AS (%s) SELECT count(*) FROM ((TABLE h EXCEPT ALL TABLE c) UNION ALL (TABLE c EXCEPT ALL TABLE h)) x',
                 replace(q, '@', 'lh'), replace(q, '@', 'lc')) INTO n;
  RETURN n;
END $$;
CREATE TABLE lh (id int8, b bool, i2 int2, i4 int4, f4 float4, f8 float8, n numeric,
                 n2 numeric(10,2), d date, ts timestamp, tz timestamptz, iv interval,
                 nm name, ch char(5), vc varchar(20), t text, by bytea, u uuid, j jsonb,
                 arr int4[], gone int4, last int8);
INSERT INTO lh
SELECT g,
       CASE WHEN g % 5 <> 0 THEN g % 2 = 0 END,
       CASE WHEN g % 7 <> 0 THEN (g % 1000)::int2 END,
       CASE WHEN g % 11 <> 0 THEN g * 17 END,
       CASE WHEN g % 13 <> 0 THEN g / 7.0 END,
       CASE WHEN g % 3 <> 0 THEN g / 9.0 END,
       CASE WHEN g % 4 <> 0 THEN g / 3.0 END,
       CASE WHEN g % 6 <> 0 THEN g / 100.0 END,
       CASE WHEN g % 8 <> 0 THEN date '2020-01-01' + g END,
       timestamp '2020-01-01' + g * interval '1 minute',
       CASE WHEN g % 9 <> 0 THEN timestamptz '2020-01-01 00:00+00' + g * interval '1 second' END,
       CASE WHEN g % 10 <> 0 THEN g * interval '1 hour 1 second' END,
       ('n' || g)::name,
       CASE WHEN g % 12 <> 0 THEN chr(65 + g % 26) END,
       CASE WHEN g % 14 <> 0 THEN 'vc' || g END,
       CASE WHEN g % 400 = 0 THEN repeat(md5(g::text), 200)   -- 6,400 bytes
            WHEN g % 15 = 0 THEN NULL ELSE 't' || g END,
       CASE WHEN g % 16 <> 0 THEN decode(md5(g::text), 'hex') END,
       CASE WHEN g % 17 <> 0 THEN md5(g::text)::uuid END,
       CASE WHEN g % 18 <> 0 THEN jsonb_build_object('g', g, 's', 'x' || g) END,
       CASE WHEN g % 19 <> 0 THEN ARRAY[g, g + 1, g + 2] END,
       g, g * 1000
  FROM generate_series(1, 3000) g;
CREATE TABLE lc (LIKE lh) USING columnar;
SELECT columnar_set_options('lc', chunk_group_row_limit => 1000);
INSERT INTO lc SELECT * FROM lh;
CREATE INDEX ON lh (id);
CREATE INDEX ON lc (id);
ANALYZE lh, lc;
SET enable_seqscan = off;
SET enable_material = off;
-- The outer index scan returns its row whole (a table without dropped columns), decoded
-- up to the join key only; the join asks for the rest after the inner scan has fetched
-- other rows and, with no cache, evicted the outer row's blocks.
EXPLAIN (COSTS OFF, VERBOSE)
SELECT a.id, a.ch, a.t, a.j, a.last, b.u FROM lc a JOIN lc b ON b.id = a.id + 1 WHERE a.id > 0;
SELECT lazy_diff('SELECT a.id, a.ch, a.t, a.j, a.last, b.u FROM @ a JOIN @ b ON b.id = a.id + 1 WHERE a.id > 0') AS after_inner;
SET omendb.columnar_cache_size = 0;
SELECT lazy_diff('SELECT a.id, a.ch, a.t, a.j, a.last, b.u FROM @ a JOIN @ b ON b.id = a.id + 1 WHERE a.id > 0') AS after_inner_no_cache;
RESET omendb.columnar_cache_size;
ALTER TABLE lh DROP COLUMN gone;
ALTER TABLE lc DROP COLUMN gone;
ALTER TABLE lh ADD COLUMN added text DEFAULT 'dflt';
ALTER TABLE lc ADD COLUMN added text DEFAULT 'dflt';
INSERT INTO lh (id, t, last, added)
SELECT g, 'late ' || g, g * 1000, 'new ' || g FROM generate_series(3001, 3300) g;
INSERT INTO lc SELECT * FROM lh WHERE id > 3000;
CREATE TABLE lprobe AS SELECT id FROM lh ORDER BY hashint8(id);
ANALYZE lh, lc, lprobe;
EXPLAIN (COSTS OFF)
SELECT p.id, c.t, c.arr, c.last, c.added FROM lprobe p JOIN lc c ON c.id = p.id AND c.i4 % 3 = 0;
SELECT lazy_diff('SELECT p.id, c.b, c.i2 FROM lprobe p JOIN @ c USING (id)') AS early,
       lazy_diff('SELECT p.id, c.t, c.arr, c.last, c.added FROM lprobe p JOIN @ c ON c.id = p.id AND c.i4 % 3 = 0') AS filtered,
       lazy_diff('SELECT c.* FROM lprobe p JOIN @ c USING (id)') AS whole,
       lazy_diff('SELECT c.id, c::text FROM lprobe p JOIN @ c USING (id)') AS whole_row;
SET omendb.columnar_cache_size = 0;
SELECT lazy_diff('SELECT c.* FROM lprobe p JOIN @ c USING (id)') AS whole_no_cache;
RESET omendb.columnar_cache_size;
-- Old rows of UPDATE and DELETE (RETURNING, the new row's unchanged columns), locked
-- rows, and triggers' rows, fetched through the index.
EXPLAIN (COSTS OFF)
UPDATE lc c SET i4 = c.i4 + 1 FROM lprobe p WHERE c.id = p.id AND p.id % 7 = 0 RETURNING c.*;
BEGIN;
SELECT lazy_diff('UPDATE @ c SET i4 = c.i4 + 1 FROM lprobe p WHERE c.id = p.id AND p.id % 7 = 0 RETURNING c.*') AS updated,
       lazy_diff('DELETE FROM @ c USING lprobe p WHERE c.id = p.id AND p.id % 11 = 0 RETURNING c.*') AS deleted;
SELECT lazy_diff('SELECT c.* FROM lprobe p JOIN @ c USING (id)') AS after_dml,
       lazy_diff('SELECT c.id, c.t, c.last FROM lprobe p JOIN @ c USING (id) WHERE p.id % 50 = 0 FOR UPDATE OF c') AS locked;
ROLLBACK;
CREATE TABLE lazy_log (tab text, old text, new text);
CREATE FUNCTION lazy_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lazy_log VALUES (TG_TABLE_NAME, OLD::text, NEW::text);
  RETURN NEW;
END $$;
CREATE TRIGGER lh_log AFTER UPDATE ON lh FOR EACH ROW EXECUTE FUNCTION lazy_log();
CREATE TRIGGER lc_log AFTER UPDATE ON lc FOR EACH ROW EXECUTE FUNCTION lazy_log();
SET omendb.columnar_cache_size = 0;
UPDATE lh c SET last = -c.last FROM lprobe p WHERE c.id = p.id AND p.id % 13 = 0;
UPDATE lc c SET last = -c.last FROM lprobe p WHERE c.id = p.id AND p.id % 13 = 0;
RESET omendb.columnar_cache_size;
SELECT count(*) AS logged,
       (SELECT count(*) FROM ((SELECT old, new FROM lazy_log WHERE tab = 'lh' EXCEPT ALL
                               SELECT old, new FROM lazy_log WHERE tab = 'lc') UNION ALL
                              (SELECT old, new FROM lazy_log WHERE tab = 'lc' EXCEPT ALL
                               SELECT old, new FROM lazy_log WHERE tab = 'lh')) x) AS differ
  FROM lazy_log WHERE tab = 'lc';
-- Index-only scans fetch every row (no visibility map) and decode none of it.
CREATE INDEX ON lh (last);
CREATE INDEX ON lc (last);
EXPLAIN (COSTS OFF) SELECT last FROM lc WHERE last > 100000;
SELECT lazy_diff('SELECT last FROM @ WHERE last > 100000') AS index_only;
RESET enable_seqscan;
RESET enable_material;
DROP TABLE lh, lc, lprobe, lazy_log;
DROP FUNCTION lazy_diff(text), lazy_log();

RESET enable_bitmapscan;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_memoize;
RESET join_collapse_limit;
DROP TABLE h, c1, c2, c3, probe, ph, pc_zstd, pc_lz4, pprobe;

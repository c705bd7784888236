-- Index fetches read one block (1,000 rows) of each column of a chunk group: rows in
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
-- defaults (zstd, 10,000-row chunk groups: a group of 10 blocks and one of 2,345 rows)
CREATE TABLE c1 (LIKE h) USING columnar;
-- lz4, 2,500-row groups (blocks of 1,000, 1,000 and 500 rows)
CREATE TABLE c2 (LIKE h) USING columnar;
SELECT columnar_set_options('c2', compression => 'lz4', chunk_group_row_limit => 2500);
-- uncompressed, 300-row groups (a group is one block)
CREATE TABLE c3 (LIKE h) USING columnar;
SELECT columnar_set_options('c3', compression => 'none', chunk_group_row_limit => 300);
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
 WHERE id IN (1, 1000, 1001, 3000, 3001, 4000, 4001, 6001, 9999, 10000, 10001, 12000,
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

RESET enable_bitmapscan;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_memoize;
RESET join_collapse_limit;
DROP TABLE h, c1, c2, c3, probe;

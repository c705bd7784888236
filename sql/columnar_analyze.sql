-- ANALYZE of columnar tables: a table of many more rows than ANALYZE samples is read
-- in a sample of blocks of rows spread over it, its row count taken from the stripes
-- and split into live and dead rows as the sample shows (docs/COLUMNAR.md); a small
-- table is read whole. Statistics target 10 makes ANALYZE want 3,000 rows, so 300,000
-- rows are a large table.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;
SET default_statistics_target = 10;

-- Reads are counted per relation in pg_statio_user_tables: a backend's counts are
-- flushed when it goes idle, forced before the counters are reset and after ANALYZE;
-- autovacuum is kept away from the tables measured.
CREATE VIEW reads AS
SELECT relname, heap_blks_read + heap_blks_hit AS reads,
       pg_relation_size(relid) / current_setting('block_size')::int AS pages
  FROM pg_statio_user_tables;

-- id in load order; r random over 1,000 values; t incompressible, most of the pages.
CREATE TABLE big (id int, r int, t text) USING columnar WITH (autovacuum_enabled = off);
SELECT columnar_set_options('big', stripe_row_limit => 50000);
INSERT INTO big
SELECT g, abs(hashint4(g)) % 1000, md5(g::text) FROM generate_series(1, 300000) g;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_reset_single_table_counters('big'::regclass);
ANALYZE big;
SELECT pg_stat_force_next_flush();
SELECT reads < pages / 2 AS reads_under_half, reads > 0 AS reads_some
  FROM reads WHERE relname = 'big';
SELECT abs(reltuples - 300000) < 300000 * 0.03 AS reltuples_close
  FROM pg_class WHERE relname = 'big';
-- The sample spans the table: the key's histogram reaches both ends, its order is the
-- table's; the random column's distinct values are found, its order is not the table's.
SELECT attname, n_distinct,
       correlation > 0.99 AS ordered,
       (histogram_bounds::text::int[])[1] < 15000 AS low_end,
       (histogram_bounds::text::int[])[11] > 285000 AS high_end
  FROM pg_stats WHERE tablename = 'big' AND attname = 'id';
SELECT attname, n_distinct BETWEEN 800 AND 1200 AS distinct_close,
       abs(correlation) < 0.2 AS unordered
  FROM pg_stats WHERE tablename = 'big' AND attname = 'r';

-- Deleted rows count as dead, the others as live: every tenth row is deleted.
DELETE FROM big WHERE id % 10 = 0;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_reset_single_table_counters('big'::regclass);
ANALYZE big;
SELECT pg_stat_force_next_flush();
SELECT abs(reltuples - 270000) < 270000 * 0.03 AS reltuples_close
  FROM pg_class WHERE relname = 'big';
SELECT abs(n_live_tup - 270000) < 270000 * 0.03 AS live_close,
       abs(n_dead_tup - 30000) < 30000 * 0.1 AS dead_close
  FROM pg_stat_user_tables WHERE relname = 'big';
SELECT count(*) FILTER (WHERE id % 10 = 0) AS deleted_seen
  FROM (SELECT (histogram_bounds::text::int[])[i] AS id
          FROM pg_stats, generate_series(1, 11) i
         WHERE tablename = 'big' AND attname = 'id') b;

-- A column added after the rows were written reads as its default; a dropped one is
-- left out.
ALTER TABLE big ADD COLUMN added int DEFAULT 7, DROP COLUMN t;
ANALYZE big;
SELECT attname, most_common_vals, null_frac FROM pg_stats
 WHERE tablename = 'big' AND attname = 'added';

-- A table of fewer rows than ANALYZE samples gives the statistics of a heap table
-- holding the same rows: every row is in the sample.
CREATE TABLE small (id int, v int, s text) USING columnar;
INSERT INTO small SELECT g, g % 700, 's' || (g % 37) FROM generate_series(1, 2500) g;
CREATE TABLE small_heap AS SELECT * FROM small;
ANALYZE small, small_heap;
SELECT c.attname, c.n_distinct,
       c.n_distinct = h.n_distinct AS same_distinct,
       c.correlation = h.correlation AS same_correlation,
       c.histogram_bounds::text IS NOT DISTINCT FROM h.histogram_bounds::text AS same_histogram,
       c.most_common_vals::text IS NOT DISTINCT FROM h.most_common_vals::text AS same_mcv
  FROM pg_stats c JOIN pg_stats h USING (attname)
 WHERE c.tablename = 'small' AND h.tablename = 'small_heap' ORDER BY attname;
SELECT reltuples FROM pg_class WHERE relname = 'small';

-- A table of a few times the sample is still read whole, and its row count is exact.
CREATE TABLE medium (id int, v int) USING columnar WITH (autovacuum_enabled = off);
INSERT INTO medium SELECT g, g % 100 FROM generate_series(1, 20000) g;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_reset_single_table_counters('medium'::regclass);
ANALYZE medium;
SELECT pg_stat_force_next_flush();
SELECT reads >= pages - 1 AS reads_all FROM reads WHERE relname = 'medium';
SELECT reltuples FROM pg_class WHERE relname = 'medium';

DROP TABLE big, small, small_heap, medium;
DROP VIEW reads;
RESET default_statistics_target;

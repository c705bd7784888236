-- One data set: psql -v dataset=uniform -v n=1000000 -v order=random -v probes=1000000 -f load.sql
-- Makes the tables every side shares (bench/pg/suite then copies ds into one table per side):
--   ds(pos, k, v)     the distinct keys in load order: hashed (random) or by key (key order)
--   keys(rid, k, newk, missk)  every key by rank; newk and missk are absent keys between
--                     a key and the next one (at 1/2 and 1/4 of the gap; past the largest key
--                     where the gap is too small, so for seq they are appends), drawn from the
--                     data's own density: newk feeds the inserts, missk the missed probes
--   probe_{hit,miss}_{random,sorted}(k)  the probe keys of the index nested loops,
--                     stored in the order the loop visits them
\set ON_ERROR_STOP 1
DROP TABLE IF EXISTS ds, keys, probe_hit_random, probe_hit_sorted, probe_miss_random, probe_miss_sorted;

CREATE TABLE ds WITH (autovacuum_enabled = off) AS
SELECT row_number() OVER (ORDER BY CASE WHEN :'order' = 'key' THEN k ELSE hashint8extended(k, 7) END, k) AS pos,
       k, (hashint8extended(k, 9) & 65535)::int AS v
FROM (SELECT DISTINCT k FROM bench_keys(:'dataset', :n) k) d;

CREATE TABLE keys WITH (autovacuum_enabled = off) AS
SELECT rid, k,
       CASE WHEN gap >= 2 THEN k + gap / 2 ELSE top + 2 * rid END AS newk,
       CASE WHEN gap >= 4 THEN k + gap / 4 ELSE top + 2 * rid + 1 END AS missk
FROM (SELECT row_number() OVER (ORDER BY k)::int AS rid, k,
             lead(k) OVER (ORDER BY k) - k AS gap, max(k) OVER () AS top
      FROM ds) s;
ALTER TABLE keys ADD PRIMARY KEY (rid);

CREATE TABLE probe_hit_random WITH (autovacuum_enabled = off) AS
SELECT k FROM keys ORDER BY hashint8extended(rid, 99) LIMIT :probes;
CREATE TABLE probe_hit_sorted WITH (autovacuum_enabled = off) AS SELECT k FROM probe_hit_random ORDER BY k;
CREATE TABLE probe_miss_random WITH (autovacuum_enabled = off) AS
SELECT missk AS k FROM keys ORDER BY hashint8extended(rid, 98) LIMIT :probes;
CREATE TABLE probe_miss_sorted WITH (autovacuum_enabled = off) AS SELECT k FROM probe_miss_random ORDER BY k;

VACUUM (FREEZE, ANALYZE) keys, probe_hit_random, probe_hit_sorted, probe_miss_random, probe_miss_sorted;
SELECT count(*) AS rows FROM ds;

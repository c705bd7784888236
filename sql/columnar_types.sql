-- Columnar tables hold every common type, NULLs and TOAST-sized values exactly: each
-- table is compared with a heap table holding the same rows (EXCEPT ALL both ways must
-- return nothing). Rows are deterministic (no random()).
-- (An earlier test may have left the extension installed.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omendb;
RESET client_min_messages;

CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE h (
    i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric, t text, b bytea,
    bo bool, d date, ts timestamp, tz timestamptz, u uuid, j jsonb, a int[], ta text[],
    dom posint, vc varchar(20), ch char(3), iv interval);
-- Every 7th value of each column is NULL, at a different row for each column.
INSERT INTO h
SELECT CASE WHEN g % 7 <> 0 THEN (g % 30000 - 15000)::int2 END,
       CASE WHEN g % 7 <> 1 THEN g * 7919 END,
       CASE WHEN g % 7 <> 2 THEN g::int8 * 1000000007 - 4611686018427387904 END,
       CASE WHEN g % 7 <> 3 THEN (g / 3.0)::float4 END,
       CASE WHEN g % 7 <> 4 THEN CASE g % 50 WHEN 5 THEN 'NaN' WHEN 6 THEN '-Infinity' ELSE g / 7.0 END END,
       CASE WHEN g % 7 <> 5 THEN (g * 12345.6789)::numeric(20, 4) END,
       CASE WHEN g % 7 <> 6 THEN 'text value ' || g || repeat('x', g % 40) END,
       CASE WHEN g % 5 <> 0 THEN decode(md5(g::text), 'hex') END,
       CASE WHEN g % 5 <> 1 THEN g % 2 = 0 END,
       CASE WHEN g % 5 <> 2 THEN date '2000-01-01' + g END,
       CASE WHEN g % 5 <> 3 THEN timestamp '2020-02-29 12:00' + g * interval '37 minutes' END,
       CASE WHEN g % 5 <> 4 THEN timestamptz '2021-06-01 00:00+00' - g * interval '1 hour 1 second' END,
       CASE WHEN g % 6 <> 0 THEN md5(g::text)::uuid END,
       CASE WHEN g % 6 <> 1 THEN jsonb_build_object('g', g, 'tags', jsonb_build_array(g % 3, 'x' || g)) END,
       CASE WHEN g % 6 <> 2 THEN ARRAY[g, g + 1, NULL, g * 2] END,
       CASE WHEN g % 6 <> 3 THEN ARRAY['a' || g, NULL, 'b'] END,
       CASE WHEN g % 6 <> 4 THEN g END,
       CASE WHEN g % 6 <> 5 THEN 'vc' || g END,
       CASE WHEN g % 4 <> 0 THEN chr(65 + g % 26) END,
       CASE WHEN g % 4 <> 1 THEN g * interval '1 day 3 seconds' END
  FROM generate_series(1, 5000) g;
-- Edge values.
INSERT INTO h (i2, i4, i8, f4, f8, num, t, b)
VALUES (32767, 2147483647, 9223372036854775807, 'Infinity', 1e308, 1e-20, '', '\x'),
       (-32768, -2147483648, -9223372036854775808, '-0', -0.0, -99999999999999999999.5, 'é☃', '\x00ff'),
       (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Small stripes and chunk groups so that 5,003 rows make several of each.
CREATE TABLE c (LIKE h) USING columnar;
SELECT columnar_set_options('c', stripe_row_limit => 1000, chunk_group_row_limit => 150);
INSERT INTO c SELECT * FROM h;
SELECT count(*) FROM c;
SELECT count(*) AS missing FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM c) x;
SELECT count(*) AS extra FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM h) x;
SELECT stripes, chunk_groups, rows, deleted_rows, compression,
       compressed_bytes < raw_bytes AS compressed
  FROM columnar_stats('c');
-- Aggregates agree too (an order-independent checksum of the text rendering).
SELECT (SELECT sum(hashtext(x::text)::numeric) FROM h x) = (SELECT sum(hashtext(x::text)::numeric) FROM c x)
       AS same_checksum;

-- Each compression, and a compression level; the rows read back the same.
CREATE TABLE c_lz4 (LIKE h) USING columnar;
SELECT columnar_set_options('c_lz4', compression => 'lz4', chunk_group_row_limit => 1000);
INSERT INTO c_lz4 SELECT * FROM h;
CREATE TABLE c_none (LIKE h) USING columnar;
SELECT columnar_set_options('c_none', compression => 'none');
INSERT INTO c_none SELECT * FROM h;
CREATE TABLE c_zstd9 (LIKE h) USING columnar;
SELECT columnar_set_options('c_zstd9', compression => 'zstd', compression_level => 9);
INSERT INTO c_zstd9 SELECT * FROM h;
SELECT t, (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM c_lz4) x) +
          (SELECT count(*) FROM (SELECT * FROM c_lz4 EXCEPT ALL SELECT * FROM h) x) AS lz4_diff,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM c_none) x) +
          (SELECT count(*) FROM (SELECT * FROM c_none EXCEPT ALL SELECT * FROM h) x) AS none_diff,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM c_zstd9) x) +
          (SELECT count(*) FROM (SELECT * FROM c_zstd9 EXCEPT ALL SELECT * FROM h) x) AS zstd9_diff
  FROM (VALUES ('diffs')) v(t);
SELECT s.compression, stripes, chunk_groups, rows,
       compressed_bytes < raw_bytes AS compressed
  FROM (VALUES ('c_lz4'), ('c_none'), ('c_zstd9')) v(tbl), columnar_stats(tbl::regclass) s
 ORDER BY 1;
SELECT * FROM columnar_options('c_zstd9');

-- TOAST-sized values (> 2 kB and > 1 MB), compressible and not, stored inline in chunks.
CREATE TABLE big_h (id int, t text, b bytea);
INSERT INTO big_h
SELECT g, CASE g % 3 WHEN 0 THEN repeat('toast' || g, 500)
                     WHEN 1 THEN (SELECT string_agg(md5(g::text || s), '') FROM generate_series(1, 40000) s)
                     ELSE NULL END,
       CASE WHEN g % 2 = 0 THEN convert_to(repeat(md5(g::text), 100), 'UTF8') END
  FROM generate_series(1, 12) g;
CREATE TABLE big_c (LIKE big_h) USING columnar;
INSERT INTO big_c SELECT * FROM big_h;
SELECT max(length(t)) > 1000000 AS has_megabyte_value, count(t) FROM big_c;
SELECT count(*) AS diff FROM (
    (SELECT * FROM big_h EXCEPT ALL SELECT * FROM big_c)
    UNION ALL (SELECT * FROM big_c EXCEPT ALL SELECT * FROM big_h)) x;

-- COPY goes through multi_insert; CREATE TABLE AS and INSERT ... SELECT too.
CREATE TABLE copied (i int, t text) USING columnar;
SELECT columnar_set_options('copied', stripe_row_limit => 2000, chunk_group_row_limit => 500);
COPY copied FROM PROGRAM 'seq 1 7000 | sed "s/$/\tline/"';
COPY copied FROM stdin;
-1	minus one
-2	\N
\.
SELECT count(*), sum(i), count(t), min(i), max(i) FROM copied;
SELECT stripes, chunk_groups, rows FROM columnar_stats('copied');
CREATE TABLE ctas USING columnar AS SELECT i, t || '!' AS t FROM copied WHERE i % 2 = 0;
SELECT count(*), sum(i) FROM ctas;
CREATE MATERIALIZED VIEW mv USING columnar AS SELECT i4, t FROM h WHERE i4 IS NOT NULL;
SELECT count(*) FROM mv;
REFRESH MATERIALIZED VIEW mv;
SELECT count(*) FROM mv;

-- Columns added later read as their default in old stripes; dropped ones disappear.
ALTER TABLE copied ADD COLUMN extra int DEFAULT 42;
ALTER TABLE copied DROP COLUMN t;
INSERT INTO copied VALUES (7001, 1);
SELECT extra, count(*) FROM copied GROUP BY extra ORDER BY extra;
-- A column type change rewrites the table through the access method.
ALTER TABLE copied ALTER COLUMN i TYPE numeric;
SELECT sum(i), pg_typeof(sum(i)) FROM copied;

DROP MATERIALIZED VIEW mv;
DROP TABLE h, c, c_lz4, c_none, c_zstd9, big_h, big_c, copied, ctas;
DROP DOMAIN posint;
-- Dropping the tables removed their metadata.
SELECT count(*) AS stripes_left FROM omendb.columnar_stripe;
SELECT count(*) AS options_left FROM omendb.columnar_options;

-- CREATE INDEX twice each, interleaved; the second pair is kept.
\set ON_ERROR_STOP 1
\timing on
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb USING btree (k);
DROP INDEX ta_k;
DROP INDEX tb_k;
CREATE INDEX ta_k ON ta USING alex (k);
CREATE INDEX tb_k ON tb USING btree (k);
\timing off
SELECT pg_relation_size('ta_k') AS alex_bytes, pg_relation_size('tb_k') AS btree_bytes,
       round(pg_relation_size('ta_k')::numeric / pg_relation_size('tb_k'), 3) AS size_ratio;
SELECT height, data_pages, model_pages, round(pages_per_lookup::numeric, 3) AS pages_per_lookup FROM alex_index_stats('ta_k');
SELECT pg_prewarm('ta_k') + pg_prewarm('tb_k') + pg_prewarm('ta') + pg_prewarm('tb') AS prewarmed_pages;

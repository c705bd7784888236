-- WAL bytes per inserted row, mid checkpoint cycle: a first batch after the checkpoint
-- takes the full-page images, the second is measured.
\set ON_ERROR_STOP 1
CHECKPOINT;
INSERT INTO ta SELECT (hashint8(g + 100000000) & 2147483647)::int8 * 4 FROM generate_series(1, 100000) g;
INSERT INTO tb SELECT (hashint8(g + 100000000) & 2147483647)::int8 * 4 FROM generate_series(1, 100000) g;
SELECT pg_current_wal_lsn() AS l0 \gset
INSERT INTO ta SELECT (hashint8(g + 200000000) & 2147483647)::int8 * 4 FROM generate_series(1, 100000) g;
SELECT pg_current_wal_lsn() AS l1 \gset
INSERT INTO tb SELECT (hashint8(g + 200000000) & 2147483647)::int8 * 4 FROM generate_series(1, 100000) g;
SELECT pg_current_wal_lsn() AS l2 \gset
SELECT round(pg_wal_lsn_diff(:'l1', :'l0') / 100000.0, 1) AS alex_wal_per_row,
       round(pg_wal_lsn_diff(:'l2', :'l1') / 100000.0, 1) AS btree_wal_per_row,
       round(pg_wal_lsn_diff(:'l1', :'l0') / pg_wal_lsn_diff(:'l2', :'l1'), 2) AS ratio;
SELECT alex_index_check('ta_k');

-- 1M index nested-loop probes, index-only and with heap fetch, twice each, interleaved.
\set ON_ERROR_STOP 1
SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_memoize = off;
SET enable_bitmapscan = off; SET jit = off; SET max_parallel_workers_per_gather = 0;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN ta USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN tb USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN ta USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN tb USING (k);
SET enable_indexonlyscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN ta USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN tb USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN ta USING (k);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM probes JOIN tb USING (k);

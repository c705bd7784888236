# Concurrency: pgbench at 4 clients for 25 seconds mixes inserts (scattered keys, and a
# hot range whose neighbouring pages keep splitting and emptying), deletes, rolled-back
# inserts and lookups through alex index scans (forward and backward) and bitmap scans,
# while VACUUM runs every few seconds, unlinking emptied pages and recycling them. The
# lookups check themselves: 10,000 "stable" rows, and 9 spread over the hot range, are
# never deleted, so a lookup that misses one or returns a row twice divides by zero and
# aborts its client. Afterwards pgbench must have finished without an error (no lost or
# duplicated entries, no deadlock, no hang), alex_index_check(..., true) must pass and
# the index answers must equal the sequential scan's.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib 't';
use AlexTest;

my $duration = 25;

my $node = PostgreSQL::Test::Cluster->new('concurrent');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_buffers = 16MB
autovacuum = off
max_connections = 20
} . AlexTest::wal_conf());
$node->start;

# Stable rows: ids 1..10000, k = id * 100003, f NULL for every tenth; and ids -1..-9,
# k every 200,000 in the hot range, which starts at 2e9. New rows get ids above 10000
# and k in [1, 1e9] or in the hot range.
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION omendb;
CREATE SEQUENCE t_id START 10001;
CREATE TABLE t (id int8 NOT NULL DEFAULT nextval('t_id'), k int8, f float8);
INSERT INTO t SELECT i, i * 100003, CASE WHEN i % 10 = 0 THEN NULL ELSE i / 3.0 END
  FROM generate_series(1, 10000) i;
INSERT INTO t SELECT -1 - j, 2000000000 + j * 200000, -1 - j FROM generate_series(0, 8) j;
CREATE INDEX t_k_alex ON t USING alex (k);
CREATE INDEX t_f_alex ON t USING alex (f);
VACUUM ANALYZE t;
});
AlexTest::is_wal_mode($node);

my $index_scan = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;';
my $bitmap_scan = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off;';
my %scripts = (
	'insert_scattered@10' => q{
\set k random(1, 1000000000)
INSERT INTO t (k, f) SELECT :k + g * 37, (:k + g * 37) / 3.0 FROM generate_series(1, 10) g;
},
	'insert_hot@6' => q{
\set n random(1, 100000)
INSERT INTO t (k, f) SELECT 2000000000 + :n * 16 + g, NULL FROM generate_series(0, 9) g;
},
	'insert_rollback@1' => q{
\set k random(1, 1000000000)
BEGIN;
INSERT INTO t (k, f) SELECT :k + g, NULL FROM generate_series(1, 10) g;
ROLLBACK;
},
	'delete_scattered@2' => q{
\set k random(1, 1000000000)
DELETE FROM t WHERE k BETWEEN :k AND :k + 1000000 AND id > 10000;
},
	'delete_hot@4' => q{
\set n random(1, 100000)
DELETE FROM t WHERE k BETWEEN 2000000000 + :n * 16 AND 2000000000 + :n * 16 + 40000 AND id > 10000;
},
	# one stable row by equality: found exactly once
	'lookup_point@4' => qq{
\\set i random(1, 10000)
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id = :i) = 1)::int FROM t WHERE k = :i * 100003;
COMMIT;
},
	# 51 stable rows in a range, forward: all of them, no row twice
	'lookup_forward@3' => qq{
\\set i random(1, 9950)
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id <= 10000) = 51 AND count(*) = count(DISTINCT id))::int
  FROM (SELECT id FROM t WHERE k BETWEEN :i * 100003 AND (:i + 50) * 100003 ORDER BY k) s;
COMMIT;
},
	# the same backward
	'lookup_backward@3' => qq{
\\set i random(1, 9950)
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id <= 10000) = 51 AND count(*) = count(DISTINCT id))::int
  FROM (SELECT id FROM t WHERE k BETWEEN :i * 100003 AND (:i + 50) * 100003 ORDER BY k DESC) s;
COMMIT;
},
	# 3 stable rows of the hot range, across pages VACUUM unlinks and reuses, both ways
	'lookup_hot_forward@2' => qq{
\\set j random(0, 6)
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id < 0) = 3 AND count(*) = count(DISTINCT id))::int
  FROM (SELECT id FROM t WHERE k BETWEEN 2000000000 + :j * 200000 AND 2000000000 + (:j + 2) * 200000 ORDER BY k) s;
COMMIT;
},
	'lookup_hot_backward@2' => qq{
\\set j random(0, 6)
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id < 0) = 3 AND count(*) = count(DISTINCT id))::int
  FROM (SELECT id FROM t WHERE k BETWEEN 2000000000 + :j * 200000 AND 2000000000 + (:j + 2) * 200000 ORDER BY k DESC) s;
COMMIT;
},
	# through a bitmap, on the float index
	'lookup_bitmap@2' => qq{
\\set i random(1, 9950)
BEGIN;
$bitmap_scan
SELECT 1 / (count(*) FILTER (WHERE id <= 10000) =
            (SELECT count(*) FROM generate_series(:i, :i + 50) j WHERE j % 10 <> 0))::int
  FROM t WHERE f BETWEEN :i / 3.0 AND (:i + 50) / 3.0;
COMMIT;
},
	# the stable NULLs through the NULL chain, which the hot inserts keep extending
	'lookup_nulls@1' => qq{
BEGIN;
$index_scan
SELECT 1 / (count(*) FILTER (WHERE id <= 10000) = 1000 AND count(*) = count(DISTINCT id))::int
  FROM t WHERE f IS NULL;
COMMIT;
});
my $dir = $node->basedir;
my @script_opts = AlexTest::pgbench_script_options($dir, \%scripts);

# The plans the lookups rely on.
like($node->safe_psql('postgres', "BEGIN; $index_scan EXPLAIN (COSTS OFF) SELECT id FROM t WHERE k BETWEEN 1 AND 2 ORDER BY k DESC; COMMIT"),
	qr/Index Scan Backward using t_k_alex/, 'backward lookups use an alex index scan');
like($node->safe_psql('postgres', "BEGIN; $index_scan EXPLAIN (COSTS OFF) SELECT id FROM t WHERE f IS NULL; COMMIT"),
	qr/Index Scan using t_f_alex/, 'NULL lookups use an alex index scan');
like($node->safe_psql('postgres', "BEGIN; $bitmap_scan EXPLAIN (COSTS OFF) SELECT id FROM t WHERE f BETWEEN 1 AND 2; COMMIT"),
	qr/Bitmap Index Scan on t_f_alex/, 'bitmap lookups use an alex bitmap scan');

my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '4', '-j', '4', '-T', $duration, '--random-seed=4',
		@script_opts, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$out, '2>', \$err,
	IPC::Run::timeout($duration + $PostgreSQL::Test::Utils::timeout_default));

# VACUUM every few seconds while the load runs. The timeout throws if pgbench hangs.
my $vacuums = 0;
my $unlinked = 0;
my $in_time = eval {
	while ($pgbench->pumpable)
	{
		$pgbench->pump_nb;
		select(undef, undef, undef, 3);
		last unless $pgbench->pumpable;
		my ($rc, $stdout, $stderr) = $node->psql('postgres', 'VACUUM (VERBOSE, INDEX_CLEANUP ON) t');
		die "VACUUM failed: $stderr" if $rc != 0;
		$unlinked += $1 if $stderr =~ /index "t_k_alex": pages: \d+ in total, (\d+) newly deleted/;
		$vacuums++;
	}
	$pgbench->finish;
	1;
};
$pgbench->kill_kill unless $in_time;
note("pgbench stdout:\n$out\nstderr:\n$err");
ok($in_time, 'pgbench ended in time (no deadlock, no hang)');
is($pgbench->result(0), 0, 'pgbench exited cleanly');
unlike($err, qr/aborted|ERROR|division by zero/, 'no lookup missed a stable row or saw one twice');
cmp_ok($vacuums, '>=', 3, "VACUUM ran $vacuums times during the load");
cmp_ok($unlinked, '>', 0, "VACUUM unlinked $unlinked emptied pages of t_k_alex during the load");
like($out, qr/number of transactions actually processed: \d+/, 'pgbench reports its transactions');

# What the load did to the index.
note('t_k_alex: ' . $node->safe_psql('postgres', "SELECT s FROM alex_index_stats('t_k_alex') s"));
note('t_f_alex: ' . $node->safe_psql('postgres', "SELECT s FROM alex_index_stats('t_f_alex') s"));

for my $name ('t_k_alex', 't_f_alex')
{
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$name', true)");
	is($rc . $stderr, '0', "alex_index_check('$name', true) passes after the load");
}

my $queries = q{
SELECT 'k all', count(*), sum(id), min(k), max(k) FROM t WHERE k IS NOT NULL;
SELECT 'k stable', count(*), sum(id) FROM t WHERE k BETWEEN 100003 AND 1000030000 AND id <= 10000;
SELECT 'k scattered', count(*), sum(id) FROM t WHERE k BETWEEN 250000000 AND 750000000;
SELECT 'k hot', count(*), sum(id) FROM t WHERE k >= 2000000000;
SELECT 'k hot part', count(*), sum(id) FROM t WHERE k BETWEEN 2000400000 AND 2000800000;
SELECT 'k low', string_agg(k::text, ',') FROM (SELECT k FROM t ORDER BY k LIMIT 20) s;
SELECT 'k high', string_agg(k::text, ',') FROM (SELECT k FROM t WHERE k IS NOT NULL ORDER BY k DESC LIMIT 20) s;
SELECT 'k points', count(*), sum(t.id) FROM t JOIN (SELECT k AS v FROM t WHERE id % 53 = 0) p ON t.k = p.v;
SELECT 'f all', count(*), sum(id) FROM t WHERE f IS NOT NULL;
SELECT 'f nulls', count(*), sum(id) FROM t WHERE f IS NULL;
SELECT 'f range', count(*), sum(id) FROM t WHERE f BETWEEN 1000 AND 100000000;
};
my $seqscan = 'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;';
my $index = 'SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;';
my $bitmap = 'SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;';
my $expected = $node->safe_psql('postgres', $seqscan . $queries);
is($node->safe_psql('postgres', $index . $queries), $expected, 'index scans answer as the seqscan does');
is($node->safe_psql('postgres', $bitmap . $queries), $expected, 'bitmap scans answer as the seqscan does');
is($node->safe_psql('postgres', 'SELECT count(*), sum(id) FROM t WHERE id <= 10000'), '10009|50004955',
	'every stable row is still there');

# VACUUM after the load leaves a checked index too.
$node->safe_psql('postgres', 'VACUUM t');
for my $name ('t_k_alex', 't_f_alex')
{
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$name', true)");
	is($rc . $stderr, '0', "alex_index_check('$name', true) passes after a final VACUUM");
}
is($node->safe_psql('postgres', $index . $queries), $expected, 'after the final VACUUM: index scans answer as before');

$node->stop;
done_testing();

# Crash recovery of alex indexes: pgbench inserts at 2 clients (scattered keys, a dense
# hot range that keeps splitting pages, NULLs, some rolled-back transactions) while
# checkpoints come and go; the server is stopped with 'immediate' in the middle of the
# load and restarted, three times. Then every index answer must equal the sequential
# scan's and alex_index_check(..., true) must pass.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib 't';
use AlexTest;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
# Small shared buffers and frequent checkpoints: pages are written out and WAL
# replay starts from checkpoints taken in the middle of the load.
$node->append_conf(
	'postgresql.conf', q{
shared_buffers = 1MB
max_wal_size = 32MB
min_wal_size = 32MB
checkpoint_timeout = 30s
autovacuum = off
} . AlexTest::wal_conf());
$node->start;
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION omendb;
CREATE TABLE t (id bigserial, k int8, f float8);
INSERT INTO t (k, f)
  SELECT (i::int8 * 2654435761 % 1000003) * 2000 - 1000000000, i / 7.0 FROM generate_series(1, 20000) i;
CREATE INDEX t_k_alex ON t USING alex (k);
CREATE INDEX t_f_alex ON t USING alex (f);
});
AlexTest::is_wal_mode($node);

my %scripts = (
	# scattered keys over the whole range, a tenth of them NULL
	'scattered@6' => q{
\set k random(-1000000000, 1000000000)
INSERT INTO t (k, f)
  SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE :k + g END, (:k + g) / 7.0 FROM generate_series(1, 10) g;
},
	# a dense range both clients keep filling: splits, and splits of the new halves
	'dense@3' => q{
\set n random(1, 100000000)
INSERT INTO t (k, f)
  SELECT 2000000000 + :n + g, CASE WHEN g % 10 = 0 THEN NULL ELSE 1000000 + (:n + g) / 1000.0 END
    FROM generate_series(1, 10) g;
},
	# entries whose heap tuples die at once
	'rollback@1' => q{
\set k random(-1000000000, 1000000000)
BEGIN;
INSERT INTO t (k, f) SELECT :k + g, NULL FROM generate_series(1, 10) g;
ROLLBACK;
});
my $dir = $node->basedir;
my @script_opts = AlexTest::pgbench_script_options($dir, \%scripts);

for my $cycle (1 .. 3)
{
	my $rows_before = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
	my ($out, $err) = ('', '');
	my $pgbench = IPC::Run::start(
		[
			'pgbench', '-n', '-c', '2', '-j', '2', '-T', '120',
			"--random-seed=$cycle", @script_opts,
			'-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', \$out, '2>', \$err);

	# Let the load run for a few seconds (checkpoints come every few hundred ms at this
	# WAL rate), making sure it is really inserting, then crash.
	select(undef, undef, undef, 1 + $cycle / 2);
	my $rows_mid = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
	cmp_ok($rows_mid, '>', $rows_before, "cycle $cycle: pgbench is inserting when the server crashes");
	$node->stop('immediate');
	$pgbench->finish;    # its connections are gone: it exits with an error
	note("pgbench, cycle $cycle: $err");
	unlike($err, qr/ERROR/, "cycle $cycle: pgbench met no SQL error before the crash");

	$node->start;
	my $rows_after = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
	cmp_ok($rows_after, '>', $rows_before, "cycle $cycle: inserts committed before the crash survive");
}

my $queries = q{
SELECT 'k all', count(*), sum(id), min(k), max(k) FROM t WHERE k IS NOT NULL;
SELECT 'k nulls', count(*), sum(id) FROM t WHERE k IS NULL;
SELECT 'k scattered', count(*), sum(id) FROM t WHERE k BETWEEN -300000000 AND 300000000;
SELECT 'k dense', count(*), sum(id) FROM t WHERE k BETWEEN 2000000000 AND 2050000000;
SELECT 'k dense edge', count(*), sum(id) FROM t WHERE k >= 2099999990;
SELECT 'k low', string_agg(k::text, ',') FROM (SELECT k FROM t ORDER BY k LIMIT 20) s;
SELECT 'k high', string_agg(k::text, ',') FROM (SELECT k FROM t WHERE k < 2050000000 ORDER BY k DESC LIMIT 20) s;
SELECT 'k points', count(*), sum(t.id) FROM t JOIN (SELECT k AS v FROM t WHERE id % 101 = 0) p ON t.k = p.v;
SELECT 'f all', count(*), sum(id), min(f), max(f) FROM t WHERE f IS NOT NULL;
SELECT 'f nulls', count(*), sum(id) FROM t WHERE f IS NULL;
SELECT 'f range', count(*), sum(id) FROM t WHERE f BETWEEN -10000000 AND 10000000;
SELECT 'f dense', count(*), sum(id) FROM t WHERE f >= 1000000 AND f < 1050000;
SELECT 'f high', string_agg(f::text, ',') FROM (SELECT f FROM t WHERE f IS NOT NULL ORDER BY f DESC LIMIT 20) s;
};
my $seqscan = 'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;';
my $index = 'SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;';
my $bitmap = 'SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;';

like($node->safe_psql('postgres', $index . 'EXPLAIN (COSTS OFF) SELECT k FROM t WHERE k < 2050000000 ORDER BY k DESC LIMIT 20'),
	qr/Index (Only )?Scan Backward using t_k_alex/, 'the index answers come from alex index scans');
like($node->safe_psql('postgres', $bitmap . 'EXPLAIN (COSTS OFF) SELECT count(*) FROM t WHERE f IS NULL'),
	qr/Bitmap Index Scan on t_f_alex/, 'the bitmap answers come from alex bitmap scans');

my $expected = $node->safe_psql('postgres', $seqscan . $queries);
is($node->safe_psql('postgres', $index . $queries), $expected, 'index scans answer as the seqscan does');
is($node->safe_psql('postgres', $bitmap . $queries), $expected, 'bitmap scans answer as the seqscan does');

for my $index_name ('t_k_alex', 't_f_alex')
{
	note("$index_name: " . $node->safe_psql('postgres', "SELECT s FROM alex_index_stats('$index_name') s"));
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$index_name', true)");
	is($rc . $stderr, '0', "alex_index_check('$index_name', true) passes after three crashes");
}

# The recovered indexes keep working: more inserts, then the same comparisons.
$node->safe_psql('postgres', q{
INSERT INTO t (k, f) SELECT 2000000000 + i * 3, i / 3.0 FROM generate_series(1, 20000) i;
});
$expected = $node->safe_psql('postgres', $seqscan . $queries);
is($node->safe_psql('postgres', $index . $queries), $expected, 'after more inserts: index scans answer as the seqscan does');
for my $index_name ('t_k_alex', 't_f_alex')
{
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$index_name', true)");
	is($rc . $stderr, '0', "alex_index_check('$index_name', true) passes after more inserts");
}

$node->stop;
done_testing();

# The alex index through WAL: a primary with wal_consistency_checking = all streams to a
# standby while three alex indexes (int8, float8, timestamptz) go through cycles of
# INSERT (data-page, model-page and root splits, NULL pages), DELETE, UPDATE and VACUUM.
# wal_consistency_checking makes the standby compare every page it replays with the
# full-page image the primary attached and die with "inconsistent page found" on any
# difference. After each cycle both servers must give the same answers through index
# scans and bitmap scans, and those answers must equal the primary's sequential scan.
# At the end alex_index_check passes on both (heapallindexed on the primary), and the
# standby, promoted, takes inserts into the replayed indexes.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib 't';
use AlexTest;

my $rows_per_cycle = 12000;
my $cycles = 6;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = all
max_wal_size = 1GB
autovacuum = off
} . AlexTest::wal_conf());
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION omendb; CREATE EXTENSION pg_walinspect');
AlexTest::is_wal_mode($primary);
is($primary->safe_psql('postgres', 'SHOW wal_consistency_checking'), 'all',
	'every WAL record carries a page image for the standby to compare');

# 5,000 rows indexed by CREATE INDEX (its pages reach the standby in the base backup).
$primary->safe_psql(
	'postgres', q{
CREATE TABLE t (id int8, k int8, f float8, ts timestamptz);
INSERT INTO t
  SELECT i, (i::int8 * 2654435761 % 1000003) * 1000 - 500000000, i::float8 / 3,
         timestamptz '2020-01-01 00:00:00+00' + i * interval '1 minute'
    FROM generate_series(1, 5000) i;
CREATE INDEX t_k_alex ON t USING alex (k);
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# These two are built while the standby streams: their pages arrive as WAL.
$primary->safe_psql(
	'postgres', q{
CREATE INDEX t_f_alex ON t USING alex (f);
CREATE INDEX t_ts_alex ON t USING alex (ts);
});

# Waits until the standby has replayed everything the primary wrote, failing at once
# (rather than after a timeout) if replay died, e.g. on an inconsistent page.
sub standby_failed
{
	my ($why) = @_;
	diag(join("\n", grep { /FATAL|PANIC|inconsistent/ } split(/\n/, slurp_file($standby->logfile))));
	die $why;
}

sub catch_up
{
	my $target = $primary->lsn('insert');
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (1)
	{
		standby_failed('the standby found an inconsistent page during replay')
		  if $standby->log_contains('inconsistent page found');
		my ($rc, $stdout, $stderr) = $standby->psql('postgres',
			"SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn");
		standby_failed("the standby does not answer: $stderr") if $rc != 0;
		return if $stdout eq 't';
		standby_failed("the standby did not reach $target") if time() > $deadline;
		select(undef, undef, undef, 0.05);
	}
}

# The answers compared: for each indexed column counts, sums, ranges, NULLs, the first
# and last values in both directions with LIMIT, and point lookups.
# The fifth field shows a value: f + 0 turns -0 into 0, which compares equal to it, so
# that ties between them cannot make two correct answers differ.
my @columns = (
	[ 'k', '-100000000', '100000000', '300000000000', 'k' ],
	[ 'f', '-1000', '1000', '3000', '(f + 0)' ],
	[
		'ts',
		"'2020-02-01 00:00:00+00'::timestamptz",
		"'2021-06-01 00:00:00+00'::timestamptz",
		"'2050-01-01 00:00:00+00'::timestamptz",
		'ts'
	]);
my $queries = '';
for my $c (@columns)
{
	my ($col, $lo, $hi, $far, $show) = @$c;
	$queries .= qq{
SELECT '$col all', count(*), sum(id), min($show), max($show) FROM t WHERE $col IS NOT NULL;
SELECT '$col nulls', count(*), sum(id) FROM t WHERE $col IS NULL;
SELECT '$col range', count(*), sum(id), min($show), max($show) FROM t WHERE $col BETWEEN $lo AND $hi;
SELECT '$col above', count(*), sum(id) FROM t WHERE $col > $far;
SELECT '$col below', count(*), sum(id) FROM t WHERE $col <= $lo;
SELECT '$col asc', string_agg(${show}::text, ',') FROM (SELECT $col FROM t WHERE $col >= $lo ORDER BY $col LIMIT 40) s;
SELECT '$col desc', string_agg(${show}::text, ',') FROM (SELECT $col FROM t WHERE $col <= $hi ORDER BY $col DESC LIMIT 40) s;
SELECT '$col first', string_agg(${show}::text, ',') FROM (SELECT $col FROM t ORDER BY $col LIMIT 10) s;
SELECT '$col last', string_agg(${show}::text, ',') FROM (SELECT $col FROM t WHERE $col IS NOT NULL ORDER BY $col DESC LIMIT 10) s;
SELECT '$col points', count(*), sum(t.id) FROM t JOIN (SELECT $col AS v FROM t WHERE id % 211 = 0) p ON t.$col = p.v;
};
}
$queries .= q{
SELECT 'f special', count(*) FILTER (WHERE f = 'NaN'), count(*) FILTER (WHERE f = 'Infinity'),
       count(*) FILTER (WHERE f = '-Infinity'), count(*) FILTER (WHERE f = 0) FROM t WHERE f IN ('NaN', 'Infinity', '-Infinity', 0);
SELECT 'ts infinite', count(*) FROM t WHERE ts IN ('infinity', '-infinity');
};

my %settings = (
	index => 'SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;',
	bitmap => 'SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;',
	seqscan => 'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;');

# The comparison is only worth something if the index settings really use alex.
like(
	$primary->safe_psql('postgres',
		$settings{index} . 'EXPLAIN (COSTS OFF) SELECT f FROM t WHERE f <= 5 ORDER BY f DESC LIMIT 40'),
	qr/Index (Only )?Scan Backward using t_f_alex/,
	'index settings: backward alex index scan');
like(
	$primary->safe_psql('postgres',
		$settings{bitmap} . 'EXPLAIN (COSTS OFF) SELECT count(*) FROM t WHERE ts IS NULL'),
	qr/Bitmap Index Scan on t_ts_alex/,
	'bitmap settings: alex bitmap scan');
like(
	$primary->safe_psql('postgres',
		$settings{index}
		  . 'EXPLAIN (COSTS OFF) SELECT count(*), sum(t.id) FROM t JOIN (SELECT k AS v FROM t WHERE id % 211 = 0) p ON t.k = p.v'),
	qr/Index (Only )?Scan using t_k_alex/,
	'index settings: alex point lookups in a nested loop');

# Compares the answers through index scans, and through bitmap scans unless $quick.
sub compare_nodes
{
	my ($label, $quick) = @_;
	catch_up();
	my $expected = $primary->safe_psql('postgres', $settings{seqscan} . $queries);
	for my $how ($quick ? ('index') : ('index', 'bitmap'))
	{
		my $on_primary = $primary->safe_psql('postgres', $settings{$how} . $queries);
		my $on_standby = $standby->safe_psql('postgres', $settings{$how} . $queries);
		is($on_primary, $expected, "$label: $how scans on the primary equal its seqscan");
		is($on_standby, $on_primary, "$label: $how scans on the standby equal the primary's");
	}
}

compare_nodes('after CREATE INDEX');
my $unlinked = 0;

for my $c (1 .. $cycles)
{
	my $lo = ($c - 1) * $rows_per_cycle + 5001;
	my $hi = $c * $rows_per_cycle + 5000;
	# k: a dense run in a region of its own each cycle (splits data pages quickly and
	# overflows model pages), scattered keys, duplicates, NULLs (a chain of NULL pages).
	# f: scattered values, NaN, infinities, -0, NULLs. ts: scattered, infinities, NULLs.
	$primary->safe_psql(
		'postgres', qq{
INSERT INTO t SELECT i,
  CASE WHEN i % 20 = 0 THEN NULL
       WHEN i % 4 = 1 THEN $c * 100000000000 + i
       WHEN i % 7 = 0 THEN i % 50
       ELSE (i::int8 * 2654435761 % 1000003) * 1000 - 500000000 END,
  CASE WHEN i % 25 = 0 THEN NULL
       WHEN i % 101 = 0 THEN 'NaN'
       WHEN i % 103 = 0 THEN 'Infinity'
       WHEN i % 107 = 0 THEN '-Infinity'
       WHEN i % 109 = 0 THEN '-0'
       ELSE ((i::int8 * 7919) % 100003)::float8 / 7 - 5000 END,
  CASE WHEN i % 30 = 0 THEN NULL
       WHEN i % 211 = 0 THEN 'infinity'
       WHEN i % 223 = 0 THEN '-infinity'
       ELSE timestamptz '2020-01-01 00:00:00+00' + ((i::int8 * 48271) % 2147483647) * interval '1 second' END
FROM generate_series($lo, $hi) i;
});
	compare_nodes("cycle $c, after INSERT", 1);

	# A tenth of all rows, half of this cycle's dense run, a band of the scattered keys
	# (emptying whole data pages, which VACUUM unlinks and later cycles' splits reuse),
	# and non-HOT updates that move entries.
	$primary->safe_psql(
		'postgres', qq{
DELETE FROM t WHERE (id * 2654435761) % 10 = $c;
DELETE FROM t WHERE k BETWEEN $c * 100000000000 + $lo AND $c * 100000000000 + $lo + $rows_per_cycle / 2;
DELETE FROM t WHERE k BETWEEN $c * 150000000 - 500000000 AND $c * 150000000 - 400000000;
DELETE FROM t WHERE id % 3 = 0 AND k IS NULL AND id < $lo;
UPDATE t SET k = k + 1, f = f + 1, ts = ts + interval '1 hour' WHERE id % 97 = $c;
});
	my ($rc, $stdout, $stderr) = $primary->psql('postgres', 'VACUUM (VERBOSE) t');
	die "VACUUM failed: $stderr" if $rc != 0;
	$unlinked += $1 if $stderr =~ /index "t_k_alex": pages: \d+ in total, (\d+) newly deleted/;
	compare_nodes("cycle $c, after DELETE, UPDATE and VACUUM");
}

# The churn must have done what it is for: model levels, and NULL chains.
my $shape = $primary->safe_psql('postgres',
	"SELECT height >= 3, model_pages > 1, null_pages > 1 FROM alex_index_stats('t_k_alex')");
is($shape, 't|t|t', 't_k_alex grew a model level, split model pages and chained NULL pages');
cmp_ok($unlinked, '>', 0, "VACUUM unlinked $unlinked emptied pages of t_k_alex");

for my $index ('t_k_alex', 't_f_alex', 't_ts_alex')
{
	my ($rc, $stdout, $stderr) =
	  $primary->psql('postgres', "SELECT alex_index_check('$index', true)");
	is($rc . $stderr, '0', "alex_index_check('$index', true) passes on the primary");
	($rc, $stdout, $stderr) =
	  $standby->psql('postgres', "SELECT alex_index_check('$index')");
	is($rc . $stderr, '0', "alex_index_check('$index') passes on the standby");
}

ok(!$standby->log_contains('inconsistent page found'),
	'the standby found no inconsistent page');

# The mode under test writes the records: omendb's own for data-page inserts and splits
# in compact mode, none of them in generic mode. A batch of its own, because the churn
# above outgrows the WAL the server keeps.
my $wal_start = $primary->lsn('insert');
$primary->safe_psql('postgres',
	'INSERT INTO t SELECT i, 800000000000 + i * 7, NULL, NULL FROM generate_series(2000001, 2003000) i');
my $records = $primary->safe_psql('postgres',
	"SELECT count(*) FILTER (WHERE record_type = 'INSERT'), count(*) FILTER (WHERE record_type = 'SPLIT')
	   FROM pg_get_wal_records_info_till_end_of_wal('$wal_start') WHERE resource_manager = 'omendb_alex'");
if (AlexTest::wal_mode() eq 'compact')
{
	like($records, qr/^[1-9]\d{3,}\|[1-9]\d*$/, "compact WAL: omendb_alex INSERT and SPLIT records ($records)");
}
else
{
	is($records, '0|0', 'generic WAL: no omendb_alex records');
	# alex_xlog.c writes the data-page inserts' generic records itself: one per row.
	my $generic = $primary->safe_psql('postgres',
		"SELECT count(*) FROM pg_get_wal_records_info_till_end_of_wal('$wal_start')
		  WHERE resource_manager = 'Generic'
		    AND block_ref LIKE '%/' || pg_relation_filenode('t_k_alex') || ' %'");
	cmp_ok($generic, '>=', 3000, "generic WAL: t_k_alex logs a Generic record per row ($generic)");
}
compare_nodes('after a batch of inserts');

# The replayed indexes are usable for writing once the standby is promoted.
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'the standby was not promoted';
$standby->safe_psql(
	'postgres', q{
INSERT INTO t SELECT i, 700000000000 + i, i / 11.0, timestamptz '2030-01-01 00:00:00+00' + i * interval '1 second'
  FROM generate_series(1000001, 1020000) i;
});
for my $index ('t_k_alex', 't_f_alex', 't_ts_alex')
{
	my ($rc, $stdout, $stderr) =
	  $standby->psql('postgres', "SELECT alex_index_check('$index', true)");
	is($rc . $stderr, '0', "alex_index_check('$index', true) passes on the promoted standby after inserts");
}
is( $standby->safe_psql(
		'postgres',
		$settings{index}
		  . 'SELECT count(*), sum(id) FROM t WHERE k BETWEEN 700000000000 AND 700000000000 + 2000000'),
	'20000|' . (20000 * (1000001 + 1020000) / 2),
	'the promoted standby finds its new rows through t_k_alex');

$standby->stop;
$primary->stop;
done_testing();

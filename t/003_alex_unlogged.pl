# An alex index on an UNLOGGED table after a crash: recovery resets the table and its
# indexes to their init forks, so the table is empty and the index is a valid empty
# index that takes inserts, answers through index scans and passes alex_index_check.
# One index is built on an empty table (ambuildempty's init fork only), one on rows
# (the init fork of an index whose main fork had many pages); a logged table next to
# them keeps its rows.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('unlogged');
$node->init;
$node->append_conf('postgresql.conf', 'autovacuum = off');
$node->start;
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION omendb;
CREATE UNLOGGED TABLE u (id int8, k int8, ts timestamp);
CREATE INDEX u_k_alex ON u USING alex (k);
INSERT INTO u SELECT i, i * 7 % 100003, timestamp '2024-01-01' + i * interval '1 minute'
  FROM generate_series(1, 50000) i;
INSERT INTO u SELECT i, NULL, NULL FROM generate_series(50001, 52000) i;
CREATE INDEX u_ts_alex ON u USING alex (ts);
CREATE TABLE l (k int8);
INSERT INTO l SELECT generate_series(1, 1000);
CREATE INDEX l_k_alex ON l USING alex (k);
CHECKPOINT;
});

# The rows are there before the crash, and the index has grown past one page.
is($node->safe_psql('postgres', 'SELECT count(*) FROM u'), '52000', 'rows before the crash');
cmp_ok($node->safe_psql('postgres', "SELECT data_pages FROM alex_index_stats('u_k_alex')"),
	'>', 10, 'u_k_alex split into many data pages before the crash');

$node->stop('immediate');
$node->start;

my $index = 'SET enable_seqscan = off; SET enable_bitmapscan = off;';
is($node->safe_psql('postgres', 'SELECT count(*) FROM u'), '0', 'the unlogged table is empty after the crash');
is($node->safe_psql('postgres', $index . 'SELECT count(*) FROM u WHERE k >= 0'), '0',
	'an index scan finds nothing');
is($node->safe_psql('postgres', $index . 'SELECT count(*) FROM u WHERE k IS NULL'), '0',
	'an index scan for NULLs finds nothing');
is($node->safe_psql('postgres', "SELECT data_pages, entries, null_entries FROM alex_index_stats('u_k_alex')"),
	'1|0|0', 'u_k_alex is back to one empty data page');
for my $name ('u_k_alex', 'u_ts_alex')
{
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$name', true)");
	is($rc . $stderr, '0', "alex_index_check('$name', true) passes on the reset index");
}
is($node->safe_psql('postgres', $index . 'SELECT count(*), sum(k) FROM l WHERE k > 0'), '1000|500500',
	'the logged table next to it keeps its rows');

# The reset indexes take inserts (enough to split again) and answer through scans.
$node->safe_psql(
	'postgres', q{
INSERT INTO u SELECT i, i * 3, timestamp '2025-01-01' + i * interval '1 second' FROM generate_series(1, 30000) i;
INSERT INTO u SELECT i, NULL, NULL FROM generate_series(30001, 30100) i;
});
like(
	$node->safe_psql('postgres', $index . 'EXPLAIN (COSTS OFF) SELECT * FROM u WHERE k BETWEEN 3000 AND 6000'),
	qr/Index Scan using u_k_alex/, 'the query runs through u_k_alex');
is($node->safe_psql('postgres', $index . 'SELECT count(*), sum(id) FROM u WHERE k BETWEEN 3000 AND 6000'),
	'1001|1501500', 'a range through the index after the crash');
is($node->safe_psql('postgres', $index . 'SELECT string_agg(k::text, \',\') FROM (SELECT k FROM u WHERE k IS NOT NULL ORDER BY k DESC LIMIT 3) s'),
	'90000,89997,89994', 'a backward scan after the crash');
is($node->safe_psql('postgres', $index . 'SELECT count(*) FROM u WHERE k IS NULL'), '100', 'NULLs after the crash');
is( $node->safe_psql(
		'postgres',
		$index . "SELECT count(*) FROM u WHERE ts >= '2025-01-01 01:00:00' AND ts < '2025-01-01 02:00:00'"),
	'3600', 'a range through u_ts_alex after the crash');
cmp_ok($node->safe_psql('postgres', "SELECT data_pages FROM alex_index_stats('u_k_alex')"),
	'>', 10, 'u_k_alex split again');
for my $name ('u_k_alex', 'u_ts_alex', 'l_k_alex')
{
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('$name', true)");
	is($rc . $stderr, '0', "alex_index_check('$name', true) passes after inserts");
}

# A clean restart keeps the unlogged rows.
$node->restart;
is($node->safe_psql('postgres', $index . 'SELECT count(*) FROM u WHERE k > 0'), '30000',
	'a clean restart keeps the unlogged rows');

$node->stop;
done_testing();

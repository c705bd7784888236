# pg_dump and pg_restore of tables with alex indexes: the restore rebuilds every index
# with its operator class and reloptions, the restored indexes answer like the originals,
# and alex_index_check passes on them.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->safe_psql(
	'src', q{
CREATE EXTENSION omendb;
CREATE TABLE t (k int8, d date, f float8, p int4);
INSERT INTO t SELECT i * 7919 % 100003, date '2020-01-01' + i % 1000, i / 7.0, NULLIF(i % 10, 0)
  FROM generate_series(1, 40000) i;
CREATE INDEX t_k ON t USING alex (k) WITH (fillfactor = 90);
CREATE INDEX t_d ON t USING alex (d);
CREATE INDEX t_f ON t USING alex (f);
CREATE INDEX t_p ON t USING alex (p) WHERE p > 5;
CREATE TABLE parted (k int4) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (1000) TO (2000);
INSERT INTO parted SELECT generate_series(0, 1999);
CREATE INDEX parted_k ON parted USING alex (k);
});

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ], 'pg_restore');

my $indexes = q{SELECT indexrelid::regclass, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid::regclass::text IN ('t', 'parted', 'parted_1', 'parted_2') ORDER BY indexrelid::regclass::text};
is($node->safe_psql('dst', $indexes), $node->safe_psql('src', $indexes),
	'the restored indexes have the same definitions');
is($node->safe_psql('dst', "SELECT reloptions FROM pg_class WHERE relname = 't_k'"),
	'{fillfactor=90}', 'the fillfactor survives');

my $queries = q{
SET enable_seqscan = off;
SELECT count(*), sum(k) FROM t WHERE k BETWEEN 1000 AND 50000;
SELECT count(*) FROM t WHERE d >= '2020-06-01' AND d < '2020-07-01';
SELECT string_agg(f::text, ',') FROM (SELECT f FROM t WHERE f > 5000 ORDER BY f DESC LIMIT 5) s;
SELECT count(*) FROM t WHERE p = 7;
SELECT count(*), min(k), max(k) FROM parted WHERE k > 990;
};
is($node->safe_psql('dst', $queries), $node->safe_psql('src', $queries), 'the restored indexes answer alike');
like($node->safe_psql('dst', "EXPLAIN (COSTS OFF) SELECT k FROM t WHERE k = 5"), qr/(using|on) t_k\b/,
	'the restored index is used');
foreach my $index (qw(t_k t_d t_f t_p parted_1_k_idx parted_2_k_idx))
{
	$node->safe_psql('dst', "SELECT alex_index_check('$index', true)");
	pass("alex_index_check passes on restored $index");
}

$node->stop;
done_testing();

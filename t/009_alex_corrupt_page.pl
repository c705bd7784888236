# A data page whose header is corrupted on disk is reported (index_corrupted, naming the
# block), not searched: the search trusts the header's slot count and format to stay
# within the page. The page is damaged by rewriting its capacity in the relation file.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('alex_corrupt');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION omendb;
CREATE TABLE t (k int8);
INSERT INTO t SELECT g FROM generate_series(1, 20000) g;
CREATE INDEX t_alex ON t USING alex (k);
CHECKPOINT;
});
my $probe = q{
SET enable_seqscan = off; SET enable_bitmapscan = off; SET ignore_checksum_failure = on;
\set VERBOSITY verbose
SELECT count(*) FROM t WHERE k = 5;
};
is($node->safe_psql('postgres', $probe), '1', 'the key is found before the page is damaged');
my $file = $node->data_dir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('t_alex')});
$node->stop;

# Block 1 is the first data page (block 0 is the metapage; no NULL pages). Its span
# follows the 24-byte page header; the capacity is the uint16 at offset 6 of the span.
my $at = 8192 + 24 + 6;
open(my $fh, '+<', $file) or die "open $file: $!";
binmode $fh;
seek($fh, $at, 0) or die "seek: $!";
print $fh pack('v', 0xFFFF);
close($fh) or die "close: $!";

$node->start;
my ($ret, $out, $err) = $node->psql('postgres', $probe);
isnt($ret, 0, 'a lookup on the damaged page fails');
like($err, qr/ERROR:  XX002: index "t_alex" block 1: invalid data page header/,
	'with index_corrupted naming the index and the block');
is($node->safe_psql('postgres', q{
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT count(*) FROM t WHERE k = 5;
}), '1',
	'the server is still up, and a sequential scan still answers');
($ret, $out, $err) = $node->psql('postgres', q{SELECT alex_index_check('t_alex')});
like($err, qr/block 1/, 'alex_index_check reports the block too');
$node->stop;

done_testing();

# Stripes of older formats (1: each chunk compressed whole, before blocks; 2: blocks,
# none bit-packed) are refused with a clear error naming the format, and the table can
# still be dropped. Such stripes are made by rewriting the magic of a format 3 stripe's
# header in the relation file: no build of this version writes them any more.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('col_format');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION omendb;
CREATE TABLE f (id int8, t text) USING columnar;
INSERT INTO f SELECT g, 'row ' || g FROM generate_series(1, 100) g;
CHECKPOINT;
});
is($node->safe_psql('postgres', 'SELECT count(*), sum(id) FROM f'), '100|5050',
	'the table reads before its stripe is rewritten');
my $file = $node->data_dir . '/' . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('f')});
$node->stop;

# The first stripe starts on block 1, right after its page header.
my $at = 8192 + 24;
my $first = 1;
foreach my $format (2, 1)
{
	open(my $fh, '+<', $file) or die "open $file: $!";
	binmode $fh;
	seek($fh, $at, 0) or die "seek: $!";
	read($fh, my $magic, 4) == 4 or die "read: $!";
	is(unpack('V', $magic), 0x53545233, 'the stripe header carries the format 3 magic')
	  if $first;
	$first = 0;
	seek($fh, $at, 0) or die "seek: $!";
	print $fh pack('V', 0x53545230 + $format);
	close($fh) or die "close: $!";

	$node->start;
	# ignore_checksum_failure: the rewritten page no longer matches a checksum, if any
	my ($ret, $out, $err) = $node->psql('postgres', q{
SET ignore_checksum_failure = on;
\set VERBOSITY verbose
SELECT count(*) FROM f;
});
	isnt($ret, 0, "reading a format $format stripe fails");
	like($err, qr/ERROR:  0A000: columnar relation "f" has a stripe in storage format $format, which this library does not read/,
		'with feature_not_supported naming the format');
	like($err, qr/HINT:  Recreate the table from a dump made with the omendb version that wrote it\./,
		'and a hint saying what to do');
	$node->stop if $format != 1;
}
$node->safe_psql('postgres', 'DROP TABLE f');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'f'}), '0',
	'the table can still be dropped');
$node->stop;

done_testing();

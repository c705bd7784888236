# Incomplete splits: a split is two WAL records, and a crash between them leaves the
# left page flagged ALEX_INCOMPLETE_SPLIT with its new right half not yet in the parent.
# Point-in-time recovery to the first record (recovery_target_lsn, inclusive) produces
# exactly that state, deterministically, for
#   A  a data page under a model page,
#   B  the root while it is a data page (its second record would make the first model
#      page): B1 finishes it from the right half (a split of the parent-less right half
#      finishes the root's split first), B2 from the left half,
#   C  the root while it is a model page (second record: the new root),
#   D  a model page under the root.
# In each state the index must pass alex_index_check(..., true) and answer as the
# sequential scan does; the next inserts that reach the flagged page must finish the
# split (no flag left), after which the index again passes the check.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1, has_archiving => 1);
# pg_walinspect reads the split records from pg_wal after the inserts' checkpoints.
$primary->append_conf('postgresql.conf', "autovacuum = off\nwal_keep_size = 256MB");
$primary->start;

# alex_pages lists each page's kind, flags and level from its special space (the last
# 16 bytes of the page: AlexPageOpaqueData in src/alex/alex_am.h, little-endian), and
# its page id, 0xFF8A on every alex page.
$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION omendb;
CREATE EXTENSION pageinspect;
CREATE EXTENSION pg_walinspect;
CREATE FUNCTION alex_pages(idx regclass, OUT blkno int, OUT kind int, OUT flags int, OUT level int, OUT page_id int)
RETURNS SETOF record LANGUAGE sql AS $$
  SELECT b, get_byte(p, 8176) + 256 * get_byte(p, 8177), get_byte(p, 8178) + 256 * get_byte(p, 8179),
         get_byte(p, 8180) + 256 * get_byte(p, 8181), get_byte(p, 8182) + 256 * get_byte(p, 8183)
    FROM generate_series(0, (pg_relation_size(idx) / 8192)::int - 1) b,
         LATERAL get_raw_page(idx::text, b) p
$$;
-- The pages flagged ALEX_INCOMPLETE_SPLIT, as kind/level.
CREATE FUNCTION alex_incomplete(idx regclass) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(kind || '/' || level, ',' ORDER BY blkno), 'none')
    FROM alex_pages(idx) WHERE flags & 1 = 1
$$;
-- Every single-row insert that extended an index, with the WAL it wrote. Keys run from
-- first_key in steps of step; with apart, every other key goes that far above the run,
-- so two dense runs grow side by side.
CREATE TABLE splitlog (tbl text, i int, lsn_before pg_lsn, lsn_after pg_lsn, added int);
CREATE PROCEDURE insert_until(tbl text, first_key int8, step int8, stop_after_added int, stop_count int,
                              apart int8 DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
  idx regclass := (tbl || '_k_alex')::regclass;
  b pg_lsn; a pg_lsn; sz int8; added int; seen int := 0; i int := 0;
BEGIN
  LOOP
    i := i + 1;
    sz := pg_relation_size(idx);
    b := pg_current_wal_insert_lsn();
    EXECUTE format('INSERT INTO %I VALUES ($1)', tbl) USING first_key + i * step + (i % 2) * apart;
    a := pg_current_wal_insert_lsn();
    added := (pg_relation_size(idx) - sz) / 8192;
    IF added > 0 THEN
      INSERT INTO splitlog VALUES (tbl, i, b, a, added);
      IF added >= stop_after_added THEN seen := seen + 1; END IF;
    END IF;
    COMMIT;
    EXIT WHEN seen >= stop_count OR i >= 50000;
  END LOOP;
END
$$;
CREATE TABLE a (k int8);
INSERT INTO a SELECT i * 1000 FROM generate_series(1, 3000) i;
CREATE INDEX a_k_alex ON a USING alex (k);
CREATE TABLE b (k int8);
INSERT INTO b SELECT i * 1000 FROM generate_series(1, 100) i;
CREATE INDEX b_k_alex ON b USING alex (k);
CREATE TABLE c (k int8);
INSERT INTO c SELECT i::int8 * 1000000000 FROM generate_series(1, 1000) i;
CREATE INDEX c_k_alex ON c USING alex (k);
});
is($primary->safe_psql('postgres', "SELECT count(*) FROM alex_pages('a_k_alex') WHERE page_id <> 65418"),
	'0', 'alex_pages reads the special space where alex keeps it');
is($primary->safe_psql('postgres', "SELECT height FROM alex_index_stats('b_k_alex')"),
	'1', 'b_k_alex starts as a single data page');
is($primary->safe_psql('postgres', "SELECT height FROM alex_index_stats('c_k_alex')"),
	'2', 'c_k_alex starts with a model root');
$primary->backup('before');

# A: single rows into the middle of a until a data page splits (one new page).
# B: single rows above b's keys until its root data page splits (a data page and a root).
# C: a dense run inside c until the root model page splits (a data page, a model page and
# a new root). D: then two dense runs side by side under one level-1 model page until it
# splits (a data and a model page): a single dense run it can keep routing by refitting
# its line, two far apart it cannot.
$primary->safe_psql(
	'postgres', q{
CALL insert_until('a', 1500000, 1, 1, 1);
CALL insert_until('b', 200000, 1, 1, 1);
CALL insert_until('c', 500000000000, 1, 2, 1);
CALL insert_until('c', 600000000000, 1, 2, 1, 300000000000);
});
is($primary->safe_psql('postgres', "SELECT tbl, added FROM splitlog WHERE tbl IN ('a', 'b') ORDER BY tbl"),
	"a|1\nb|2", 'the splits of a and b happened as expected');
is( $primary->safe_psql('postgres',
		"SELECT added FROM splitlog WHERE tbl = 'c' AND added > 1 ORDER BY lsn_before"),
	"3\n2", 'c split its root model page, then a model page under the new root');

# The generic WAL records of the insert that made the n-th split of a table with at
# least `added` new pages, in order.
sub split_records
{
	my ($tbl, $added, $n) = @_;
	my $records = $primary->safe_psql(
		'postgres', qq{
SELECT r.start_lsn FROM (SELECT * FROM splitlog WHERE tbl = '$tbl' AND added >= $added ORDER BY lsn_before OFFSET $n - 1 LIMIT 1) l,
       pg_get_wal_records_info(l.lsn_before, l.lsn_after) r
 WHERE r.resource_manager = 'Generic' ORDER BY r.start_lsn});
	return split /\n/, $records;
}
my @a = split_records('a', 1, 1);
my @b = split_records('b', 1, 1);
my @c = split_records('c', 2, 1);
my @d = split_records('c', 2, 2);
is(scalar(@a), 2, 'A: a data split is two records (split, parent)');
is(scalar(@b), 2, 'B: a root data split is two records (split, new root)');
is(scalar(@c), 3, 'C: a root model split is three records (data split, model split, new root)');
is(scalar(@d), 3, 'D: a model split under the root is three records (data split, model split, parent)');

# Everything up to the last record must be in the archive.
my $walfile = $primary->safe_psql('postgres', "SELECT pg_walfile_name(pg_current_wal_lsn())");
$primary->safe_psql('postgres', 'SELECT pg_switch_wal()');
$primary->poll_query_until('postgres', "SELECT last_archived_wal >= '$walfile' FROM pg_stat_archiver")
  or die 'the WAL was not archived';

# A server recovered from the backup up to and including the record at $lsn, promoted.
sub recover_to
{
	my ($name, $lsn) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init_from_backup($primary, 'before', has_restoring => 1, standby => 0);
	$node->append_conf(
		'postgresql.conf', qq{
recovery_target_lsn = '$lsn'
recovery_target_inclusive = on
recovery_target_action = 'promote'
archive_mode = off
});
	$node->start;
	$node->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
	  or die "$name was not promoted";
	ok($node->log_contains(qr/recovery stopping after WAL location \(LSN\) "$lsn"/),
		"$name: recovery stopped right after the record at $lsn");
	return $node;
}

# Index answers (forward, backward, bitmap) against the sequential scan's.
sub answers_match
{
	my ($node, $tbl, $label) = @_;
	my $q = qq{
SELECT count(*), sum(k), min(k), max(k) FROM $tbl WHERE k IS NOT NULL;
SELECT count(*), sum(k) FROM $tbl WHERE k BETWEEN 1400000 AND 1700000;
SELECT count(*), sum(k) FROM $tbl WHERE k BETWEEN 150000 AND 250000;
SELECT count(*), sum(k) FROM $tbl WHERE k BETWEEN 499000000000 AND 501000000000;
SELECT md5(string_agg(k::text, ',')) FROM (SELECT k FROM $tbl WHERE k IS NOT NULL ORDER BY k) s;
SELECT md5(string_agg(k::text, ',')) FROM (SELECT k FROM $tbl WHERE k IS NOT NULL ORDER BY k DESC) s;
};
	my $expected = $node->safe_psql('postgres',
		'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;' . $q);
	is($node->safe_psql('postgres', 'SET enable_seqscan = off; SET enable_bitmapscan = off;' . $q),
		$expected, "$label: index scans answer as the seqscan does");
	is( $node->safe_psql(
			'postgres',
			'SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off;' . $q),
		$expected,
		"$label: bitmap scans answer as the seqscan does");
}

sub check_passes
{
	my ($node, $tbl, $label) = @_;
	my ($rc, $stdout, $stderr) = $node->psql('postgres', "SELECT alex_index_check('${tbl}_k_alex', true)");
	is($rc . $stderr, '0', "$label: alex_index_check passes");
}

# The common part: the flagged state, then inserts, then no flag.
sub scenario
{
	my ($label, $lsn, $tbl, $flagged, $finish_sql, $height_after) = @_;
	my $node = recover_to($label, $lsn);
	is($node->safe_psql('postgres', "SELECT alex_incomplete('${tbl}_k_alex')"),
		$flagged, "$label: the split is incomplete (kind/level of the flagged page)");
	check_passes($node, $tbl, "$label, incomplete split");
	answers_match($node, $tbl, "$label, incomplete split");
	my ($rc, $stdout, $stderr) = $node->psql('postgres', $finish_sql);
	is($rc . $stderr, '0', "$label: the inserts succeed");
	is($node->safe_psql('postgres', "SELECT alex_incomplete('${tbl}_k_alex')"),
		'none', "$label: the inserts finished the split");
	is($node->safe_psql('postgres', "SELECT height FROM alex_index_stats('${tbl}_k_alex')"),
		$height_after, "$label: height $height_after");
	check_passes($node, $tbl, "$label, after the inserts");
	answers_match($node, $tbl, "$label, after the inserts");
	$node->stop;
}

# A: rows spread over every page of a, one of them lands on the flagged page.
scenario('A', $a[0], 'a', '2/0',
	'INSERT INTO a SELECT i * 1000 + 1 FROM generate_series(10, 3000, 10) i', 2);
# B1: rows above all keys fill the parent-less right half until it splits.
scenario('B1', $b[0], 'b', '2/0',
	'INSERT INTO b SELECT 300000 + i FROM generate_series(1, 3000) i', 2);
# B2: one row below all keys lands on the flagged root.
scenario('B2', $b[0], 'b', '2/0', 'INSERT INTO b VALUES (1)', 2);
# C, D: the model page is stopped after the model split record; five times every key
# then splits nearly every data page, those under the flagged page too, whose parent
# search finds the flag.
scenario('C', $c[1], 'c', '3/1', 'INSERT INTO c SELECT k + j FROM c, generate_series(1, 4) j', 3);
scenario('D', $d[1], 'c', '3/1', 'INSERT INTO c SELECT k + j FROM c, generate_series(1, 4) j', 3);

$primary->stop;
done_testing();

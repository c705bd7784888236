# Columnar tables through WAL and crashes. A primary with wal_consistency_checking =
# all streams to a standby while columnar tables (with btree and alex indexes) take
# INSERT ... SELECT, COPY, savepoint rollbacks, UPDATE, DELETE, VACUUM (merging and
# reclaiming stripes, truncating the pages of an aborted load), TRUNCATE, ALTER TABLE
# ... SET ACCESS METHOD and VACUUM FULL; the standby (which never loads the library to
# replay: only generic WAL, heap and smgr records) must compare every replayed page and
# answer like the primary.
# Then the primary is stopped with 'immediate' in the middle of a large COPY (several
# stripes already written) while other sessions commit inserts, a DELETE and an UPDATE
# and hold an uncommitted DELETE: after restart the table holds exactly the committed
# rows, takes new ones, its indexes pass alex_index_check, and the standby, replaying
# on, agrees. A second crash right after a VACUUM that moved rows loses nothing.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('col_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', q{
wal_consistency_checking = all
max_wal_size = 1GB
wal_keep_size = 1GB
autovacuum = off
});
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION omendb;
CREATE TABLE c (id int8, k int4, t text) USING columnar;
SELECT columnar_set_options('c', stripe_row_limit => 2000, chunk_group_row_limit => 300);
INSERT INTO c SELECT g, (g * 7919) % 10007, 'base ' || g FROM generate_series(1, 5000) g;
CREATE INDEX c_id ON c (id);
CREATE INDEX c_k ON c USING alex (k);
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('col_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

sub catch_up
{
	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	ok(!$standby->log_contains('inconsistent page found'), 'the standby replayed every page consistently');
}

# Counts, sums, a digest of all rows in row order, and lookups through both indexes.
my $answers = q{
SELECT count(*), sum(id), sum(k), md5(string_agg(t, ',' ORDER BY id, t)) FROM c;
SET enable_seqscan = off;
SELECT id, k, t FROM c WHERE id IN (1, 2500, 5000, 7777);
SELECT count(*), sum(id) FROM c WHERE k BETWEEN 100 AND 300;
SELECT stripes, rows, deleted_rows FROM columnar_stats('c');
};

sub same_answers
{
	my ($what) = @_;
	catch_up();
	my $p = $primary->safe_psql('postgres', $answers);
	my $s = $standby->safe_psql('postgres', $answers);
	is($s, $p, "$what: the standby answers like the primary");
	return $p;
}

same_answers('after the base backup');

# Writes that arrive as WAL: stripes of INSERT ... SELECT and COPY, rolled-back
# savepoints, a new column, TRUNCATE of another table, both ways through heap.
$primary->safe_psql('postgres', q{
BEGIN;
INSERT INTO c SELECT g, (g * 7919) % 10007, 'wal ' || g FROM generate_series(5001, 9000) g;
SAVEPOINT s;
INSERT INTO c SELECT g, 0, 'rolled back' FROM generate_series(9001, 12000) g;
ROLLBACK TO s;
COMMIT;
COPY c FROM PROGRAM 'seq 9001 12000 | sed "s/.*/&\t&\tcopied &/"';
CREATE TABLE d (i int, j text) USING columnar;
INSERT INTO d SELECT g, repeat('d', g % 3000) FROM generate_series(1, 3000) g;
TRUNCATE d;
INSERT INTO d VALUES (1, 'after truncate');
ALTER TABLE d SET ACCESS METHOD heap;
ALTER TABLE d SET ACCESS METHOD columnar;
INSERT INTO d VALUES (2, 'small stripe');
VACUUM FULL d;
});
same_answers('after streamed writes');

# Deletes and updates, as heap rows of the delete-mark table and new stripes; a VACUUM
# that merges the mostly deleted first stripe (moving its rows and their index
# entries), and one that reclaims the old stripes and their index entries.
$primary->safe_psql('postgres', q{
DELETE FROM c WHERE id BETWEEN 1 AND 1500;
UPDATE c SET t = 'updated ' || id, k = k + 1 WHERE id BETWEEN 2001 AND 2100;
BEGIN;
DELETE FROM c WHERE id BETWEEN 3001 AND 3100;
SAVEPOINT s;
UPDATE c SET t = 'rolled back' WHERE id BETWEEN 3101 AND 3200;
ROLLBACK TO s;
COMMIT;
VACUUM c;
VACUUM c;
});
my $before_crash = same_answers('after UPDATE, DELETE and VACUUM');
is($primary->safe_psql('postgres', q{SELECT count(*), count(*) FILTER (WHERE t LIKE 'updated %') FROM c}),
	'10400|100', 'the deletes and updates are there');
# VACUUM truncates the pages of an aborted load at the end of the file; the standby
# replays the truncation
$primary->safe_psql('postgres', q{
BEGIN;
INSERT INTO d SELECT g, 'aborted' FROM generate_series(1, 200000) g;
ROLLBACK;
VACUUM d;
});
catch_up();
is($standby->safe_psql('postgres', q{SELECT count(*), pg_relation_size('d') FROM d}),
	$primary->safe_psql('postgres', q{SELECT count(*), pg_relation_size('d') / 8192 * 8192 FROM d}),
	'the standby replayed the truncation');
is($primary->safe_psql('postgres', q{SELECT pg_relation_size('d') < 8 * 8192}), 't',
	'the pages of the aborted load are gone');

# (the stripe of ids 2001-4000 has a tenth of its rows deleted: it is left as it is)
is($primary->safe_psql('postgres', q{SELECT stripes < 8, deleted_rows FROM columnar_stats('c')}),
	't|200', 'VACUUM merged and reclaimed the mostly deleted stripe');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM c WHERE t = \'rolled back\''),
	'0', 'rows of a rolled back savepoint are not there');
is($standby->safe_psql('postgres', 'SELECT count(*), min(j) FROM d'), '2|after truncate',
	'the standby replayed TRUNCATE, both access method changes and VACUUM FULL');

# A crash in the middle of a large COPY that has written stripes already (into a table
# without indexes: with wal_consistency_checking every index insert would log two full
# pages per row).
$primary->safe_psql('postgres', q{
CREATE TABLE k (id int8, t text) USING columnar;
SELECT columnar_set_options('k', stripe_row_limit => 10000, chunk_group_row_limit => 1000);
INSERT INTO k SELECT g, 'before' FROM generate_series(1, 5000) g;
});
my $committed = 5000;
my $size_before = $primary->safe_psql('postgres', q{SELECT pg_relation_size('k')});
my ($out, $err) = ('', '');
my $copy = IPC::Run::start(
	[
		'psql', '-X', '-h', $primary->host, '-p', $primary->port, '-d', 'postgres', '-c',
		q{COPY k FROM PROGRAM 'seq 100000 30000000 | sed "s/$/\tcrashed copy/"'}
	],
	'>', \$out, '2>', \$err);
$primary->poll_query_until('postgres',
	qq{SELECT pg_relation_size('k') > $size_before + 10 * 8192})
  or die 'the COPY wrote no stripes';
# Rows committed while the COPY runs must survive the crash, a committed DELETE and
# UPDATE too; a DELETE still running at the crash must not.
$primary->safe_psql('postgres', q{
INSERT INTO k SELECT g, 'during copy' FROM generate_series(20001, 20010) g;
DELETE FROM k WHERE id BETWEEN 1 AND 1000;
UPDATE k SET t = 'updated' WHERE id BETWEEN 1001 AND 1100;
VACUUM k;
});
$committed += 10 - 1000;
my ($dout, $derr) = ('', '');
my $open_delete = IPC::Run::start(
	[
		'psql', '-X', '-h', $primary->host, '-p', $primary->port, '-d', 'postgres', '-c',
		q{DELETE FROM k WHERE id BETWEEN 2001 AND 3000; SELECT pg_sleep(600);}
	],
	'>', \$dout, '2>', \$derr);
$primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'DELETE FROM k%' AND wait_event = 'PgSleep'})
  or die 'the open DELETE did not start';
$primary->stop('immediate');
$copy->finish;
$open_delete->finish;
isnt($out . $err, '', 'the COPY was cut off by the crash');
$primary->start;

is($primary->safe_psql('postgres', 'SELECT count(*) FROM k'), $committed,
	'after the crash the table holds exactly the committed rows');
is($primary->safe_psql('postgres', q{SELECT count(*) FROM k WHERE t = 'crashed copy'}), '0',
	'no row of the interrupted COPY is visible');
is($primary->safe_psql('postgres', q{SELECT count(*) FROM k WHERE t = 'during copy'}), '10',
	'rows committed during the COPY survived');
is($primary->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE id <= 1000), count(*) FILTER (WHERE t = 'updated'),
       count(*) FILTER (WHERE id BETWEEN 2001 AND 3000) FROM k}), '0|100|1000',
	'the committed DELETE and UPDATE survived, the running DELETE did not');
is($primary->safe_psql('postgres', q{SELECT rows - deleted_rows FROM columnar_stats('k')}),
	$committed, 'the metadata agrees');
$primary->safe_psql('postgres', q{
INSERT INTO k SELECT g, 'after crash' FROM generate_series(30001, 33000) g;
INSERT INTO c SELECT g, 3, 'after crash' FROM generate_series(30001, 33000) g;
});
is($primary->safe_psql('postgres', q{SELECT count(*) FROM k WHERE t = 'after crash'}), '3000',
	'the table takes rows after the restart');
is($primary->safe_psql('postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM c WHERE id BETWEEN 30001 AND 33000 AND t = 'after crash';
}), '3000', 'rows written after the restart are found through the index');
$primary->safe_psql('postgres', q{SELECT alex_index_check('c_k', heapallindexed => true)});
pass('alex_index_check passes on the columnar table after the crash');

# A crash right after a VACUUM that moved rows: the moved rows are there once.
$primary->safe_psql('postgres', q{
DELETE FROM k WHERE id BETWEEN 1101 AND 4000 AND t = 'before';
VACUUM k;
});
$committed += 3000 - 2900;
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', q{
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE t = 'updated') FROM k}),
	"$committed|$committed|100", 'a crash after a merging VACUUM loses and doubles nothing');
catch_up();
is($standby->safe_psql('postgres', 'SELECT count(*) FROM k'), $committed,
	'the standby agrees on the crashed table');

same_answers('after the crash and restart');

$standby->stop;
$primary->stop;
done_testing();

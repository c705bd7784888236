# t/001_alex_wal.pl with omendb.alex_wal = compact: a standby with
# wal_consistency_checking = all replays omendb's own records for data-page inserts and
# splits.
use strict;
use warnings;

# Loaded here, at compile time, for their INIT blocks (too late inside `do`).
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

$ENV{OMENDB_ALEX_WAL} = 'compact';
do './t/001_alex_wal.pl';
die $@ if $@;

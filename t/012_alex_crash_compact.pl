# t/002_alex_crash.pl with omendb.alex_wal = compact: crash recovery replays omendb's own
# records.
use strict;
use warnings;

# Loaded here, at compile time, for their INIT blocks (too late inside `do`).
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

$ENV{OMENDB_ALEX_WAL} = 'compact';
do './t/002_alex_crash.pl';
die $@ if $@;

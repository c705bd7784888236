# t/004_alex_concurrent.pl with omendb.alex_wal = compact: concurrent inserts, deletes,
# lookups and VACUUM under omendb's own records.
use strict;
use warnings;

# Loaded here, at compile time, for their INIT blocks (too late inside `do`).
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

$ENV{OMENDB_ALEX_WAL} = 'compact';
do './t/004_alex_concurrent.pl';
die $@ if $@;

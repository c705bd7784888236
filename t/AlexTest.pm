# Helpers shared by the TAP tests of the alex access method.
package AlexTest;

use strict;
use warnings;

use PostgreSQL::Test::Utils;

# Writes pgbench scripts named "name@weight" => text into $dir and returns the pgbench
# options that run them with those weights.
sub pgbench_script_options
{
	my ($dir, $scripts) = @_;
	my @options;
	for my $name (sort keys %$scripts)
	{
		(my $file = $name) =~ s/\@\d+$//;
		PostgreSQL::Test::Utils::append_to_file("$dir/$file.sql", $scripts->{$name});
		(my $weight = $name) =~ s/^[^@]*//;
		push @options, '-f', "$dir/$file.sql$weight";
	}
	return @options;
}

# Server settings for the WAL mode a test runs in. The *_compact.pl tests set
# OMENDB_ALEX_WAL=compact and run another test file, which then logs data-page inserts and
# splits with omendb's own records (omendb in shared_preload_libraries, which a standby
# made from a base backup inherits with the configuration).
sub wal_mode
{
	return $ENV{OMENDB_ALEX_WAL} // 'generic';
}

sub wal_conf
{
	return '' if wal_mode() eq 'generic';
	return "shared_preload_libraries = 'omendb'\nomendb.alex_wal = " . wal_mode() . "\n";
}

# A test of the compact mode must not pass in the generic one by mistake.
sub is_wal_mode
{
	my ($node) = @_;
	Test::More::is($node->safe_psql('postgres', "LOAD 'omendb'; SHOW omendb.alex_wal"), wal_mode(),
		'omendb.alex_wal is ' . wal_mode());
}

1;

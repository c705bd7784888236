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

1;

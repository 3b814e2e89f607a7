# The cadence client connects with a DSN and reports both versions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# scripts/test passes the binary it built; `make installcheck` uses the CMake build dir.
my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;

my $node = PostgreSQL::Test::Cluster->new('client');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
my $version = $node->safe_psql('postgres', 'SELECT cadence.version()');
my $dsn = $node->connstr('postgres');

my ($stdout, $stderr);
IPC::Run::run [ $client, '--version' ], '>', \$stdout, '2>', \$stderr;
like($stdout, qr/^cadence \Q$version\E$/m, 'cadence --version prints the client version');

IPC::Run::run [ $client, '--help' ], '>', \$stdout, '2>', \$stderr;
like($stdout, qr/Usage:/, 'cadence --help prints usage');
like($stdout, qr/version/, 'the help lists the version command');

ok(IPC::Run::run([ $client, 'version', '--dsn', $dsn ], '>', \$stdout, '2>', \$stderr),
    'cadence version --dsn succeeds');
like($stdout, qr/^client\s+\Q$version\E$/m, 'it prints the client version');
like($stdout, qr/^extension\s+\Q$version\E$/m, "it prints the extension's version");
my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
like($stdout, qr/^server\s+$major\./m, "it prints the server's version ($major)");

# A database without the extension: a clear error and a non-zero exit.
$node->safe_psql('postgres', 'CREATE DATABASE empty');
ok(!IPC::Run::run([ $client, 'version', '--dsn', $node->connstr('empty') ],
        '>', \$stdout, '2>', \$stderr),
    'cadence version fails where the extension is missing');
like($stderr, qr/pg_cadence is not installed in database "empty"/, 'and says so');

# An unreachable server: the libpq error, a non-zero exit.
ok(!IPC::Run::run([ $client, 'version', '--dsn', 'host=/nonexistent port=1 connect_timeout=2' ],
        '>', \$stdout, '2>', \$stderr),
    'cadence version fails without a server');
like($stderr, qr/could not connect/, 'and reports the connection failure');

$node->stop;
done_testing();

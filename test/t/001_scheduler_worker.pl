# The launcher and the scheduler: the launcher registered when preloaded, a
# scheduler started where the extension is created, visible in pg_stat_activity,
# reloading on SIGHUP, stopping cleanly, and back after a crash.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;

# restart_after_crash: the test framework turns it off; production has it on.
my $node = cadence_node('preloaded', "restart_after_crash = on\n");

# The launcher runs from the start, connected to no database; a scheduler only
# where the extension is created.
my $launcher = $node->safe_psql('postgres',
    q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_cadence launcher' AND datname IS NULL});
ok($launcher =~ /^\d+$/, "the launcher runs with pid $launcher, connected to no database");
my $find_worker = q{SELECT pid FROM pg_stat_activity
                    WHERE backend_type = 'pg_cadence scheduler' AND datname = 'postgres'};
is($node->safe_psql('postgres', "SELECT count(*) FROM ($find_worker) w"), '0',
    'no scheduler runs where the extension is not created');

$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($find_worker) w")
  or die 'the scheduler never appeared in pg_stat_activity';
my $pid = $node->safe_psql('postgres', $find_worker);
ok($pid =~ /^\d+$/, "CREATE EXTENSION starts a scheduler (pid $pid)");
ok($node->log_contains('pg_cadence scheduler started in database "postgres"'),
    'the scheduler logged its start');
is($node->safe_psql('postgres', 'SELECT pid FROM cadence.scheduler'),
    $pid, 'cadence.scheduler shows the same pid');

# Sleeping on their latches with no timeout: the workers wait on WaitLatch's event.
is($node->safe_psql('postgres',
        "SELECT string_agg(DISTINCT wait_event_type, ',') FROM pg_stat_activity WHERE pid IN ($pid, $launcher)"),
    'Extension', 'the idle scheduler and launcher wait on their latches');

# SIGHUP: the configuration is reloaded.
my $log_offset = -s $node->logfile;
$node->reload;
$node->wait_for_log(qr/pg_cadence scheduler reloaded its configuration/, $log_offset);
pass('SIGHUP makes the scheduler reload its configuration');

# SIGKILL: the postmaster resets the cluster and starts a new scheduler.
$log_offset = -s $node->logfile;
kill 'KILL', $pid or die "could not kill $pid: $!";
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
$node->poll_query_until('postgres',
    "SELECT count(*) = 1 FROM ($find_worker) w WHERE w.pid <> $pid")
  or die 'the scheduler did not come back after SIGKILL';
my $new_pid = $node->safe_psql('postgres', $find_worker);
isnt($new_pid, $pid, "a new scheduler (pid $new_pid) replaced the killed one");
is($node->safe_psql('postgres', 'SELECT pid FROM cadence.scheduler'),
    $new_pid, 'cadence.scheduler follows the new worker');

# SIGTERM (server shutdown): the worker says goodbye and exits. Its exit code
# is 1, as for PostgreSQL's own logical replication launcher: the launcher starts
# a scheduler that ended so again (after pg_terminate_backend), and at shutdown
# nothing is restarted. What must not appear is an error or a crash.
$log_offset = -s $node->logfile;
$node->stop('fast');
ok($node->log_contains(qr/pg_cadence scheduler shutting down/, $log_offset),
    'SIGTERM stops the scheduler');
my $shutdown_log = slurp_file($node->logfile, $log_offset);
unlike($shutdown_log, qr/pg_cadence scheduler.*terminated by signal|\[$new_pid\] (?:ERROR|PANIC)/,
    'the scheduler stopped without an error or a crash');

# cadence.database_name, when set, lists the databases served: CREATE EXTENSION
# elsewhere says so, and nothing starts there.
my $other = PostgreSQL::Test::Cluster->new('other_database');
$other->init;
$other->append_conf('postgresql.conf',
    "shared_preload_libraries = 'pg_cadence'\ncadence.database_name = 'jobs'\n");
$other->start;
$other->safe_psql('postgres', 'CREATE DATABASE jobs');
$other->safe_psql('jobs', 'CREATE EXTENSION pg_cadence');
$other->poll_query_until('postgres',
    q{SELECT count(*) = 1 FROM pg_stat_activity
      WHERE backend_type = 'pg_cadence scheduler' AND datname = 'jobs'})
  or die 'the scheduler never connected to database jobs';
pass('the scheduler serves the database named by cadence.database_name');
my ($ret, $stdout, $stderr) = $other->psql('postgres', 'CREATE EXTENSION pg_cadence');
like($stderr, qr/WARNING:  pg_cadence will not serve database "postgres"/,
    'CREATE EXTENSION in a database not listed warns');
sleep(1);
is($other->safe_psql('postgres',
        q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler' AND datname = 'postgres'}),
    '0', '... and no scheduler starts there');
is($other->safe_psql('jobs', 'SHOW cadence.database_name'), 'jobs', 'the setting reads back');
$other->stop;

# Without preloading: SQL functions work; what needs the worker says how to fix it.
my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
like($plain->safe_psql('postgres', 'SELECT cadence.version()'),
    qr/^\d+\.\d+\.\d+$/, 'cadence.version() works without preloading');
($ret, $stdout, $stderr) = $plain->psql('postgres',
    "\\set VERBOSITY verbose\nSELECT * FROM cadence.scheduler");
isnt($ret, 0, 'cadence.scheduler fails without preloading');
like($stderr, qr/ERROR:  55000: cadence.scheduler needs pg_cadence's background workers/,
    'the error names what is missing, with SQLSTATE 55000');
like($stderr, qr/HINT:  Add pg_cadence to shared_preload_libraries/,
    'the hint says how to fix it');
is($plain->safe_psql('postgres',
        q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler'}),
    '0', 'no scheduler runs without preloading');
$plain->stop;

done_testing();

# One install serves every database where the extension is created: a launcher, a
# scheduler (and publisher) per database, executors from one pool started on
# demand. New databases are picked up at once; DROP/CREATE EXTENSION starts from
# nothing; DROP DATABASE, RENAME and CREATE DATABASE ... TEMPLATE are never
# blocked; a crash, a killed launcher and a promotion keep every schedule going.
use strict;
use warnings;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

my $node = PostgreSQL::Test::Cluster->new('databases');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cadence'
cadence.max_executors = 3
cadence.executor_idle_timeout = 2
max_worker_processes = 16
restart_after_crash = on
});
$node->start;
sub sql { my ($db, $q) = @_; return $node->safe_psql($db, $q); }
sub wait_for {
    my ($db, $query, $what) = @_;
    $node->poll_query_until($db, $query) or die "timed out waiting for $what";
}
sub scheduler_of {
    my ($db) = @_;
    return sql('postgres', qq{SELECT pid FROM pg_stat_activity
                              WHERE backend_type = 'pg_cadence scheduler' AND datname = '$db'});
}

my @dbs = qw(alpha beta gamma);
sql('postgres', "CREATE DATABASE $_") for @dbs;
sql('postgres', 'CREATE EXTENSION pg_cadence');
for my $db (@dbs) {
    sql($db, q{CREATE EXTENSION pg_cadence; CREATE TABLE seen (db text, at timestamptz DEFAULT now())});
}
for my $db (@dbs) {
    wait_for('postgres', qq{SELECT count(*) = 1 FROM pg_stat_activity
                            WHERE backend_type = 'pg_cadence scheduler' AND datname = '$db'}, "the scheduler of $db");
}
pass('each database where the extension is created gets its own scheduler');
is(sql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence launcher'}), '1',
    'one launcher for the cluster');
is(sql('template1', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler'
                                                            AND datname IN ('template1', 'template0')}),
    '0', 'templates are not served');

# 1. Three databases firing, running SQL jobs and publishing at once, each its own.
my %listener;
for my $db (@dbs) {
    $listener{$db} = $node->background_psql($db);
    $listener{$db}->query_safe('LISTEN cadence_status');
}
my %periodic;
for my $db (@dbs) {
    $periodic{$db} = sql($db, q{SELECT cadence.create_job('tick', cadence.every('1 second'),
                                                          sql => $$INSERT INTO seen (db) VALUES (current_database())$$)});
}
for my $db (@dbs) {
    wait_for($db, q{SELECT count(*) >= 3 FROM seen}, "three runs in $db");
    is(sql($db, q{SELECT string_agg(DISTINCT db, ',') FROM seen}), $db, "$db runs its own periodic SQL job");
}
for my $db (@dbs) {
    my $out = '';
    for (1 .. 40) {
        $out .= $listener{$db}->query_safe('SELECT 1');
        last if $out =~ /"status":"completed"/;
        sleep(0.05);
    }
    my @jobs;
    while ($out =~ /Asynchronous notification "cadence_status" with payload "(.*)" received/g) {
        push @jobs, map { $_->{job_id} // () } @{ decode_json($1) };
    }
    ok(@jobs > 0 && !grep({ $_ != $periodic{$db} } @jobs), "LISTEN in $db hears its own job's changes only");
    $listener{$db}->quit;
}
# cadence watch follows a job of any served database (its DSN names the database).
{
    my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
    my ($out, $err) = ('', '');
    my $watch = IPC::Run::start([ $client, 'watch', '--dsn', $node->connstr('beta'), '--job', $periodic{beta} ],
        '>', \$out, '2>', \$err, IPC::Run::timeout(30));
    $watch->pump until $out =~ /"status":"completed"/;
    $watch->kill_kill;
    like($out, qr/"job_id":$periodic{beta}\b/, 'cadence watch streams a job of database beta');
    is($err, '', '... without complaint');
}
like(sql('alpha', q{SELECT string_agg(database, ',' ORDER BY database) FROM cadence.databases}),
    qr/^alpha,beta,gamma,postgres$/, 'cadence.databases lists every served database');

# 2. A database created at run time is served within moments of CREATE EXTENSION.
sql('postgres', 'CREATE DATABASE delta');
sql('delta', 'CREATE TABLE seen (db text, at timestamptz DEFAULT now())');
my $t0 = time();
sql('delta', q{CREATE EXTENSION pg_cadence;
               SELECT cadence.create_job('first', cadence.once(), sql => 'INSERT INTO seen (db) VALUES (current_database())')});
wait_for('delta', q{SELECT count(*) = 1 FROM seen}, 'the first run in delta');
diag(sprintf('CREATE EXTENSION to the first run completed in a new database: %.0f ms', (time() - $t0) * 1000));
pass('a new database gets its scheduler and executors with no restart');

# 3. DROP EXTENSION with timers pending, then CREATE EXTENSION: nothing old fires.
sql('delta', q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'pending ' || i FROM generate_series(1, 50) i),
                                                       cadence.every('2 seconds'), sql => array_fill('SELECT 1'::text, ARRAY[50]))});
wait_for('delta', q{SELECT timers >= 50 FROM cadence.scheduler}, 'the pending timers');
sql('delta', 'DROP EXTENSION pg_cadence CASCADE');
wait_for('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity
                        WHERE backend_type LIKE 'pg_cadence%' AND datname = 'delta'}, 'the workers of delta to end');
pass('DROP EXTENSION ends the database scheduler and executors');
sql('delta', q{CREATE EXTENSION pg_cadence});
my $fresh = sql('delta', q{SELECT cadence.create_job('fresh', cadence.once(now() + interval '1 hour'))});
wait_for('delta', q{SELECT timers = 1 FROM cadence.scheduler}, 'the new map');
sleep(2.5);
is(sql('delta', q{SELECT count(*) FROM cadence.job_events WHERE event <> 'scheduled'}), '0',
    'no old timer fired a job of the new extension (job ids start again at 1)');
is(sql('delta', q{SELECT count(*) FROM cadence.verify_timers()}), '0', 'the new map matches the new tables');

# 4. DROP DATABASE while its SQL jobs run: no error, no process left, others go on.
sql('delta', q{SELECT count(*) FROM cadence.create_jobs(ARRAY['long 1', 'long 2'], cadence.once(),
                                                       sql => ARRAY['SELECT pg_sleep(60)', 'SELECT pg_sleep(60)'])});
# The pool (3) is shared with three busy databases: delta gets its fair share, at least one.
wait_for('delta', q{SELECT count(*) >= 1 FROM cadence.jobs_status WHERE status = 'running'}, 'a run in delta');
my $alpha_seen = sql('alpha', 'SELECT count(*) FROM seen');
$t0 = time();
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'DROP DATABASE delta');
is($ret, 0, 'DROP DATABASE of a database whose SQL job runs succeeds');
is($stderr, '', '... without a word');
diag(sprintf('DROP DATABASE with a run running took %.0f ms', (time() - $t0) * 1000));
is(sql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_cadence%'
                     AND datname IS NOT NULL AND datname NOT IN (SELECT datname FROM pg_database)}), '0',
    'no worker of the dropped database is left');
wait_for('alpha', "SELECT count(*) > $alpha_seen + 1 FROM seen", 'alpha to go on');
pass('the other databases go on');

# 5. RENAME and use as a template: not blocked; the workers come back.
my $beta_scheduler = scheduler_of('beta');
($ret, $stdout, $stderr) = $node->psql('postgres', 'ALTER DATABASE beta RENAME TO beta2');
is($ret, 0, 'ALTER DATABASE ... RENAME of a served database succeeds') or diag($stderr);
wait_for('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence scheduler' AND datname = 'beta2'}, 'the scheduler of beta2');
isnt(scheduler_of('beta2'), $beta_scheduler, '... and a scheduler serves it again');
($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE DATABASE beta_copy TEMPLATE beta2');
is($ret, 0, 'CREATE DATABASE ... TEMPLATE a served database succeeds') or diag($stderr);
wait_for('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence scheduler' AND datname = 'beta2'}, 'beta2 served again');
pass('... and the template database is served again');
wait_for('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence scheduler' AND datname = 'beta_copy'}, 'the copy served');
pass('the copy, which has the extension too, is served');
sql('postgres', 'DROP DATABASE beta_copy');

# 6. A database that stops allowing connections is given up, and served again after.
sql('postgres', 'ALTER DATABASE gamma ALLOW_CONNECTIONS false');
wait_for('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = 'gamma'}, 'gamma given up');
pass('ALLOW_CONNECTIONS false ends the workers of the database');
sql('postgres', 'ALTER DATABASE gamma ALLOW_CONNECTIONS true');
wait_for('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence scheduler' AND datname = 'gamma'}, 'gamma served again');
pass('ALLOW_CONNECTIONS true serves it again');

# 7. Executors are started on demand and end when idle: a database with nothing due holds none.
wait_for('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence executor' AND datname = 'postgres'}, 'no executor in postgres');
pass('a database with no SQL job due holds no executor');
sql('alpha', q{SELECT cadence.pause_job(id) FROM cadence.jobs});
wait_for('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence executor' AND datname = 'alpha'},
    'the executors of alpha to end once nothing is due');
pass('executors end after cadence.executor_idle_timeout with nothing to run');

# 8a. The launcher terminated: the postmaster starts another; the schedulers go on,
#     and one that ends afterwards is started again by the new launcher.
my $old_launcher = sql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_cadence launcher'});
my $gamma_scheduler = scheduler_of('gamma');
sql('postgres', "SELECT pg_terminate_backend($old_launcher)");
wait_for('postgres', qq{SELECT count(*) = 1 FROM pg_stat_activity
                        WHERE backend_type = 'pg_cadence launcher' AND pid <> $old_launcher}, 'a new launcher');
is(scheduler_of('gamma'), $gamma_scheduler, 'the schedulers went on while the launcher was replaced');
sql('postgres', "SELECT pg_terminate_backend($gamma_scheduler)");
wait_for('postgres', qq{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler'
                        AND datname = 'gamma' AND pid <> $gamma_scheduler}, 'the scheduler of gamma back');
pass('the new launcher starts a scheduler that ended again');

# 8. The launcher killed: the postmaster's crash recovery restarts everything; each
#    periodic job goes on, its missed tick fired once, no tick fired twice.
my $launcher = sql('postgres', q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_cadence launcher'});
my $log_offset = -s $node->logfile;
kill 'KILL', $launcher or die "could not kill the launcher $launcher: $!";
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
for my $db (qw(beta2 gamma)) {
    wait_for('postgres', qq{SELECT count(*) = 1 FROM pg_stat_activity
                            WHERE backend_type = 'pg_cadence scheduler' AND datname = '$db'}, "the scheduler of $db back");
    my $count = sql($db, 'SELECT count(*) FROM seen');
    wait_for($db, "SELECT count(*) >= $count + 2 FROM seen", "$db firing again");
    is(sql($db, q{SELECT count(*) FROM (SELECT fire_time FROM cadence.job_events WHERE details ->> 'reason' = 'fire'
                                         GROUP BY job_id, fire_time HAVING count(*) > 1) d}),
        '0', "$db: no tick fired twice across the crash");
}

# 9. A promoted standby serves every database.
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'pg_cadence%'}),
    '0', 'a standby runs no pg_cadence worker');
$node->stop;
$standby->promote;
for my $db (qw(alpha beta2 gamma postgres)) {
    $standby->poll_query_until('postgres', qq{SELECT count(*) = 1 FROM pg_stat_activity
                                              WHERE backend_type = 'pg_cadence scheduler' AND datname = '$db'})
      or die "no scheduler in $db after the promotion";
}
pass('after promotion every database has its scheduler');
my $count = $standby->safe_psql('gamma', 'SELECT count(*) FROM seen');
$standby->poll_query_until('gamma', "SELECT count(*) >= $count + 2 FROM seen") or die 'gamma did not fire';
pass('... and its jobs fire');
$standby->stop;

# 10. max_worker_processes too small: one clear line, and what can run still runs.
my $small = PostgreSQL::Test::Cluster->new('small');
$small->init;
$small->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cadence'
max_worker_processes = 4
});
$small->start;
$small->safe_psql('postgres', "CREATE DATABASE $_") for qw(one two three);
$small->safe_psql($_, 'CREATE EXTENSION pg_cadence') for qw(one two three);
$small->wait_for_log(qr/could not start the scheduler of database "\w+": no background worker slot is free/);
ok($small->log_contains(qr/max_worker_processes is 4; .* cadence.max_executors \(4\)/),
    'the log line names max_worker_processes and cadence.max_executors');
$small->poll_query_until('postgres', q{SELECT count(*) >= 1 FROM pg_stat_activity WHERE backend_type = 'pg_cadence scheduler'})
  or die 'no scheduler at all';
pass('the databases that fit are served');
$small->stop;

done_testing();

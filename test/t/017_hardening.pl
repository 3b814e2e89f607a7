# What an ordinary role can do to pg_cadence, replayed: each attack as an ordinary
# role, each asserting the defended outcome, and cadence.verify() empty at the end.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use JSON::PP;

my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;

my $node = PostgreSQL::Test::Cluster->new('hardening');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cadence'
cadence.max_executors = 2
cadence.run_stop_grace = '1s'
});
$node->start;
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub as_role { my ($role, $q) = @_; return sql("SET ROLE $role; $q"); }
sub ended {
    my ($job) = @_;
    $node->poll_query_until('postgres', "SELECT status IN ('completed', 'fatal', 'canceled', 'error')
                                         FROM cadence.jobs_status WHERE job_id = $job")
        or die "timed out waiting for job $job to end";
    return sql("SELECT status FROM cadence.jobs_status WHERE job_id = $job");
}
sub last_details {
    my ($job, $field) = @_;
    return sql("SELECT details ->> '$field' FROM cadence.job_events
                WHERE job_id = $job ORDER BY id DESC LIMIT 1");
}

sql(q{
CREATE EXTENSION pg_cadence;
CREATE ROLE mallory LOGIN;
CREATE ROLE alice LOGIN;
});
$node->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler})
    or die 'the scheduler never started';

# 1. Runs that catch their cancel. The SQL catches query_canceled in a loop: the
#    statement timeout and cancel_job alone cannot stop it. Two such runs hold
#    every executor; past timeout + cadence.run_stop_grace their executors are
#    ended, the runs recorded, and another role's job runs at once.
my $stubborn = q{DO $d$ BEGIN LOOP BEGIN PERFORM pg_sleep(0.2); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $d$};
my $t0 = time;
my @held = map {
    as_role('mallory', "SELECT cadence.create_job('stubborn $_', cadence.once(), sql => \$b\$$stubborn\$b\$,
                                                  timeout => '1 s', max_attempts => 1)")
} 1 .. 2;
$node->poll_query_until('postgres', q{SELECT count(*) = 2 FROM cadence.executors WHERE state = 'running'})
    or die 'the stubborn runs never started';
my $other = as_role('alice', q{SELECT cadence.create_job('quick', cadence.once(), sql => 'SELECT 1')});
$node->poll_query_until('postgres', q{SELECT count(*) = 2 FROM cadence.executors WHERE state = 'stopping'})
    or die 'the runs past their timeout were never shown as stopping';
pass('runs past their timeout show as stopping while they still hold their executors');
is(ended($other), 'completed', "another role's job ran once the stubborn runs were ended");
my $waited = time - $t0;
cmp_ok($waited, '<', 15, "it waited ${waited}s: the timeout (1 s) and the grace (1 s), not the stubborn runs' will");
for my $job (@held) {
    is(ended($job), 'fatal', "stubborn job $job failed (one attempt)");
    is(last_details($job, 'timed_out'), 'true', "job $job is recorded as timed out");
    is(last_details($job, 'ended_by_force'), 'true', "job $job says its executor was ended by force");
}
ok($node->log_contains(qr/pg_cadence ended executor \d \(pid \d+\): the run of job $held[0] went on past its timeout/),
   'the server log says which executor was ended and why');

# 2. A canceled run that goes on: cancel_job records it canceled at once; its
#    executor shows it stopping, and ends within the grace.
my $canceled = as_role('mallory', "SELECT cadence.create_job('stubborn 3', cadence.once(), sql => \$b\$$stubborn\$b\$,
                                                             max_attempts => 1)");
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM cadence.executors WHERE job_id = $canceled")
    or die 'the run to cancel never started';
as_role('mallory', "SELECT cadence.cancel_job($canceled)");
is(sql("SELECT status FROM cadence.jobs_status WHERE job_id = $canceled"), 'canceled', 'cancel_job is recorded at once');
is(sql("SELECT state FROM cadence.executors WHERE job_id = $canceled"), 'stopping',
   'its executor shows the run as stopping');
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM cadence.executors WHERE job_id = $canceled")
    or die 'the canceled run was never ended';
pass('the canceled run that caught its cancel was ended by force');
is(sql("SELECT count(*) FROM cadence.job_events WHERE job_id = $canceled AND event = 'canceled'"), '1',
   'the canceled run is recorded once');

# 3. Forged notifications. Any role may NOTIFY cadence_status: cadence watch and
#    cadence serve (and so the jobs page, fed by its streams) take only what the
#    publisher sends (cadence.publisher_pid()), and serve counts what it dropped.
my $dsn = $node->connstr('postgres');
my ($watch_out, $watch_err, $serve_out, $serve_err, $sse_out) = ('', '', '', '', '');
my $watch = IPC::Run::start([ $client, 'watch', '--dsn', $dsn, '--all' ], '>', \$watch_out, '2>', \$watch_err);
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $base = "http://127.0.0.1:$port";
my $serve = IPC::Run::start([ $client, 'serve', '--listen', "127.0.0.1:$port", '--dsn', $dsn ],
                            '>', \$serve_out, '2>', \$serve_err);
sub pump_all { for my $h (@_) { $h->pump_nb if $h->pumpable; } }
sub http_get { my $out = `curl -s $base$_[0]`; return $out; }
for (1 .. 100) { last if http_get('/api/v1/status') =~ /"listening":true/; usleep(100_000); }
my $sse = IPC::Run::start([ 'curl', '-sN', "$base/api/v1/events" ], '>', \$sse_out, '2>', \my $sse_err);
sub wait_until {
    my ($what, $cond) = @_;
    my $deadline = time + 30;
    until ($cond->()) {
        die "timed out waiting for $what\nwatch: $watch_out\n$watch_err\nsse: $sse_out\nserve: $serve_err"
            if time > $deadline;
        pump_all($watch, $serve, $sse);
        usleep(20_000);
    }
}
usleep(500_000);  # the stream's first reply
my $before = as_role('alice', q{SELECT cadence.create_job('before forgeries', cadence.once(), payload => '{}')});
wait_until('the real job before the forgeries', sub { $watch_out =~ /"job_id":$before\b/ && $sse_out =~ /"job_id":$before\b/ });
my $forged = '[{"type":"status","event_id":999999,"job_id":424242,"event":"completed","status":"completed",'
           . '"attempt":1,"queue":"default","at":"2026-12-03T10:00:00Z"}]';
as_role('mallory', "SELECT pg_notify('cadence_status', '$forged')");
as_role('mallory', q{SELECT pg_notify('cadence_status', '[{"type":"resync"}]')});
my $after = as_role('alice', q{SELECT cadence.create_job('after forgeries', cadence.once(), payload => '{}')});
wait_until('the real job after the forgeries', sub { $watch_out =~ /"job_id":$after\b/ && $sse_out =~ /"job_id":$after\b/ });
unlike($watch_out, qr/424242/, 'cadence watch prints no forged status');
like($watch_err, qr/ignoring notifications on cadence_status from process \d+: it is not pg_cadence's publisher/,
     'cadence watch says it ignores the forger');
unlike($sse_out, qr/424242/, "cadence serve's stream (the jobs page's feed) carries no forged status");
my $status = decode_json(http_get('/api/v1/status'));
is($status->{forged_notifications}, 2, 'cadence serve counts the forged status and the forged resync');
is($status->{publisher_pid}, sql('SELECT cadence.publisher_pid()'), 'cadence serve knows the publisher');
is(as_role('mallory', 'SELECT cadence.publisher_pid() IS NOT NULL'), 't', 'an ordinary role can read the publisher pid');
$_->kill_kill for ($watch, $serve, $sse);

is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify() is empty');
$node->stop;
done_testing();

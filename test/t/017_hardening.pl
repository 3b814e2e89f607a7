# What an ordinary role can do to pg_cadence, replayed: each attack as an ordinary
# role, each asserting the defended outcome, and cadence.verify() empty at the end.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

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

is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify() is empty');
$node->stop;
done_testing();

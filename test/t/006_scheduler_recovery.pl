# The scheduler after downtime, a crash and a failover: each missed job fires once
# and then follows its ticks, a SIGKILL mid-load loses no fire and duplicates none,
# and a promoted standby continues the schedule.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf',
    "shared_preload_libraries = 'pg_cadence'\nrestart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
sub sql { my ($n, $query) = @_; return $n->safe_psql('postgres', $query); }

# 1. Downtime longer than several periods: each job fires once, then on its ticks.
my $jobs = sql($node, q{
    SELECT string_agg(cadence.create_job('down ' || i, cadence.every('1 second'),
                                         queue => 'down')::text, ',')
    FROM generate_series(1, 20) i});
$node->poll_query_until('postgres', q{SELECT count(*) = 20 FROM cadence.claim('down', 'w', 20)})
  or die 'first runs never became due';
sql($node, q{SELECT count(cadence.complete(job_id, 'w')) FROM cadence.jobs_status
             WHERE queue = 'down' AND status = 'running'});
my $stopped = sql($node, 'SELECT now()');
$node->stop;
sleep(4);    # four periods missed
$node->start;
sleep(2.5);  # the runs stay scheduled: nobody claims them
is(sql($node, qq{SELECT count(*) FROM cadence.job_events WHERE job_id IN ($jobs)
                 AND details ->> 'reason' = 'fire' AND at > '$stopped'}),
    '20', 'after 4 s of downtime each of 20 one-second jobs fired exactly once');
is(sql($node, qq{SELECT count(*) FROM cadence.jobs_status WHERE job_id IN ($jobs)
                 AND status = 'scheduled' AND attempt = 1}), '20', 'each run waits, once');
like(sql($node, 'SELECT loaded_timers, load_ms IS NOT NULL, resyncs FROM cadence.scheduler'),
    qr/^20\|t\|0$/, 'the scheduler reports the 20 timers it loaded, how long it took, and no resync');
ok($node->log_contains(qr/pg_cadence scheduler loaded \d+ timers in [\d.]+ ms/),
    'and logs it');
# Completed now, after overrunning more ticks: each fires once more at once (for the
# overrun), and no missed tick is replayed.
my $completed = sql($node, 'SELECT now()');
sql($node, q{SELECT count(cadence.complete(c.job_id, 'w')) FROM cadence.claim('down', 'w', 20) c});
sleep(2.5);
is(sql($node, qq{SELECT count(*) FROM cadence.job_events WHERE job_id IN ($jobs)
                 AND details ->> 'reason' = 'fire' AND at > '$completed'}),
    '20', 'after an overrun of two ticks each job fired exactly once more');
is(sql($node, qq{SELECT count(*) FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
                 WHERE e.job_id IN ($jobs) AND e.details ->> 'reason' = 'fire'
                   AND extract(epoch FROM e.fire_time - j.created_at)
                       <> round(extract(epoch FROM e.fire_time - j.created_at))}),
    '0', 'every fire belongs to a tick of the anchored schedule');
sql($node, qq{SELECT count(cadence.delete_job(id)) FROM unnest('{$jobs}'::bigint[]) id});

# 2. SIGKILL of the scheduler while 300 jobs fire every second: no tick lost, none twice.
my $load = sql($node, q{
    SELECT string_agg(cadence.create_job('load ' || i, cadence.every('1 second'),
                                         queue => 'load')::text, ',')
    FROM generate_series(1, 300) i});
my $script = $node->basedir . '/complete.sql';
PostgreSQL::Test::Utils::append_to_file($script, q{
SELECT count(cadence.complete(c.job_id, 'w')) FROM cadence.claim('load', 'w', 1000) c;
\sleep 20 ms
});
my ($out, $err) = ('', '');
my $worker = IPC::Run::start([ 'pgbench', '-n', '-c', '1', '-T', '600', '-f', $script,
        $node->connstr('postgres') ], '>', \$out, '2>', \$err);
sleep(3);
my $pid = sql($node, 'SELECT pid FROM cadence.scheduler');
kill 'KILL', $pid;
$worker->finish;    # the crash restart ends its connection
$node->poll_query_until('postgres', "SELECT pid IS NOT NULL AND pid <> $pid FROM cadence.scheduler")
  or die 'the scheduler did not come back';
my $back = sql($node, 'SELECT now()');
$worker = IPC::Run::start([ 'pgbench', '-n', '-c', '1', '-T', '600', '-f', $script,
        $node->connstr('postgres') ], '>', \$out, '2>', \$err);
sleep(3);
$worker->kill_kill;
is(sql($node, qq{SELECT count(*) FROM (SELECT job_id, fire_time FROM cadence.job_events
                 WHERE job_id IN ($load) AND details ->> 'reason' = 'fire'
                 GROUP BY 1, 2 HAVING count(*) > 1) d}),
    '0', 'no tick of 300 jobs fired twice across the crash');
is(sql($node, qq{SELECT count(DISTINCT job_id) FROM cadence.job_events WHERE job_id IN ($load)
                 AND details ->> 'reason' = 'fire' AND at > '$back'}),
    '300', 'every job fired again after the restart: none was lost');
is(sql($node, 'SELECT count(*) FROM cadence.verify()'), '0', 'log and status agree');
sql($node, qq{SELECT count(cadence.delete_job(id)) FROM unnest('{$load}'::bigint[]) id});

# 3. A streaming standby has no scheduler; promoted, it continues the schedule.
my $periodic = sql($node, q{SELECT cadence.create_job('failover', cadence.every('1 second'),
                                                      queue => 'fo')});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM cadence.claim('fo', 'w')}) or die;
sql($node, qq{SELECT cadence.complete($periodic, 'w')});
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "restart_after_crash = on\n");
$standby->start;
$node->wait_for_catchup($standby);
is(sql($standby, q{SELECT count(*) FROM pg_stat_activity
                   WHERE backend_type = 'pg_cadence scheduler'}), '0',
    'a standby runs no scheduler');
$node->stop;
$standby->promote;
$standby->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler})
  or die 'no scheduler after promotion';
pass('the promoted standby starts its scheduler');
my $promoted = sql($standby, 'SELECT now()');
# A worker on the new primary takes whatever run the old one left (its last fire may
# have replicated before it stopped) and completes it; the next tick fires there.
$standby->poll_query_until('postgres', qq{
    SELECT count(*) = 1 FROM (
        SELECT cadence.complete(c.job_id, 'w') FROM cadence.claim('fo', 'w') c
        UNION ALL
        SELECT NULL FROM cadence.jobs_status WHERE job_id = $periodic AND status <> 'scheduled') x})
  or die 'could not complete the run on the new primary';
$standby->poll_query_until('postgres', qq{SELECT count(*) > 0 FROM cadence.job_events
    WHERE job_id = $periodic AND details ->> 'reason' = 'fire' AND at > '$promoted'})
  or die 'no fire after promotion';
pass('and the job fires there, from the replicated tables');
is(sql($standby, qq{SELECT count(*) - count(DISTINCT fire_time) FROM cadence.job_events
                    WHERE job_id = $periodic AND details ->> 'reason' = 'fire'}), '0',
    'no tick fired twice across the failover');

$standby->stop;
done_testing();

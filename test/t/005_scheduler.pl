# The scheduler: periodic jobs fire on their ticks, retries and lease expiries
# happen on time, paused and deleted jobs stay quiet, an idle scheduler does not
# wake up at all, and its map agrees with the tables after heavy churn.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep);

my $node = cadence_node('scheduler');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
sub sql { return $node->safe_psql('postgres', $_[0]); }

# A worker in the background: claims and completes every due run of the queues
# given, every 50 ms, until stopped.
sub start_worker {
    my ($queues) = @_;
    my $script = $node->basedir . "/worker_$queues.sql";
    $script =~ s/[^\w\/.]/_/g;
    PostgreSQL::Test::Utils::append_to_file($script, qq{
SELECT count(cadence.complete(c.job_id, 'tap-worker'))
FROM unnest(string_to_array('$queues', ',')) q, LATERAL cadence.claim(q, 'tap-worker', 100) c;
\\sleep 50 ms
});
    my ($out, $err) = ('', '');
    return IPC::Run::start([ 'pgbench', '-n', '-c', '1', '-T', '600', '-f', $script,
            $node->connstr('postgres') ], '>', \$out, '2>', \$err);
}
sub fires_of { return sql(qq{SELECT count(*) FROM cadence.job_events
                           WHERE job_id = $_[0] AND details ->> 'reason' = 'fire'}); }

# 1. A one-second interval job fires on its ticks, again and again.
my $every = sql(q{SELECT cadence.create_job('every second', cadence.every('1 second'), queue => 'tick')});
my $cron = sql(q{SELECT cadence.create_job('even seconds', cadence.cron('*/2 * * * * *'), queue => 'tick')});
my $worker = start_worker('tick');
$node->poll_query_until('postgres', "SELECT count(*) >= 4 FROM cadence.job_events
    WHERE job_id = $every AND details ->> 'reason' = 'fire'") or die 'the interval job did not fire';
$node->poll_query_until('postgres', "SELECT count(*) >= 2 FROM cadence.job_events
    WHERE job_id = $cron AND details ->> 'reason' = 'fire'") or die 'the cron job did not fire';
$worker->kill_kill;

is(sql(qq{SELECT count(*) FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
        WHERE e.job_id = $every AND e.details ->> 'reason' = 'fire'
          AND extract(epoch FROM e.fire_time - j.created_at)
              <> round(extract(epoch FROM e.fire_time - j.created_at))}),
    '0', 'interval fires land on the anchored ticks (created_at + k seconds)');
is(sql(qq{SELECT count(*) FROM cadence.job_events WHERE job_id = $cron
        AND details ->> 'reason' = 'fire'
        AND (extract(microseconds FROM fire_time)::bigint % 2000000 <> 0)}),
    '0', 'cron fires land on even seconds');
is(sql(qq{SELECT count(*) FROM cadence.job_events WHERE job_id IN ($every, $cron)
        AND details ->> 'reason' = 'fire' AND at - fire_time > interval '500 ms'}),
    '0', 'every fire happened within 500 ms of its tick');
is(sql(qq{SELECT count(*) - count(DISTINCT fire_time) FROM cadence.job_events
        WHERE job_id IN ($every, $cron) AND details ->> 'reason' = 'fire'}),
    '0', 'no tick fired twice');

# 2. Pause, resume and delete.
my $pausable = sql(q{SELECT cadence.create_job('pausable', cadence.every('1 second'), queue => 'p')});
sql(qq{SELECT cadence.cancel_job($pausable)});  # terminal: waits for its next tick
sql(qq{SELECT cadence.pause_job($pausable)});
my $before = fires_of($pausable);
sleep(2.5);
is(fires_of($pausable), $before, 'a paused job does not fire');
is(sql(qq{SELECT count(*) FROM cadence.timers WHERE job_id = $pausable}), '0', 'and has no timer');
sql(qq{SELECT cadence.resume_job($pausable)});
$node->poll_query_until('postgres', "SELECT count(*) > $before FROM cadence.job_events
    WHERE job_id = $pausable AND details ->> 'reason' = 'fire'") or die 'no fire after resume';
pass('a resumed job fires at its next tick');
sql(qq{SELECT cadence.cancel_job($pausable)});
sql(qq{SELECT cadence.delete_job($pausable)});
my $events = sql(qq{SELECT count(*) FROM cadence.job_events WHERE job_id = $pausable});
sleep(2.5);
is(sql(qq{SELECT count(*) FROM cadence.job_events WHERE job_id = $pausable}), $events,
    'a deleted job never fires again');

# 3. An error job reaching its next tick becomes fatal, then scheduled afresh.
my $erring = sql(q{SELECT cadence.create_job('erring', cadence.every('2 seconds'), queue => 'e',
                                           backoff => '1 hour')});
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM cadence.claim('e', 'w')")
  or die 'the first run never became due';
sql(qq{SELECT cadence.fail($erring, 'w', 'boom')});
is(sql(qq{SELECT status || ' ' || attempt FROM cadence.jobs_status WHERE job_id = $erring}),
    'error 1', 'failed with attempts left: error, retry in an hour');
$node->poll_query_until('postgres', "SELECT status = 'scheduled' FROM cadence.jobs_status
    WHERE job_id = $erring") or die 'the error job did not fire';
is(sql(qq{SELECT string_agg(event || ':' || attempt, ' ' ORDER BY id) FROM (
        SELECT * FROM cadence.job_events WHERE job_id = $erring ORDER BY id DESC LIMIT 2) e}),
    'fatal:1 scheduled:1', 'at the tick: fatal, then scheduled with attempt 1');

# 4. A lease that expires without a heartbeat fails the run, which is retried.
my $leased = sql(q{SELECT cadence.create_job('leased', cadence.once(now()), queue => 'l',
                                           backoff => '1 second')});
sql(q{SELECT count(*) FROM cadence.claim('l', 'silent-worker', 1, '1 second')});
$node->poll_query_until('postgres', "SELECT status = 'scheduled' AND attempt = 2
    FROM cadence.jobs_status WHERE job_id = $leased") or die 'no lease expiry and retry';
like(sql(qq{SELECT details ->> 'error' FROM cadence.job_events WHERE job_id = $leased
          AND event = 'error'}), qr/lease expired: worker silent-worker sent no heartbeat/,
    'the expired lease is recorded as the error');
pass('after the backoff the run is retried as attempt 2');
# Heartbeats keep a lease alive.
my $kept = sql(q{SELECT cadence.create_job('kept alive', cadence.once(now()), queue => 'k')});
sql(q{SELECT count(*) FROM cadence.claim('k', 'busy-worker', 1, '1 second')});
for (1 .. 6) { sleep(0.5); sql(qq{SELECT cadence.heartbeat($kept, 'busy-worker', $_ * 10)}); }
is(sql(qq{SELECT status FROM cadence.jobs_status WHERE job_id = $kept}), 'running',
    'heartbeats every 0.5 s keep a 1-second lease alive for 3 s');
sql(qq{SELECT cadence.complete($kept, 'busy-worker')});

# 5. A trigger changed while the job runs takes effect after the run.
my $redeployed = sql(q{SELECT cadence.create_job('redeployed', cadence.every('1 second'), queue => 'r')});
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM cadence.claim('r', 'w')")
  or die 'the first run never became due';
sql(qq{SELECT cadence.alter_job($redeployed, trigger => cadence.every('1 hour'))});
my $fires = fires_of($redeployed);
sleep(1.5);
is(fires_of($redeployed), $fires, 'the running job does not fire, whatever its trigger');
sql(qq{SELECT cadence.complete($redeployed, 'w')});
sleep(1.5);
is(fires_of($redeployed), $fires, 'after the run it follows the new trigger, not the old one');
is(sql(qq{SELECT purpose || ' ' || (due_at - j.created_at)::text FROM cadence.timers t
          JOIN cadence.jobs j ON j.id = t.job_id WHERE t.job_id = $redeployed}),
    'fire 01:00:00', 'its next fire is the new trigger\'s first tick');

# 6. Workers blocked on LISTEN cadence_work are woken when a run becomes due.
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN cadence_work');
sql(q{SELECT cadence.create_job('wake me', cadence.once(now() + interval '1 second'), queue => 'wake')});
my $woken = '';
for (1 .. 100) {
    $woken .= $listener->query_safe('SELECT 1');
    last if $woken =~ /cadence_work/;
    sleep(0.05);
}
like($woken, qr/Asynchronous notification "cadence_work" with payload "wake" received/,
    'a due run wakes its queue\'s workers: NOTIFY cadence_work, payload the queue');
$listener->quit;

# 7. Nothing due: the scheduler does not wake up at all, however many jobs exist.
sql(q{SELECT count(cadence.create_job('yearly ' || i, cadence.cron('0 0 1 1 *'), queue => 'idle'))
    FROM generate_series(1, 2000) i});
sql(q{SELECT count(cadence.cancel_job(id)) FROM cadence.jobs WHERE queue = 'idle'});
sql(q{SELECT count(cadence.delete_job(id)) FROM cadence.jobs WHERE queue IN ('tick', 'e', 'l', 'k', 'r', 'wake')});
sleep(1);
my $pid = sql('SELECT pid FROM cadence.scheduler');
sub switches {
    my $status = slurp_file("/proc/$pid/status");
    my ($v) = $status =~ /^voluntary_ctxt_switches:\s+(\d+)/m;
    my ($n) = $status =~ /^nonvoluntary_ctxt_switches:\s+(\d+)/m;
    return $v + $n;
}
my $switches = switches();
sleep(3);
is(switches() - $switches, 0, 'an idle scheduler with 2000 registered jobs makes no wake-up in 3 s');
cmp_ok(sql('SELECT timers FROM cadence.scheduler'), '>=', 2000, 'while holding their timers');

# 8. Churn from four clients, then the map agrees with the tables exactly.
my $churn = $node->basedir . '/churn.sql';
PostgreSQL::Test::Utils::append_to_file($churn, q{
\set n random(1, 3)
SELECT cadence.create_job('churn', cadence.every('1 second'), queue => 'churn' || :client_id) AS id \gset
SELECT count(cadence.complete(job_id, 'w')) FROM cadence.claim('churn' || :client_id, 'w', 5);
SELECT cadence.alter_job(:id, trigger => cadence.every((:n || ' seconds')::interval));
SELECT cadence.pause_job(:id) WHERE :n = 2;
SELECT cadence.delete_job(:id) WHERE :n = 3;
});
$node->command_ok([ 'pgbench', '-n', '-c', '4', '-j', '2', '-T', '4', '-f', $churn,
        $node->connstr('postgres') ], 'four clients create, complete, re-deploy, pause and delete');
# Let the last ticks fire: afterwards every churned job waits for a worker (or is
# paused or deleted), so nothing moves while the map is compared.
sleep(3.5);
is(sql('SELECT count(*) FROM cadence.verify_timers()'), '0',
    'cadence.verify_timers(): the map agrees with the tables')
  or diag(sql(q{SELECT v.*, s.status, s.paused, s.run_at, s.fire_base FROM cadence.verify_timers() v
                LEFT JOIN cadence.jobs_status s USING (job_id)}));
is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify(): the log agrees with the status');
cmp_ok(sql(q{SELECT count(*) FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
             WHERE j.queue LIKE 'churn%' AND e.details ->> 'reason' = 'fire'}), '>', 0,
    'the churned jobs were fired meanwhile');
is(sql('SELECT last_error IS NULL FROM cadence.scheduler'), 't', 'the scheduler met no error');

$node->stop;
done_testing();

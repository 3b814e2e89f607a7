# The scheduler and rows it cannot lock: while another transaction holds the
# status rows of 2,000 jobs whose leases are due, the scheduler backs off instead
# of spinning (its CPU time stays under 5 % of the wall time), another role's
# interval job keeps firing on its ticks, and once the locks are gone the leases
# expire within a few seconds, although the holder committed no change (so the
# scheduler heard nothing from it) and the map agrees with the tables.
use strict;
use warnings;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep time);

my $jobs = 2000;
my $hold_seconds = 10;

my $node = cadence_node('scheduler_locked', qq{
cadence.max_executors = 1
});
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub as_role {
    my ($role, $query) = @_;
    return $node->safe_psql('postgres', $query, extra_params => [ '-U', $role ]);
}

sql(q{
CREATE EXTENSION pg_cadence;
CREATE ROLE alice LOGIN IN ROLE cadence_user;
CREATE ROLE bob LOGIN IN ROLE cadence_user;
});

# The scheduler's CPU time so far (user + system), in seconds, from /proc/<pid>/stat.
my $pid = sql('SELECT pid FROM cadence.scheduler');
ok($pid > 0, "the scheduler runs (pid $pid)");
my $ticks_per_second = POSIX::sysconf(POSIX::_SC_CLK_TCK());
sub cpu_seconds {
    my $stat = slurp_file("/proc/$pid/stat");
    # The fields after the command name, which is in parentheses: state is the first,
    # utime the 12th and stime the 13th (fields 14 and 15 of proc(5)).
    my @fields = split ' ', substr($stat, rindex($stat, ')') + 2);
    return ($fields[11] + $fields[12]) / $ticks_per_second;
}
sub scheduler_fires { return sql('SELECT fires FROM cadence.scheduler'); }

# 1. Bob's one-second interval job, run by the executor: it must keep its ticks
#    whatever happens to alice's jobs.
my $every = as_role('bob',
    q{SELECT cadence.create_job('bob every second', cadence.every('1 second'), sql => 'SELECT 1', queue => 'bob')});
$node->poll_query_until('postgres', "SELECT count(*) >= 2 FROM cadence.job_events
    WHERE job_id = $every AND details ->> 'reason' = 'fire'") or die 'the interval job did not fire';

# 2. Alice's external jobs, claimed with a one-second lease by a worker that then
#    goes silent. Once jobs: an expired lease makes them error, retried in an hour,
#    so that nothing of theirs moves afterwards.
as_role('alice', qq{SELECT count(cadence.create_job('locked ' || i, cadence.once(), queue => 'locked',
                                                 backoff => '1 hour'))
                   FROM generate_series(1, $jobs) i});

# 3. A second session of alice's locks their status rows before the leases expire.
#    SELECT ... FOR UPDATE on cadence.jobs_status needs UPDATE rights on the table,
#    which only its owner has; what any role can do is call a cadence function that
#    locks its job's row inside an open transaction. cadence.alter_job(id) with
#    nothing to change locks the row (FOR UPDATE, in cadence._lock_job), appends no
#    event and changes nothing: committed, it sends the scheduler nothing.
my $holder = $node->background_psql('postgres', extra_params => [ '-U', 'alice' ]);
$holder->query_safe('BEGIN');
my $claimed = as_role('alice', q{
    SELECT count(*) FROM cadence.claim('locked', 'silent-worker', 1000, '1 second');
    SELECT count(*) FROM cadence.claim('locked', 'silent-worker', 1000, '1 second');});
is($claimed, "1000\n1000", "alice claimed her $jobs jobs with a one-second lease");
is($holder->query_safe(q{SELECT count(*) FROM cadence.jobs_status s, LATERAL cadence.alter_job(s.job_id) a
                         WHERE s.queue = 'locked'}), $jobs, "alice's second session locks the $jobs rows");
is($holder->query_safe(q{SELECT count(*) FILTER (WHERE status = 'running') || ' running, '
            || count(*) FILTER (WHERE lease_expires_at > clock_timestamp()) || ' leases not yet expired'
         FROM cadence.jobs_status WHERE queue = 'locked'}),
    "$jobs running, $jobs leases not yet expired", 'all locked before any lease expired');
is(sql(q{SELECT count(*) FROM (SELECT FROM cadence.jobs_status WHERE queue = 'locked'
                                FOR UPDATE SKIP LOCKED) unlocked}),
    '0', 'no other transaction can lock any of them');

# 4. Hold the locks: the leases expire a second after the claim, and the scheduler
#    finds every one of those rows locked, again and again.
my ($cpu_before, $fires_before, $wall_before) = (cpu_seconds(), scheduler_fires(), time());
sleep($hold_seconds);
my ($cpu_after, $fires_after, $wall_after) = (cpu_seconds(), scheduler_fires(), time());
my $wall = $wall_after - $wall_before;
my $cpu = $cpu_after - $cpu_before;
my $looks = $fires_after - $fires_before;
diag(sprintf('scheduler CPU while %d rows were locked: %.2f s in %.1f s (%.1f %%); %d due timers handled',
        $jobs, $cpu, $wall, 100 * $cpu / $wall, $looks));
cmp_ok($cpu, '<', 0.05 * $wall, 'the scheduler used less than 5 % of the wall time while the rows were locked');
cmp_ok($looks, '<', 15 * $jobs, 'and looked at each locked job fewer than 15 times in those 10 s');
is(sql(qq{SELECT count(*) FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
          WHERE j.queue = 'locked' AND e.event IN ('error', 'fatal')}),
    '0', 'no lease expired while its row was locked');

# Bob's job kept its ticks meanwhile: each second of the hold had a fire, on time.
my $hold = sprintf("e.at BETWEEN to_timestamp(%.6f) AND to_timestamp(%.6f)", $wall_before, $wall_after);
cmp_ok(sql(qq{SELECT count(*) FROM cadence.job_events e
              WHERE job_id = $every AND details ->> 'reason' = 'fire' AND $hold}),
    '>=', $hold_seconds - 1, "bob's interval job kept firing every second while the rows were locked");
is(sql(qq{SELECT count(*) FROM cadence.job_events e
          WHERE job_id = $every AND details ->> 'reason' = 'fire' AND $hold
            AND e.at - e.fire_time > interval '500 ms'}),
    '0', 'each of those fires within 500 ms of its tick')
  or diag(sql(qq{SELECT string_agg((e.at - e.fire_time)::text, ', ' ORDER BY e.id) FROM cadence.job_events e
                 WHERE job_id = $every AND details ->> 'reason' = 'fire' AND $hold}));

# 5. The holder commits no change: nothing reaches the scheduler, which still
#    expires every lease within a few seconds.
$holder->query_safe('COMMIT');
my $released = time();
$node->poll_query_until('postgres', qq{SELECT count(DISTINCT e.job_id) = $jobs
    FROM cadence.job_events e JOIN cadence.jobs j ON j.id = e.job_id
    WHERE j.queue = 'locked' AND e.event IN ('error', 'fatal') AND e.details ->> 'reason' = 'lease_expired'})
  or die 'the leases did not expire';
my $expired_after = time() - $released;
diag(sprintf('every lease expired %.1f s after the locks were released', $expired_after));
cmp_ok($expired_after, '<', 8, 'every lease expired within 8 s of the locks being released');
is(sql(q{SELECT string_agg(DISTINCT status || ' ' || attempt, ', ') FROM cadence.jobs_status
         WHERE queue = 'locked'}), 'error 1', 'each job is in error, its retry an hour away');
$holder->quit;

# 6. With bob's job paused nothing moves, and the map agrees with the tables.
as_role('bob', "SELECT cadence.pause_job($every)");
$node->poll_query_until('postgres', "SELECT status <> 'running' FROM cadence.jobs_status
    WHERE job_id = $every") or die "bob's last run did not end";
sleep(0.5);
is(sql('SELECT count(*) FROM cadence.verify_timers()'), '0',
    'cadence.verify_timers(): the map agrees with the tables')
  or diag(sql('SELECT * FROM cadence.verify_timers() LIMIT 10'));
is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify(): the log agrees with the status');
is(sql('SELECT count(*) FROM cadence.timers t JOIN cadence.jobs j ON j.id = t.job_id
        WHERE j.queue = \'locked\' AND t.purpose = \'retry\''), $jobs, 'each locked job now waits for its retry');
is(sql('SELECT last_error IS NULL FROM cadence.scheduler'), 't', 'the scheduler met no error');

$node->stop;
done_testing();

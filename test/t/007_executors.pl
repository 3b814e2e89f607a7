# Executors: SQL jobs run inside the database as their owner, the moment they are
# due, within cadence.max_executors and the per-queue limits; their outcome,
# timeouts and cancellations are recorded; an owner never lends a run more rights
# than it has itself; a crashed executor's run ends as an error.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep time);

my $node = cadence_node('executors', qq{
cadence.max_executors = 2
cadence.executor_queue_limits = 'single=1'
restart_after_crash = on
});
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub as_role { return as_role_on($node, @_); }
sub wait_for {
    my ($query, $what) = @_;
    $node->poll_query_until('postgres', $query) or die "timed out waiting for $what";
}
sub status_of { return sql("SELECT status FROM cadence.jobs_status WHERE job_id = $_[0]"); }
sub wait_status { wait_job_status($node, @_); }
sub last_event { return run_ending($node, @_); }

create_alice_and_bob($node);
sql(q{
INSERT INTO secret VALUES (42);
CREATE TABLE shared (x int);
INSERT INTO shared VALUES (7);
GRANT SELECT ON shared TO readers;
CREATE TABLE seen (job text, who text, what text);
GRANT INSERT ON seen TO PUBLIC;
CREATE FUNCTION read_secret_as_owner() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT x FROM secret';
REVOKE ALL ON FUNCTION read_secret_as_owner() FROM PUBLIC;
});

# 1. A due SQL job runs at once, as its owner, with the owner's search_path, and is
#    recorded completed with its command tag and row count.
my $who = as_role('alice', q{SELECT cadence.create_job('who', cadence.once(), sql => $$
    INSERT INTO seen SELECT 'who', session_user || '/' || current_user,
        current_setting('search_path') || ' superuser=' || current_setting('is_superuser')$$)});
wait_status($who, 'completed');
is(sql(q{SELECT who || ' ' || what FROM seen WHERE job = 'who'}),
    'alice/alice alice_schema, public superuser=off',
    "runs as its owner, with the owner's search_path, not as a superuser");
is(last_event($who, 'result'), '{"rows": 1, "command": "INSERT"}', 'completed with the command tag and row count');
is(sql(qq{SELECT string_agg(event, ',' ORDER BY id) FROM cadence.job_events WHERE job_id = $who}),
    'scheduled,running,completed', 'recorded as running, then completed');
ok(sql(qq{SELECT max(at) FILTER (WHERE event = 'running') - min(at) < interval '1 second'
          FROM cadence.job_events WHERE job_id = $who}) eq 't', 'started within a second of being due');

my $super = sql(q{SELECT cadence.create_job('super', cadence.once(), sql => $$
    INSERT INTO seen SELECT 'super', session_user || '/' || current_user, current_setting('is_superuser')$$)});
wait_status($super, 'completed');
is(sql(q{SELECT who || ' ' || what FROM seen WHERE job = 'super'}), 'postgres/postgres on',
    "a superuser's job is the one that runs as a superuser");

# 2. Errors are recorded with every part PostgreSQL gives, and follow the retry rules.
my $failing = as_role('alice', q{SELECT cadence.create_job('failing', cadence.once(), sql => $q$
    DO $b$ BEGIN RAISE EXCEPTION 'it broke' USING DETAIL = 'the detail', HINT = 'the hint',
                                                 ERRCODE = '22012'; END $b$$q$,
    max_attempts => 2, backoff => '1 second')});
wait_status($failing, 'fatal');
is(sql(qq{SELECT string_agg(event, ',' ORDER BY id) FROM cadence.job_events WHERE job_id = $failing}),
    'scheduled,running,error,scheduled,running,fatal', 'a failed run is retried, then given up');
is(sql(qq{SELECT concat_ws('|', details ->> 'error', details ->> 'sqlstate', details ->> 'detail',
                           details ->> 'hint', details ->> 'context' LIKE 'PL/pgSQL function inline_code_block line 1 at RAISE%')
          FROM cadence.job_events WHERE job_id = $failing AND event = 'fatal'}),
    'it broke|22012|the detail|the hint|t', 'the error keeps message, SQLSTATE, detail, hint and context');
like(sql(qq{SELECT last_traceback FROM cadence.recent_jobs WHERE job_id = $failing}),
    qr/inline_code_block/, 'recent_jobs shows the context as the traceback');

# 3. The job's timeout is its statement timeout; without one, the owner's own applies.
my $slow = as_role('alice', q{SELECT cadence.create_job('slow', cadence.once(), sql => 'SELECT pg_sleep(10)',
                                                       timeout => '300 ms', max_attempts => 1)});
wait_status($slow, 'fatal');
is(sql(qq{SELECT concat_ws('|', details ->> 'sqlstate', details ->> 'timed_out', details ->> 'timeout_ms')
          FROM cadence.job_events WHERE job_id = $slow AND event = 'fatal'}),
    '57014|true|300', 'a statement timeout is recorded as such');
sql(q{ALTER ROLE bob SET statement_timeout = '250ms'});
my $slow_bob = as_role('bob', q{SELECT cadence.create_job('slow bob', cadence.once(), sql => 'SELECT pg_sleep(10)',
                                                         max_attempts => 1)});
wait_status($slow_bob, 'fatal');
is(last_event($slow_bob, 'timeout_ms'), '250', "without a job timeout, the owner's statement_timeout applies");

# 4. cadence.cancel_job stops a running statement within a second; its work is undone.
my $long = as_role('alice', q{SELECT cadence.create_job('long', cadence.once(), sql => $$
    INSERT INTO seen VALUES ('long', 'before the sleep', ''); SELECT pg_sleep(60)$$, max_attempts => 1)});
wait_status($long, 'running');
sleep(0.3);
my $started = time();
as_role('alice', "SELECT cadence.cancel_job($long)");
wait_for(qq{SELECT count(*) = 0 FROM cadence.executors WHERE job_id = $long}, 'the executor to let go');
my $stopped_after = time() - $started;
ok($stopped_after < 1.0, sprintf('cancel_job stopped the statement in %.0f ms', $stopped_after * 1000));
is(status_of($long), 'canceled', 'the run is canceled');
is(sql(q{SELECT count(*) FROM seen WHERE job = 'long'}), '0', "the canceled run's work was rolled back");
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()}),
    '0', 'no statement of it is left running');

# An administrator's pg_cancel_backend is recorded as a cancellation too.
my $long2 = sql(q{SELECT cadence.create_job('long2', cadence.once(), sql => 'SELECT pg_sleep(60)', max_attempts => 1)});
wait_status($long2, 'running');
sleep(0.3);
sql(qq{SELECT pg_cancel_backend(pid) FROM cadence.executors WHERE job_id = $long2});
wait_status($long2, 'canceled');
is(last_event($long2, 'canceled_by'), 'pg_cancel_backend', 'pg_cancel_backend is recorded as a cancellation');

# 5. No run has more rights than its owner.
my %denied = (
    'no grant'               => ['SELECT * FROM public.secret', 'permission denied for table secret'],
    'SET ROLE'               => ['SET ROLE postgres; SELECT * FROM public.secret', 'permission denied to set role "postgres"'],
    'SESSION AUTHORIZATION'  => ['SET SESSION AUTHORIZATION postgres; SELECT * FROM public.secret',
                                'a pg_cadence job cannot change its session authorization'],
    'set_config'             => [q{SELECT set_config('session_authorization', 'postgres', false); SELECT * FROM public.secret},
                                'a pg_cadence job cannot change its session authorization'],
    'own SECURITY DEFINER'   => ['CREATE FUNCTION alice_schema.peek() RETURNS int LANGUAGE sql SECURITY DEFINER AS $f$SELECT x FROM public.secret$f$; SELECT alice_schema.peek()',
                                'permission denied for table secret'],
    # (PostgreSQL 16 words it "must be able to SET ROLE".)
    'give away a function'   => ['CREATE FUNCTION alice_schema.mine() RETURNS int LANGUAGE sql AS $f$SELECT 1$f$; ALTER FUNCTION alice_schema.mine() OWNER TO postgres',
                                qr/^must be (member of role|able to SET ROLE) "postgres"$/],
    'superuser SECURITY DEFINER' => ['SELECT public.read_secret_as_owner()', 'permission denied for function read_secret_as_owner'],
);
my %denied_jobs;
for my $case (sort keys %denied) {
    my $body = $denied{$case}[0];
    $body =~ s/'/''/g;
    $denied_jobs{$case} = as_role('alice', "SELECT cadence.create_job('$case', cadence.once(), sql => '$body', max_attempts => 1)");
}
for my $case (sort keys %denied) {
    wait_status($denied_jobs{$case}, 'fatal');
    my $want = $denied{$case}[1];
    if (ref $want) { like(last_event($denied_jobs{$case}, 'error'), $want, "refused: $case"); }
    else { is(last_event($denied_jobs{$case}, 'error'), $want, "refused: $case"); }
}
my $group = as_role('alice', q{SELECT cadence.create_job('group', cadence.once(), sql => $$
    SET ROLE readers; INSERT INTO seen SELECT 'group', session_user || '/' || current_user, x::text FROM shared$$)});
my $reset = as_role('alice', q{SELECT cadence.create_job('reset', cadence.once(), sql => $$
    RESET SESSION AUTHORIZATION; RESET ROLE; INSERT INTO seen SELECT 'reset', session_user || '/' || current_user, ''$$)});
wait_status($group, 'completed');
wait_status($reset, 'completed');
is(sql(q{SELECT who || ' ' || what FROM seen WHERE job = 'group'}), 'alice/readers 7',
    'SET ROLE to a role the owner belongs to works, as in its own session');
is(sql(q{SELECT who FROM seen WHERE job = 'reset'}), 'alice/alice', 'RESET SESSION AUTHORIZATION stays the owner');

# Nothing of a run stays in the executor's session for the next owner's run.
my $leaves = as_role('alice', q{SELECT cadence.create_job('leaves state', cadence.once(), sql => $$
    CREATE TEMP TABLE left_behind (x int); PREPARE left_plan AS SELECT 1;
    SELECT pg_advisory_lock(4242); SET application_name = 'changed by a job'$$)});
wait_status($leaves, 'completed');
is(sql(q{SELECT count(*) FROM pg_class WHERE relname = 'left_behind'}), '0', 'its temporary table is gone');
is(sql(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}), '0', 'its advisory lock is released');
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'changed by a job'}), '0',
    'its settings are undone');

# The executor's own login role's settings are not the owner's.
sql(q{ALTER ROLE postgres SET session_replication_role = replica});
sql(q{SELECT pg_terminate_backend(pid) FROM cadence.executors});
wait_for(q{SELECT count(*) = 0 FROM cadence.executors}, 'the executors to end');  # new ones log in again
my $srr = as_role('alice', q{SELECT cadence.create_job('srr', cadence.once(), sql => $$
    INSERT INTO seen SELECT 'srr', session_user, current_setting('session_replication_role')$$)});
wait_status($srr, 'completed');
is(sql(q{SELECT what FROM seen WHERE job = 'srr'}), 'origin',
    "a setting of the executor's login role (session_replication_role) does not reach a job");
sql(q{ALTER ROLE postgres RESET session_replication_role});

# A default session_authorization planted by a database setting: RESET SESSION
# AUTHORIZATION in a job must not make it that role (the executor ends instead).
sql(q{ALTER DATABASE postgres SET session_authorization = postgres});
sql(q{SELECT pg_terminate_backend(pid) FROM cadence.executors});
wait_for(q{SELECT count(*) = 0 FROM cadence.executors}, 'the executors to end');
# A new executor logs in with the planted default, and stays for the next run.
my $login = sql(q{SELECT cadence.create_job('login', cadence.once(), sql => 'SELECT 1')});
wait_status($login, 'completed');
sql(q{ALTER DATABASE postgres RESET session_authorization});
my $planted = as_role('alice', q{SELECT cadence.create_job('planted', cadence.once(), max_attempts => 1, sql => $$
    RESET SESSION AUTHORIZATION; INSERT INTO seen SELECT 'planted', session_user, current_setting('is_superuser')$$)});
wait_status($planted, 'fatal');
is(sql(q{SELECT count(*) FROM seen WHERE job = 'planted'}), '0', 'RESET to a planted superuser default runs nothing');
is(last_event($planted, 'executor_lost'), 'true', '... the executor ended instead, and the run is recorded as lost');

# 6. An owner that was dropped, lost LOGIN or CONNECT, or lost a grant makes the run fail.
sql(q{CREATE ROLE carol LOGIN IN ROLE cadence_user; CREATE ROLE dave LOGIN IN ROLE cadence_user; CREATE TABLE granted (x int);
      GRANT SELECT ON granted TO dave; REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
      GRANT CONNECT ON DATABASE postgres TO alice, bob, carol, dave});
my $later = q{cadence.once(now() + interval '1 hour')};
my $carol_job = as_role('carol', "SELECT cadence.create_job('carol', $later, sql => 'SELECT 1', max_attempts => 1)");
my $dave_job = as_role('dave', "SELECT cadence.create_job('dave', $later, sql => 'SELECT * FROM granted', max_attempts => 1)");
sql(q{REVOKE CONNECT ON DATABASE postgres FROM carol; DROP ROLE carol});
sql("SELECT cadence.run_job_now($carol_job)");
wait_status($carol_job, 'fatal');
like(last_event($carol_job, 'error'), qr/^the owner of job \d+, role with OID \d+, no longer exists$/,
    'a dropped owner fails the run');
is(last_event($carol_job, 'sqlstate'), '42704', '... with SQLSTATE 42704');

sql("ALTER ROLE dave NOLOGIN; SELECT cadence.run_job_now($dave_job)");
wait_status($dave_job, 'fatal');
is(last_event($dave_job, 'error'), 'role "dave" is not permitted to log in', 'an owner without LOGIN fails the run');
sql("ALTER ROLE dave LOGIN; REVOKE CONNECT ON DATABASE postgres FROM dave; SELECT cadence.run_job_now($dave_job)");
wait_for(qq{SELECT count(*) = 2 FROM cadence.job_events WHERE job_id = $dave_job AND event = 'fatal'}, 'the second run');
is(last_event($dave_job, 'error'), 'permission denied for database "postgres"', 'an owner without CONNECT fails the run');
sql("GRANT CONNECT ON DATABASE postgres TO dave; SELECT cadence.run_job_now($dave_job)");
wait_status($dave_job, 'completed');
sql("REVOKE SELECT ON granted FROM dave; SELECT cadence.run_job_now($dave_job)");
wait_status($dave_job, 'fatal');
is(last_event($dave_job, 'error'), 'permission denied for table granted', 'a revoked grant fails the run');
sql(q{GRANT CONNECT ON DATABASE postgres TO PUBLIC});

# 7. At most cadence.max_executors runs at once, started in due order; the queue limit holds.
sql(q{TRUNCATE seen});
my $burst = sql(q{SELECT string_agg(cadence.create_job('burst ' || i, cadence.once(now() + interval '300 ms' + i * interval '10 ms'),
                    sql => 'SELECT pg_sleep(0.4)')::text, ',' ORDER BY i) FROM generate_series(1, 6) i});
wait_for(qq{SELECT count(*) = 6 FROM cadence.jobs_status WHERE job_id IN ($burst) AND status = 'completed'}, 'the burst');
my $overlap = q{
    WITH runs AS (
        SELECT e.job_id, e.at AS started,
               (SELECT min(f.at) FROM cadence.job_events f WHERE f.job_id = e.job_id AND f.id > e.id
                AND f.event IN ('completed', 'error', 'fatal', 'canceled')) AS ended
        FROM cadence.job_events e WHERE e.event = 'running' AND e.job_id IN (%s))
    SELECT max((SELECT count(*) FROM runs b WHERE b.started <= a.started AND b.ended > a.started)) FROM runs a};
is(sql(sprintf($overlap, $burst)), '2', 'six due runs with two executors: two at a time, never more');
is(sql(qq{SELECT string_agg(job_id::text, ',' ORDER BY at, id) FROM cadence.job_events
          WHERE job_id IN ($burst) AND event = 'running'}), $burst, 'they started in due order');

# Any role can take advisory locks: the queue limit must not depend on one.
my $blocker = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres') . ' user=bob', '-c',
    q{SELECT pg_advisory_lock(hashtext('pg_cadence executor queue'), hashtext('single')), pg_sleep(30)} ]);
my $single = sql(q{SELECT string_agg(cadence.create_job('single ' || i, cadence.once(), queue => 'single',
                    sql => 'SELECT pg_sleep(0.3)')::text, ',') FROM generate_series(1, 3) i});
wait_for(qq{SELECT count(*) = 3 FROM cadence.jobs_status WHERE job_id IN ($single) AND status = 'completed'}, 'the limited queue');
is(sql(sprintf($overlap, $single)), '1', "queue 'single' (limit 1) never ran two at once");
pass("... though another role held advisory locks meanwhile");
$blocker->kill_kill;
my ($stdout, $stderr) = ('', '');
IPC::Run::run([ 'psql', '-XAtq', '-d', $node->connstr('postgres') . ' user=bob', '-c',
    'SELECT * FROM cadence.executor_queue_turns FOR UPDATE' ], '>', \$stdout, '2>', \$stderr);
like($stderr, qr/permission denied/, "other roles cannot lock the executors' queue turns");

# 8. Idle executors sleep: no wake-up at all while nothing is due.
my @pids = split /\n/, sql(q{SELECT pid FROM cadence.executors ORDER BY executor});
is(scalar(@pids), 2, 'two executors');
sub switches {
    my $total = 0;
    for my $pid (@pids) {
        open(my $fh, '<', "/proc/$pid/status") or die "no process $pid";
        while (<$fh>) { $total += $1 if /^(?:non)?voluntary_ctxt_switches:\s+(\d+)/; }
    }
    return $total;
}
sleep(1);  # let the last run's executor settle
my $before = switches();
sleep(4);
# At most one: PostgreSQL may signal an idle backend once to catch up with catalog
# invalidations (this test made many); any polling would wake them every time.
cmp_ok(switches() - $before, '<=', 1, 'idle executors did not wake up in 4 seconds');

# 9. An executor killed during a run: after the restart the run is an error, not running.
my $doomed = as_role('alice', q{SELECT cadence.create_job('doomed', cadence.once(), sql => 'SELECT pg_sleep(60)',
                                                         max_attempts => 2, backoff => '1 hour')});
wait_status($doomed, 'running');
my $victim = sql(qq{SELECT pid FROM cadence.executors WHERE job_id = $doomed});
kill 'KILL', $victim;
wait_for(qq{SELECT status = 'error' FROM cadence.jobs_status WHERE job_id = $doomed}, 'the lost run to be failed');
like(last_event($doomed, 'error'), qr/ended during the run/, 'the lost run says why');
is(last_event($doomed, 'executor_lost'), 'true', '... and is marked as lost');
ok(sql(qq{SELECT run_at > now() + interval '45 minutes' FROM cadence.jobs_status WHERE job_id = $doomed}) eq 't',
    'and follows the retry rules');
my $after = sql(q{SELECT cadence.create_job('after the crash', cadence.once(), sql => 'SELECT 1')});
wait_status($after, 'completed');
pass('executors run jobs again after the crash');

# A terminated executor's run is recovered the same way.
my $terminated = sql(q{SELECT cadence.create_job('terminated', cadence.once(), sql => 'SELECT pg_sleep(60)', max_attempts => 1)});
wait_status($terminated, 'running');
sql(qq{SELECT pg_terminate_backend(pid) FROM cadence.executors WHERE job_id = $terminated});
wait_status($terminated, 'fatal');
is(last_event($terminated, 'executor_lost'), 'true', 'pg_terminate_backend: the scheduler records the run as lost');
my $after_terminate = sql(q{SELECT cadence.create_job('after the termination', cadence.once(), sql => 'SELECT 1')});
wait_status($after_terminate, 'completed');
pass('an executor is started again for the next due run');

is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'the event log and the status agree');
$node->stop;
done_testing();

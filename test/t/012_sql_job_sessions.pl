# SQL jobs run like psql -c: the body is a top-level query string whose own
# COMMITs (a procedure's, a DO block's, its own) are real. Across those commits the
# job's timeout and cancel still stop it, it stays its owner with nothing more,
# and nothing of it is left in the executor for the next run.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep time);

my $node = cadence_node('sql_job_sessions', qq{
cadence.max_executors = 1
log_min_messages = debug1
});
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub as_role { return as_role_on($node, @_); }
sub wait_status { wait_job_status($node, @_); }
sub ending { return run_ending($node, @_); }
sub job {
    my ($role, $name, $body, $extra) = @_;
    $extra //= '';
    return as_role($role, "SELECT cadence.create_job('$name', cadence.once(), sql => \$body\$$body\$body\$,
                                                     max_attempts => 1 $extra)");
}

create_alice_and_bob($node);
sql(q{
CREATE TABLE seen (job text, what text);
GRANT INSERT, SELECT ON seen TO PUBLIC;
CREATE PROCEDURE commit_then_sleep(seconds float8) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO seen VALUES ('commit_then_sleep', 'committed before the sleep');
    COMMIT;
    PERFORM pg_sleep(seconds);
END $$;
CREATE PROCEDURE become(r text) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', r);
    PERFORM set_config('search_path', 'pg_catalog', false);
    COMMIT;
END $$;
GRANT EXECUTE ON PROCEDURE commit_then_sleep(float8), become(text) TO PUBLIC;
});

# 1. The job's timeout bounds the whole body, across the commits inside it.
my $slow = job('alice', 'slow', 'CALL public.commit_then_sleep(30)', ", timeout => '400 ms'");
wait_status($slow, 'fatal');
is(ending($slow, 'sqlstate') . ' ' . ending($slow, 'timed_out'), '57014 true',
    'a procedure that committed and then overran its timeout is stopped and recorded as timed out');
is(ending($slow, 'committed_before_error'), 'true', '... saying that some of its work had committed');
is(sql(q{SELECT count(*) FROM seen WHERE job = 'commit_then_sleep'}), '1', '... which stays committed');

my $reset = job('alice', 'reset all', 'RESET ALL; SET statement_timeout = 0; COMMIT; SELECT pg_sleep(30)',
    ", timeout => '400 ms'");
wait_status($reset, 'fatal');
is(ending($reset, 'timed_out'), 'true', 'RESET ALL and SET statement_timeout in the body do not lift the timeout');

# 2. cancel_job stops any statement of the body, also after a commit of its own.
sql(q{TRUNCATE seen});
my $long = job('alice', 'long', q{BEGIN; INSERT INTO public.seen VALUES ('long', 'first'); COMMIT;
    INSERT INTO public.seen VALUES ('long', 'second'); SELECT pg_sleep(60)});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM seen WHERE job = 'long'})
    or die 'the first transaction did not commit';
sleep(0.2);
my $started = time();
as_role('alice', "SELECT cadence.cancel_job($long)");
$node->poll_query_until('postgres', qq{SELECT count(*) = 0 FROM cadence.executors WHERE job_id = $long})
    or die 'the executor did not let go';
my $stopped_after = time() - $started;
ok($stopped_after < 1.0, sprintf('cancel_job stopped the third statement in %.0f ms', $stopped_after * 1000));
is(status_of($long), 'canceled', 'the run is canceled');
is(sql(q{SELECT string_agg(what, ',') FROM seen WHERE job = 'long'}), 'first',
    'what the body committed stays; the statements after its commit are rolled back');
sub status_of { return sql("SELECT status FROM cadence.jobs_status WHERE job_id = $_[0]"); }

# 3. No escape from the owner across commits.
my %refused = (
    'SET ROLE after a commit' => ['COMMIT; SET ROLE postgres; SELECT * FROM public.secret',
                                  'permission denied to set role "postgres"'],
    'SESSION AUTHORIZATION after a commit' => ['BEGIN; COMMIT; SET SESSION AUTHORIZATION postgres',
                                  'a pg_cadence job cannot change its session authorization'],
    'set_config in a procedure that commits' => [
        q{DO $d$ BEGIN COMMIT; PERFORM set_config('session_authorization', 'postgres', false); END $d$},
        'a pg_cadence job cannot change its session authorization'],
    'LISTEN' => ['LISTEN jobs', 'cannot execute LISTEN within a background process'],
    'RESET ALL, then a superuser table' => ['RESET ALL; COMMIT; SELECT * FROM public.secret',
                                  'permission denied for table secret'],
);
my %refused_jobs;
for my $case (sort keys %refused) {
    $refused_jobs{$case} = job('alice', $case, $refused{$case}[0]);
}
for my $case (sort keys %refused) {
    wait_status($refused_jobs{$case}, 'fatal');
    is(ending($refused_jobs{$case}, 'error'), $refused{$case}[1], "refused: $case");
}
my $reset_auth = job('alice', 'reset authorization', q{COMMIT; RESET SESSION AUTHORIZATION; RESET ROLE;
    INSERT INTO public.seen SELECT 'reset authorization', session_user || '/' || current_user});
wait_status($reset_auth, 'completed');
is(sql(q{SELECT what FROM seen WHERE job = 'reset authorization'}), 'alice/alice',
    'RESET SESSION AUTHORIZATION after a commit stays the owner');

# 4. Nothing of a run stays for the next one, though its changes were committed:
#    a procedure's SET ROLE and search_path, the body's settings, its temporary
#    table, its advisory lock, its read-only default.
sql(q{TRUNCATE seen});
my $becomes = job('alice', 'becomes readers', q{CALL public.become('readers')});
wait_status($becomes, 'completed');
my $leaves = job('alice', 'leaves state', q{SET application_name = 'changed by a job';
    CREATE TEMP TABLE left_behind (x int); SELECT pg_advisory_lock(4242);
    SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; PREPARE left_plan AS SELECT 1});
wait_status($leaves, 'completed');
my $next = job('bob', 'next run', q{INSERT INTO public.seen SELECT 'next run', session_user || '/' || current_user
    || ' ' || current_setting('search_path') || ' ' || current_setting('default_transaction_read_only')
    || ' ' || (SELECT count(*) FROM pg_prepared_statements)});
wait_status($next, 'completed');
is(sql(q{SELECT what FROM seen WHERE job = 'next run'}), 'bob/bob "$user", public off 0',
    "the next run is its own owner's, with none of the last run's settings, role or statements");
my $alice_again = job('alice', 'alice again', q{INSERT INTO public.seen SELECT 'alice again',
    current_user || ' ' || current_setting('search_path')});
wait_status($alice_again, 'completed');
is(sql(q{SELECT what FROM seen WHERE job = 'alice again'}), 'alice alice_schema, public',
    "the owner's own search_path comes back, not the one its last run committed");
is(sql(q{SELECT count(*) FROM pg_class WHERE relname = 'left_behind'}), '0', 'its temporary table is gone');
is(sql(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}), '0', 'its advisory lock is released');
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'changed by a job'}), '0',
    'its application_name is undone');

# 5. VACUUM of a table the owner may not vacuum: the warning psql shows, and the run completes.
my ($ret, $psql_out, $psql_err) = $node->psql('postgres', 'VACUUM public.secret', extra_params => ['-U', 'alice']);
my ($psql_warning) = $psql_err =~ /WARNING:\s+(.*)/;
ok(defined $psql_warning, "psql prints a warning for alice's VACUUM of the superuser's table: $psql_warning");
my $vacuum = job('alice', 'vacuum secret', 'VACUUM public.secret');
wait_status($vacuum, 'completed');
is(sql(qq{SELECT details -> 'warnings' ->> 0 FROM cadence.job_events WHERE job_id = $vacuum AND event = 'completed'}),
    $psql_warning, 'the job completes with the same warning in its completed event');

# 6. The body shows in pg_stat_activity while it runs, as a client's query would.
my $visible = job('alice', 'visible', 'SELECT pg_sleep(1.5)');
wait_status($visible, 'running');
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
    WHERE backend_type = 'pg_cadence executor' AND query = 'SELECT pg_sleep(1.5)' AND state = 'active'})
    or die 'the body was not shown';
pass('pg_stat_activity shows the running body');
wait_status($visible, 'completed');

# 7. Plans cached while the job tables were small are made again once they have grown.
my $log_offset = -s $node->logfile;
sql(q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'bulk ' || i FROM generate_series(1, 20000) i),
                                               cadence.once(now() + interval '1 hour'))});
sql(q{SELECT cadence.cancel_job(max(id)) FROM cadence.jobs});
ok($node->log_contains(qr/cadence\.jobs_status has grown to \d+ blocks: cached plans on the job tables will be made again/,
    $log_offset), 'after 20,000 new jobs, the next move of a job has the cached plans on the job tables made again');

is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'the event log and the status agree');
$node->stop;
done_testing();

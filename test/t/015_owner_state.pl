# Owners never share backend state. An executor resets what a run leaves in its
# session (settings, role, prepared statements, cursors, advisory locks,
# temporary tables; LISTEN is refused in a background worker); what no reset reaches (a temporary schema, a library's state
# such as dblink's named connections) binds the executor to that owner until no
# run of the owner's is due, and then a fresh backend takes its place.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;

# One executor: every run goes through the same slot, so a shared backend would show.
my $node = cadence_node('owner_state', "cadence.max_executors = 1\n");
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub wait_status {
    my ($job, $status) = @_;
    $node->poll_query_until('postgres', "SELECT status IN ('completed', 'fatal', 'canceled')
                                         FROM cadence.jobs_status WHERE job_id = $job")
        or die "timed out waiting for job $job to end";
    my $ended = sql("SELECT status || coalesce(': ' || last_error, '') FROM cadence.recent_jobs WHERE job_id = $job");
    die "job $job ended $ended, not $status" unless $ended =~ /^$status/;
}
sub ending { return run_ending($node, @_); }
sub job {
    my ($role, $name, $body) = @_;
    return sql("SET ROLE $role; SELECT cadence.create_job('$name', cadence.once(), sql => \$body\$$body\$body\$,
                                                          max_attempts => 1)");
}
sub seen { return sql("SELECT what FROM seen WHERE job = '$_[0]'"); }

(my $connstr = $node->connstr('postgres')) =~ s/'/''/g;
sql(q{
CREATE EXTENSION pg_cadence;
CREATE EXTENSION dblink;
CREATE ROLE alice LOGIN SUPERUSER;  -- dblink_connect without a password needs one
CREATE ROLE bob LOGIN IN ROLE cadence_user;
CREATE ROLE carol LOGIN IN ROLE cadence_user;
CREATE ROLE dave LOGIN IN ROLE cadence_user;
REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC;
GRANT TEMPORARY ON DATABASE postgres TO alice;
CREATE TABLE seen (job text, what text);
GRANT INSERT, SELECT ON seen TO PUBLIC;
});
$node->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler})
    or die 'the scheduler never started';

# 1. Runs that leave nothing past the reset share the executor: carol's prepared
#    statement, held cursor and advisory lock are gone for dave's run.
my $carol = job('carol', 'carol', q{INSERT INTO public.seen SELECT 'carol', pg_backend_pid();
    PREPARE carol_plan AS SELECT 1; DECLARE carol_cursor CURSOR WITH HOLD FOR SELECT 1;
    SELECT pg_advisory_lock(4242)});
wait_status($carol, 'completed');
is(sql(q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}), '0', "carol's advisory lock is released");
my $dave = job('dave', 'dave', q{INSERT INTO public.seen SELECT 'dave', pg_backend_pid();
    INSERT INTO public.seen SELECT 'dave sees', (SELECT count(*) FROM pg_prepared_statements) || ' '
        || (SELECT count(*) FROM pg_cursors)});
wait_status($dave, 'completed');
is(seen('dave'), seen('carol'), 'an owner whose run left nothing runs in the same backend as the last');
is(seen('dave sees'), '0 0', '... with no prepared statement or cursor of the last owner');

# 2. alice's run keeps a dblink named connection and a temporary table: state no
#    reset reaches. The executor serves her next run in the same backend, then a
#    fresh backend serves bob, who sees no connection and may not create
#    temporary tables (he has no TEMPORARY privilege).
# Both of alice's runs are due together: the second finds the executor still hers.
my ($alice, $alice_again) = split /\n/, sql(qq{SET ROLE alice;
    SELECT id FROM cadence.create_jobs(ARRAY['alice', 'alice again'], cadence.once(), sql => ARRAY[
        \$body\$INSERT INTO public.seen SELECT 'alice', pg_backend_pid();
            SELECT dblink_connect('kept', '$connstr'); CREATE TEMP TABLE alice_temp (x int)\$body\$,
        \$body\$INSERT INTO public.seen SELECT 'alice again', pg_backend_pid();
            INSERT INTO public.seen SELECT 'alice sees', array_to_string(dblink_get_connections(), ',')\$body\$]) id
    ORDER BY id});
wait_status($alice, 'completed');
wait_status($alice_again, 'completed');
is(seen('alice again'), seen('alice'), "alice's next run is served by the backend that holds her state");
is(seen('alice sees'), 'kept', '... where her named connection still is');
my $bob = job('bob', 'bob', q{INSERT INTO public.seen SELECT 'bob', pg_backend_pid();
    INSERT INTO public.seen SELECT 'bob sees', coalesce(array_to_string(dblink_get_connections(), ','), 'none')});
wait_status($bob, 'completed');
isnt(seen('bob'), seen('alice'), "bob's run is served by a fresh backend");
is(seen('bob sees'), 'none', "... which has no dblink connection of alice's");
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE pid = } . seen('alice')), '0',
    "alice's backend is gone");
my $bob_temp = job('bob', 'bob temp', q{CREATE TEMP TABLE bob_temp (x int)});
wait_status($bob_temp, 'fatal');
is(ending($bob_temp, 'sqlstate'), '42501',
    'a temporary table needs the TEMPORARY privilege: no temporary schema of alice is reused');
is(sql(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_cadence executor'}), '1',
    'one executor serves on');

is(sql(q{SELECT string_agg(job_id || ': ' || problem, '; ') FROM cadence.verify()}), '',
    'the event log and the status agree');
$node->stop;
done_testing();

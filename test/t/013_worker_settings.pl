# The workers hold up under a configuration that is not the default: serializable
# isolation, a read-only database default and global timeouts. Their own
# transactions choose what they need, a job's SQL gets its owner's settings as a
# login would (an invalid stored setting warns), and the statistics of what the
# workers do reach pg_stat_user_tables and autovacuum.
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

my $node = cadence_node('worker_settings', qq{
cadence.max_executors = 2
default_transaction_isolation = 'serializable'
statement_timeout = '5s'
lock_timeout = '50ms'
idle_in_transaction_session_timeout = '2s'
autovacuum_naptime = 1
max_prepared_transactions = 2
work_mem = '5MB'
});
# Every session of this test writes explicitly: the database's default is read-only.
sub sql { return $node->safe_psql('postgres', "SET default_transaction_read_only = off; $_[0]"); }
sub wait_for { poll_with(\&sql, $_[0], $_[1], 30); }
sub ending { return run_ending($node, @_); }

sql(q{
CREATE EXTENSION pg_cadence;
CREATE ROLE bob LOGIN IN ROLE cadence_user;
CREATE TABLE seen (what text);
GRANT INSERT, SELECT ON seen TO PUBLIC;
CREATE TABLE written_by_job (x int);
GRANT INSERT ON written_by_job TO bob;
ALTER DATABASE postgres SET default_transaction_read_only = on;
ALTER ROLE CURRENT_USER SET work_mem = '7MB';  -- the executors' login role
ALTER TABLE cadence.jobs_status SET (autovacuum_vacuum_threshold = 50, autovacuum_vacuum_scale_factor = 0);
});
$node->restart;  # the workers connect again, with the database's new default
wait_for(q{SELECT count(*) = 1 FROM cadence.scheduler WHERE pid IS NOT NULL}, 'the scheduler');
my $log_offset = -s $node->logfile;

# 1. Two executors claiming 40 runs at once under serializable: all complete, neither fails.
my $burst = sql(q{SELECT string_agg(id::text, ',') FROM cadence.create_jobs(
    ARRAY(SELECT 'burst ' || i FROM generate_series(1, 40) i), cadence.once(),
    sql => array_fill('SELECT pg_sleep(0.01)'::text, ARRAY[40])) id});
wait_for(qq{SELECT count(*) = 40 FROM cadence.jobs_status WHERE job_id IN ($burst) AND status = 'completed'},
    'the burst');
pass('40 runs claimed by two executors at once under serializable all completed');
is(sql(q{SELECT count(*) FROM cadence.job_events WHERE details ? 'executor_lost'}), '0',
    'no executor ended during a run (no serialization failure of their own)');
ok(!$node->log_contains(qr/could not serialize|read-only transaction|canceling statement due to lock timeout/,
    $log_offset), 'the server log shows no failure of a worker transaction');

# 2. A job's SQL runs under its owner's settings, as a login would: the database's
#    read-only default and the cluster's serializable default apply to it.
my $readonly = sql(q{SET ROLE bob; SELECT cadence.create_job('read-only', cadence.once(),
    sql => 'INSERT INTO public.seen VALUES (1)', max_attempts => 1)});
wait_for(qq{SELECT status = 'fatal' FROM cadence.jobs_status WHERE job_id = $readonly}, 'the read-only job');
is(ending($readonly, 'sqlstate'), '25006', "the owner's read-only default applies to a job's SQL");
my $readwrite = sql(q{SET ROLE bob; SELECT cadence.create_job('read-write', cadence.once(),
    sql => $$BEGIN READ WRITE; INSERT INTO public.seen SELECT current_setting('transaction_isolation'); COMMIT$$)});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $readwrite}, 'the read-write job');
is(sql(q{SELECT what FROM seen}), 'serializable', "... and so does the cluster's isolation");

# 3. A stored setting that is no longer valid warns, as at a login, and the run goes on.
sql(q{ALTER ROLE bob SET default_tablespace = 'gone'});
my $warned = sql(q{SET ROLE bob; SELECT cadence.create_job('stale setting', cadence.once(),
    sql => $$BEGIN READ WRITE; INSERT INTO public.written_by_job SELECT generate_series(1, 500); COMMIT$$)});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $warned}, 'the job with a stale setting');
like(sql(qq{SELECT details -> 'warnings' ->> 0 FROM cadence.job_events WHERE job_id = $warned AND event = 'completed'}),
    qr/default_tablespace/, 'the invalid stored setting is a warning kept with the run, not a failure');
sql(q{ALTER ROLE bob RESET default_tablespace});

# 3b. A parameter the executors' own login role sets is not the owner's: a job gets
#     postgresql.conf's value, as the owner's login would.
my $conf_value = sql(q{SET ROLE bob; SELECT cadence.create_job('server setting', cadence.once(),
    sql => $$BEGIN READ WRITE; INSERT INTO public.seen SELECT 'work_mem=' || current_setting('work_mem'); COMMIT$$)});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $conf_value}, 'the work_mem job');
is(sql(q{SELECT what FROM seen WHERE what LIKE 'work_mem=%'}), 'work_mem=5MB',
    "a job gets postgresql.conf's value of a parameter the executors' login role sets");

# 4. A row lock held longer than lock_timeout does not make the executor's own
#    record fail: it waits, then records the run.
my $held = sql(q{SELECT cadence.create_job('held', cadence.once(now() + interval '1 hour'), sql => 'SELECT pg_sleep(0.3)')});
sql("SELECT cadence.run_job_now($held)");
wait_for(qq{SELECT status = 'running' FROM cadence.jobs_status WHERE job_id = $held}, 'the held job to run');
my ($in, $out) = ('', '');
my $locker = IPC::Run::start(['psql', '-XAtq', '-d', $node->connstr('postgres')],
    '<', \$in, '>', \$out, '2>', \$out);
$in .= "SET default_transaction_read_only = off; SET lock_timeout = 0; BEGIN; SELECT 1 FROM cadence.jobs_status WHERE job_id = $held FOR UPDATE;\n"
    . "SELECT pg_sleep(1.5); COMMIT;\n\\q\n";
$locker->finish;
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $held}, 'the held job to complete');
pass('a run whose row was locked for 1.5 s past a 50 ms lock_timeout is recorded completed');

# 5. Statistics of what the workers do reach pg_stat_user_tables, and autovacuum.
wait_for(q{SELECT n_tup_ins = 500
           FROM pg_stat_user_tables WHERE relname = 'written_by_job'}, 'the rows the job inserted to be counted');
pass("the 500 rows a SQL job inserted are counted in pg_stat_user_tables");
my $churn = sql(q{SELECT string_agg(id::text, ',') FROM cadence.create_jobs(
    ARRAY(SELECT 'churn ' || i FROM generate_series(1, 150) i), cadence.once(),
    sql => array_fill('SELECT 1'::text, ARRAY[150])) id});
wait_for(qq{SELECT count(*) = 150 FROM cadence.jobs_status WHERE job_id IN ($churn) AND status = 'completed'},
    'the churn');
wait_for(q{SELECT autovacuum_count > 0
           FROM pg_stat_all_tables WHERE relid = 'cadence.jobs_status'::regclass}, 'autovacuum of jobs_status');
pass("autovacuum visited cadence.jobs_status after the executors' updates");

# 6. Two-phase commit: a transaction that changed jobs cannot be prepared (COMMIT
#    PREPARED would commit them unpublished and unknown to the scheduler); others can.
my ($rc, $stdout, $stderr) = $node->psql('postgres', q{SET default_transaction_read_only = off; BEGIN;
    SELECT cadence.create_job('prepared', cadence.every('1 minute')); PREPARE TRANSACTION 'with a job'});
like($stderr, qr/cannot PREPARE a transaction that changed pg_cadence jobs/, 'PREPARE TRANSACTION of a job change is refused');
is(sql(q{SELECT count(*) FROM pg_prepared_xacts}) . ' ' . sql(q{SELECT count(*) FROM cadence.jobs WHERE name = 'prepared'}),
    '0 0', '... and the transaction was rolled back');
sql(q{BEGIN; INSERT INTO seen VALUES ('prepared'); PREPARE TRANSACTION 'without'; COMMIT PREPARED 'without'});
is(sql(q{SELECT count(*) FROM seen WHERE what = 'prepared'}), '1', 'a prepared transaction that changed no job commits');

# 7. cadence.timers: nothing an ordinary role can lock blocks it, and a request
#    given up on (canceled while the scheduler answers) leaves no shared memory behind.
sql(q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'timer ' || i FROM generate_series(1, 20000) i),
                                               cadence.every('1 hour'), payloads => NULL)});
my ($lock_in, $lock_out) = ('', '');
my $holder = IPC::Run::start(['psql', '-XAtq', '-d', $node->connstr('postgres') . ' user=bob'],
    '<', \$lock_in, '>', \$lock_out, '2>', \$lock_out);
$lock_in .= "SELECT pg_advisory_lock(x'636164656e6365'::bigint); SELECT 'locked';\n";
$holder->pump until $lock_out =~ /locked/ || !$holder->pumpable;
is(sql(q{SET statement_timeout = '3s'; SELECT count(*) >= 20000 FROM cadence.timers}), 't',
    'cadence.timers answers while an ordinary role holds the advisory lock it once took');
sub dsm_segments {
    opendir(my $dir, '/dev/shm') or return 0;
    my $count = grep { /^PostgreSQL\./ } readdir($dir);
    closedir($dir);
    return $count;
}
my $segments_before = dsm_segments();
$node->psql('postgres', join('', map { "SET statement_timeout = '2ms'; SELECT count(*) FROM cadence.timers;\n" } 1 .. 200));
sql(q{SELECT count(*) FROM cadence.timers});  # one that completes
my $segments_after = dsm_segments();
cmp_ok($segments_after - $segments_before, '<=', 1,
    "200 requests canceled while waiting left no segment behind ($segments_before before, $segments_after after)");
$lock_in .= "\\q\n";
$holder->finish;

# 8. A row with a job id that is not positive (only a hand-written row can have one)
#    is ignored when the scheduler loads its map, with a warning, instead of ending
#    it again and again.
sql(q{
SET session_replication_role = replica;
INSERT INTO cadence.jobs (id, name, queue, kind, trigger, max_attempts, backoff, owner, created_at)
VALUES (-1, 'by hand', 'default', 'external', cadence.every('1 hour'), 3, '10 s', 'postgres', now());
WITH e AS (INSERT INTO cadence.job_events (job_id, event, status, attempt, owner, details, queue)
           VALUES (-1, 'canceled', 'canceled', 1, 'postgres', '{}', 'default') RETURNING id)
INSERT INTO cadence.jobs_status (job_id, status, attempt, queue, kind, owner, paused, fire_base,
                                 timer_at, timer_kind, event_id, status_event_id, changed_at)
SELECT -1, 'canceled', 1, 'default', 'external', 'postgres', false, now(), now() + interval '1 hour',
       'fire', e.id, e.id, now() FROM e;
});
$log_offset = -s $node->logfile;
my $scheduler = sql(q{SELECT pid FROM cadence.scheduler});
sql(qq{SELECT pg_terminate_backend($scheduler)});
wait_for(qq{SELECT pid IS NOT NULL AND pid <> $scheduler AND load_ms IS NOT NULL FROM cadence.scheduler},
    'the scheduler to come back');
my $restarted = sql(q{SELECT pid FROM cadence.scheduler});
sleep(2);
is(sql(q{SELECT pid FROM cadence.scheduler}), $restarted, 'the scheduler loaded its map and kept running');
ok($node->log_contains(qr/ignored 1 timers of jobs whose id is not positive/, $log_offset),
    '... saying that it ignored the row');
sql(q{SET session_replication_role = replica; DELETE FROM cadence.jobs WHERE id = -1;
      DELETE FROM cadence.job_events WHERE job_id = -1});

# 9. Publication that fails (as with a full NOTIFY queue) does not stop jobs; it is
#    said once, and listeners get a resync when publication works again.
use JSON::PP;
my $listener = $node->background_psql('postgres');
$listener->query_safe('SET default_transaction_read_only = off; LISTEN cadence_status');
sql(q{ALTER SYSTEM SET cadence.fail_publication_for_tests = on; SELECT pg_reload_conf()});
sleep(0.5);
$log_offset = -s $node->logfile;
my $unpublished = sql(q{SELECT string_agg(id::text, ',') FROM cadence.create_jobs(
    ARRAY(SELECT 'unpublished ' || i FROM generate_series(1, 5) i), cadence.once(),
    sql => array_fill('SELECT 1'::text, ARRAY[5])) id});
wait_for(qq{SELECT count(*) = 5 FROM cadence.jobs_status WHERE job_id IN ($unpublished) AND status = 'completed'},
    'the jobs run while publication fails');
pass('five SQL jobs ran to completion while publication failed');
my $failures = () = slurp_file($node->logfile, $log_offset) =~ /could not publish \d+ status changes/g;
is($failures, 1, 'the failure was logged once for the whole episode');
sql(q{ALTER SYSTEM RESET cadence.fail_publication_for_tests; SELECT pg_reload_conf()});
sleep(0.5);
my $published = sql(q{SELECT cadence.create_job('published', cadence.once(), sql => 'SELECT 1')});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $published}, 'the published job');
my ($resyncs, $completed) = (0, 0);
for (1 .. 100) {
    my $out = $listener->query_safe('SELECT 1');
    while ($out =~ /Asynchronous notification "cadence_status" with payload "(.*)" received/g) {
        for my $message (@{ decode_json($1) }) {
            $resyncs++ if ($message->{type} // '') eq 'resync';
            $completed++ if ($message->{job_id} // 0) == $published && ($message->{status} // '') eq 'completed';
        }
    }
    last if $resyncs && $completed;
    sleep(0.05);
}
ok($resyncs >= 1, 'listeners got a resync notice once publication worked again');
is($completed, 1, "... and the next job's events as usual");
$listener->quit;

# 10. DROP EXTENSION, then CREATE EXTENSION: the scheduler's map starts from nothing
#     (job ids start again at 1: an old timer must never fire a new job).
sql(q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'before drop ' || i FROM generate_series(1, 50) i),
                                               cadence.every('1 minute'))});
wait_for(q{SELECT timers >= 50 FROM cadence.scheduler}, 'the timers in the map');
sql(q{DROP EXTENSION pg_cadence});
sql(q{CREATE EXTENSION pg_cadence});
wait_for(q{SELECT timers = 0 FROM cadence.scheduler}, 'the map of the new extension');
is(sql(q{SELECT count(*) FROM cadence.verify_timers()}), '0', 'after DROP and CREATE EXTENSION, no old timer is left');
my $fresh = sql(q{SELECT cadence.create_job('fresh', cadence.every('1 hour'))});
is(sql(qq{SELECT count(*) FROM cadence.timers WHERE job_id = $fresh}), '1', 'a new job gets its timer');

# 11. A fire that fails for one job (a trigger planted on the event log refuses its
#     fire event) leaves the other jobs of its batch firing; the failing job is
#     warned about, kept as it was and tried again a minute later.
my $periodic = sql(q{SELECT string_agg(id::text, ',') FROM cadence.create_jobs(
    ARRAY(SELECT 'tick ' || i FROM generate_series(1, 100) i), cadence.every('1 second'), queue => 'ticks') id});
my ($bad) = split /,/, $periodic;
wait_for(q{SELECT count(*) = 100 FROM cadence.jobs_status WHERE queue = 'ticks' AND run_at <= now()}, 'the first runs due');
sql(q{SELECT count(*) FROM cadence.claim('ticks', 'w', 100)});
sql(qq{CREATE FUNCTION refuse_fire() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN
           IF NEW.job_id = $bad AND NEW.details ->> 'reason' = 'fire' THEN
               RAISE EXCEPTION 'planted failure';
           END IF;
           RETURN NEW;
       END \$\$;
       CREATE TRIGGER refuse_fire BEFORE INSERT ON cadence.job_events
           FOR EACH ROW EXECUTE FUNCTION refuse_fire()});
$log_offset = -s $node->logfile;
sql(q{SELECT count(*) FROM cadence.complete_batch(ARRAY(SELECT job_id FROM cadence.jobs_status
                                                         WHERE queue = 'ticks' ORDER BY job_id), 'w')});
wait_for(qq{SELECT count(*) = 99 FROM cadence.jobs_status WHERE queue = 'ticks' AND status = 'scheduled'
            AND job_id <> $bad}, 'the other 99 jobs to fire');
pass('the other 99 jobs of the batch fired');
$node->wait_for_log(qr/WARNING:  pg_cadence scheduler: job $bad: planted failure/, $log_offset);
pass('the failing job was warned about with its error');
is(sql(qq{SELECT status FROM cadence.jobs_status WHERE job_id = $bad}), 'completed', '... and kept as it was');
like(sql(q{SELECT last_error FROM cadence.scheduler}), qr/^job $bad: planted failure/,
    'cadence.scheduler shows the failure');
ok(sql(qq{SELECT due_at > now() + interval '50 seconds' FROM cadence.timers WHERE job_id = $bad}) eq 't',
    'its fire is tried again a minute later');
sql(q{DROP TRIGGER refuse_fire ON cadence.job_events; DROP FUNCTION refuse_fire()});

is(sql(q{SELECT string_agg(job_id || ': ' || problem || ' ' || expected || '/' || actual, '; ') FROM cadence.verify()}),
    '', 'the event log and the status agree');
$node->stop;
done_testing();

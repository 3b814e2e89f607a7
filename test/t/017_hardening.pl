# What an ordinary role can do to pg_cadence, replayed: each attack as an ordinary
# role, each asserting the defended outcome, and cadence.verify() empty at the end.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(time usleep);
use JSON::PP;

my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;

my $node = cadence_node('hardening', qq{
cadence.max_executors = 2
cadence.run_stop_grace = '1s'
cadence.status_queue_size = 4096
});
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
CREATE ROLE mallory LOGIN IN ROLE cadence_user;
CREATE ROLE alice LOGIN IN ROLE cadence_user;
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

# While it stops, a canceled run keeps its place in its queue's limit: the next
# run of the queue waits for the executor to be ended.
sql(q{ALTER SYSTEM SET cadence.executor_queue_limits = 'limited=1'; SELECT pg_reload_conf()});
my $limited = as_role('mallory', "SELECT cadence.create_job('stubborn 4', cadence.once(), sql => \$b\$$stubborn\$b\$,
                                                            queue => 'limited', max_attempts => 1)");
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM cadence.executors WHERE job_id = $limited")
    or die 'the limited run never started';
my $waiting = as_role('alice', q{SELECT cadence.create_job('next in limited', cadence.once(), sql => 'SELECT 1',
                                                           queue => 'limited')});
as_role('mallory', "SELECT cadence.cancel_job($limited)");
usleep(300_000);
is(sql("SELECT (SELECT state FROM cadence.executors WHERE job_id = $limited) || ' ' || status
        FROM cadence.jobs_status WHERE job_id = $waiting"), 'stopping scheduled',
   "while the canceled run stops, the queue's next run waits (limit 1)");
is(ended($waiting), 'completed', 'and runs once the stopping run is ended');
sql(q{ALTER SYSTEM RESET cadence.executor_queue_limits; SELECT pg_reload_conf()});

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
# A message whose fields are of the wrong kind: read before the sender is known,
# so it must not stop the gateway (it once threw out of the event loop).
as_role('mallory', q{SELECT pg_notify('cadence_status', '[{"type":1},{"type":"status","event_id":"x"}]')});
my $after = as_role('alice', q{SELECT cadence.create_job('after forgeries', cadence.once(), payload => '{}')});
wait_until('the real job after the forgeries', sub { $watch_out =~ /"job_id":$after\b/ && $sse_out =~ /"job_id":$after\b/ });
unlike($watch_out, qr/424242/, 'cadence watch prints no forged status');
like($watch_err, qr/ignoring notifications on cadence_status from process \d+: it is not pg_cadence's publisher/,
     'cadence watch says it ignores the forger');
unlike($sse_out, qr/424242/, "cadence serve's stream (the jobs page's feed) carries no forged status");
my $status = decode_json(http_get('/api/v1/status'));
is($status->{forged_notifications}, 3, 'cadence serve is still up, and counts the forged status, resync and malformed message');
is($status->{publisher_pid}, sql('SELECT cadence.publisher_pid()'), 'cadence serve knows the publisher');
is(as_role('mallory', 'SELECT cadence.publisher_pid() IS NOT NULL'), 't', 'an ordinary role can read the publisher pid');
$_->kill_kill for ($watch, $serve, $sse);

# 4. Unbounded inputs: over its limit a value is refused with 54000 naming the
#    argument, its size and the setting; an error text is cut with a marker.
sub error_of {
    my ($role, $q) = @_;
    my ($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSET ROLE $role;\n$q");
    my ($line) = $err =~ /(ERROR:.*)$/m;
    return $line // "no error (rc $rc)";
}
like(error_of('mallory', q{SELECT cadence.create_job(repeat('n', 2000), cadence.once(), payload => '{}')}),
     qr/ERROR:  54000: name is 2000 bytes, more than cadence.max_name_bytes \(1024\)/, 'a 2,000-byte job name is refused');
like(error_of('mallory', q{SELECT cadence.create_job('big', cadence.once(),
                                                     payload => jsonb_build_object('x', repeat('x', 20 * 1024 * 1024)))}),
     qr/ERROR:  54000: payload is \d+ bytes, more than cadence.max_payload_bytes \(4194304\)/, 'a 20 MB payload is refused');
my $mb = as_role('mallory', q{SELECT cadence.create_job('one megabyte', cadence.once(),
                                                        payload => jsonb_build_object('x', repeat('x', 1024 * 1024)))});
ok($mb > 0, 'a 1 MB payload is accepted');
like(error_of('mallory', q{SELECT cadence.create_job('big sql', cadence.once(), sql => 'SELECT 1 ' || repeat(' ', 20 * 1024 * 1024))}),
     qr/ERROR:  54000: sql is \d+ bytes, more than cadence.max_sql_bytes \(1048576\)/, 'a 20 MB SQL body is refused');
like(error_of('mallory', q{SELECT cadence.create_jobs(ARRAY['fine', repeat('n', 5000)], cadence.once())}),
     qr/ERROR:  54000: names\[2\] is 5000 bytes/, 'create_jobs names the oversized entry');
like(error_of('mallory', q{SELECT * FROM cadence.claim('default', repeat('w', 1024 * 1024))}),
     qr/ERROR:  54000: worker is 1048576 bytes, more than cadence.max_name_bytes/, 'a 1 MB worker name is refused');
my $held = as_role('mallory', q{SELECT cadence.create_job('to fail', cadence.once(), payload => '{}', max_attempts => 1)});
$node->poll_query_until('postgres', "SELECT status = 'scheduled' FROM cadence.jobs_status WHERE job_id = $held");
as_role('mallory', q{SELECT count(*) FROM cadence.claim('default', 'w1', 10)});
like(error_of('mallory', "SELECT cadence.complete($held, 'w1', jsonb_build_object('x', repeat('x', 20 * 1024 * 1024)))"),
     qr/ERROR:  54000: result is \d+ bytes, more than cadence.max_payload_bytes/, 'a 20 MB result is refused');
as_role('mallory', "SELECT cadence.fail($held, 'w1', repeat('e', 2 * 1024 * 1024), repeat('t', 100000))");
is(sql("SELECT status FROM cadence.jobs_status WHERE job_id = $held"), 'fatal', 'a 2 MB error is recorded');
like(sql("SELECT octet_length(details ->> 'error') || ' ' || right(details ->> 'error', 60) FROM cadence.job_events
          WHERE job_id = $held ORDER BY id DESC LIMIT 1"),
     qr/^65590 e+ \[\.\.\. 2031616 more bytes cut: cadence.max_error_bytes\]$/, 'cut to 64 kB, with a marker saying how much');
like(sql("SELECT right(details ->> 'traceback', 50) FROM cadence.job_events WHERE job_id = $held ORDER BY id DESC LIMIT 1"),
     qr/34464 more bytes cut: cadence.max_error_bytes\]$/, 'the traceback too');
my $raiser = as_role('mallory', q{SELECT cadence.create_job('raiser', cadence.once(), max_attempts => 1,
    sql => $b$DO $d$ BEGIN RAISE EXCEPTION '%', repeat('r', 2 * 1024 * 1024); END $d$$b$)});
is(ended($raiser), 'fatal', 'a SQL job raising a 2 MB error fails');
is(sql("SELECT octet_length(details ->> 'error') || ' ' || right(details ->> 'error', 55) FROM cadence.job_events
         WHERE job_id = $raiser ORDER BY id DESC LIMIT 1"),
   '65590 r [... 2031616 more bytes cut: cadence.max_error_bytes]', 'its error is kept cut, with a marker');

# 5. Durations whose use could overflow are refused where they are given; fail()
#    never raises on a run its caller holds.
like(error_of('mallory', q{SELECT cadence.create_job('slow retry', cadence.once(), payload => '{}', backoff => '100000000 days')}),
     qr/ERROR:  22023: backoff must be at most 1 day/, 'a backoff over a day is refused');
like(error_of('mallory', q{SELECT cadence.create_job('long', cadence.once(), sql => 'SELECT 1', timeout => '30 days')}),
     qr/ERROR:  22023: timeout must be at most 24 days/, 'a timeout over 24 days is refused');
like(error_of('mallory', q{SELECT * FROM cadence.claim('default', 'w', 1, '8 days')}),
     qr/ERROR:  22023: lease must be at most 7 days/, 'a lease over 7 days is refused');
my $old = as_role('mallory', q{SELECT cadence.create_job('old row', cadence.once(), payload => '{}', max_attempts => 5)});
sql("UPDATE cadence.jobs SET backoff = '100000000 days' WHERE id = $old");  # as 0.1.0 accepted it
$node->poll_query_until('postgres', "SELECT status = 'scheduled' FROM cadence.jobs_status WHERE job_id = $old");
as_role('mallory', q{SELECT count(*) FROM cadence.claim('default', 'w2', 10)});
as_role('mallory', "SELECT cadence.fail($old, 'w2', 'boom')");
is(sql("SELECT status || ' ' || (run_at - now() < interval '29 hours') FROM cadence.jobs_status WHERE job_id = $old"),
   'error true', "fail() of a job with a 0.1.0-sized backoff retries within a day instead of raising");

# 6. Another role's job that is row-locked: every lifecycle function answers 42704
#    at once, as for a job that does not exist, instead of waiting on the lock.
my $locked = as_role('alice', q{SELECT cadence.create_job('locked', cadence.every('1 hour'), payload => '{}')});
my $holder = $node->background_psql('postgres');
$holder->query_safe("SET ROLE alice; BEGIN; SELECT cadence.pause_job($locked);");
for my $call ("cancel_job($locked)", "pause_job($locked)", "resume_job($locked)", "run_job_now($locked)",
              "delete_job($locked)", "alter_job($locked, name => 'x')", "heartbeat($locked, 'w')",
              "complete($locked, 'w')", "fail($locked, 'w', 'e')") {
    like(error_of('mallory', "SET lock_timeout = '5s'; SELECT cadence.$call"),
         qr/ERROR:  42704: job $locked does not exist/, "$call on a locked job of another role: 42704, no wait");
}
is(as_role('mallory', "SET lock_timeout = '5s'; SELECT refused FROM cadence.complete_batch(ARRAY[$locked], 'w')"),
   "job $locked does not exist", 'complete_batch refuses it as a job that does not exist, without waiting');
$holder->query_safe('COMMIT');
$holder->quit;

# 7. One role's bulk change: mallory creates 5,000 jobs in one statement, more than
#    the hand-off ring holds (4,096 here). alice's gateway is not pushed into a
#    resync; a superuser's watch reads all 5,000 from the log by their ids; the
#    scheduler takes them all up without reloading its map.
my $alice_port = PostgreSQL::Test::Cluster::get_free_port();
my $alice_base = "http://127.0.0.1:$alice_port";
my ($alice_out, $alice_err, $all_out, $all_err) = ('', '', '', '');
my $alice_serve = IPC::Run::start([ $client, 'serve', '--listen', "127.0.0.1:$alice_port",
                                    '--dsn', $node->connstr('postgres') . ' user=alice' ],
                                  '>', \$alice_out, '2>', \$alice_err);
for (1 .. 100) { last if `curl -s $alice_base/api/v1/status` =~ /"listening":true/; usleep(100_000); }
my $all_watch = IPC::Run::start([ $client, 'watch', '--dsn', $dsn, '--all' ], '>', \$all_out, '2>', \$all_err);
# A watch prints what commits after its start: wait until it has read where it starts.
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
    WHERE application_name = 'cadence-watch' AND state = 'idle'
      AND query LIKE 'SELECT e.id, e.job_id FROM cadence.job_events%'}) or diag("the watch did not start: $all_err");
my $alice_job = as_role('alice', q{SELECT cadence.create_job('alice before', cadence.once(), payload => '{}')});
my $deadline = time + 30;
until ($all_out =~ /"job_id":$alice_job\b/ || time > $deadline) { pump_all($all_watch, $alice_serve); usleep(20_000); }
my $resyncs = sql('SELECT resyncs FROM cadence.scheduler');
as_role('mallory', q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'bulk ' || i FROM generate_series(1, 5000) i),
                                                          cadence.once(now() + interval '1 hour'))});
my $alice_after = as_role('alice', q{SELECT cadence.create_job('alice after', cadence.once(), payload => '{}')});
$deadline = time + 60;
until ((() = $all_out =~ /"event":"scheduled"[^\n]*"queue":"default"/g) >= 5002 || time > $deadline) {
    pump_all($all_watch, $alice_serve);
    usleep(50_000);
}
my $bulk_seen = () = $all_out =~ /"event":"scheduled"/g;
cmp_ok($bulk_seen, '>=', 5002, "a superuser's watch read the 5,000 events of the bulk change from the log ($bulk_seen scheduled events)")
  or do {
    my %printed = map { $_ => 1 } $all_out =~ /"event_id":(\d+)/g;
    my @missing = grep { !$printed{$_} } split /\n/, sql(qq{SELECT e.id FROM cadence.job_events e
        JOIN cadence.jobs j ON j.id = e.job_id WHERE e.event = 'scheduled' AND e.id >= (SELECT min(id) FROM cadence.job_events
        WHERE job_id = $alice_job) ORDER BY e.id});
    diag("not printed: @missing[0 .. ($#missing < 20 ? $#missing : 19)]; watch stderr: $all_err");
  };
my $alice_status = decode_json(`curl -s $alice_base/api/v1/status`);
is($alice_status->{resyncs}, 0, "alice's gateway was not pushed into a resync by mallory's bulk change");
is(sql(q{SELECT count(*) FROM cadence.timers t JOIN cadence.jobs j ON j.id = t.job_id WHERE j.name LIKE 'bulk %'}),
   '5000', 'the scheduler took up the 5,000 new timers');
is(sql('SELECT resyncs FROM cadence.scheduler'), $resyncs, 'without reloading its map');
$_->kill_kill for ($alice_serve, $all_watch);

# 8. A quota: cadence.max_jobs_per_role caps the jobs a role owns (cadence_admin exempt).
sql(q{ALTER SYSTEM SET cadence.max_jobs_per_role = 6000; SELECT pg_reload_conf()});
$node->poll_query_until('postgres', q{SELECT current_setting('cadence.max_jobs_per_role') = '6000'});
my $owned = sql(q{SELECT count(*) FROM cadence.jobs_status WHERE owner = 'mallory'::regrole});
like(error_of('mallory', q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'more ' || i FROM generate_series(1, 1000) i),
                                                                    cadence.once())}),
     qr/ERROR:  54000: role mallory owns $owned jobs: 1000 more would exceed cadence.max_jobs_per_role \(6000\)/,
     'over the cap, creation is refused with 54000 naming the cap');
ok(as_role('mallory', q{SELECT cadence.create_job('one more', cadence.once(), payload => '{}')}) > 0,
   'under the cap, a job is created');
sql(q{GRANT cadence_admin TO alice});
is(as_role('alice', q{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT 'admin ' || i FROM generate_series(1, 7000) i),
                                                               cadence.once(now() + interval '1 hour'))}),
   '7000', 'a member of cadence_admin is exempt');
sql(q{REVOKE cadence_admin FROM alice; ALTER SYSTEM RESET cadence.max_jobs_per_role; SELECT pg_reload_conf()});

# 9. A run that returns 300 MB of rows: its executor discards them as they come.
sql(q{CREATE TABLE public.marks (what text, pid int); GRANT INSERT ON public.marks TO mallory});
my $rows_job = as_role('mallory', q{SELECT cadence.create_job('300 MB of rows', cadence.once(), max_attempts => 1, sql => $b$
    INSERT INTO public.marks VALUES ('start', pg_backend_pid()); COMMIT;
    SELECT repeat('x', 1000) FROM generate_series(1, 300000);
    INSERT INTO public.marks VALUES ('rows returned', 0); COMMIT;
    SELECT pg_sleep(60)$b$)});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM public.marks WHERE what = 'start'})
    or die 'the rows job never started';
my $rows_pid = sql(q{SELECT pid FROM public.marks WHERE what = 'start'});
sub peak_kb { my ($pid) = @_; open(my $f, '<', "/proc/$pid/status") or return -1;
              while (<$f>) { return $1 if /^VmHWM:\s+(\d+)/; } return -1; }
my $peak_before = peak_kb($rows_pid);
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM public.marks WHERE what = 'rows returned'})
    or die 'the rows job never returned its rows';
my $peak_after = peak_kb($rows_pid);
my $grew_mb = sprintf('%.1f', ($peak_after - $peak_before) / 1024);
cmp_ok($peak_after - $peak_before, '<', 32 * 1024,
       "300 MB of rows grew the executor's peak memory by $grew_mb MB (from $peak_before kB)");
as_role('mallory', "SELECT cadence.cancel_job($rows_job)");

# 10. Workers come back by themselves: a terminated scheduler (pg_terminate_backend)
#     within seconds, and it fires from the tables; a terminated executor's run is
#     recorded as lost and the next SQL run gets a new executor.
my $old_scheduler = sql('SELECT pid FROM cadence.scheduler');
sql("SELECT pg_terminate_backend($old_scheduler)");
$node->poll_query_until('postgres', "SELECT pid IS NOT NULL AND pid <> $old_scheduler FROM cadence.scheduler")
    or die 'the scheduler never came back';
pass('a terminated scheduler came back');
my $after_restart = as_role('alice', q{SELECT cadence.create_job('after restart', cadence.once(now() + interval '1 second'),
                                                                  sql => 'SELECT 1')});
is(ended($after_restart), 'completed', 'and the jobs fire and run');
my $sleeper = as_role('alice', q{SELECT cadence.create_job('sleeper', cadence.once(), sql => 'SELECT pg_sleep(60)',
                                                             max_attempts => 1)});
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM cadence.executors WHERE job_id = $sleeper")
    or die 'the sleeper never started';
sql("SELECT pg_terminate_backend(pid) FROM cadence.executors WHERE job_id = $sleeper");
is(ended($sleeper), 'fatal', "a terminated executor's run is recorded, not left running");
is(last_details($sleeper, 'executor_lost'), 'true', '... as lost with its executor');
my $next = as_role('alice', q{SELECT cadence.create_job('next', cadence.once(), sql => 'SELECT 1')});
is(ended($next), 'completed', 'the next SQL run gets an executor');

# 10b. A run whose ending cannot be recorded still ends: a trigger (a superuser's,
#     for the test) refuses the run's completed event; the executor ends itself and
#     the scheduler records the run failed, with the reason.
my $unrecordable = as_role('alice', q{SELECT cadence.create_job('unrecordable', cadence.once(now() + interval '1 hour'),
                                                                 sql => 'SELECT 1', max_attempts => 1)});
sql(qq{CREATE FUNCTION public.refuse_completion() RETURNS trigger LANGUAGE plpgsql AS \$f\$
       BEGIN
           IF NEW.job_id = $unrecordable AND NEW.event = 'completed' THEN
               RAISE EXCEPTION 'completion refused for the test';
           END IF;
           RETURN NEW;
       END \$f\$;
       CREATE TRIGGER refuse_completion BEFORE INSERT ON cadence.job_events
           FOR EACH ROW EXECUTE FUNCTION public.refuse_completion();});
as_role('alice', "SELECT cadence.run_job_now($unrecordable)");
is(ended($unrecordable), 'fatal', 'a run whose ending could not be recorded does not stay running');
is(last_details($unrecordable, 'error'), 'how the run ended could not be recorded: completion refused for the test',
   '... and says why');
sql(q{DROP TRIGGER refuse_completion ON cadence.job_events; DROP FUNCTION public.refuse_completion()});

# 11. What an ordinary role can read (the table in docs/sql-api.md, Security).
for my $open ('cadence.jobs', 'cadence.jobs_status', 'cadence.job_events', 'cadence.recent_jobs',
              'cadence.job_history', 'cadence.verify()', 'cadence.publisher_pid()', 'cadence.version()',
              'cadence.service()') {
    is(error_of('mallory', "SELECT count(*) FROM $open"), 'no error (rc 0)', "an ordinary role reads $open");
}
is(as_role('mallory', q{SELECT count(*) FROM cadence.jobs j WHERE j.owner <> 'mallory'::regrole}), '0',
   "... its own jobs only");
for my $closed ('cadence.scheduler', 'cadence.scheduler_state()', 'cadence.timers', 'cadence.verify_timers()',
                'cadence.executors', 'cadence.databases', 'cadence.executor_queue_turns', 'cadence.owner_turns',
                'cadence._executor_slots()', 'cadence._served_databases()', 'cadence._scheduler_timers()') {
    like(error_of('mallory', "SELECT count(*) FROM $closed"), qr/ERROR:  42501: permission denied/,
         "an ordinary role may not read $closed");
}
# cadence watch works for an ordinary role (cadence.database_name, which it no
# longer reads, is superuser-only), and says so when the database is not served.
my ($mw_out, $mw_err) = ('', '');
my $mine = as_role('mallory', q{SELECT cadence.create_job('watched', cadence.once(now() + interval '2 seconds'), payload => '{}')});
my $mw = IPC::Run::start([ $client, 'watch', '--dsn', "$dsn user=mallory", '--job', $mine ], '>', \$mw_out, '2>', \$mw_err);
$deadline = time + 30;
until ($mw_out =~ /"status":"scheduled"/ || time > $deadline) { pump_all($mw); usleep(20_000); }
like($mw_out, qr/"job_id":$mine,"event":"created"|"job_id":$mine/, 'cadence watch runs as an ordinary role');
unlike($mw_err, qr/permission denied|must be superuser/, '... with no permission error');
$mw->kill_kill;
sql(q{ALTER SYSTEM SET cadence.database_name = 'elsewhere'; SELECT pg_reload_conf()});
$node->poll_query_until('postgres', q{SELECT cadence.service() = 'not listed'});
my ($nl_out, $nl_err) = ('', '');
IPC::Run::run([ $client, 'watch', '--dsn', "$dsn user=mallory", '--all' ], '>', \$nl_out, '2>', \$nl_err);
like($nl_err, qr/pg_cadence does not serve database "postgres": cadence.database_name lists the databases it serves/,
     'it says when cadence.database_name leaves the database out');
sql(q{ALTER SYSTEM RESET cadence.database_name; SELECT pg_reload_conf()});
$node->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler}) or die 'no scheduler again';
# Left out and let in again, over and over, with work in flight: the scheduler that
# is told to end while it tends its executors finds its slot already taken away
# (it used to crash on it, most times, with a few thousand timers to load).
sql(q{SELECT count(*) FROM cadence.create_jobs(array(SELECT 'churn ' || i FROM generate_series(1, 5000) i),
                                               cadence.every('1 hour'))});
for my $round (1 .. 8) {
    sql(q{SELECT cadence.create_job('due soon', cadence.once(now() + interval '50 milliseconds'), sql => 'SELECT 1')});
    sql(q{ALTER SYSTEM SET cadence.database_name = 'elsewhere'; SELECT pg_reload_conf()});
    $node->poll_query_until('postgres', q{SELECT cadence.service() = 'not listed'}) or die 'still served';
    sql(q{ALTER SYSTEM RESET cadence.database_name; SELECT pg_reload_conf()});
    $node->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler}) or die 'no scheduler again';
}
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'a scheduler ended while it works does not crash (8 rounds)');
sql(q{SELECT count(cadence.delete_job(id)) FROM cadence.jobs WHERE name IN ('due soon') OR name LIKE 'churn %'});

sql(q{GRANT cadence_admin TO alice});
for my $admin ('cadence.scheduler', 'cadence.timers', 'cadence.verify_timers()', 'cadence.executors', 'cadence.databases') {
    is(error_of('alice', "SELECT count(*) FROM $admin"), 'no error (rc 0)', "a member of cadence_admin reads $admin");
}
sql(q{REVOKE cadence_admin FROM alice});

is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify() is empty');
$node->stop;
done_testing();

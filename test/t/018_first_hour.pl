# A new user's first hour (issue 16): errors read as PostgreSQL's own, deployment
# scripts run again, the event log is pruned by a scheduled job that says how much
# it removed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;

my $node = cadence_node('first_hour');
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub as_role { my ($role, $q) = @_; return sql("SET ROLE $role; $q"); }
# What psql prints for a statement: its notices and errors, as a user sees them.
sub psql_says {
    my ($role, $q) = @_;
    my ($rc, $out, $err) = $node->psql('postgres', "SET ROLE $role;\n$q");
    $err =~ s/^psql:<stdin>:\d+: //mg;
    return $err;
}
sub ended {
    my ($job) = @_;
    $node->poll_query_until('postgres', "SELECT status IN ('completed', 'fatal', 'error')
                                         FROM cadence.jobs_status WHERE job_id = $job")
        or die "timed out waiting for job $job to end";
    return sql("SELECT status FROM cadence.jobs_status WHERE job_id = $job");
}

sql(q{CREATE EXTENSION pg_cadence; CREATE ROLE alice LOGIN IN ROLE cadence_user; CREATE ROLE keeper LOGIN IN ROLE cadence_admin});
$node->poll_query_until('postgres', q{SELECT pid IS NOT NULL FROM cadence.scheduler})
    or die 'the scheduler never started';

# 1. A user's error has PostgreSQL's shape: message, hint, no internal function
#    in its context.
for my $call (q{SELECT cadence.create_job('x', '{"kind":"hourly"}')},
              q{SELECT cadence.create_job('x', cadence.once(), max_attempts => 0)},
              q{SELECT cadence.pause_job(999)},
              q{SELECT * FROM cadence.claim('q', '')}) {
    my $said = psql_says('alice', $call);
    like($said, qr/^ERROR:  /m, "$call fails");
    unlike($said, qr/CONTEXT|cadence\._/, '... with no internal function in what psql prints');
}
like(psql_says('alice', q{SELECT cadence.create_job('x', '{"kind":"hourly"}')}),
     qr/HINT:  A trigger looks like/, 'the hint is kept');
# Inside the user's own function, the context is the user's.
sql(q{CREATE FUNCTION public.deploy() RETURNS bigint LANGUAGE plpgsql AS $$
      BEGIN RETURN cadence.create_job('x', cadence.once(), max_attempts => 0); END $$});
like(psql_says('alice', 'SELECT public.deploy()'), qr/\nCONTEXT:  PL\/pgSQL function deploy\(\) line \d+ at RETURN\s*\z/,
     "an error inside the user's function has the user's function, and only it, as context");

# 2. Deployment scripts run again: pausing a paused job and resuming one that is
#    not paused do nothing, with a notice.
my $job = as_role('alice', q{SELECT cadence.create_job('nightly', cadence.cron('0 3 * * *'), payload => '{}')});
as_role('alice', "SELECT cadence.pause_job($job)");
like(psql_says('alice', "SELECT cadence.pause_job($job)"), qr/^NOTICE:  job $job is already paused; nothing to do$/m,
     'pausing a paused job is a notice, not an error');
as_role('alice', "SELECT cadence.resume_job($job)");
like(psql_says('alice', "SELECT cadence.resume_job($job)"), qr/^NOTICE:  job $job is not paused; nothing to do$/m,
     'resuming a job that is not paused is a notice');
is(sql("SELECT string_agg(event, ',' ORDER BY id) FROM cadence.job_events WHERE job_id = $job"),
   'scheduled,paused,resumed', 'and neither wrote an event');

# 3. Pruning as a scheduled job of a cadence_admin member: the run says how many
#    events it removed, and so does the server log.
my $done = as_role('alice', q{SELECT cadence.create_job('short', cadence.once(), sql => 'SELECT 1')});
is(ended($done), 'completed', 'a job ran, leaving events to prune');
my $before = sql(q{SELECT count(*) FROM cadence.job_events});
my $pruner = as_role('keeper', q{SELECT cadence.create_job('prune', cadence.once(),
                                                           sql => $$SELECT cadence.prune_events('0 seconds')$$)});
is(ended($pruner), 'completed', 'prune_events runs as a scheduled job of a cadence_admin member');
my $removed = sql("SELECT details -> 'result' ->> 'value' FROM cadence.job_events
                   WHERE job_id = $pruner AND event = 'completed'");
my $after = sql(q{SELECT count(*) FROM cadence.job_events});
cmp_ok($removed, '>', 0, "its run's result says how many events it removed ($removed)");
is($before + 3 - $removed, $after, '... exactly those that went (the pruning job wrote 3 of its own)');
ok($node->log_contains(qr/cadence.prune_events removed $removed events older than 00:00:00/),
   'the server log says so too');
# 4. Following a periodic job across its runs: cadence watch --job N --follow and
#    $stream?follow=true go on after each run's end, until the job is deleted.
my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
my $every = as_role('alice', q{SELECT cadence.create_job('every second', cadence.every('1 second'), sql => 'SELECT 1')});
my $dsn = $node->connstr('postgres') . ' user=alice';
my ($w_out, $w_err) = ('', '');
my $w = IPC::Run::start([ $client, 'watch', '--dsn', $dsn, '--job', $every, '--follow' ], '>', \$w_out, '2>', \$w_err);
my $port = PostgreSQL::Test::Cluster::get_free_port();
my ($s_out, $s_err, $c_out) = ('', '', '');
my $serve = IPC::Run::start([ $client, 'serve', '--listen', "127.0.0.1:$port", '--dsn', $dsn ], '>', \$s_out, '2>', \$s_err);
for (1 .. 100) { last if `curl -s http://127.0.0.1:$port/api/v1/status` =~ /"listening":true/; select(undef, undef, undef, 0.1); }
my $curl = IPC::Run::start([ 'curl', '-sN', "http://127.0.0.1:$port/api/v1/jobs/$every/\$stream?follow=true" ],
                           '>', \$c_out, '2>', \my $c_err);
my $deadline = time + 60;
until (((() = $w_out =~ /"status":"completed"/g) >= 3 && (() = $c_out =~ /"status":"completed"/g) >= 3)
       || time > $deadline) {
    $_->pump_nb for grep { $_->pumpable } ($w, $serve, $curl);
    select(undef, undef, undef, 0.05);
}
cmp_ok(scalar(() = $w_out =~ /"status":"completed"/g), '>=', 3, 'watch --follow goes on across three runs');
ok($w->pumpable, '... and is still running');
cmp_ok(scalar(() = $c_out =~ /"status":"completed"/g), '>=', 3, '$stream?follow=true goes on across three runs');
as_role('alice', "SELECT cadence.delete_job($every)");
$deadline = time + 30;
while (($w->pumpable || $curl->pumpable) && time < $deadline) {
    $_->pump_nb for grep { $_->pumpable } ($w, $serve, $curl);
    select(undef, undef, undef, 0.05);
}
ok(!$w->pumpable, 'watch --follow ends when the job is deleted');
ok($w->finish, '... with exit status 0');
ok(!$curl->pumpable, 'and the followed stream ends');
like($c_out, qr/"status":"deleted"/, '... after sending the deleted event');
$serve->kill_kill;
my ($e_out, $e_err) = ('', '');
IPC::Run::run([ $client, 'watch', '--dsn', $dsn, '--all', '--follow' ], '>', \$e_out, '2>', \$e_err);
like($e_err, qr/--follow: only with --job/, '--follow without --job is refused');

# 5. Scheduling is granted: cadence_user (or cadence_admin, or superuser).
sql(q{CREATE ROLE newcomer LOGIN});
my $refused = psql_says('newcomer', q{\set VERBOSITY verbose
SELECT cadence.create_job('x', cadence.once(), payload => '{}')});
like($refused, qr/ERROR:  42501: role newcomer may not create pg_cadence jobs/, 'a role without the grant may not create jobs');
like($refused, qr/HINT:  .*GRANT cadence_user TO newcomer;/, '... and is told which role to grant');
like(psql_says('newcomer', q{SELECT cadence.create_jobs(ARRAY['a', 'b'], cadence.once())}),
     qr/ERROR:  role newcomer may not create pg_cadence jobs/, 'nor in bulk');
sql(q{GRANT cadence_user TO newcomer});
ok(as_role('newcomer', q{SELECT cadence.create_job('granted', cadence.once(), payload => '{}')}) > 0,
   'once granted cadence_user, it may');
ok(as_role('keeper', q{SELECT cadence.create_job('admin', cadence.once(), payload => '{}')}) > 0,
   'a member of cadence_admin may');
is(psql_says('newcomer', q{SELECT cadence.every('1 minute'), cadence.next_fire_times(cadence.cron('0 3 * * *'))}), '',
   'the trigger helpers need no grant');

# 6. Worker roles: alice lets mailer work her 'emails' queue, without making it a
#    member of alice and without it seeing other queues or the jobs themselves.
sql(q{CREATE ROLE mailer LOGIN});
my $email = as_role('alice', q{SELECT cadence.create_job('welcome mail', cadence.once(), queue => 'emails',
                                                         payload => '{"to": "a@example.com"}')});
my $report = as_role('alice', q{SELECT cadence.create_job('report', cadence.once(), queue => 'reports', payload => '{}')});
like(psql_says('mailer', q{SELECT cadence.grant_queue('emails', 'mailer', 'alice')}),
     qr/ERROR:  role mailer may not grant the runs of alice's jobs/, 'a worker cannot grant itself a queue');
as_role('alice', q{SELECT cadence.grant_queue('emails', 'mailer')});
is(as_role('mailer', q{SELECT count(*) FROM cadence.queue_grants}), '1', 'the worker sees the grant that names it');
$node->poll_query_until('postgres', "SELECT status = 'scheduled' AND run_at <= now() FROM cadence.jobs_status WHERE job_id = $email");
is(as_role('mailer', q{SELECT job_id || ' ' || (payload ->> 'to') FROM cadence.claim('emails', 'mailer-1')}),
   "$email a\@example.com", "the worker claims the granted queue's run, with its payload");
is(as_role('mailer', q{SELECT count(*) FROM cadence.claim('reports', 'mailer-1')}), '0', 'but nothing from another queue');
is(as_role('mailer', q{SELECT count(*) FROM cadence.jobs}) . ' ' . as_role('mailer', q{SELECT count(*) FROM cadence.jobs_status}),
   '0 0', 'it sees no job row (no SQL, no other queue)');
ok(as_role('mailer', "SELECT cadence.heartbeat($email, 'mailer-1', 50) IS NOT NULL"), 'it heartbeats the run');
as_role('mailer', "SELECT cadence.complete($email, 'mailer-1', '{\"sent\": true}')");
is(sql("SELECT status FROM cadence.jobs_status WHERE job_id = $email"), 'completed', 'and completes it');
like(psql_says('mailer', "SELECT cadence.cancel_job($report)"), qr/ERROR:  job $report does not exist/,
     "it cannot manage alice's jobs");
like(psql_says('mailer', "SELECT cadence.pause_job($email)"), qr/ERROR:  job $email does not exist/,
     '... not even those of its queue');
my $second = as_role('alice', q{SELECT cadence.create_job('second mail', cadence.once(), queue => 'emails', payload => '{}',
                                                          max_attempts => 1)});
$node->poll_query_until('postgres', "SELECT status = 'scheduled' AND run_at <= now() FROM cadence.jobs_status WHERE job_id = $second");
as_role('mailer', q{SELECT count(*) FROM cadence.claim('emails', 'mailer-1')});
as_role('mailer', "SELECT cadence.fail($second, 'mailer-1', 'smtp refused')");
is(sql("SELECT status FROM cadence.jobs_status WHERE job_id = $second"), 'fatal', 'it fails a run it holds');
as_role('alice', q{SELECT cadence.revoke_queue('emails', 'mailer')});
as_role('alice', q{SELECT cadence.create_job('third mail', cadence.once(), queue => 'emails', payload => '{}')});
select(undef, undef, undef, 0.3);
is(as_role('mailer', q{SELECT count(*) FROM cadence.claim('emails', 'mailer-1')}), '0', 'once revoked, it claims nothing');

is(sql('SELECT count(*) FROM cadence.verify()'), '0', 'cadence.verify() is empty');

$node->stop;
done_testing();

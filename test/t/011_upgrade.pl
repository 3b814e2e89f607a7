# The upgrade path: a database made with 0.1.0 and updated with ALTER EXTENSION
# pg_cadence UPDATE equals a fresh install (schema and behaviour), with every
# job's state and history kept. Until the update, the new library refuses the old
# SQL objects with an error that says what to run.
#
# Only one pg_cadence library can be installed at a time, so the 0.1.0 database is
# made by 0.1.0's own SQL: its install script (src/sql/releases) and its internal
# functions, which are plain PL/pgSQL over C helpers the library still provides.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep);

my $node = cadence_node('upgrade');
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(q{CREATE EXTENSION pg_cadence VERSION '0.1.0'});
is(sql(q{SELECT extversion FROM pg_extension WHERE extname = 'pg_cadence'}), '0.1.0', 'installed 0.1.0');

# 1. The new library and the old SQL: a clear error, no crash.
my ($ret, $out, $err) = $node->psql('postgres',
    q{SELECT cadence.create_job('x', cadence.once(now()))});
isnt($ret, 0, 'a public function refuses SQL objects of another version');
like($err, qr/pg_cadence library version 0\.2\.0 does not match the extension's SQL objects in this database \(version 0\.1\.0\)/,
    'the error names both versions');
like($err, qr/HINT:  Run ALTER EXTENSION pg_cadence UPDATE in this database\./,
    'and says what to run');
# As after a package upgrade: the server restarts with the new library, and the
# launcher's first look at every database finds the old SQL objects.
$node->restart;
ok($node->wait_for_log('pg_cadence library version 0\.2\.0 waits for the extension.s SQL objects \(version 0\.1\.0\)'),
    'the scheduler started at the launcher\'s first look finds the old SQL objects and says so');
sleep(0.5);
is(sql(q{SELECT pid IS NULL FROM cadence.scheduler}), 't', '... and ends: it waits for the update');

# 2. Jobs in every state, made by 0.1.0's functions as the bootstrap superuser.
my $me = sql(q{SELECT oid FROM pg_roles WHERE rolname = current_user});
sub create {
    my ($name, $trigger, $extra) = @_;
    return sql(qq{SELECT cadence._create_job($me, '$name', $trigger, NULL, NULL, 'q',
                         ${\($extra // 3)}, '10 seconds', NULL)});
}
my %job;
$job{scheduled} = create('scheduled', q{cadence.once(now() + interval '1 day')});
$job{running} = create('running', q{cadence.once(now() - interval '1 minute')});
sql(qq{SELECT count(*) FROM cadence._claim($me, 'q', 'w-running', 1, '1 hour')});
$job{error} = create('error', q{cadence.once(now() - interval '1 minute')});
sql(qq{SELECT count(*) FROM cadence._claim($me, 'q', 'w-error', 1, '1 hour')});
sql(qq{SELECT cadence._fail($me, $job{error}, 'w-error', 'disk full', NULL)});
$job{fatal} = create('fatal', q{cadence.once(now() - interval '1 minute')}, 1);
sql(qq{SELECT count(*) FROM cadence._claim($me, 'q', 'w-fatal', 1, '1 hour')});
sql(qq{SELECT cadence._fail($me, $job{fatal}, 'w-fatal', 'gave up', NULL)});
$job{periodic} = create('periodic', q{cadence.every('1 second')});
sleep(1.2);
sql(qq{SELECT count(*) FROM cadence._claim($me, 'q', 'w-periodic', 1, '1 hour')});
sql(qq{SELECT cadence._complete($me, $job{periodic}, 'w-periodic', '{"rows": 1}')});
$job{canceled} = create('canceled', q{cadence.once(now() + interval '1 day')});
sql(qq{SELECT cadence._cancel_job($me, $job{canceled})});
$job{paused} = create('paused', q{cadence.every('1 hour')});
sql(qq{SELECT cadence._pause_job($me, $job{paused})});
$job{deleted} = create('deleted', q{cadence.once(now() + interval '1 day')});
sql(qq{SELECT cadence._delete_job($me, $job{deleted})});
sql(qq{SELECT cadence._alter_job($me, $job{paused}, NULL, NULL, NULL, 'paused and renamed', NULL, NULL, NULL, NULL)});
# An ordinary role's job: under 0.1.0 every role could create jobs.
sql(q{CREATE ROLE legacy LOGIN});
my $legacy = sql(q{SELECT oid FROM pg_roles WHERE rolname = 'legacy'});
sql(qq{SELECT cadence._create_job($legacy, 'legacy', cadence.once(now() + interval '1 day'), NULL, NULL, 'q', 3,
                                  '10 seconds', NULL)});

my $states_query = q{SELECT job_id, status, attempt, paused, run_at, fire_time, worker, lease,
                            lease_expires_at, fire_base, timer_at, timer_kind, event_id, status_event_id
                     FROM cadence.jobs_status ORDER BY job_id};
my $history_query = q{SELECT id, job_id, event, status, attempt, at, fire_time, owner, details
                      FROM cadence.job_events ORDER BY id};
my $states = sql($states_query);
my $history = sql($history_query);
# No scheduler took up the old SQL objects.
is(sql(q{SELECT last_load IS NULL FROM cadence.scheduler}), 't', 'no scheduler has loaded anything');
is(sql(q{SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM cadence.jobs_status}),
    'canceled,completed,error,fatal,running,scheduled', 'jobs in every state before the update');
is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', '0.1.0 agrees with itself before the update');

# 3. The update, read back in its own transaction (the scheduler starts to fire
# due jobs the moment it commits).
my $before_update = sql(q{SELECT max(id) FROM cadence.job_events});
my ($after_states, $after_history) = split /\n====\n/, sql(qq{BEGIN;
    ALTER EXTENSION pg_cadence UPDATE;
    $states_query;
    SELECT '====';
    $history_query;
    COMMIT;});
is(sql(q{SELECT extversion FROM pg_extension WHERE extname = 'pg_cadence'}), '0.2.0', 'updated to 0.2.0');
is($after_states, $states, 'every job keeps its state, attempt, times, timer and event ids');
is($after_history, $history, 'the history is kept, event by event');
is(sql(qq{SELECT string_agg(DISTINCT coalesce(queue, '-'), ',') FROM cadence.job_events
         WHERE job_id <> $job{deleted}}), 'q', 'events of existing jobs take their queue');
is(sql(qq{SELECT count(*) FROM cadence.job_events WHERE job_id = $job{deleted} AND queue IS NULL}),
    '2', 'events of jobs deleted before the update have no queue');

# 4. The schema equals a fresh install's: pg_dump --binary-upgrade prints the
# extension's own objects, which a plain dump leaves out.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pg_cadence');
sub schema_of {
    my ($db) = @_;
    my ($stdout, $stderr);
    IPC::Run::run([ 'pg_dump', '--schema-only', '--binary-upgrade', '--no-owner', '-d', $node->connstr($db) ],
        '>', \$stdout, '2>', \$stderr) or die "pg_dump $db: $stderr";
    # Object ids and the extension's configuration (which names tables by oid) differ
    # between any two databases; comments and blank lines carry nothing.
    my @lines = grep {
        !/binary_upgrade_set_next_|binary_upgrade_create_empty_extension|^--|^\s*$|pg_extension_config_dump|
          pg_catalog\.setval|relfrozenxid|^WHERE\ oid\ =|^\\(un)?restrict\ /x
    } split /\n/, $stdout;
    # A stable order: the dump's statements, each with its continuation lines.
    my (@statements, $current);
    for my $line (@lines) {
        if (defined $current && $current !~ /;\s*$/) { $current .= "\n$line"; next; }
        push @statements, $current if defined $current;
        $current = $line;
    }
    push @statements, $current if defined $current;
    return join("\n", sort @statements) . "\n";
}
my $upgraded_schema = schema_of('postgres');
my $fresh_schema = schema_of('fresh');
cmp_ok(length($fresh_schema), '>', 10000, 'the fresh schema dump has the extension\'s objects');
is($upgraded_schema, $fresh_schema, 'the upgraded schema equals a fresh install');
if ($upgraded_schema ne $fresh_schema) {
    my ($u, $f) = ($node->basedir . '/upgraded.sql', $node->basedir . '/fresh.sql');
    PostgreSQL::Test::Utils::append_to_file($u, $upgraded_schema);
    PostgreSQL::Test::Utils::append_to_file($f, $fresh_schema);
    diag(`diff $f $u | head -40`);
}

# 5. Behaviour: the scheduler takes up the updated extension at once, agrees with
# the tables, and periodic jobs keep firing; the API works again.
ok($node->poll_query_until('postgres', q{SELECT last_load IS NOT NULL FROM cadence.scheduler}),
    'the scheduler loaded its map when the update committed');
ok($node->poll_query_until('postgres', qq{SELECT count(*) = 1 FROM cadence.job_events
        WHERE job_id = $job{periodic} AND details ->> 'reason' = 'fire' AND id > $before_update}),
    'the periodic job fires after the update');
sql(qq{SELECT count(*) FROM cadence.claim('q', 'w-after', 10)});
sql(qq{SELECT cadence.complete($job{periodic}, 'w-after')});
ok($node->poll_query_until('postgres', qq{SELECT count(*) = 2 FROM cadence.job_events
        WHERE job_id = $job{periodic} AND details ->> 'reason' = 'fire' AND id > $before_update}),
    'and again after its run completed');
ok($node->poll_query_until('postgres', qq{SELECT count(*) = 1 FROM cadence.job_events
        WHERE job_id = $job{error} AND details ->> 'reason' = 'retry'}),
    'the run in error is retried when its backoff ends');
is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'verify() is empty after the update');
is(sql(q{SELECT count(*) FROM cadence.verify_timers()}), '0', 'verify_timers() is empty after the update');
sql(qq{SELECT cadence.complete($job{running}, 'w-running', '{"ok": true}')});
is(sql(qq{SELECT status FROM cadence.jobs_status WHERE job_id = $job{running}}), 'completed',
    'a run claimed under 0.1.0 is completed under 0.2.0');
sql(qq{SELECT cadence.resume_job($job{paused})});
is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'a job paused under 0.1.0 resumes');
like(sql(q{SELECT cadence.create_job('after', cadence.once(now()))}), qr/^\d+$/, 'create_job works again');
# 6. The grant model: a role that owned jobs under 0.1.0 was granted cadence_user.
is(sql(q{SELECT pg_has_role('legacy', 'cadence_user', 'MEMBER')}), 't',
   'a role owning jobs made under 0.1.0 is granted cadence_user by the update');
like(sql(q{SET ROLE legacy; SELECT cadence.create_job('legacy after', cadence.once(now()))}), qr/^\d+$/,
     '... and creates jobs as before');

$node->stop;
done_testing();

# cadence watch: prints a job's status and then every change as JSON lines, exits
# when the job ends or is deleted; follows a queue or every job until a signal;
# prints every event once and in order, also across a dropped connection.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use LateCommit;

my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;

my $node = cadence_node('watch');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
$node->poll_query_until('postgres',
    q{SELECT count(*) = 1 FROM cadence.scheduler WHERE pid IS NOT NULL})
  or die 'no scheduler';
my $dsn = $node->connstr('postgres');
sub sql { return $node->safe_psql('postgres', $_[0]); }

# A watch running in the background, its output collected as it comes.
sub start_watch {
    my (@args) = @_;
    my $w = { out => '', err => '', args => "@args" };
    $w->{h} = IPC::Run::start([ $client, 'watch', '--dsn', $dsn, @args ],
        '>', \$w->{out}, '2>', \$w->{err});
    return $w;
}
sub lines_of {
    my ($w) = @_;
    # Only complete lines: the output may be read in the middle of one.
    my ($complete) = $w->{out} =~ /\A(.*\n)?/s;
    return map { decode_json($_) } grep { length } split /\n/, $complete // '';
}
# Pumps until $cond->(@lines) holds or 60 s pass.
sub wait_lines {
    my ($w, $what, $cond) = @_;
    my $deadline = time + 60;
    while (1) {
        my @lines = lines_of($w);
        return 1 if $cond->(@lines);
        if (time > $deadline) {
            diag("timed out waiting for $what (watch $w->{args})\nstdout:\n$w->{out}\nstderr:\n$w->{err}");
            return 0;
        }
        if ($w->{h}->pumpable) { $w->{h}->pump_nb; }
        usleep(20_000);
    }
}
# Waits for the process to end and returns its exit status (or kills it after 60 s).
sub finish_watch {
    my ($w) = @_;
    my $deadline = time + 60;
    while ($w->{h}->pumpable && time < $deadline) { $w->{h}->pump_nb; usleep(20_000); }
    if ($w->{h}->pumpable) { diag("watch $w->{args} did not end"); $w->{h}->kill_kill; }
    $w->{h}->finish;
    return $?;
}
# A --queue/--all watch has nothing to print at first: wait until its backend has
# subscribed and finished its first read (its last statement marks the events seen).
sub wait_started {
    my (@watches) = @_;
    my $count = @watches;
    return if $node->poll_query_until('postgres', qq{
        SELECT count(*) = $count FROM pg_stat_activity
        WHERE application_name = 'cadence-watch' AND state = 'idle'
          AND query LIKE 'SELECT e.id, e.job_id FROM cadence.job_events%'});
    $_->{h}->pump_nb for grep { $_->{h}->pumpable } @watches;
    diag("watch $_->{args} stderr: $_->{err}") for @watches;
    diag(sql(q{SELECT application_name, state, query FROM pg_stat_activity}));
    die 'the watches did not start';
}
sub logged_ids {
    my ($where) = @_;
    return sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM cadence.job_events WHERE $where");
}
sub ids { return join ',', map { $_->{event_id} } @_; }
sub no_duplicates {
    my %seen;
    return !grep { $seen{ $_->{event_id} }++ } @_;
}

# --job: the current status first, then each change, ending at completed.
my $job = sql(q{SELECT cadence.create_job('x', cadence.once(now() + interval '1 hour'), queue => 'jq')});
my $w = start_watch('--job', $job);
ok(wait_lines($w, 'the current status', sub { @_ >= 1 }), 'watch --job prints the current status');
my ($first) = lines_of($w);
is_deeply([ sort keys %$first ], [ sort qw(event_id job_id event status attempt queue at name) ],
    'the first line has the documented fields and the name');
is($first->{job_id}, $job, 'of the job');
is($first->{name}, 'x', 'with its name');
is($first->{status}, 'scheduled', 'which is scheduled');
is($first->{queue}, 'jq', 'in its queue');
like($first->{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'at is RFC 3339 UTC');
is($first->{event_id}, sql("SELECT event_id FROM cadence.jobs_status WHERE job_id = $job"),
    'its event id is the latest event');
sql("SELECT cadence.run_job_now($job)");
sql(q{SELECT count(*) FROM cadence.claim('jq', 'w1', 10)});
# A heartbeat that moves the progress: a progress line (not an event), at once.
sql("SELECT cadence.heartbeat($job, 'w1', 25)");
ok(wait_lines($w, 'the progress', sub { grep { ($_->{type} // '') eq 'progress' } @_ }),
   "a heartbeat's new progress is printed live");
my ($progress) = grep { ($_->{type} // '') eq 'progress' } lines_of($w);
is_deeply([ sort keys %$progress ], [ sort qw(type job_id queue progress at) ], '... with the documented fields');
ok($progress->{job_id} == $job && $progress->{progress} == 25 && $progress->{queue} eq 'jq', '... of the job, 25 %');
sql("SELECT cadence.complete($job, 'w1')");
is(finish_watch($w), 0, 'it exits 0 once the job completed');
my @lines = grep { !exists $_->{type} } lines_of($w);
is($lines[-1]{status}, 'completed', 'the last line is completed');
is(ids(@lines), logged_ids("job_id = $job AND id >= $first->{event_id}"),
    'every event from the current one on was printed once, in order');
ok(!exists $lines[1]{name}, 'only the first line has the name');
is($w->{err}, '', 'nothing on stderr');

# An ended job: its status, and done.
$w = start_watch('--job', $job);
is(finish_watch($w), 0, 'watch --job of a completed job exits 0 at once');
@lines = lines_of($w);
is(scalar(@lines), 1, 'after one line');
is($lines[0]{status}, 'completed', 'its status');

# Deletion ends it too, with a deleted line; a job already deleted gives that line.
my $doomed = sql(q{SELECT cadence.create_job('d', cadence.once(now() + interval '1 hour'), queue => 'jq')});
$w = start_watch('--job', $doomed);
ok(wait_lines($w, 'the current status', sub { @_ >= 1 }), 'watch --job of the job to delete started');
sql("SELECT cadence.delete_job($doomed)");
is(finish_watch($w), 0, 'it exits 0 when the job is deleted');
@lines = lines_of($w);
is_deeply([ map { "$_->{event}/$_->{status}" } @lines ], [ 'scheduled/scheduled', 'deleted/deleted' ],
    'and printed the deleted status last');
$w = start_watch('--job', $doomed);
is(finish_watch($w), 0, 'watch --job of a deleted job exits 0');
@lines = lines_of($w);
is($lines[0]{status}, 'deleted', 'printing its deleted status');

# A job that never existed: an error naming it.
$w = start_watch('--job', 999999);
isnt(finish_watch($w), 0, 'watch --job of an unknown job fails');
like($w->{err}, qr/job 999999 does not exist/, 'and says which job');

# --queue shows only its queue, --all every job; both stop cleanly on a signal.
my $wq = start_watch('--queue', 'qa');
my $wa = start_watch('--all');
wait_started($wq, $wa);
my $ja = sql(q{SELECT cadence.create_job('a', cadence.once(now()), queue => 'qa')});
my $jb = sql(q{SELECT cadence.create_job('b', cadence.once(now() + interval '1 hour'), queue => 'qb')});
sql(q{SELECT count(*) FROM cadence.claim('qa', 'w1', 10)});
sql("SELECT cadence.fail($ja, 'w1', 'boom')");
sql("SELECT cadence.run_job_now($ja)");
sql(q{SELECT count(*) FROM cadence.claim('qa', 'w1', 10)});
sql("SELECT cadence.complete($ja, 'w1')");
sql("SELECT cadence.cancel_job($jb)");
sql("SELECT cadence.delete_job($ja)");
my $want_a = logged_ids("job_id = $ja");
my $want_all = logged_ids("job_id IN ($ja, $jb)");
ok(wait_lines($wq, 'job a deleted', sub { grep { $_->{job_id} == $ja && $_->{status} eq 'deleted' } @_ }),
    'watch --queue saw the job of its queue to the end');
ok(wait_lines($wa, 'both jobs', sub {
            (grep { $_->{job_id} == $ja && $_->{status} eq 'deleted' } @_)
              && grep { $_->{job_id} == $jb && $_->{status} eq 'canceled' } @_ }),
    'watch --all saw both jobs');
$wq->{h}->signal('INT');
$wa->{h}->signal('TERM');
is(finish_watch($wq), 0, 'watch --queue exits 0 on SIGINT');
is(finish_watch($wa), 0, 'watch --all exits 0 on SIGTERM');
my @q = lines_of($wq);
my @all = lines_of($wa);
is(ids(@q), $want_a, 'watch --queue printed every event of its queue once, in order, and no other');
is(join(',', sort { $a <=> $b } map { $_->{event_id} } @all), $want_all,
    'watch --all printed every event of both jobs');
ok(no_duplicates(@all), 'no event id twice');
is(ids(grep { $_->{job_id} == $jb } @all), logged_ids("job_id = $jb"), "each job's events in order");
is_deeply([ map { $_->{event} } grep { $_->{job_id} == $ja } @all ],
    [qw(scheduled running error scheduled running completed deleted)], 'the events of job a');
is($q[-1]{queue}, 'qa', 'the deleted line names the queue');

# A dropped connection: watch reconnects, replays what it missed, and still
# prints every event exactly once, in order.
my $r1 = sql(q{SELECT cadence.create_job('r1', cadence.once(now() + interval '1 hour'), queue => 'qr')});
my $wj = start_watch('--job', $r1);
ok(wait_lines($wj, 'the current status', sub { @_ >= 1 }), 'watch --job of r1 started');
$wq = start_watch('--queue', 'qr');
wait_started($wq);
my $start_id = sql('SELECT max(id) FROM cadence.job_events');    # --queue prints what follows
my $old_pids = sql(q{SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity
                     WHERE application_name = 'cadence-watch'});
my @created;
for my $round (1 .. 3) {
    # The changes race the termination: some happen before the watches notice,
    # some while they wait to reconnect.
    push @created, sql(qq{
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'cadence-watch';
        SELECT cadence.create_job('r$round', cadence.once(now()), queue => 'qr');}) =~ /(\d+)$/;
    sql("SELECT cadence.run_job_now($r1)") if $round == 1;
    sql(q{SELECT count(*) FROM cadence.claim('qr', 'w1', 10)});
    usleep(150_000);
    sql("SELECT cadence.complete(job_id, 'w1') FROM cadence.jobs_status
         WHERE queue = 'qr' AND status = 'running' AND job_id <> $r1");
}
sql("SELECT cadence.complete($r1, 'w1')");
my $all_qr = join ',', $r1, @created;
my $want_qr = logged_ids("job_id IN ($all_qr) AND id > $start_id");
is(finish_watch($wj), 0, 'watch --job exits 0 at completed after reconnecting');
like($wj->{err}, qr/connection lost.*reconnected/s, 'it said it lost the connection and reconnected');
@lines = lines_of($wj);
is(ids(@lines), logged_ids("job_id = $r1 AND id >= $lines[0]{event_id}"),
    'every event of the job once, in order, across the reconnection');
ok(wait_lines($wq, 'every event of queue qr', sub {
            my %got = map { $_->{event_id} => 1 } @_;
            !grep { !$got{$_} } split /,/, $want_qr }),
    'watch --queue printed every event of the queue after reconnecting');
usleep(300_000);    # time for a duplicate to show up, if one were coming
$wq->{h}->pump_nb if $wq->{h}->pumpable;
$wq->{h}->signal('INT');
is(finish_watch($wq), 0, 'and exits 0 on SIGINT');
@q = lines_of($wq);
ok(no_duplicates(@q), 'no event id twice after reconnecting');
is(join(',', sort { $a <=> $b } map { $_->{event_id} } @q), $want_qr, 'exactly the events of the queue');
for my $id ($r1, @created) {
    my @mine = grep { $_->{job_id} == $id } @q;
    is(ids(@mine), logged_ids("job_id = $id AND id >= $mine[0]{event_id}"), "job $id in order");
}
like($wq->{err}, qr/connection lost.*reconnecting in \d+ ms.*reconnected/s, 'with messages on stderr');
# Changes made right after the termination commit while the watch is away.
like($wq->{err}, qr/reconnected; [1-9]\d* missed events replayed/, 'some events came from the replay');
note("watch --job stderr:\n$wj->{err}\nwatch --queue stderr:\n$wq->{err}");
my $new_pids = sql(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cadence-watch'});
is($new_pids, 0, 'no watch is left connected');
isnt($old_pids, '', 'the watches had been connected as cadence-watch');

# A late commit: a transaction takes an event id and commits only after more than
# a thousand later events were printed, while the watch is disconnected. The watch
# reconnects, replays from its position and prints the late event, once.
{
    my $wl = start_watch('--all');
    wait_started($wl);
    my $late = LateCommit::open_late_commit($node);
    my ($late_job, $late_event, $last_early) = @$late{qw(job event last_early)};
    ok(wait_lines($wl, 'the later events', sub { grep { $_->{job_id} == $last_early } @_ }),
       'watch --all printed the events committed after the open transaction took its id');
    sql(q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cadence-watch'});
    LateCommit::commit_late($late);
    ok(wait_lines($wl, 'the late event', sub { grep { $_->{job_id} == $late_job } @_ }),
       'after reconnecting it printed the late commit');
    usleep(300_000);
    $wl->{h}->pump_nb if $wl->{h}->pumpable;
    $wl->{h}->signal('INT');
    is(finish_watch($wl), 0, 'and exits 0 on SIGINT');
    like($wl->{err}, qr/connection lost.*reconnected/s, '(it did reconnect)');
    my @got = grep { $_->{event_id} >= $late_event } lines_of($wl);
    ok(no_duplicates(@got), 'no event twice');
    is(join(',', sort { $a <=> $b } map { $_->{event_id} } @got), logged_ids("id >= $late_event"),
       'every event from the late one on');
}

# A resync notice: with a 16-event hand-off queue, 60 events in one transaction
# overflow it and most are never notified; watch --all replays them from the log.
# (Past 64 events a transaction is published as a ranged resync: TAP 017.)
$node->append_conf('postgresql.conf', "cadence.status_queue_size = 16\n");
$node->restart;
$node->poll_query_until('postgres',
    q{SELECT count(*) = 1 FROM cadence.scheduler WHERE pid IS NOT NULL}) or die 'no scheduler';
$wa = start_watch('--all');
usleep(500_000);    # subscribed
my $burst_first = sql(q{SELECT coalesce(max(id), 0) FROM cadence.job_events}) + 1;
sql(q{SELECT count(cadence.create_job('burst ' || i, cadence.once(now() + interval '1 hour')))
      FROM generate_series(1, 60) i});
my $want_burst = logged_ids("id >= $burst_first");
ok(wait_lines($wa, 'the whole burst', sub {
            my %got = map { $_->{event_id} => 1 } @_;
            !grep { !$got{$_} } split /,/, $want_burst }),
    'after an overflow, watch --all printed every event of the burst');
ok(sql(q{SELECT resyncs >= 1 FROM cadence.scheduler}) eq 't', '(the hand-off queue did overflow)');
usleep(300_000);
$wa->{h}->pump_nb if $wa->{h}->pumpable;
$wa->{h}->signal('INT');
is(finish_watch($wa), 0, 'watch --all exits 0 on SIGINT');
my @burst = grep { $_->{event_id} >= $burst_first } lines_of($wa);
ok(no_duplicates(@burst), 'each of them once');

$node->stop;
done_testing();

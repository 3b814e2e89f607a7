# Status publication: every committed event reaches LISTEN cadence_status once, in
# event-id order per job, with the documented payload and nothing user-written;
# rolled-back changes are silent; a bulk change is announced as a ranged resync.
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

# A tiny hand-off queue, so that the resync path can be reached.
my $node = cadence_node('publication', "cadence.status_queue_size = 512\nmax_connections = 20\n");
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
$node->poll_query_until('postgres',
    q{SELECT count(*) = 1 FROM cadence.scheduler WHERE pid IS NOT NULL})
  or die 'no scheduler';

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN cadence_status');
my @messages;

# Collects notifications until `$done->()` holds (or 30 s pass).
sub collect {
    my ($done) = @_;
    my $deadline = time + 30;
    while (1) {
        my $out = $listener->query_safe('SELECT 1');
        while ($out =~ /Asynchronous notification "cadence_status" with payload "(.*)" received/g) {
            push @messages, @{ decode_json($1) };
        }
        last if $done->() || time > $deadline;
        usleep(20_000);
    }
}
sub events_of { my ($job) = @_; return grep { ($_->{job_id} // -1) == $job } @messages; }

# One job through its life: scheduled, running, completed, deleted.
my $job = $node->safe_psql('postgres',
    q{SELECT cadence.create_job('secret-name', cadence.once(now()), queue => 'pub',
                                payload => '{"password": "hunter2"}')});
$node->safe_psql('postgres', q{SELECT count(*) FROM cadence.claim('pub', 'w1')});
$node->safe_psql('postgres', qq{SELECT cadence.fail($job, 'w1', 'secret-error', 'secret-trace')});
$node->safe_psql('postgres', qq{SELECT cadence.run_job_now($job)});
$node->safe_psql('postgres', q{SELECT count(*) FROM cadence.claim('pub', 'w1')});
$node->safe_psql('postgres', qq{SELECT cadence.complete($job, 'w1', '{"secret": "result"}')});
$node->safe_psql('postgres', qq{SELECT cadence.delete_job($job)});
collect(sub { grep { $_->{event} eq 'deleted' } events_of($job) });

my @mine = events_of($job);
is_deeply([ map { $_->{event} } @mine ],
    [qw(scheduled running error scheduled running completed deleted)],
    'every change of the job was published once, in order');
is_deeply([ map { $_->{attempt} } @mine ], [ 1, 1, 1, 2, 2, 2, 2 ], 'with its attempt');
is($mine[-1]{status}, 'deleted', 'deleting publishes a final deleted status');
is_deeply([ sort keys %{ $mine[0] } ],
    [ sort qw(type event_id job_id event status attempt queue at) ],
    'the payload has exactly the documented fields');
is($mine[0]{queue}, 'pub', 'the queue is named');
like($mine[0]{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'at is RFC 3339 UTC');
my $all_text = join "\n", map { encode_json($_) } @messages;
unlike($all_text, qr/secret|hunter2/, 'no job name, payload, error, traceback or result');
my $logged = $node->safe_psql('postgres',
    qq{SELECT string_agg(id::text, ',' ORDER BY id) FROM cadence.job_events WHERE job_id = $job});
is(join(',', map { $_->{event_id} } @mine), $logged, 'event ids match cadence.job_events');

# Rolled back: nothing is published, neither a whole transaction nor a savepoint.
my $rolled_back = $node->safe_psql('postgres', q{
    BEGIN;
    SELECT cadence.create_job('never', cadence.once(now()), queue => 'pub');
    ROLLBACK;
    SELECT currval(pg_get_serial_sequence('cadence.jobs', 'id'));});
my ($kept, $in_savepoint) = split /\|/, $node->safe_psql('postgres', q{
    BEGIN;
    SELECT cadence.create_job('kept', cadence.once(now()), queue => 'pub') AS kept \gset
    SAVEPOINT s;
    SELECT cadence.create_job('undone', cadence.once(now()), queue => 'pub') AS undone \gset
    ROLLBACK TO SAVEPOINT s;
    COMMIT;
    SELECT :kept || '|' || :undone;});
$node->safe_psql('postgres', qq{SELECT cadence.delete_job($kept)});
collect(sub { grep { $_->{event} eq 'deleted' } events_of($kept) });
is(scalar(events_of($rolled_back)), 0, 'a rolled-back transaction publishes nothing');
is(scalar(events_of($in_savepoint)), 0, 'a rolled-back savepoint publishes nothing');
is(scalar(events_of($kept)), 2, 'what the transaction kept is published');

# Progress: a heartbeat that changes it is published as a message of its own,
# coalesced (at most every 250 ms); rolled back, or unchanged, it is not.
sub progress_of { my ($job) = @_; return grep { $_->{type} eq 'progress' && $_->{job_id} == $job } @messages; }
my $busy = $node->safe_psql('postgres',
    q{SELECT cadence.create_job('busy', cadence.once(now()), queue => 'prog', payload => '{}')});
$node->safe_psql('postgres', q{SELECT count(*) FROM cadence.claim('prog', 'w9')});
$node->safe_psql('postgres', qq{BEGIN; SELECT cadence.heartbeat($busy, 'w9', 10); ROLLBACK;
    BEGIN; SAVEPOINT s; SELECT cadence.heartbeat($busy, 'w9', 20); ROLLBACK TO SAVEPOINT s; COMMIT;});
$node->safe_psql('postgres', qq{DO \$\$ BEGIN
    FOR i IN 31..80 LOOP PERFORM cadence.heartbeat($busy, 'w9', i); COMMIT; END LOOP; END \$\$});
collect(sub { grep { $_->{progress} == 80 } progress_of($busy) });
my @progress = progress_of($busy);
is($progress[-1]{progress}, 80, 'the last progress reported is published');
ok(@progress < 50, '50 heartbeats in a row are coalesced (' . scalar(@progress) . ' messages)');
ok(!grep({ $_->{progress} == 10 || $_->{progress} == 20 } @progress), 'rolled-back progress is not published');
is(join(',', map { $_->{progress} } @progress), join(',', sort { $a <=> $b } map { $_->{progress} } @progress),
   'progress arrives in the order it was reported');
is_deeply([ sort keys %{ $progress[-1] } ], [ sort qw(type job_id queue progress at) ],
   'a progress message has exactly the documented fields');
ok(!grep({ ($_->{event_id} // 0) && $_->{type} eq 'progress' } @messages), '... and no event id');
$node->safe_psql('postgres', qq{SELECT cadence.heartbeat($busy, 'w9', 80)});
my $marker_job = $node->safe_psql('postgres', q{SELECT cadence.create_job('after', cadence.once(now() + interval '1 hour'))});
collect(sub { events_of($marker_job) });
is(scalar(progress_of($busy)), scalar(@progress), 'a heartbeat that leaves the progress as it was publishes nothing');
# Savepoints: a rolled-back one takes its progress with it; a released one keeps it,
# and what comes after it is newer.
usleep(300_000);
$node->safe_psql('postgres', qq{BEGIN; SELECT cadence.heartbeat($busy, 'w9', 40); SAVEPOINT s;
    SELECT cadence.heartbeat($busy, 'w9', 60); ROLLBACK TO SAVEPOINT s; COMMIT;});
collect(sub { grep { $_->{progress} == 40 } progress_of($busy) });
ok(!grep({ $_->{progress} == 60 } progress_of($busy)), 'progress of a rolled-back savepoint is not published (40 is)');
usleep(300_000);
$node->safe_psql('postgres', qq{BEGIN; SELECT cadence.heartbeat($busy, 'w9', 41); SAVEPOINT s;
    SELECT cadence.heartbeat($busy, 'w9', 61); RELEASE SAVEPOINT s; SELECT cadence.heartbeat($busy, 'w9', 71); COMMIT;});
collect(sub { grep { $_->{progress} == 71 } progress_of($busy) });
is((progress_of($busy))[-1]{progress}, 71, "after a released savepoint, the transaction's last progress is published");

# Concurrent clients: every committed event exactly once, in order per job.
my $first_event = $node->safe_psql('postgres', 'SELECT max(id) FROM cadence.job_events');
my $script = $node->basedir . '/lifecycle.sql';
PostgreSQL::Test::Utils::append_to_file($script, q{
SELECT cadence.create_job('bench', cadence.once(now()), queue => 'conc' || :client_id) AS id \gset
SELECT count(*) FROM cadence.claim('conc' || :client_id, 'w' || :client_id, 1);
SELECT cadence.complete(:id, 'w' || :client_id);
SELECT cadence.run_job_now(:id);
SELECT cadence.cancel_job(:id);
});
$node->command_ok([ 'pgbench', '-n', '-c', '4', '-j', '2', '-t', '50', '-f', $script,
        $node->connstr('postgres') ], 'four clients drive 200 job lifecycles');
my $expected = $node->safe_psql('postgres',
    qq{SELECT count(*) FROM cadence.job_events WHERE id > $first_event});
collect(sub { (grep { ($_->{event_id} // 0) > $first_event } @messages) >= $expected });
my @received = grep { ($_->{event_id} // 0) > $first_event } @messages;
my %seen;
$seen{ $_->{event_id} }++ for @received;
is(scalar(keys %seen), $expected, "all $expected committed events arrived");
is(scalar(grep { $_ > 1 } values %seen), 0, 'none arrived twice');
my %last_per_job;
my $out_of_order = 0;
for my $m (@received) {
    $out_of_order++ if ($last_per_job{ $m->{job_id} } // 0) > $m->{event_id};
    $last_per_job{ $m->{job_id} } = $m->{event_id};
}
is($out_of_order, 0, 'each job\'s events arrived in event-id order');
ok((grep { $_->{type} eq 'resync' } @received) == 0, 'no resync was needed');

# A bulk change: one transaction commits more events than an eighth of the
# hand-off (here more than it holds). It is published as one ranged resync naming
# its event ids, for consumers to read from job_events; no event is lost, and
# the scheduler takes up its jobs without reloading its map. (An overflow of the
# hand-off itself, a full resync: TAP 008 and 009.)
my $before = scalar @messages;
my $scheduler_resyncs = $node->safe_psql('postgres', 'SELECT resyncs FROM cadence.scheduler');
$node->safe_psql('postgres', q{
    SELECT count(cadence.create_job('burst ' || i, cadence.once(now()), queue => 'burst'))
    FROM generate_series(1, 1000) i});
collect(sub { grep { $_->{type} eq 'resync' } @messages[ $before .. $#messages ] });
my @burst = @messages[ $before .. $#messages ];
my @ranged = grep { $_->{type} eq 'resync' } @burst;
is(scalar @ranged, 1, 'a bulk change is announced with one resync notice');
is("$ranged[0]{first_event_id}..$ranged[0]{last_event_id}",
   $node->safe_psql('postgres', q{SELECT min(e.id) || '..' || max(e.id) FROM cadence.job_events e
                                  JOIN cadence.jobs j ON j.id = e.job_id WHERE j.name LIKE 'burst %'}),
   'it names the range of the bulk change\'s event ids');
is(scalar(grep { $_->{type} eq 'status' && $_->{queue} eq 'burst' } @burst), 0, 'none of its events is sent one by one');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cadence.verify_timers()'), '0',
    'the scheduler took up its jobs: its map agrees with the tables');
is($node->safe_psql('postgres', 'SELECT resyncs FROM cadence.scheduler'), $scheduler_resyncs,
    'without reloading the map');
# After a resync, publication goes on as before.
my $after = $node->safe_psql('postgres', q{SELECT cadence.create_job('after', cadence.once(now()), queue => 'pub')});
collect(sub { events_of($after) });
is(scalar(events_of($after)), 1, 'publication continues after a resync');

is($node->safe_psql('postgres', 'SELECT count(*) FROM cadence.verify()'), '0', 'log and status agree');

# With publication off, writers publish nothing.
my $silent = $node->safe_psql('postgres', q{
    SET cadence.publish_status = off;
    SELECT cadence.create_job('silent', cadence.once(now()), queue => 'pub');});
my $marker = $node->safe_psql('postgres', q{SELECT cadence.create_job('marker', cadence.once(now()), queue => 'pub')});
collect(sub { events_of($marker) });
is(scalar(events_of($silent)), 0, 'cadence.publish_status = off publishes nothing');

# The horizon (docs/status-positions.md): while a transaction that took an event
# id is open, no horizon passes that id, though later events are published; once
# it commits, its event is published and the horizon passes both.
{
    my $open = $node->background_psql('postgres');
    $open->query_safe('BEGIN');
    my $held_job = $open->query_safe(
        q{SELECT cadence.create_job('held', cadence.once(now() + interval '1 hour'), queue => 'pub')});
    my $held = $open->query_safe("SELECT max(id) FROM cadence.job_events WHERE job_id = $held_job");
    my $start = scalar @messages;
    my $later_job = $node->safe_psql('postgres',
        q{SELECT cadence.create_job('later', cadence.once(now() + interval '1 hour'), queue => 'pub')});
    my $later = $node->safe_psql('postgres', "SELECT max(id) FROM cadence.job_events WHERE job_id = $later_job");
    collect(sub { events_of($later_job) });
    my @horizons = map { $_->{below} } grep { $_->{type} eq 'horizon' } @messages[ $start .. $#messages ];
    ok($later > $held && events_of($later_job), "a later event ($later) is published");
    # (A horizon is sent only when it moves: here it may not be sent at all.)
    ok(!grep({ $_ > $held } @horizons), "no horizon passes the open transaction's event ($held): @horizons");
    ok($node->safe_psql('postgres', 'SELECT cadence.status_horizon()') <= $held,
       'nor does cadence.status_horizon()');
    $open->query_safe('COMMIT');
    $open->quit;
    collect(sub { events_of($held_job) && grep { $_->{type} eq 'horizon' && $_->{below} > $later } @messages });
    is(scalar(events_of($held_job)), 1, 'the late commit is published');
    ok(grep({ $_->{type} eq 'horizon' && $_->{below} > $later } @messages), 'and the horizon passes both');
    ok($node->safe_psql('postgres', 'SELECT cadence.status_horizon()') > $later, 'so does cadence.status_horizon()');
    # A rolled-back transaction that held the horizon lets it go.
    my $stuck = $node->background_psql('postgres');
    $stuck->query_safe('BEGIN');
    $stuck->query_safe(q{SELECT cadence.create_job('rolled back', cadence.once(now() + interval '1 hour'))});
    my $after_stuck = $node->safe_psql('postgres',
        q{SELECT cadence.create_job('after', cadence.once(now() + interval '1 hour'), queue => 'pub')});
    my $after_event = $node->safe_psql('postgres', "SELECT max(id) FROM cadence.job_events WHERE job_id = $after_stuck");
    collect(sub { events_of($after_stuck) });
    $stuck->query_safe('ROLLBACK');
    $stuck->quit;
    collect(sub { grep { $_->{type} eq 'horizon' && $_->{below} > $after_event } @messages });
    ok(grep({ $_->{type} eq 'horizon' && $_->{below} > $after_event } @messages),
       'after a rollback the horizon moves on by itself');
}

# The LISTEN recipe of docs/notifications.md, followed as written by a consumer that disconnects
# while a transaction that took its event id early commits: when it comes back
# and replays from its position, it gets that event, and nothing twice.
{
    my $consumer = $node->background_psql('postgres');
    $consumer->query_safe('LISTEN cadence_status');
    my $horizon = $consumer->query_safe('SELECT cadence.status_horizon()');
    my %handled = map { $_ => 1 } split /\n/,
      $consumer->query_safe("SELECT id FROM cadence.job_events WHERE id >= $horizon");
    my @got;
    my $handle = sub { for (@_) { next if $_ < $horizon || $handled{$_}++; push @got, $_; } };
    my $late = LateCommit::open_late_commit($node);
    my $early_event = $node->safe_psql('postgres',
        "SELECT max(id) FROM cadence.job_events WHERE job_id = $late->{last_early}");
    my $deadline = time + 30;
    until (grep({ $_ == $early_event } @got) || time > $deadline) {
        my $out = $consumer->query_safe('SELECT 1');
        while ($out =~ /Asynchronous notification "cadence_status" with payload "(.*)" received/g) {
            for my $m (@{ decode_json($1) }) {
                if ($m->{type} eq 'status') { $handle->($m->{event_id}); }
                elsif ($m->{type} eq 'resync' && defined $m->{first_event_id}) {
                    $handle->(split /\n/, $consumer->query_safe(
                        "SELECT id FROM cadence.job_events WHERE id BETWEEN $m->{first_event_id} AND $m->{last_event_id} ORDER BY id"));
                }
                elsif ($m->{type} eq 'horizon' && $m->{below} > $horizon) {
                    $horizon = $m->{below};
                    delete $handled{$_} for grep { $_ < $horizon } keys %handled;
                }
            }
        }
        usleep(20_000);
    }
    ok(grep({ $_ == $early_event } @got) && !grep({ $_ == $late->{event} } @got),
       'the consumer got the later events, not the open transaction\'s');
    ok($horizon <= $late->{event}, "its horizon ($horizon) stays at or below that event ($late->{event})");
    $consumer->quit;
    LateCommit::commit_late($late);
    my $again = $node->background_psql('postgres');
    $again->query_safe('LISTEN cadence_status');
    my $before = @got;
    $handle->(split /\n/, $again->query_safe("SELECT id FROM cadence.job_events WHERE id >= $horizon ORDER BY id"));
    is(join(',', @got[ $before .. $#got ]), $late->{event}, 'after reconnecting, its replay finds just the late event');
    my %count;
    $count{$_}++ for @got;
    ok(!grep({ $_ > 1 } values %count), 'and nothing came twice');
    $again->quit;
}

$listener->quit;
$node->stop;
done_testing();

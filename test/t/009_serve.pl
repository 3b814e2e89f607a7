# cadence serve: the REST API, the SSE streams (current state, live changes,
# Last-Event-ID resume, the all-jobs stream), the bearer token, and recovery from a
# dropped or stopped database. Uses curl as the HTTP client.
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;
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
system('curl --version >/dev/null 2>&1') == 0 or plan skip_all => 'curl is not installed';

my $node = cadence_node('serve');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
my $dsn = $node->connstr('postgres') . ' application_name=cadence-serve';

my @servers;
# Starts `cadence serve` on a free port and waits until it answers.
sub start_server {
    my @extra = @_;
    my $port = PostgreSQL::Test::Cluster::get_free_port();
    my ($out, $err) = ('', '');
    my $h = IPC::Run::start([ $client, 'serve', '--listen', "127.0.0.1:$port", '--dsn', $dsn,
            @extra ], '>', \$out, '2>', \$err);
    push @servers, $h;
    my $base = "http://127.0.0.1:$port";
    for (1 .. 100) {
        my $code = `curl -s -o /dev/null -w '%{http_code}' $base/`;
        return ($base, $h, \$err) if $code eq '200';
        usleep(100_000);
    }
    die "cadence serve did not start: $err";
}

# One request: returns (status, body, content type).
sub http {
    my ($method, $url, @headers) = @_;
    my @cmd = ('curl', '-s', '-X', $method, '-w', '\n%{http_code} %{content_type}', $url,
        map { ('-H', $_) } @headers);
    my ($out, $err) = ('', '');
    IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
    $out =~ s/\n(\d+) ?([^\n]*)\z// or die "no status from curl: $err";
    return ($1, $out, $2);
}
# A request with a JSON body; returns (status, decoded body or undef).
sub send_json {
    my ($method, $url, $body) = @_;
    my ($out, $err) = ('', '');
    IPC::Run::run([ 'curl', '-s', '-X', $method, '-H', 'Content-Type: application/json', '--data-binary', $body,
                    '-w', '\n%{http_code}', $url ], '>', \$out, '2>', \$err);
    $out =~ s/\n(\d+)\z// or die "no status from curl: $err";
    return ($1, $out ne '' ? decode_json($out) : undef);
}
sub get_json {
    my ($url, @headers) = @_;
    my ($code, $body) = http('GET', $url, @headers);
    return ($code, $body ne '' ? decode_json($body) : undef);
}

# An SSE client in the background; `wait_for` pumps it until its output matches.
sub open_stream {
    my ($url, @headers) = @_;
    my $out = '';
    my $h = IPC::Run::start([ 'curl', '-sN', $url, map { ('-H', $_) } @headers ],
        '>', \$out, '2>', \my $err, IPC::Run::timeout(60));
    return { h => $h, out => \$out };
}
sub wait_for {
    my ($stream, $re) = @_;
    my $deadline = time + 20;
    while (${ $stream->{out} } !~ $re) {
        return 0 if time > $deadline;
        if ($stream->{h}->pumpable) { $stream->{h}->pump_nb; } else { return ${ $stream->{out} } =~ $re; }
        usleep(20_000);
    }
    return 1;
}
# Waits until the stream's curl has exited (the server closed the stream).
sub wait_closed {
    my ($stream) = @_;
    my $deadline = time + 20;
    while ($stream->{h}->pumpable) {
        return 0 if time > $deadline;
        $stream->{h}->pump_nb;
        usleep(20_000);
    }
    $stream->{h}->finish;
    return 1;
}
# A stream position ("H+a-b,c"): whether it counts event `id` as sent.
sub position_has {
    my ($position, $id) = @_;
    my ($horizon, $ranges) = $position =~ /^(\d+)\+([\d,-]*)$/ or die "not a position: $position";
    return 1 if $id < $horizon;
    for (split /,/, $ranges) {
        my ($from, $to) = split /-/;
        return 1 if $id >= $from && $id <= ($to // $from);
    }
    return 0;
}
# The status messages of a stream, each with its SSE id in `_id`: a job stream's
# is the event id, any other stream's a position that counts the event as sent.
sub messages {
    my ($text) = @_;
    my @m;
    while ($text =~ /^id: (\S+)\nevent: status\ndata: (.*)\n\n/mg) {
        my ($id, $data) = ($1, decode_json($2));
        die "id line $id does not cover event_id $data->{event_id}"
          unless $id =~ /^\d+$/ ? $id == $data->{event_id} : position_has($id, $data->{event_id});
        push @m, { %$data, _id => $id };
    }
    return @m;
}
sub sql { return $node->safe_psql('postgres', shift); }
sub event_ids {
    my ($where) = @_;
    return join ',', split /\n/, sql("SELECT id FROM cadence.job_events WHERE $where ORDER BY id");
}

# Waits until a server's LISTEN connection is up (it says so on stderr).
sub wait_listening {
    my ($h, $err) = @_;
    for (1 .. 200) {
        $h->pump_nb;
        return 1 if $$err =~ /listening on channel cadence_status/;
        usleep(50_000);
    }
    die "cadence serve did not LISTEN: $$err";
}

my ($base) = start_server();
my $api = "$base/api/v1";

# --- REST: list, filters, one job ----------------------------------------------
my $ja = sql(q{SELECT cadence.create_job('alpha export', cadence.once(now() + interval '1 hour'),
                                        queue => 'exports')});
my $jb = sql(q{SELECT cadence.create_job('Beta', cadence.once(now() + interval '2 hours'))});

my ($code, $body, $type) = http('GET', "$api/jobs");
is($code, 200, 'GET /jobs answers 200');
like($type, qr{^application/json}, 'as JSON');
my $jobs = decode_json($body)->{jobs};
is(scalar @$jobs, 2, 'both jobs are listed');
is_deeply([ map { $_->{job_id} } @$jobs ],
    [ split /\n/, sql('SELECT job_id FROM cadence.recent_jobs') ], "in the view's order");
my @fields = qw(job_id name queue kind status attempt max_attempts paused next_run_at fire_time
  worker progress heartbeat_at lease_expires_at changed_at last_error last_traceback
  last_error_at owner trigger created_at list_group event_id);
is_deeply([ sort keys %{ $jobs->[0] } ], [ sort @fields ], 'each job has the documented fields');
is((grep { $_->{job_id} == $ja } @$jobs)[0]{event_id},
    sql("SELECT event_id FROM cadence.jobs_status WHERE job_id = $ja"), 'event_id is the latest event');

my $j;
($code, $j) = get_json("$api/jobs?queue=exports");
is_deeply([ map { $_->{job_id} } @{ $j->{jobs} } ], [$ja], 'queue filter');
($code, $j) = get_json("$api/jobs?name=BET");
is_deeply([ map { $_->{job_id} } @{ $j->{jobs} } ], [$jb], 'name filter: case-insensitive substring');
($code, $j) = get_json("$api/jobs?status=running");
is_deeply($j->{jobs}, [], 'status filter');
($code, $j) = get_json("$api/jobs?limit=1");
is(scalar @{ $j->{jobs} }, 1, 'limit');
for my $bad ('0', '1001', 'ten') {
    ($code, $j) = get_json("$api/jobs?limit=$bad");
    is($code, 400, "limit=$bad is refused with 400");
    like($j->{detail}, qr/invalid limit/, 'and a detail');
}

($code, $j) = get_json("$api/jobs/$ja");
is($code, 200, 'GET /jobs/{id}');
is($j->{job}{name}, 'alpha export', 'the job');
is($j->{events}[0]{event}, 'scheduled', 'with its events');
is_deeply([ sort keys %{ $j->{events}[0] } ],
    [ sort qw(event_id event status attempt at fire_time worker error details) ], 'event fields');
($code, $j) = get_json("$api/jobs/abc");
is($code, 400, 'a malformed id is 400');
like($j->{detail}, qr/invalid job id/, 'with a detail');
($code, $j) = get_json("$api/jobs/0");
is($code, 400, 'id 0 is malformed too');
($code, $j) = get_json("$api/jobs/999999");
is($code, 404, 'an unknown job is 404');
like($j->{detail}, qr/job 999999 does not exist/, 'with a detail');
($code) = http('GET', "$api/nothing");
is($code, 404, 'an unknown endpoint is 404');
($code) = http('GET', "$base/../../etc/passwd");
is($code, 404, 'no path traversal');
($code, $body, $type) = http('GET', "$base/");
like($type, qr{^text/html}, 'the page is served as HTML');
like($body, qr{<title>pg_cadence jobs</title>}, 'index.html');

# --- Actions ---------------------------------------------------------------------
($code) = http('POST', "$api/jobs/$jb/run");
is($code, 204, 'POST run answers 204');
is(sql("SELECT run_at <= now() FROM cadence.jobs_status WHERE job_id = $jb"), 't',
    'and the run is due now');
($code) = http('POST', "$api/jobs/$jb/cancel");
is($code, 204, 'POST cancel answers 204');
is(sql("SELECT status FROM cadence.jobs_status WHERE job_id = $jb"), 'canceled', 'the run is canceled');
($code, $body) = http('POST', "$api/jobs/$jb/cancel");
is($code, 409, 'canceling again is a conflict (55000)');
like(decode_json($body)->{detail}, qr/already canceled/, "with PostgreSQL's message");
($code) = http('POST', "$api/jobs/999999/run");
is($code, 404, 'running an unknown job is 404 (42704)');
my $running = sql(q{SELECT cadence.create_job('busy', cadence.once())});
sql(q{SELECT count(*) FROM cadence.claim('default', 'w0', 10)});
($code) = http('DELETE', "$api/jobs/$running");
is($code, 204, 'DELETE of a running job answers 204');
is(sql("SELECT count(*) FROM cadence.jobs WHERE id = $running"), '0', 'the job is gone');
is(sql("SELECT string_agg(event, ',' ORDER BY id) FROM cadence.job_events WHERE job_id = $running"),
    'scheduled,running,canceled,deleted', 'canceled first, then deleted');
($code) = http('GET', "$api/jobs/$running");
is($code, 404, 'and it is 404 afterwards');

# --- Creating and changing jobs over REST ----------------------------------------
my ($created_code, $created) = send_json('POST', "$api/jobs",
    '{"name":"rest job","trigger":{"kind":"interval","period_seconds":300},"queue":"rest",'
    . '"payload":{"to":"ops"},"max_attempts":4,"backoff":"30 seconds","timeout":60}');
is($created_code, 201, 'POST /jobs creates a job: 201');
my $rest_id = $created->{job}{job_id};
is(sql("SELECT name || '|' || queue || '|' || max_attempts || '|' || backoff || '|' || timeout || '|' || payload::text
        FROM cadence.jobs WHERE id = $rest_id"), 'rest job|rest|4|00:00:30|00:01:00|{"to": "ops"}',
   '... with the arguments given, as cadence.create_job takes them');
is($created->{stream_url}, "/api/v1/jobs/$rest_id/\$stream", '... and answers the job and its stream_url');
is($created->{job}{status}, 'scheduled', '... the job as the list shows it');
for my $bad (['{"trigger":{"kind":"once"}}', qr/^name is required$/, 'a missing name'],
             ['{"name":"x","trigger":{"kind":"interval","period_seconds":300},"max_attempts":0}',
              qr/max_attempts must be at least 1/, 'max_attempts 0 (the SQL function says so)'],
             ['{"name":"x","trigger":{"kind":"interval","period_seconds":300},"backoff":"soon"}',
              qr/^backoff: invalid input syntax for type interval/, 'a malformed interval'],
             ['{"name":"x","trigger":{"kind":"weekly"}}', qr/trigger/, 'an unknown trigger'],
             ['{"name":"x","trigger":{"kind":"once"},"colour":"red"}', qr/unknown field "colour"/, 'an unknown field'],
             ['not json', qr/JSON object/, 'a body that is not JSON'])
{
    my ($code, $body) = send_json('POST', "$api/jobs", $bad->[0]);
    ok($code == 400 && $body->{detail} =~ $bad->[1], "$bad->[2]: 400 naming it ($body->{detail})");
}
is(sql(q{SELECT count(*) FROM cadence.jobs WHERE name = 'x'}), '0', 'and none of them created a job');
my ($patched_code, $patched) = send_json('PATCH', "$api/jobs/$rest_id", '{"name":"rest job 2","max_attempts":2}');
ok($patched_code == 200 && $patched->{job}{name} eq 'rest job 2' && $patched->{job}{max_attempts} == 2,
   'PATCH /jobs/{id} alters it: 200 with the job');
is(sql("SELECT event FROM cadence.job_events WHERE job_id = $rest_id ORDER BY id DESC LIMIT 1"), 'altered',
   '... recorded as an altered event');
($code) = send_json('PATCH', "$api/jobs/999999", '{"name":"nobody"}');
is($code, 404, 'PATCH of an unknown job: 404');
($code, $body) = send_json('PATCH', "$api/jobs/$rest_id", '{}');
is($code, 400, 'PATCH with nothing to change: 400');
($code) = http('POST', "$api/jobs/$rest_id/pause");
is($code, 204, 'POST .../pause: 204');
is(sql("SELECT paused FROM cadence.jobs_status WHERE job_id = $rest_id"), 't', '... the job is paused');
($code) = http('POST', "$api/jobs/$rest_id/resume");
is($code, 204, 'POST .../resume: 204');
is(sql("SELECT paused FROM cadence.jobs_status WHERE job_id = $rest_id"), 'f', '... and runs again');
sql("SELECT cadence.delete_job($rest_id)");

# --- The job stream ----------------------------------------------------------------
my $x = sql(q{SELECT cadence.create_job('x', cadence.once(now() + interval '1 hour'))});
my $s = open_stream("$api/jobs/$x/\$stream");
ok(wait_for($s, qr/^data: .*"status":"scheduled"/m), 'the stream starts with the current status');
my ($first) = messages(${ $s->{out} });
is($first->{event_id}, sql("SELECT event_id FROM cadence.jobs_status WHERE job_id = $x"),
    'as the latest event');
is($first->{job_id}, $x, 'of the job');
sql("SELECT cadence.run_job_now($x)");
sql(q{SELECT count(*) FROM cadence.claim('default', 'w1', 10)});
ok(wait_for($s, qr/"status":"running"/), 'changes follow');
sql("SELECT cadence.heartbeat($x, 'w1', 60)");
ok(wait_for($s, qr/\n\nevent: progress\ndata: \{"job_id":$x,"queue":"default","progress":60(\.0)?,"at":"[^"]+"\}\n\n/),
   "a heartbeat's new progress is an SSE progress message, without an id (Last-Event-ID stays the last event's)");
sql("SELECT cadence.complete($x, 'w1')");
ok(wait_for($s, qr/"status":"completed"/), '... and the run completes');
ok(wait_closed($s), 'the stream ends after completed');
my @got = messages(${ $s->{out} });
is(join(',', map { $_->{event_id} } @got), event_ids("job_id = $x"),
    'every event once, in id order');
is(join(',', map { $_->{event} } @got), 'scheduled,scheduled,running,completed', 'the events');
is_deeply([ sort grep { $_ ne '_id' } keys %{ $got[-1] } ],
    [ sort qw(event_id job_id event status attempt queue at) ], 'message fields');
like($got[-1]{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'at is RFC 3339 UTC');

# Resume: Last-Event-ID replays exactly what came after it.
$s = open_stream("$api/jobs/$x/\$stream", "Last-Event-ID: $got[1]{event_id}");
ok(wait_closed($s), 'a resumed stream of a finished job ends');
is(join(',', map { $_->{event_id} } messages(${ $s->{out} })),
    event_ids("job_id = $x AND id > $got[1]{event_id}"), 'it replays exactly the missed events');
($code) = http('GET', "$api/jobs/$x/\$stream", "Last-Event-ID: $got[-1]{event_id}");
is($code, 204, 'resuming after the last event answers 204 (an EventSource stops there)');
($code, $body, $type) = http('GET', "$api/jobs/999999/\$stream");
is($code, 404, 'a stream of an unknown job is 404');
like($type, qr{^application/json}, 'as JSON');

# --- The all-jobs stream -------------------------------------------------------------
my $mark = sql('SELECT max(id) FROM cadence.job_events');
my $all = open_stream("$api/events");
my $exports = open_stream("$api/events?queue=exports");
ok(wait_for($all, qr/: connected/), 'the events stream is open');
ok(wait_for($exports, qr/: connected/), 'and the queue-filtered one');
my $y = sql(q{SELECT cadence.create_job('y', cadence.once(now() + interval '1 hour'))});
sql("SELECT cadence.run_job_now($ja)");
sql("SELECT cadence.cancel_job($y)");
ok(wait_for($all, qr/"job_id":$y,"event":"canceled"/), 'it carries every job');
ok(wait_for($exports, qr/"job_id":$ja,/), 'the queue filter passes its queue');
is(join(',', map { $_->{event_id} } messages(${ $all->{out} })), event_ids("id > $mark"),
    'every event once');
is(join(',', map { $_->{job_id} } messages(${ $exports->{out} })), $ja, 'and only its queue');
$exports->{h}->kill_kill;

# Resume of the all-jobs stream.
my $resumed = open_stream("$api/events", "Last-Event-ID: $mark");
ok(wait_for($resumed, qr/"job_id":$y,"event":"canceled"/), 'the events stream resumes');
is(join(',', map { $_->{event_id} } messages(${ $resumed->{out} })), event_ids("id > $mark"),
    'from Last-Event-ID');
$resumed->{h}->kill_kill;

# A late commit: a transaction takes an event id and commits only after more
# than a thousand later events were sent. A client that reconnects in between,
# with the position it was given, gets the late event, and nothing twice.
{
    my $stream = open_stream("$api/events");
    ok(wait_for($stream, qr/: connected/), 'a stream for the late commit is open');
    my $late = LateCommit::open_late_commit($node);
    my ($late_job, $late_event, $last_early) = @$late{qw(job event last_early)};
    ok(wait_for($stream, qr/"job_id":$last_early,/), 'the later events are sent');
    my @before = messages(${ $stream->{out} });
    $stream->{h}->kill_kill;
    my $position = $before[-1]{_id};
    ok(!position_has($position, $late_event), "the position ($position) has not passed the late event");
    LateCommit::commit_late($late);
    my $again = open_stream("$api/events", "Last-Event-ID: $position");
    ok(wait_for($again, qr/"job_id":$late_job,/), 'the resumed stream sends the late event');
    usleep(300_000);    # time for a duplicate to show up, if one were coming
    $again->{h}->pump_nb if $again->{h}->pumpable;
    my @after = messages(${ $again->{out} });
    is(join(',', map { $_->{event_id} } @after), $late_event, '... and nothing sent before');
    my %seen;
    ok(!grep({ $seen{ $_->{event_id} }++ } @before, @after), 'no event twice across the two connections');
    is(scalar(keys %seen), sql("SELECT count(*) FROM cadence.job_events WHERE id >= $late_event"),
       'every event from the late one on, once');
    $again->{h}->kill_kill;
}

# A queue-filtered replay of a deleted job's events still has them, deleted last:
# the replay takes each event's own queue, as it was published.
my $doomed_mark = sql('SELECT max(id) FROM cadence.job_events');
my $doomed = sql(q{SELECT cadence.create_job('doomed', cadence.once(now() + interval '1 hour'), queue => 'exports')});
sql("SELECT cadence.delete_job($doomed)");
my $replayed = open_stream("$api/events?queue=exports", "Last-Event-ID: $doomed_mark");
ok(wait_for($replayed, qr/"job_id":$doomed,"event":"deleted".*"queue":"exports"/),
   "a queue-filtered replay carries a deleted job's events, with their queue");
is(join(',', map { $_->{event} } grep { $_->{job_id} == $doomed } messages(${ $replayed->{out} })),
   'scheduled,deleted', '... ending with deleted');
$replayed->{h}->kill_kill;

# --- A dropped database connection -----------------------------------------------
is(sql(q{SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity
         WHERE application_name = 'cadence-serve'}), 't', "the gateway's connections are terminated");
# Events while the LISTEN connection is down must be replayed.
my $z = sql(q{SELECT cadence.create_job('z', cadence.once(now() + interval '1 hour'))});
my $ok = 0;
for (1 .. 100) {
    ($code) = http('GET', "$api/jobs");
    if ($code == 200) { $ok = 1; last; }
    usleep(100_000);
}
ok($ok, 'the API answers again');
$node->poll_query_until('postgres',
    q{SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'cadence-serve'
      AND query = 'LISTEN cadence_status'})
  or diag 'the LISTEN connection did not come back';
sql("SELECT cadence.cancel_job($z)");
ok(wait_for($all, qr/"job_id":$z,"event":"canceled"/), 'the stream receives later events');
# In commit order: the late commit above came after the events that took later ids.
is(join(',', sort { $a <=> $b } map { $_->{event_id} } messages(${ $all->{out} })), event_ids("id > $mark"),
    'with no gap and no duplicate');

# --- The database stopped and started ---------------------------------------------
$node->stop('fast');
($code, $body, $type) = http('GET', "$api/jobs");
is($code, 503, 'a stopped database is 503');
like($type, qr{^application/json}, 'as JSON');
ok(eval { decode_json($body)->{detail} }, 'with a detail');
$node->start;
$ok = 0;
for (1 .. 100) {
    ($code) = http('GET', "$api/jobs");
    if ($code == 200) { $ok = 1; last; }
    usleep(100_000);
}
ok($ok, 'after a restart the API answers 200 again');
my $w = sql(q{SELECT cadence.create_job('w', cadence.once(now() + interval '1 hour'))});
ok(wait_for($all, qr/"job_id":$w,/), 'and the stream continues');
is(join(',', sort { $a <=> $b } map { $_->{event_id} } messages(${ $all->{out} })), event_ids("id > $mark"),
    'still without a gap');
$all->{h}->kill_kill;

# --- The bearer token ------------------------------------------------------------
my ($secure) = start_server('--token', 's3cret');
($code, $body) = http('GET', "$secure/api/v1/jobs");
is($code, 401, 'without the token: 401');
like(decode_json($body)->{detail}, qr/bearer token/, 'with a detail');
($code) = http('GET', "$secure/api/v1/jobs", 'Authorization: Bearer wrong');
is($code, 401, 'a wrong token: 401');
($code) = http('GET', "$secure/api/v1/jobs", 'Authorization: Bearer s3cret');
is($code, 200, 'the right token: 200');
($code) = http('GET', "$secure/api/v1/jobs?access_token=s3cret");
is($code, 401, 'access_token is for stream URLs only');
$s = open_stream("$secure/api/v1/jobs/$x/\$stream?access_token=s3cret");
ok(wait_closed($s), 'a stream with ?access_token=');
like(${ $s->{out} }, qr/"status":"completed"/, 'is served');
($code) = http('GET', "$secure/");
is($code, 200, 'the page itself needs no token');

# --- Keepalive ----------------------------------------------------------------------
my ($brisk) = start_server('--keepalive', '1');
$s = open_stream("$brisk/api/v1/events");
ok(wait_for($s, qr/^: keepalive\n\n.*^: keepalive\n\n/ms), 'a keepalive comment every --keepalive seconds');
$s->{h}->kill_kill;

# --- The connecting role decides what the gateway shows ----------------------------
sql(q{CREATE ROLE alice LOGIN IN ROLE cadence_user; CREATE ROLE bob LOGIN IN ROLE cadence_user});
my $alice_dsn = $node->connstr('postgres') . ' user=alice application_name=cadence-serve';
my $saved_dsn = $dsn;
$dsn = $alice_dsn;
my ($alice_base, $alice_h, $alice_err) = start_server();
$dsn = $saved_dsn;
wait_listening($alice_h, $alice_err);
$s = open_stream("$alice_base/api/v1/events");
usleep(300_000);
my $alice_job = $node->safe_psql('postgres', q{SET ROLE alice;
    SELECT cadence.create_job('alice job', cadence.once(now() + interval '1 hour'))});
my $bob_job = $node->safe_psql('postgres', q{SET ROLE bob;
    SELECT cadence.create_job('bob job', cadence.once(now() + interval '1 hour'))});
my $after_bob = $node->safe_psql('postgres', q{SET ROLE alice;
    SELECT cadence.create_job('alice again', cadence.once(now() + interval '1 hour'))});
ok(wait_for($s, qr/"job_id":$after_bob\b/), "a role's stream shows its own jobs' events");
unlike(${ $s->{out} }, qr/"job_id":$bob_job\b/, "... and not another role's");
$s->{h}->kill_kill;
($code, $body) = get_json("$alice_base/api/v1/jobs");
is(join(',', sort map { $_->{job_id} } @{ $body->{jobs} }), join(',', sort ($alice_job, $after_bob)),
    "the list holds the role's own jobs only");
($code) = http('GET', "$alice_base/api/v1/jobs/$bob_job");
is($code, 404, "another role's job is not found");
# Workers: the ones that handled the role's jobs, as far as they did.
$node->safe_psql('postgres', qq{SET ROLE alice; SELECT cadence.run_job_now($alice_job);
    SELECT count(*) FROM cadence.claim('default', 'shared-host', 1)});
$node->safe_psql('postgres', qq{SET ROLE bob; SELECT cadence.run_job_now($bob_job);
    SELECT count(*) FROM cadence.claim('default', 'bobs-host', 1);
    SELECT cadence.complete($bob_job, 'bobs-host')});
# Progress: a role's stream gets that of its own jobs only.
my $bob_running = $node->safe_psql('postgres', q{SET ROLE bob;
    SELECT cadence.create_job('bob runs', cadence.once(), queue => 'bobq')});
$node->safe_psql('postgres', q{SET ROLE bob; SELECT count(*) FROM cadence.claim('bobq', 'bobs-host', 1)});
$s = open_stream("$alice_base/api/v1/events");
usleep(300_000);
$node->safe_psql('postgres', qq{SET ROLE bob; SELECT cadence.heartbeat($bob_running, 'bobs-host', 70)});
$node->safe_psql('postgres', qq{SET ROLE alice; SELECT cadence.heartbeat($alice_job, 'shared-host', 50)});
ok(wait_for($s, qr/event: progress\ndata: \{"job_id":$alice_job,/), "a role's stream gets its own jobs' progress");
unlike(${ $s->{out} }, qr/"job_id":$bob_running\b/, "... and not another role's");
$s->{h}->kill_kill;
$node->safe_psql('postgres', qq{SET ROLE bob; SELECT cadence.complete($bob_running, 'bobs-host')});
($code, $body) = get_json("$alice_base/api/v1/workers");
is($code, 200, 'GET /api/v1/workers answers');
is(join(',', map { "$_->{worker}:$_->{state}:@{$_->{running}}" } @{ $body->{workers} }), "shared-host:busy:$alice_job",
   "a role sees the workers that handled its jobs (not another role's), busy with its run");
is($body->{gone_after_seconds}, 300, '... and how long a worker may go unseen (cadence.worker_gone_after)');
($code, $body) = get_json("$base/api/v1/workers");
my %by_name = map { $_->{worker} => $_ } @{ $body->{workers} };
ok($by_name{'bobs-host'} && $by_name{'bobs-host'}{completed} == 2 && $by_name{'shared-host'},
   'an admin gateway sees every worker, with its completed runs');

# --- The list a page at a time, by key ----------------------------------------------
# Paging with `after` (each page's `next`) yields every job once, in the list's
# order: the same as one page of all of them.
my @whole = split /\n/, sql('SELECT job_id FROM cadence.recent_jobs');
my (@paged, $pages);
my $after = '';
for ($pages = 1; $pages < 1000; $pages++) {
    ($code, $body) = get_json("$base/api/v1/jobs?limit=7" . ($after ne '' ? "&after=$after" : ''));
    push @paged, map { $_->{job_id} } @{ $body->{jobs} };
    last unless defined $body->{next};
    $after = $body->{next};
}
ok(@whole > 4, 'the list has jobs to page through (' . scalar(@whole) . ')');
is(join(',', @paged), join(',', @whole), "pages of 7 with the next cursor give every job once, in recent_jobs' order ($pages pages)");
($code, $body) = get_json("$base/api/v1/jobs?changed_after=2999-01-01T00:00:00Z");
is_deeply($body->{jobs}, [], 'changed_after in the future: no job');
my $oldest = sql('SELECT min(changed_at) FROM cadence.jobs_status');
my $newest = sql('SELECT max(changed_at) FROM cadence.jobs_status');
sub escaped { (my $text = shift) =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge; return $text; }
($code, $body) = get_json("$base/api/v1/jobs?limit=1000&changed_after=" . escaped($oldest) . '&changed_before=' . escaped($newest));
my @in_range = split /\n/, sql("SELECT job_id FROM cadence.recent_jobs
                                  WHERE changed_at >= '$oldest' AND changed_at < '$newest' LIMIT 1000");
ok(@in_range > 0, 'jobs changed in the range (' . scalar(@in_range) . ')');
is(join(',', map { $_->{job_id} } @{ $body->{jobs} }), join(',', @in_range),
   "a range of the last change (read one group of the list at a time) gives its jobs in recent_jobs' order");
($code, $body) = get_json("$base/api/v1/jobs?changed_after=yesterday-ish");
is($code, 400, 'a malformed time is a 400');
($code, $body) = get_json("$base/api/v1/jobs?after=1.2");
is($code, 400, 'a malformed cursor is a 400');
like($body->{detail}, qr/invalid after "1\.2"/, '... naming it');
my @some = @whole[0, 3, 4];
($code, $body) = get_json("$base/api/v1/jobs?ids=" . join(',', reverse(@some), 999999));
is(join(',', map { $_->{job_id} } @{ $body->{jobs} }), join(',', @some),
   'ids: those jobs only (an unknown one is left out), in the list\'s order');
($code, $body) = get_json("$base/api/v1/jobs?ids=1,,2");
is($code, 400, 'malformed ids are a 400');

# --- A resync notice: streams replay from the event log -----------------------------
# With a 16-event hand-off queue, 60 events in one transaction overflow it; the
# publisher then sends a resync notice instead of the events that did not fit.
# (Past 64 events a transaction is published as a ranged resync: TAP 017.)
$node->append_conf('postgresql.conf', "cadence.status_queue_size = 16\n");
$node->restart;
my ($fresh, $fresh_h, $fresh_err) = start_server();
wait_listening($fresh_h, $fresh_err);
$s = open_stream("$fresh/api/v1/events");
usleep(300_000);
my $burst_first = sql(q{SELECT max(id) FROM cadence.job_events}) + 1;
sql(q{SELECT count(cadence.create_job('burst ' || i, cadence.once(now() + interval '1 hour'))) FROM generate_series(1, 60) i});
my $burst_ids = event_ids("id >= $burst_first");
my $last_burst = (split /,/, $burst_ids)[-1];
ok(wait_for($s, qr/"event_id":$last_burst,/), 'after an overflow, the stream receives the last event of the burst');
ok(sql(q{SELECT resyncs >= 1 FROM cadence.scheduler}) eq 't', '(the hand-off queue did overflow)');
my @burst_seen = grep { $_->{event_id} >= $burst_first } messages(${ $s->{out} });
is(join(',', sort { $a <=> $b } map { $_->{event_id} } @burst_seen), $burst_ids,
    'every event of the burst exactly once, though most were never notified');
$s->{h}->kill_kill;

# --- Many streams: from 256 on, the fan-out uses one thread per core -----------------
# 300 streams on one gateway, each an HTTP connection read by this process: one
# change reaches every one of them, once; a stream that goes away meanwhile (half
# of them close while it is sent) takes nothing else with it.
{
    my $port = ($fresh =~ /:(\d+)$/)[0];
    my @socks;
    for (1 .. 300) {
        my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
          or die "connect: $!";
        print $sock "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
        push @socks, $sock;
    }
    my %buf;
    my $read_until = sub {
        my ($re, @which) = @_;
        my $deadline = time + 30;
        my $sel = IO::Select->new(@which);
        while (grep({ ($buf{$_} // '') !~ $re } map { fileno $_ } @which) && time < $deadline) {
            for my $sock ($sel->can_read(0.2)) {
                my $got = sysread($sock, my $chunk, 65536);
                $sel->remove($sock) unless $got;
                $buf{ fileno $sock } .= $chunk if $got;
            }
        }
        return scalar grep { ($buf{ fileno $_ } // '') =~ $re } @which;
    };
    is($read_until->(qr/: connected/, @socks), 300, '300 streams are open');
    my $many = sql(q{SELECT cadence.create_job('many', cadence.once(now() + interval '1 hour'))});
    is($read_until->(qr/"job_id":$many,/, @socks), 300, 'one change reaches all 300');
    close $_ for @socks[ 0 .. 149 ];
    my $more = sql(q{SELECT cadence.create_job('more', cadence.once(now() + interval '1 hour'))});
    my @kept = @socks[ 150 .. 299 ];
    is($read_until->(qr/"job_id":$more,/, @kept), 150, 'the next reaches the 150 still open');
    is(scalar(grep { my $b = $buf{ fileno $_ }; my @n = $b =~ /"job_id":$many,/g; @n == 1 } @kept), 150,
       'each of them once');
    my ($code, $body) = get_json("$fresh/api/v1/status");
    ok($code == 200 && $body->{streams} <= 150, "the gateway let the closed ones go ($body->{streams} streams)");
    close $_ for @kept;
}

# --- Shutdown ---------------------------------------------------------------------
for my $h (@servers) {
    $h->signal('TERM');
    ok($h->finish, 'SIGTERM stops cadence serve cleanly');
}

$node->stop;
done_testing();

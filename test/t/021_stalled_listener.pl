# A listener that stops reading (here: LISTEN, then idle in a transaction) lets
# the cluster's NOTIFY queue fill up. Scheduling must not notice: periodic jobs
# fire, SQL jobs run, external workers claim and complete; the failure to publish
# is logged once; and when the listener lets go, publication resumes with a resync
# notice for cadence_status listeners and the held-back cadence_work wakes.
# PostgreSQL 17's max_notify_queue_pages makes the queue small enough to fill in
# a test (15's is fixed at 8 GB).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep);

my $node = PostgreSQL::Test::Cluster->new('stalled_listener');
plan skip_all => 'needs max_notify_queue_pages (PostgreSQL 17 and later)' if $node->pg_version < 17;
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cadence'
max_notify_queue_pages = 64
cadence.max_executors = 2
});
$node->start;
sub sql { return $node->safe_psql('postgres', $_[0]); }
sub wait_for {
    my ($query, $what) = @_;
    $node->poll_query_until('postgres', $query) or die "timed out waiting for $what";
}

sql(q{CREATE EXTENSION pg_cadence;
      CREATE TABLE ticks (at timestamptz DEFAULT clock_timestamp())});
sql(q{SELECT cadence.create_job('every second', cadence.every('1 second'), sql => 'INSERT INTO ticks DEFAULT VALUES')});
wait_for(q{SELECT count(*) >= 2 FROM ticks}, 'the periodic job');
my $scheduler = sql(q{SELECT pid FROM cadence.scheduler});

# A listener that reads (as cadence watch does): it must get a resync and the
# wakes held back during the episode.
my $reader = $node->background_psql('postgres');
$reader->query_safe('LISTEN cadence_status; LISTEN cadence_work');

# The listener that stops reading: its open transaction keeps the queue's tail.
my $stalled = $node->background_psql('postgres');
$stalled->query_safe('LISTEN cadence_status');
$stalled->query_safe('BEGIN');
$stalled->query_safe('SELECT 1');

# Fill the rest of the queue with notifications of our own: large ones, then small
# ones for the last page's corners, each kind until the queue refuses it.
my $log_offset = -s $node->logfile;
my $refusals = 0;
for my $round ([7000, 8], [7000, 1], [1, 20], [1, 1]) {
    my ($size, $per_commit) = @$round;
    for (1 .. 1000) {
        my ($ret, $out, $err) = $node->psql('postgres',
            "SELECT pg_notify('filler', repeat('x', $size)) FROM generate_series(1, $per_commit)");
        if ($err =~ /too many notifications in the NOTIFY queue/) { $refusals++; last; }
        die "filling the NOTIFY queue: $err" if $ret;
    }
}
is($refusals, 4, 'the NOTIFY queue is full (64 pages)');
# A listener that starts during the episode (PostgreSQL puts it where the stalled
# one is): it must not hold the queue once the stalled one lets go.
my $late = $node->background_psql('postgres');
$late->query_safe('LISTEN cadence_status');

# While the queue is full, everything but publication goes on.
my $ticks = sql(q{SELECT count(*) FROM ticks});
my $sql_job = sql(q{SELECT cadence.create_job('while full', cadence.once(), sql => 'SELECT 1')});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $sql_job}, 'the SQL job');
pass('a SQL job ran to completion while the NOTIFY queue was full');
my $external = sql(q{SELECT cadence.create_job('external', cadence.once(), queue => 'stalled')});
wait_for(qq{SELECT count(*) = 1 FROM cadence.claim('stalled', 'w1')}, 'the claim');
sql(qq{SELECT cadence.complete($external, 'w1')});
is(sql(qq{SELECT status FROM cadence.jobs_status WHERE job_id = $external}), 'completed',
    'an external worker claimed and completed a job while the queue was full');
my $woken = sql(q{SELECT cadence.create_job('wake me', cadence.once(), queue => 'held back')});
wait_for(qq{SELECT count(*) >= $ticks + 3 FROM ticks}, 'three more ticks');
pass('the periodic job kept firing every second');
wait_for(q{SELECT pg_notification_queue_usage() > 0.9}, 'a full queue');
my $log = slurp_file($node->logfile, $log_offset);
my $failures = () = $log =~ /could not publish \d+ status changes: too many notifications in the NOTIFY queue/g;
is($failures, 1, 'the failure to publish was logged once for the whole episode');
is(sql(q{SELECT pid FROM cadence.scheduler}), $scheduler, 'the scheduler never restarted');
is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'verify() finds nothing wrong');

# The listener lets go: publication works again, and says so.
$log_offset = -s $node->logfile;
$stalled->query_safe('ROLLBACK');
$stalled->quit;
my $recovered = 0;
for (1 .. 300) {
    last if ($recovered = slurp_file($node->logfile, $log_offset) =~ /publishes status changes again/);
    sleep(0.1);
}
ok($recovered, 'publication recovered once the listener stopped holding the queue');
my $after = sql(q{SELECT cadence.create_job('after', cadence.once(), sql => 'SELECT 1')});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $after}, 'the job after');
# Reads a listener's notifications until $enough->() says it has seen enough.
sub notifications {
    my ($session, $enough) = @_;
    my @seen;
    for (1 .. 200) {
        my $out = $session->query_safe('SELECT 1');
        while ($out =~ /Asynchronous notification "(cadence_\w+)" with payload "(.*)" received/g) {
            my ($channel, $payload) = ($1, $2);
            push @seen, $channel eq 'cadence_work' ? { wake => $payload } : @{ decode_json($payload) };
        }
        last if $enough->(@seen);
        sleep(0.05);
    }
    return @seen;
}
my $resync = sub { ($_[0]{type} // '') eq 'resync' };
my $done = sub { ($_[0]{job_id} // 0) == $after && ($_[0]{status} // '') eq 'completed' };
my $woke = sub { ($_[0]{wake} // '') eq 'held back' };
my @seen = notifications($reader, sub { (grep { $resync->($_) } @_) && (grep { $done->($_) } @_) && grep { $woke->($_) } @_ });
ok((grep { $resync->($_) } @seen) >= 1, 'cadence_status listeners got a resync notice');
is(scalar(grep { $done->($_) } @seen), 1, "... and the next job's events as usual");
is(scalar(grep { $woke->($_) } @seen), 1, 'the cadence_work wake held back during the episode was sent');
@seen = notifications($late, sub { (grep { $resync->($_) } @_) && grep { $done->($_) } @_ });
ok((grep { $resync->($_) } @seen) && (grep { $done->($_) } @seen),
    'the listener that started during the episode got the resync and the next events too');
$late->quit;
is(sql(qq{SELECT status FROM cadence.jobs_status WHERE job_id = $woken}), 'scheduled',
    '(the job it announces is still there to claim)');
$reader->quit;

done_testing();

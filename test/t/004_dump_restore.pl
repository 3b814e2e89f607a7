# pg_dump of a database with jobs and history restores into a fresh database with
# all of it: jobs, the event log, the status, and the id sequences.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;

my $node = cadence_node('dump');
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
    CREATE EXTENSION pg_cadence;
    CREATE ROLE dump_owner IN ROLE cadence_user;
    SET ROLE dump_owner;
    SELECT cadence.create_job('done', cadence.once(now()), queue => 'q', payload => '{"n": 1}');
    SELECT cadence.create_job('nightly', cadence.cron('0 3 * * *', 'Europe/Berlin'));
    SELECT cadence.create_job('every minute', cadence.every('1 minute'), max_attempts => 5);
    SELECT cadence.create_job('gone', cadence.once(now()));
    SELECT count(*) FROM cadence.claim('q', 'w');
    SELECT cadence.complete(1, 'w', '{"rows": 3}');
    SELECT cadence.pause_job(2);
    SELECT cadence.alter_job(3, backoff => '1 minute');
    SELECT cadence.delete_job(4);
    RESET ROLE;
});

my $dump = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('source') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
    'pg_restore into a fresh database');

for my $query (
    'SELECT * FROM cadence.jobs ORDER BY id',
    'SELECT * FROM cadence.job_events ORDER BY id',
    'SELECT * FROM cadence.jobs_status ORDER BY job_id')
{
    is($node->safe_psql('restored', $query), $node->safe_psql('source', $query),
        "restored equals source: $query");
}
is($node->safe_psql('restored', 'SELECT count(*) FROM cadence.job_events'),
    $node->safe_psql('source', 'SELECT count(*) FROM cadence.job_events'), 'the whole history');
# The workers are derived from the log: not dumped, folded again from it.
my $workers = 'SELECT worker, queues, running, completed, failed, first_seen, last_seen FROM cadence.workers';
is($node->safe_psql('restored', $workers), $node->safe_psql('source', $workers), 'the same workers, from the restored log');
is($node->safe_psql('restored', 'SELECT cadence._fold_worker_activity()') . ' ' .
   $node->safe_psql('restored', "SELECT completed FROM cadence.worker_activity WHERE worker = 'w'"), 'f 1',
   '... which the fold takes in again');
# 4 created, 1 claimed, 1 completed, 1 paused, 1 altered, 1 deleted.
is($node->safe_psql('restored', 'SELECT count(*) FROM cadence.job_events'), '9',
    'all nine events of the history');
is($node->safe_psql('restored', 'SELECT count(*) FROM cadence.verify()'), '0',
    'the restored log and status agree');

# The sequences continue where the source stopped, and the API works on.
my $new_job = $node->safe_psql('restored',
    q{SET ROLE dump_owner; SELECT cadence.create_job('after restore', cadence.once(now()))});
is($new_job, '5', 'job ids continue after the restored ones');
cmp_ok($node->safe_psql('restored', "SELECT min(id) FROM cadence.job_events WHERE job_id = $new_job"),
    '>', $node->safe_psql('source', 'SELECT max(id) FROM cadence.job_events'),
    'event ids continue after the restored ones');
is($node->safe_psql('restored', q{SELECT owner FROM cadence.jobs WHERE id = 2}), 'dump_owner',
    'owners are restored by name');
is($node->safe_psql('restored', q{SET ROLE dump_owner; SELECT count(*) FROM cadence.recent_jobs}),
    '4', 'the owner still sees its jobs');

$node->stop;
done_testing();

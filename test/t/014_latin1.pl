# A database whose encoding is neither UTF8 nor SQL_ASCII: what a job's SQL says
# (errors, warnings) is recorded correctly converted to UTF-8, and an executor's
# memory stays flat over 10,000 failing runs.
use strict;
use warnings;
use utf8;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use Time::HiRes qw(sleep);


my $node = cadence_node('latin1', qq{
cadence.database_name = 'latin1db'
cadence.max_executors = 1
# The workers' own default: a conversion to UTF-8 is not the one cached at connection.
client_encoding = 'LATIN1'
});
$ENV{PGCLIENTENCODING} = 'UTF8';  # this test's own sessions read UTF-8
$node->safe_psql('postgres', q{CREATE DATABASE latin1db ENCODING 'LATIN1' LOCALE 'C' TEMPLATE template0});
sub sql {
    my $out = $node->safe_psql('latin1db', $_[0], );
    utf8::decode($out);
    return $out;
}
sub wait_for { poll_with(\&sql, $_[0], $_[1], 60); }
sql('CREATE EXTENSION pg_cadence');
wait_for(q{SELECT count(*) = 1 FROM cadence.scheduler WHERE pid IS NOT NULL}, 'the scheduler');
is(sql('SHOW server_encoding'), 'LATIN1', 'the served database is LATIN1');

# 1. An error and a warning with accented letters, raised in LATIN1, read back as UTF-8.
my $failing = sql(q{SELECT cadence.create_job('accents', cadence.once(), max_attempts => 1,
    sql => $q$DO $b$ BEGIN RAISE EXCEPTION 'café crème' USING DETAIL = 'Grüße, señor'; END $b$$q$)});
wait_for(qq{SELECT status = 'fatal' FROM cadence.jobs_status WHERE job_id = $failing}, 'the failing job');
is(sql(qq{SELECT details ->> 'error' FROM cadence.job_events WHERE job_id = $failing AND event = 'fatal'}),
    'café crème', 'the error message is recorded with its accents');
is(sql(qq{SELECT details ->> 'detail' FROM cadence.job_events WHERE job_id = $failing AND event = 'fatal'}),
    'Grüße, señor', '... and so is its detail');
my $warning = sql(q{SELECT cadence.create_job('warns', cadence.once(),
    sql => $q$DO $b$ BEGIN RAISE WARNING 'déjà vu'; END $b$$q$)});
wait_for(qq{SELECT status = 'completed' FROM cadence.jobs_status WHERE job_id = $warning}, 'the warning job');
is(sql(qq{SELECT details -> 'warnings' ->> 0 FROM cadence.job_events WHERE job_id = $warning AND event = 'completed'}),
    'déjà vu', 'a warning is recorded with its accents');

# 2. The executor's memory over 10,000 failing runs (after 200 to warm its caches).
sub executor_rss {
    my $pid = sql(q{SELECT pid FROM cadence.executors});
    open(my $fh, '<', "/proc/$pid/status") or die "no executor process $pid";
    while (<$fh>) { return $1 if /^RssAnon:\s+(\d+) kB/; }
    die 'no RssAnon';
}
sub fail_runs {
    my ($prefix, $count) = @_;
    sql(qq{SELECT count(*) FROM cadence.create_jobs(ARRAY(SELECT '$prefix ' || i FROM generate_series(1, $count) i),
           cadence.once(), sql => array_fill('SELECT 1 / 0'::text, ARRAY[$count]), max_attempts => 1)});
    wait_for(qq{SELECT count(*) = $count FROM cadence.jobs_status s JOIN cadence.jobs j ON j.id = s.job_id
                WHERE j.name LIKE '$prefix %' AND s.status = 'fatal'}, "$count failing runs");
}
my $pid_before = sql(q{SELECT pid FROM cadence.executors});
fail_runs('warm', 200);
my $before = executor_rss();
fail_runs('many', 10000);
my $after = executor_rss();
is(sql(q{SELECT pid FROM cadence.executors}), $pid_before, 'the same executor ran them all');
diag(sprintf('executor anonymous memory: %d kB after 200 failing runs, %d kB after 10,000 more (%+d kB)',
    $before, $after, $after - $before));
cmp_ok($after - $before, '<', 2048, 'its memory grew by less than 2 MB over 10,000 failing runs');

is(sql(q{SELECT count(*) FROM cadence.verify()}), '0', 'the event log and the status agree');
$node->stop;
done_testing();

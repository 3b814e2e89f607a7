# cadence serve's /metrics scraped by a real Prometheus (Debian's): after a known
# workload, Prometheus' own HTTP API answers the counters and a histogram quantile,
# and the numbers are those of the event log.
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

my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;
my $prometheus = $ENV{PROMETHEUS} // '/usr/bin/prometheus';
die "no Prometheus at $prometheus: scripts/test installs Debian's prometheus" unless -x $prometheus;

my $node = cadence_node('metrics');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_cadence');
sub sql { return $node->safe_psql('postgres', shift); }

# The gateway.
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $gateway = "127.0.0.1:$port";
my ($serve_out, $serve_err) = ('', '');
my $serve = IPC::Run::start([ $client, 'serve', '--listen', $gateway, '--dsn', $node->connstr('postgres') ],
    '>', \$serve_out, '2>', \$serve_err);
my $scraped;
for (1 .. 100) {
    $scraped = `curl -s http://$gateway/metrics`;
    last if $scraped =~ /cadence_sse_streams/;
    usleep(100_000);
}
like($scraped, qr/^# TYPE cadence_sse_streams gauge\ncadence_sse_streams 0$/m, '/metrics answers the Prometheus text format');

# Prometheus, scraping it every second.
my $dir = PostgreSQL::Test::Utils::tempdir();
my $prom_port = PostgreSQL::Test::Cluster::get_free_port();
open(my $config, '>', "$dir/prometheus.yml") or die $!;
print $config <<"YAML";
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cadence
    static_configs:
      - targets: ['$gateway']
YAML
close $config;
my ($prom_out, $prom_err) = ('', '');
my $prom = IPC::Run::start([ $prometheus, "--config.file=$dir/prometheus.yml", "--storage.tsdb.path=$dir/data",
                             "--web.listen-address=127.0.0.1:$prom_port" ],
    '>', \$prom_out, '2>', \$prom_err);
sub query {
    my ($promql) = @_;
    (my $escaped = $promql) =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    my $answer = `curl -s 'http://127.0.0.1:$prom_port/api/v1/query?query=$escaped'`;
    my $parsed = eval { decode_json($answer) } or return undef;
    my $result = $parsed->{data}{result} // [];
    return @$result ? $result->[0]{value}[1] : undef;
}
# Waits until `promql` answers `want` (or 60 s pass); returns the last answer.
sub wait_query {
    my ($promql, $want) = @_;
    my $deadline = time + 60;
    my $got;
    while (time < $deadline) {
        $got = query($promql);
        return $got if defined $got && defined $want && $got eq $want;
        return $got if defined $got && !defined $want;
        usleep(250_000);
    }
    diag("Prometheus: $promql answered " . ($got // 'nothing') . "\n$prom_err") unless defined $got && !defined $want;
    return $got;
}
ok(defined wait_query('up{job="cadence"} == 1'), 'Prometheus scrapes the gateway');

# A known workload: 20 runs of an external queue (15 completed, 5 fatal), and a
# SQL job fired every second for a few seconds.
sql(q{SELECT count(*) FROM cadence.create_jobs(array(SELECT 'metrics ' || i FROM generate_series(1, 20) i),
                                               cadence.once(), queue => 'm', max_attempts => 1)});
sql(q{SELECT count(*) FROM cadence.claim('m', 'metrics-worker', 20)});
usleep(50_000);
sql(q{SELECT count(cadence.complete(job_id, 'metrics-worker')) FROM
        (SELECT job_id FROM cadence.jobs_status WHERE queue = 'm' ORDER BY job_id LIMIT 15) s});
sql(q{SELECT count(cadence.fail(job_id, 'metrics-worker', 'boom')) FROM cadence.jobs_status
      WHERE queue = 'm' AND status = 'running'});
my $every = sql(q{SELECT cadence.create_job('metrics every', cadence.every('1 second'), sql => 'SELECT 1', queue => 'p')});
$node->poll_query_until('postgres', q{SELECT count(*) >= 3 FROM cadence.job_events WHERE queue = 'p' AND event = 'completed'})
  or die 'the periodic job did not run';
sql("SELECT cadence.pause_job($every)");
# Its last run may still be under way: the counts are read once it ended.
$node->poll_query_until('postgres', qq{SELECT status <> 'running' FROM cadence.jobs_status WHERE job_id = $every})
  or die 'the periodic job did not stop';

sub logged {
    my ($where) = @_;
    return sql("SELECT count(*) FROM cadence.job_events WHERE $where");
}
my %expected = (
    'sum(cadence_runs_started_total{queue="m"})' => logged(q{queue = 'm' AND event = 'running'}),
    'sum(cadence_runs_ended_total{queue="m",status="completed"})' => logged(q{queue = 'm' AND event = 'completed'}),
    'sum(cadence_runs_ended_total{queue="m",status="fatal"})' => logged(q{queue = 'm' AND event = 'fatal'}),
    'sum(cadence_fires_total{queue="p"})' => logged(q{queue = 'p' AND event = 'scheduled' AND details ->> 'reason' = 'fire'}),
    'sum(cadence_runs_ended_total{queue="p",status="completed"})' => logged(q{queue = 'p' AND event = 'completed'}),
    'sum(cadence_run_duration_seconds_count{queue="m"})' => logged(q{queue = 'm' AND event IN ('completed', 'fatal')}),
    'sum(cadence_jobs{queue="m",status="completed"})' => '15',
);
is($expected{'sum(cadence_runs_started_total{queue="m"})'}, '20', 'the log has the 20 runs');
for my $promql (sort keys %expected) {
    is(wait_query($promql, $expected{$promql}), $expected{$promql}, "Prometheus: $promql = $expected{$promql}, as the log says");
}
# A histogram quantile: the median run of queue m, from the buckets, lies in the
# bucket that holds the log's median duration.
my $median = wait_query('histogram_quantile(0.5, sum by (le) (cadence_run_duration_seconds_bucket{queue="m"}))');
my $log_median = sql(q{SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - r.at))
    FROM cadence.job_events e CROSS JOIN LATERAL (SELECT s.at FROM cadence.job_events s
        WHERE s.job_id = e.job_id AND s.event = 'running' AND s.id < e.id ORDER BY s.id DESC LIMIT 1) r
    WHERE e.queue = 'm' AND e.event IN ('completed', 'fatal')});
my @bounds = (0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600);
my ($low, $high) = (0, 0.01);
for my $i (1 .. $#bounds) { ($low, $high) = @bounds[ $i - 1, $i ]; last if $log_median <= $high; }
ok(defined $median && $median >= $low && $median <= $high,
   "histogram_quantile(0.5) of the run durations ($median s) lies in the bucket of the log's median ($log_median s: $low-$high)");
ok(defined wait_query('cadence_publication_lag_seconds_count > 0'), 'the publication lag is measured');
ok(defined wait_query('cadence_executors{state="idle"} >= 0'), 'the executors are there (the gateway is an admin)');
is(wait_query('cadence_executors_limit', '4'), '4', '... and their limit (cadence.max_executors)');


# A gateway connected as an ordinary role: its metrics are what row security lets
# it see (its own jobs; no executors).
sql(q{CREATE ROLE metrics_alice LOGIN IN ROLE cadence_user});
my $alice_port = PostgreSQL::Test::Cluster::get_free_port();
my $alice_serve = IPC::Run::start([ $client, 'serve', '--listen', "127.0.0.1:$alice_port",
                                    '--dsn', $node->connstr('postgres') . ' user=metrics_alice' ],
    '>', \my $alice_out, '2>', \my $alice_err);
my $alice_scrape = '';
for (1 .. 100) {
    $alice_scrape = `curl -s http://127.0.0.1:$alice_port/metrics`;
    last if $alice_scrape =~ /cadence_sse_streams/;
    usleep(100_000);
}
$node->safe_psql('postgres', q{SET ROLE metrics_alice;
    SELECT cadence.create_job('alice metrics', cadence.once(now() + interval '1 hour'), queue => 'alice_q')});
$alice_scrape = `curl -s http://127.0.0.1:$alice_port/metrics`;
like($alice_scrape, qr/^cadence_jobs\{queue="alice_q",status="scheduled"\} 1$/m, "an ordinary role's gateway counts its own jobs");
unlike($alice_scrape, qr/queue="m"|^cadence_executors\{/m, "... and neither others' jobs nor the executors");
like($alice_scrape, qr/^cadence_executors_limit 4$/m, '... but the limit of executors, a setting anyone reads');
$alice_serve->signal('TERM');
$alice_serve->finish;

# The scrape configuration and alert rules the docs ship are valid (promtool).
(my $promtool = $prometheus) =~ s/prometheus$/promtool/;
my $shipped = "$FindBin::RealBin/../../docs/prometheus/prometheus.yml";
my $checked = `$promtool check config $shipped 2>&1`;
is($?, 0, "promtool accepts docs/prometheus/prometheus.yml and its alert rules") or diag($checked);
like($checked, qr/SUCCESS: \d+ rules found/, '... which it read');

$prom->kill_kill;
$serve->signal('TERM');
$serve->finish;
done_testing();

# What most TAP tests start with: a cluster with pg_cadence preloaded, and the
# few helpers they share. `use lib $FindBin::RealBin; use CadenceNode;`
package CadenceNode;
use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use Time::HiRes ();

our @EXPORT = qw(cadence_node run_ending wait_job_status as_role_on create_alice_and_bob poll_with);

# A started cluster named $name with pg_cadence in shared_preload_libraries and
# $settings (postgresql.conf lines) after it.
sub cadence_node {
    my ($name, $settings) = @_;
    my $node = PostgreSQL::Test::Cluster->new($name);
    $node->init;
    $node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_cadence'\n" . ($settings // ''));
    $node->start;
    return $node;
}

# Runs $query as $role (SET ROLE, from the superuser's session).
sub as_role_on {
    my ($node, $role, $query) = @_;
    return $node->safe_psql('postgres', "SET ROLE $role; $query");
}

# Waits until job $job's status is $status; dies after the framework's timeout.
sub wait_job_status {
    my ($node, $job, $status) = @_;
    $node->poll_query_until('postgres', "SELECT status = '$status' FROM cadence.jobs_status WHERE job_id = $job")
        or die "timed out waiting for job $job to be $status";
}

# The extension and two users: alice (in role readers, with her own schema first
# on her search_path) and bob; and a table `secret` only the superuser can read.
sub create_alice_and_bob {
    my ($node) = @_;
    $node->safe_psql('postgres', q{
CREATE EXTENSION pg_cadence;
CREATE ROLE alice LOGIN IN ROLE cadence_user;
CREATE ROLE bob LOGIN IN ROLE cadence_user;
CREATE ROLE readers;
GRANT readers TO alice;
CREATE SCHEMA alice_schema AUTHORIZATION alice;
ALTER ROLE alice SET search_path = alice_schema, public;
CREATE TABLE secret (x int);
});
}

# Runs $query through $run (a sub that takes SQL, for sessions with settings of
# their own) every 50 ms until it returns 't'; dies after $seconds.
sub poll_with {
    my ($run, $query, $what, $seconds) = @_;
    for (1 .. $seconds * 20) {
        return if $run->($query) eq 't';
        Time::HiRes::sleep(0.05);
    }
    die "timed out waiting for $what";
}

# A field of the details that an executor recorded when job $job's last run ended.
sub run_ending {
    my ($node, $job, $field) = @_;
    return $node->safe_psql('postgres', "SELECT details ->> '$field' FROM cadence.job_events
        WHERE job_id = $job AND event = status AND event <> 'scheduled' ORDER BY id DESC LIMIT 1");
}

1;

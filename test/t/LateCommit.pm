# A late commit, for the tests of stream positions (docs/status-positions.md): a
# transaction creates a job, so takes an event id, and stays open while another
# session commits 1,100 jobs whose events take later ids (more than the 1,000-id
# margin consumers once re-read, and a bulk change, published as a ranged resync).
package LateCommit;
use strict;
use warnings;

# Returns { session, job, event, last_early }; commit with $late->{session}->query_safe('COMMIT').
sub open_late_commit {
    my ($node) = @_;
    my $session = $node->background_psql('postgres');
    $session->query_safe('BEGIN');
    my $job = $session->query_safe(q{SELECT cadence.create_job('late', cadence.once(now() + interval '1 hour'))});
    my $event = $session->query_safe("SELECT max(id) FROM cadence.job_events WHERE job_id = $job");
    my $last_early = $node->safe_psql('postgres', q{SELECT max(j) FROM cadence.create_jobs(
        array(SELECT 'early ' || i FROM generate_series(1, 1100) i),
        cadence.once(now() + interval '1 hour')) j});
    return { session => $session, job => $job, event => $event, last_early => $last_early };
}

# Commits the late transaction and closes its session.
sub commit_late {
    my ($late) = @_;
    $late->{session}->query_safe('COMMIT');
    $late->{session}->quit;
}

1;

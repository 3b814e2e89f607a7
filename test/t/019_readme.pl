# The documentation's examples run as written: the README's quick start SQL on a
# fresh cluster, every shell block of the README and of docs/*.md through
# `bash -n`, and every option their `cadence` command lines use exists.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use CadenceNode;
use FindBin;

my $client = $ENV{CADENCE_CLIENT} // 'build/cadence';
die "no cadence client at $client: build it with cmake first (see README)" unless -x $client;
my $readme_path = $ENV{CADENCE_README} // "$FindBin::Bin/../../README.md";
open(my $fh, '<', $readme_path) or die "cannot read the README ($readme_path): $!";
my $readme = do { local $/; <$fh> };
close $fh;
# The pages the README links to.
my $docs_dir = $ENV{CADENCE_DOCS} // "$FindBin::Bin/../../docs";
my @pages = sort glob("$docs_dir/*.md");
cmp_ok(scalar @pages, '>=', 10, "the documentation pages are there ($docs_dir)");
my $all_docs = $readme;
for my $page (@pages) {
    open(my $pf, '<', $page) or die "cannot read $page: $!";
    $all_docs .= "\n" . do { local $/; <$pf> };
    close $pf;
    my $name = (split m{/}, $page)[-1];
    like($readme, qr{\(docs/\Q$name\E\)}, "the README links to docs/$name");
}

# The fenced blocks of one language in all of them, in order.
sub blocks_of {
    my ($lang) = @_;
    my @blocks;
    while ($all_docs =~ /^```\Q$lang\E\n(.*?)^```\n/msg) { push @blocks, $1; }
    return @blocks;
}

# 1. The quick start's SQL, as a superuser in a database with the extension.
my ($quick) = $readme =~ /<!-- quick start[^\n]*-->\n```sql\n(.*?)^```\n/ms;
ok(defined $quick, 'the README has its quick start SQL block');
my $node = cadence_node('readme');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', 'CREATE EXTENSION pg_cadence');
$node->poll_query_until('app', q{SELECT pid IS NOT NULL FROM cadence.scheduler}) or die 'no scheduler';
my ($rc, $out, $err) = $node->psql('app', $quick, on_error_stop => 1);
is($rc, 0, 'the quick start runs as written') or diag($err);
like($out, qr/welcome mail\|completed/, '... and its worker role completed the mail job');
like($out, qr/nightly vacuum\|scheduled/, '... and the nightly job waits for its tick');

# 2. Every shell block parses.
my @sh = blocks_of('sh');
cmp_ok(scalar @sh, '>=', 5, 'the documentation has its shell examples');
for my $i (0 .. $#sh) {
    my ($ok, $stderr) = (0, '');
    IPC::Run::run([ 'bash', '-n' ], '<', \$sh[$i], '2>', \$stderr) and $ok = 1;
    ok($ok, "shell block " . ($i + 1) . " parses") or diag("$sh[$i]\n$stderr");
}

# 3. Every option of a `cadence` command line in them exists.
my %help;
for my $command (qw(watch serve version)) {
    my ($h_out, $h_err) = ('', '');
    IPC::Run::run([ $client, $command, '--help' ], '>', \$h_out, '2>', \$h_err);
    $help{$command} = $h_out;
}
my $lines = 0;
for my $line (map { split /\n/ } @sh) {
    next unless $line =~ m{^(?:build/)?cadence (\w+)(.*)$};
    my ($command, $rest) = ($1, $2);
    $rest =~ s/#.*$//;
    $lines++;
    ok(exists $help{$command}, "cadence $command is a command");
    for my $option ($rest =~ /(?:^|\s)(--[a-z-]+)/g) {
        like($help{$command} // '', qr/\Q$option\E\b/, "cadence $command takes $option");
    }
}
cmp_ok($lines, '>=', 4, "the documentation's cadence command lines were checked ($lines)");

$node->stop;
done_testing();

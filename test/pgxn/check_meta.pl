#!/usr/bin/perl
# Checks a META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/):
# the required keys, the type and form of every key the spec defines (terms, tags,
# SemVer versions, version ranges, licenses, URIs), no key it does not define
# (except x_ and X_ ones), and, given the project's control file, that the
# distribution's version and the extension's agree with it.
#
# Usage: check_meta.pl META.json [extension.control]
# Prints each violation with its JSON path and exits 1 if there is any.
use strict;
use warnings;
use JSON::PP;

my ($meta_file, $control_file) = @ARGV;
die "usage: $0 META.json [extension.control]\n" unless $meta_file;
open(my $fh, '<:raw', $meta_file) or die "cannot read $meta_file: $!\n";
my $text = do { local $/; <$fh> };
my $meta = eval { JSON::PP->new->utf8->decode($text) };
if (!$meta) { print "$meta_file: not valid JSON: $@"; exit 1; }

my @problems;
sub problem { push @problems, "$_[0]: $_[1]"; }

my $semver = qr/^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)
                 (?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/x;
my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd
    gfdl_1_2 gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1 openssl
    perl_5 postgresql qpl_1_0 ssleay sun zlib open_source restricted unrestricted unknown);

sub is_string { return defined $_[0] && !ref $_[0] && !JSON::PP::is_bool($_[0]); }
sub is_object { return ref $_[0] eq 'HASH'; }
sub custom    { return $_[0] =~ /^[xX]_/; }

sub string {
    my ($path, $v) = @_;
    return 1 if is_string($v) && length $v;
    problem($path, 'must be a non-empty string');
    return 0;
}
sub term {  # at least 2 characters; no slash, backslash, control or space characters
    my ($path, $v) = @_;
    problem($path, "\"$v\" is not a term (2 or more characters, no /, \\, space or control)")
        if string($path, $v) && $v !~ /^[^\/\\\s\p{Cc}]{2,}$/;
}
sub tag {  # 1 to 255 characters; no slash, backslash or control characters
    my ($path, $v) = @_;
    problem($path, "\"$v\" is not a tag (1 to 255 characters, no /, \\ or control)")
        if string($path, $v) && $v !~ /^[^\/\\\p{Cc}]{1,255}$/;
}
sub version {
    my ($path, $v) = @_;
    problem($path, "\"$v\" is not a semantic version (for example 1.2.3)") if string($path, $v) && $v !~ $semver;
}
sub version_range {  # 0, a version, or comma-separated comparisons of versions
    my ($path, $v) = @_;
    return if defined $v && !ref $v && $v =~ /^0$/;
    return unless string($path, $v);
    for my $part (split /\s*,\s*/, $v) {
        next if $part =~ $semver;
        my ($op, $ver) = $part =~ /^(==|!=|>=|<=|>|<)\s*(\S+)$/;
        problem($path, "\"$part\" is not a version or a comparison with one") unless $op && $ver =~ $semver;
    }
}
sub uri {
    my ($path, $v) = @_;
    problem($path, "\"$v\" is not an absolute URI") if string($path, $v) && $v !~ /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
}
sub keys_of {  # an object whose keys are among @allowed (or custom); returns it or undef
    my ($path, $v, $required, @allowed) = @_;
    unless (is_object($v)) { problem($path, 'must be an object'); return; }
    my %ok = map { $_ => 1 } @allowed;
    for my $k (sort keys %$v) { problem("$path.$k", 'is not a key the spec defines') unless $ok{$k} || custom($k); }
    for my $k (@$required) { problem("$path.$k", 'is required') unless exists $v->{$k}; }
    return $v;
}

my @top = qw(name version abstract maintainer license provides meta-spec
             description generated_by tags no_index prereqs release_status resources);
keys_of('$', $meta, [qw(name version abstract maintainer license provides meta-spec)], @top) or goto REPORT;

term('$.name', $meta->{name}) if exists $meta->{name};
version('$.version', $meta->{version}) if exists $meta->{version};
string('$.abstract', $meta->{abstract}) if exists $meta->{abstract};
string('$.description', $meta->{description}) if exists $meta->{description};
string('$.generated_by', $meta->{generated_by}) if exists $meta->{generated_by};

if (exists $meta->{maintainer}) {
    my $m = $meta->{maintainer};
    if (ref $m eq 'ARRAY') {
        problem('$.maintainer', 'must name at least one maintainer') unless @$m;
        string("\$.maintainer[$_]", $m->[$_]) for 0 .. $#$m;
    } else {
        string('$.maintainer', $m);
    }
}

if (exists $meta->{license}) {
    my $l = $meta->{license};
    if (is_object($l)) {
        problem('$.license', 'must name at least one license') unless %$l;
        uri("\$.license.$_", $l->{$_}) for sort keys %$l;
    } else {
        my @names = ref $l eq 'ARRAY' ? @$l : ($l);
        problem('$.license', 'must name at least one license') unless @names;
        for my $n (@names) {
            problem('$.license', (defined $n ? "\"$n\"" : 'null') . ' is not a license the spec names')
                unless is_string($n) && $licenses{$n};
        }
    }
}

if (exists $meta->{provides}) {
    my $p = $meta->{provides};
    if (!is_object($p) || !%$p) {
        problem('$.provides', 'must be an object naming at least one extension');
    } else {
        for my $ext (sort keys %$p) {
            my $path = "\$.provides.$ext";
            term($path, $ext);
            my $e = keys_of($path, $p->{$ext}, [qw(file version)], qw(file version abstract docfile)) or next;
            string("$path.file", $e->{file}) if exists $e->{file};
            version("$path.version", $e->{version}) if exists $e->{version};
            string("$path.abstract", $e->{abstract}) if exists $e->{abstract};
            string("$path.docfile", $e->{docfile}) if exists $e->{docfile};
        }
    }
}

if (my $spec = keys_of('$.meta-spec', $meta->{'meta-spec'}, ['version'], qw(version url))) {
    problem('$.meta-spec.version', 'must be "1.0.0"') unless ($spec->{version} // '') eq '1.0.0';
    uri('$.meta-spec.url', $spec->{url}) if exists $spec->{url};
}

if (exists $meta->{tags}) {
    my $t = $meta->{tags};
    if (ref $t ne 'ARRAY' || !@$t) { problem('$.tags', 'must be a non-empty array'); }
    else { tag("\$.tags[$_]", $t->[$_]) for 0 .. $#$t; }
}

if (exists $meta->{release_status}) {
    problem('$.release_status', 'must be stable, testing or unstable')
        unless ($meta->{release_status} // '') =~ /^(?:stable|testing|unstable)$/;
}

if (exists $meta->{no_index}) {
    if (my $n = keys_of('$.no_index', $meta->{no_index}, [], qw(file directory))) {
        for my $k (sort grep { !custom($_) } keys %$n) {
            my @paths = ref $n->{$k} eq 'ARRAY' ? @{ $n->{$k} } : ($n->{$k});
            string("\$.no_index.$k", $_) for @paths;
        }
    }
}

if (exists $meta->{prereqs}) {
    if (my $phases = keys_of('$.prereqs', $meta->{prereqs}, [], qw(configure build test runtime develop))) {
        for my $phase (sort grep { !custom($_) } keys %$phases) {
            my $rels = keys_of("\$.prereqs.$phase", $phases->{$phase}, [],
                               qw(requires recommends suggests conflicts)) or next;
            for my $rel (sort grep { !custom($_) } keys %$rels) {
                my $path = "\$.prereqs.$phase.$rel";
                unless (is_object($rels->{$rel})) { problem($path, 'must be an object'); next; }
                for my $name (sort keys %{ $rels->{$rel} }) {
                    term("$path.$name", $name);
                    version_range("$path.$name", $rels->{$rel}{$name});
                }
            }
        }
    }
}

if (exists $meta->{resources}) {
    if (my $r = keys_of('$.resources', $meta->{resources}, [], qw(homepage bugtracker repository))) {
        problem('$.resources', 'must have at least one resource') unless %$r;
        uri('$.resources.homepage', $r->{homepage}) if exists $r->{homepage};
        if (exists $r->{bugtracker}
            and my $b = keys_of('$.resources.bugtracker', $r->{bugtracker}, [], qw(web mailto))) {
            uri('$.resources.bugtracker.web', $b->{web}) if exists $b->{web};
            problem('$.resources.bugtracker.mailto', 'is not an email address')
                if exists $b->{mailto} && ($b->{mailto} // '') !~ /^[^@\s]+@[^@\s]+$/;
        }
        if (exists $r->{repository}
            and my $g = keys_of('$.resources.repository', $r->{repository}, [], qw(url web type))) {
            uri("\$.resources.repository.$_", $g->{$_}) for grep { exists $g->{$_} } qw(url web);
            problem('$.resources.repository.type', 'must be a lowercase word such as git')
                if exists $g->{type} && ($g->{type} // '') !~ /^[a-z]+$/;
        }
    }
}

# The project's own agreements: one version, in the control file.
if ($control_file) {
    open(my $cf, '<', $control_file) or die "cannot read $control_file: $!\n";
    my ($control_version) = do { local $/; <$cf> } =~ /^default_version\s*=\s*'([^']+)'/m;
    (my $extension = $control_file) =~ s{^.*/|\.control$}{}g;
    problem('$.version', "is $meta->{version}, $control_file says $control_version")
        if is_string($meta->{version}) && $meta->{version} ne ($control_version // '');
    my $provided = is_object($meta->{provides}) ? $meta->{provides}{$extension} : undef;
    if (!is_object($provided)) {
        problem("\$.provides.$extension", "is missing ($control_file names the extension)");
    } elsif (($provided->{version} // '') ne ($control_version // '')) {
        problem("\$.provides.$extension.version", "is " . ($provided->{version} // 'missing')
            . ", $control_file says $control_version");
    }

    # The files it names are in the distribution (paths are from META.json's folder).
    (my $root = $meta_file) =~ s{[^/]*$}{};
    for my $ext (is_object($meta->{provides}) ? sort keys %{ $meta->{provides} } : ()) {
        my $e = $meta->{provides}{$ext};
        next unless is_object($e);
        for my $k (grep { is_string($e->{$_}) } qw(file docfile)) {
            problem("\$.provides.$ext.$k", "names $e->{$k}, which is not in the distribution")
                unless -f ($root || './') . $e->{$k};
        }
    }
}

REPORT:
print "$meta_file: $_\n" for @problems;
exit(@problems ? 1 : 0);

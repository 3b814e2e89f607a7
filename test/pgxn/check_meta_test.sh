#!/bin/sh
# The project's META.json passes the PGXN Meta Spec check (check_meta.pl), and the
# check refuses each kind of mistake it is meant to catch (so it can fail).
# Usage: check_meta_test.sh <source dir>
set -u
src=$1
check=$src/test/pgxn/check_meta.pl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
refusals=0
acceptances=0

if ! perl "$check" "$src/META.json" "$src/pg_cadence.control"; then
    echo "FAIL: META.json does not pass the PGXN Meta Spec check"
    failures=$((failures + 1))
fi

# Each variant: a Perl expression that changes $m (the decoded META.json), and
# the message the check must print for it.
refused() {
    refusals=$((refusals + 1))
    cp "$src/pg_cadence.control" "$work/pg_cadence.control"
    cp "$src/README.md" "$work/README.md"
    perl -MJSON::PP -e '
        local $/; open(my $f, "<", $ARGV[0]) or die; my $m = JSON::PP->new->decode(<$f>);
        eval $ARGV[1]; die $@ if $@; print JSON::PP->new->canonical->encode($m);' \
        "$src/META.json" "$1" >"$work/META.json" || { echo "FAIL: cannot make the variant $1"; exit 1; }
    out=$(perl "$check" "$work/META.json" "$work/pg_cadence.control")
    status=$?
    if [ $status -eq 0 ] || ! printf '%s\n' "$out" | grep -qF -- "$2"; then
        echo "FAIL: variant { $1 } was not refused with \"$2\" (exit $status): $out"
        failures=$((failures + 1))
    fi
}
refused 'delete $m->{license}' '$.license: is required'
refused 'delete $m->{"meta-spec"}' '$.meta-spec: is required'
refused '$m->{version} = "0.2"' 'is not a semantic version'
refused '$m->{license} = "gpl"' '"gpl" is not a license the spec names'
refused '$m->{license} = ["postgresql", "mit-ish"]' '"mit-ish" is not a license'
refused '$m->{name} = "pg cadence"' 'is not a term'
refused '$m->{maintainer} = []' 'must name at least one maintainer'
refused '$m->{homepage} = "https://example.org"' '$.homepage: is not a key the spec defines'
refused '$m->{"meta-spec"}{version} = "2.0.0"' 'must be "1.0.0"'
refused '$m->{provides} = {}' 'must be an object naming at least one extension'
refused 'delete $m->{provides}{pg_cadence}{file}' '$.provides.pg_cadence.file: is required'
refused '$m->{provides}{pg_cadence}{version} = "9.9.9"' 'pg_cadence.control says'
refused '$m->{version} = "9.9.9"' '$.version: is 9.9.9'
refused '$m->{provides}{pg_cadence}{file} = "gone.sql"' 'names gone.sql, which is not in the distribution'
refused '$m->{prereqs}{runtime}{requires}{PostgreSQL} = "fifteen"' 'is not a version or a comparison'
refused '$m->{prereqs}{running} = {}' '$.prereqs.running: is not a key the spec defines'
refused '$m->{release_status} = "beta"' 'must be stable, testing or unstable'
refused '$m->{tags} = ["a/b"]' 'is not a tag'
refused '$m->{resources} = {repository => {url => "not a uri"}}' 'is not an absolute URI'
# What the spec allows: custom keys, ranges, license objects.
variant_allowed() {
    acceptances=$((acceptances + 1))
    perl -MJSON::PP -e '
        local $/; open(my $f, "<", $ARGV[0]) or die; my $m = JSON::PP->new->decode(<$f>);
        eval $ARGV[1]; die $@ if $@; print JSON::PP->new->encode($m);' "$src/META.json" "$1" >"$work/META.json"
    if ! out=$(perl "$check" "$work/META.json"); then
        echo "FAIL: variant { $1 } was refused: $out"
        failures=$((failures + 1))
    fi
}
variant_allowed '$m->{x_cadence} = 1; $m->{prereqs}{runtime}{requires}{PostgreSQL} = ">= 15.0.0, != 16.0.0"'
variant_allowed '$m->{license} = {PostgreSQL => "https://www.postgresql.org/about/licence/"}'

[ $failures -eq 0 ] && echo "META.json passes the PGXN Meta Spec 1.0.0 check; $refusals wrong variants refused, $acceptances right ones accepted"
exit $((failures > 0))

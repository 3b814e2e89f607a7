# PostgreSQL versions Debian bookworm does not have (17) come from Debian trixie,
# in a chroot made with debootstrap: built once per machine under TRIXIE_ROOT and
# reused; scripts/test --pg 17 runs itself inside it on a copy of the checkout.
# Sourced by scripts/test after common.sh.

TRIXIE_ROOT=${TRIXIE_ROOT:-/var/cache/cadence/trixie}

ensure_trixie() {
    if [ -x "$TRIXIE_ROOT/usr/bin/apt-get" ]; then
        say "chroot: Debian trixie at $TRIXIE_ROOT (reused)"
        return
    fi
    command -v debootstrap >/dev/null 2>&1 ||
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
    say "chroot: building Debian trixie in $TRIXIE_ROOT (debootstrap, once per machine)"
    as_root rm -rf "$TRIXIE_ROOT.partial"
    as_root mkdir -p "$(dirname "$TRIXIE_ROOT")"
    as_root debootstrap --variant=minbase trixie "$TRIXIE_ROOT.partial" http://deb.debian.org/debian \
        >"$LOG_DIR/debootstrap.log" 2>&1 || die "debootstrap failed (see $LOG_DIR/debootstrap.log)"
    as_root mv "$TRIXIE_ROOT.partial" "$TRIXIE_ROOT"
}

mount_trixie() {
    local r=$TRIXIE_ROOT
    mountpoint -q "$r/proc" || as_root mount -t proc proc "$r/proc"
    mountpoint -q "$r/sys" || as_root mount -t sysfs sysfs "$r/sys"
    if ! mountpoint -q "$r/dev"; then
        as_root mount --rbind /dev "$r/dev"
        as_root mount --make-rslave "$r/dev"
    fi
    as_root cp /etc/resolv.conf /etc/hosts "$r/etc/"
    # The chroot trusts what this machine trusts (a proxy's CA, say: npm needs it),
    # in a file of its own: installing ca-certificates there rewrites the usual one.
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        as_root mkdir -p "$r/etc/ssl"
        as_root cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/cadence-host-ca.crt"
    fi
}

umount_trixie() {
    local r=$TRIXIE_ROOT d
    for d in dev sys proc; do
        mountpoint -q "$r/$d" && as_root umount -R "$r/$d" 2>/dev/null || true
    done
}

# Runs one of this checkout's scripts (scripts/test, scripts/check-packages) inside
# the chroot with PG_MAJOR=$1 on a fresh copy of the checkout (its logs stay in
# $TRIXIE_ROOT/src/build/logs); returns its status.
run_in_trixie() {
    local major=$1 script=$2
    shift 2
    ensure_trixie
    mount_trixie
    as_root rm -rf "$TRIXIE_ROOT/src"
    as_root mkdir -p "$TRIXIE_ROOT/src"
    if git -C "$CADENCE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$CADENCE_ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) |
            as_root tar -x -C "$TRIXIE_ROOT/src"
    else
        (cd "$CADENCE_ROOT" && tar --exclude=./build -cf - .) | as_root tar -x -C "$TRIXIE_ROOT/src"
    fi
    say "PostgreSQL $major: running $script inside the chroot (logs: $TRIXIE_ROOT/src/build/logs)"
    local status=0
    as_root chroot "$TRIXIE_ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 CI="${CI:-}" PG_MAJOR="$major" CADENCE_IN_CHROOT=1 \
        NODE_EXTRA_CA_CERTS=/etc/ssl/cadence-host-ca.crt npm_config_cafile=/etc/ssl/cadence-host-ca.crt \
        bash "/src/$script" "$@" || status=$?
    umount_trixie
    return $status
}

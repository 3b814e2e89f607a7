# Shared by scripts/test and scripts/demo: dependencies, build, throwaway cluster.
# Sourced, not run. Expects `set -euo pipefail` in the caller.

CADENCE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# PostgreSQL's major version: 15 is bookworm's; scripts/test --pg 17 runs in a trixie chroot.
PG_MAJOR=${PG_MAJOR:-15}

# Debian packages the project needs to build, test and demo.
CADENCE_PACKAGES=(
    build-essential g++ cmake make pkg-config perl libipc-run-perl
    postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR libpq-dev
    libgtest-dev libgmock-dev libbenchmark-dev libcctz-dev libcli11-dev nlohmann-json3-dev libboost-dev curl
    prometheus-cpp-dev prometheus
    tzdata clang libclang-rt-dev
    curl nodejs chromium
)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs whatever of CADENCE_PACKAGES is missing (apt-get update first).
ensure_packages() {
    local missing=() pkg
    for pkg in "${CADENCE_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    # npm comes with some builds of nodejs (NodeSource's); Debian packages it apart.
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    if [ ${#missing[@]} -eq 0 ]; then
        say "packages: all present"
        return
    fi
    say "packages: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >/dev/null
}

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir 2>/dev/null || echo "/usr/lib/postgresql/$PG_MAJOR/bin")
BUILD_DIR=${BUILD_DIR:-$CADENCE_ROOT/build}
LOG_DIR=${LOG_DIR:-$BUILD_DIR/logs}

# Builds the extension (PGXS) and installs it; builds core, tests, bench and client (CMake).
build_all() {
    mkdir -p "$LOG_DIR"
    say "build: extension (make, log in $LOG_DIR/make.log)"
    make -C "$CADENCE_ROOT" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" WERROR=1 >"$LOG_DIR/make.log" 2>&1 ||
        { tail -n 40 "$LOG_DIR/make.log" >&2; die "make failed"; }
    as_root make -C "$CADENCE_ROOT" PG_CONFIG="$PG_CONFIG" install >"$LOG_DIR/make-install.log" 2>&1 ||
        { tail -n 40 "$LOG_DIR/make-install.log" >&2; die "make install failed"; }
    say "build: core, tests, benchmarks and client (cmake, log in $LOG_DIR/cmake.log)"
    { cmake -S "$CADENCE_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCADENCE_WERROR=ON &&
        cmake --build "$BUILD_DIR" -j"$(nproc)"; } >"$LOG_DIR/cmake.log" 2>&1 ||
        { tail -n 40 "$LOG_DIR/cmake.log" >&2; die "cmake build failed"; }
}

# The unprivileged OS user that runs PostgreSQL: PostgreSQL refuses to run as root.
if [ "$(id -u)" -eq 0 ]; then
    PG_OS_USER=postgres
else
    PG_OS_USER=$(id -un)
fi

ensure_os_user() {
    id "$PG_OS_USER" >/dev/null 2>&1 ||
        as_root useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
}

# Runs a command as PG_OS_USER.
as_pg() {
    if [ "$(id -un)" = "$PG_OS_USER" ]; then "$@"; else runuser -u "$PG_OS_USER" -- "$@"; fi
}

# A temporary directory owned by PG_OS_USER, removed by cleanup.
make_work_dir() {
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pg_cadence.XXXXXX")
    chmod 755 "$WORK_DIR"
    [ "$(id -un)" = "$PG_OS_USER" ] || chown "$PG_OS_USER" "$WORK_DIR"
}

# A TCP port on localhost that nothing listens on.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

# Starts a throwaway cluster in $WORK_DIR/data with pg_cadence preloaded (settings
# in CLUSTER_EXTRA_CONF come last and win). Sets PGHOST, PGPORT, PGUSER and
# PGDATABASE for the clients that follow.
start_cluster() {
    PGDATA_DIR=$WORK_DIR/data
    PGPORT=$(free_port)
    as_pg "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust --no-sync \
        >"$WORK_DIR/initdb.log" 2>&1 || { cat "$WORK_DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK_DIR'
shared_preload_libraries = 'pg_cadence'
cadence.database_name = 'postgres'
fsync = off
log_min_messages = info
${CLUSTER_EXTRA_CONF:-}
CONF
    as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$WORK_DIR/postgres.log" -w -t 60 start \
        >/dev/null || { cat "$WORK_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
    CLUSTER_STARTED=1
    export PGHOST=$WORK_DIR PGPORT PGUSER=postgres PGDATABASE=postgres
}

stop_cluster() {
    if [ "${CLUSTER_STARTED:-0}" = 1 ]; then
        as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 ||
            as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true
        CLUSTER_STARTED=0
    fi
}

# Stops the cluster and removes the work directory; installed as the exit trap.
cleanup() {
    stop_cluster
    if [ -n "${WORK_DIR:-}" ] && [ -d "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
}

# For benchmarks: everything installed and built, and a cluster with fsync and
# synchronous_commit on plus the settings given, removed on exit.
start_benchmark_cluster() {
    ensure_packages
    ensure_os_user
    build_all
    make_work_dir
    trap cleanup EXIT
    CLUSTER_EXTRA_CONF="fsync = on
synchronous_commit = on
$1"
    start_cluster
}

# Waits until a pg_cadence worker of the given type (default: the scheduler of
# database PGDATABASE, which starts with CREATE EXTENSION) shows up in
# pg_stat_activity; prints its pid.
wait_for_scheduler() {
    local pid type=${1:-scheduler}
    for _ in $(seq 1 100); do
        pid=$("$PG_BINDIR/psql" -XAtq -c \
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_cadence $type'
             AND (datname = current_database() OR '$type' = 'launcher')")
        if [ -n "$pid" ]; then
            echo "$pid"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# For benchmarks: `cadence serve` on the benchmark cluster, on a free port
# (GATEWAY_PORT), stopped on exit with the cluster (GATEWAY_PID).
start_gateway() {
    GATEWAY_PORT=$(free_port)
    "$BUILD_DIR/cadence" serve --listen "127.0.0.1:$GATEWAY_PORT" \
        --dsn "host=$WORK_DIR port=$PGPORT user=postgres dbname=postgres" >"$WORK_DIR/serve.log" 2>&1 &
    GATEWAY_PID=$!
    trap 'kill $GATEWAY_PID 2>/dev/null || true; cleanup' EXIT
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$GATEWAY_PORT/api/v1/status" >/dev/null && return 0
        sleep 0.1
    done
    die "cadence serve did not start (see $WORK_DIR/serve.log)"
}

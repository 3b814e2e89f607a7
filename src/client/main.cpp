// cadence: the command-line client of pg_cadence.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "client/connection.hpp"
#include "client/watch.hpp"
#include "client/serve.hpp"
#include "core/version.hpp"

namespace {

using cadence::client::ClientError;
using cadence::client::Connection;

// `cadence version`: the client's, the server's and the installed extension's versions.
int print_versions(const std::string& dsn) {
    Connection conn(dsn);
    auto installed = conn.query(
        "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_cadence'");
    if (installed.rows() == 0)
        throw ClientError("pg_cadence is not installed in database \"" + conn.database() +
                          "\" (run CREATE EXTENSION pg_cadence there)");
    auto library = conn.query("SELECT cadence.version(), current_setting('server_version')");
    std::cout << "client     " << cadence::core::version() << '\n'
              << "extension  " << library.value(0, 0) << '\n'
              << "server     " << library.value(0, 1) << '\n';
    if (library.value(0, 0) != installed.value(0, 0))
        std::cout << "note: the installed SQL is version " << installed.value(0, 0)
                  << "; run ALTER EXTENSION pg_cadence UPDATE\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cadence: watch and manage pg_cadence jobs"};
    app.set_version_flag("--version", "cadence " + std::string(cadence::core::version()));
    app.require_subcommand(1);

    std::string dsn;
    auto* version = app.add_subcommand("version", "Print client, extension and server versions");
    version->add_option("--dsn,-d", dsn,
                        "libpq connection string or URI (default: the PG* environment variables)");

    auto* watch = app.add_subcommand(
        "watch", "Print a job's status and every change as JSON lines (see docs/watch.md)");
    watch->add_option("--dsn,-d", dsn,
                      "libpq connection string or URI (default: the PG* environment variables)");
    std::int64_t job_id = 0;
    std::string queue;
    auto* job_option = watch->add_option("--job,-j", job_id,
                                         "follow this job until it ends or is deleted")
                           ->check(CLI::PositiveNumber);
    auto* queue_option = watch->add_option("--queue,-q", queue, "follow this queue's jobs");
    bool all = false;
    auto* all_option = watch->add_flag("--all,-a", all, "follow every job");
    bool follow = false;
    auto* follow_option = watch->add_flag(
        "--follow,-f", follow, "with --job: go on across runs (a periodic job) until the job is deleted");
    job_option->excludes(queue_option)->excludes(all_option);
    queue_option->excludes(all_option);
    cadence::client::ServeOptions serve_options;
    serve_options.static_dir = CADENCE_WEB_DIR;
    std::string token;
    auto* serve = app.add_subcommand("serve", "Serve the REST API, SSE streams and the jobs page");
    serve->add_option("--listen,-l", serve_options.listen, "HOST:PORT to listen on")
        ->capture_default_str();
    serve->add_option("--dsn,-d", serve_options.dsn,
                      "libpq connection string or URI (default: the PG* environment variables)");
    serve->add_option("--token", token,
                      "require \"Authorization: Bearer TOKEN\" on every /api request "
                      "(default: the CADENCE_TOKEN environment variable)")
        ->envname("CADENCE_TOKEN");
    serve->add_option("--static", serve_options.static_dir, "directory of the jobs page")
        ->capture_default_str();
    serve->add_option("--pool", serve_options.pool, "database connections for queries")
        ->capture_default_str();
    serve->add_option("--keepalive", serve_options.keepalive_seconds,
                      "seconds between the streams' keepalive comments (1-3600)")
        ->capture_default_str();

    try {
        app.parse(argc, argv);
        if (*watch && job_option->count() + queue_option->count() + all_option->count() == 0)
            throw CLI::RequiredError("watch: one of --job ID, --queue NAME or --all");
        if (*watch && follow_option->count() > 0 && job_option->count() == 0)
            throw CLI::ValidationError("--follow", "only with --job: queues and --all are followed anyway");
        if (*watch && queue_option->count() > 0 && queue.empty())
            throw CLI::ValidationError("--queue", "the queue name is empty");
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        if (*version) return print_versions(dsn);
        if (*watch) {
            cadence::client::WatchOptions options{dsn, cadence::client::WatchTarget::everything(), follow};
            if (job_option->count() > 0)
                options.target = cadence::client::WatchTarget::for_job(job_id);
            else if (queue_option->count() > 0)
                options.target = cadence::client::WatchTarget::for_queue(queue);
            return cadence::client::watch(options, std::cout);
        }
        if (*serve) {
            if (!token.empty()) serve_options.token = token;
            return cadence::client::run_serve(serve_options);
        }
    } catch (const ClientError& e) {
        std::cerr << "cadence: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

#include "pg/settings.hpp"

#include "pg/postgres.hpp"

#include <exception>

#include "core/error.hpp"
#include "core/queue_limits.hpp"
#include "pg/boundary.hpp"
#include "pg/publication.hpp"

extern "C" {
#include "nodes/pg_list.h"
#include "postmaster/interrupt.h"
#include "utils/guc.h"
#include "utils/varlena.h"
}

namespace cadence::pg {

char* database_name = nullptr;
int max_databases = 8;
int max_executors = 4;
int executor_idle_timeout = 60;
int run_stop_grace = 5000;
int max_name_bytes = 1024;
int max_payload_bytes = 4 * 1024 * 1024;
int max_sql_bytes = 1024 * 1024;
int max_error_bytes = 64 * 1024;
int max_jobs_per_role = 0;
int worker_gone_after = 300;
char* executor_queue_limits = nullptr;
bool fail_publication_for_tests = false;

namespace {

// Rejects a malformed cadence.executor_queue_limits before it takes effect,
// saying which entry is wrong. A GUC hook is called from C: nothing may escape.
bool check_queue_limits(char** value, void**, GucSource) noexcept {
    try {
        (void)core::parse_queue_limits(*value != nullptr ? *value : "");
        return true;
    } catch (const core::Error& e) {
        GUC_check_errdetail("%s", e.what());
        GUC_check_errhint("%s", e.hint().c_str());
    } catch (const std::exception& e) {
        GUC_check_errdetail("%s", e.what());
    }
    return false;
}

}  // namespace

void define_settings() {
    // A postmaster-level setting can only be created while preloading; without
    // preloading there is no scheduler for it to configure.
    if (process_shared_preload_libraries_in_progress) {
        DefineCustomStringVariable(
            "cadence.database_name", "Databases pg_cadence serves, comma-separated; empty for all.",
            "Empty (the default): every database where CREATE EXTENSION pg_cadence was run is "
            "served. A list restricts it to the databases named.",
            &database_name, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY | GUC_LIST_INPUT, nullptr, nullptr,
            nullptr);
        DefineCustomIntVariable(
            "cadence.max_databases", "Databases pg_cadence can serve at once.",
            "Each takes a slot of shared memory (about 100 bytes per cadence.status_queue_size "
            "entry); a database beyond them is not served, with a warning in the server log.",
            &max_databases, 8, 1, 1024, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
        DefineCustomIntVariable(
            "cadence.status_queue_size",
            "Committed status events that can wait in shared memory for the publisher.",
            "When it is full, further events are not published and listeners are told to "
            "resynchronise from cadence.job_events.",
            &status_queue_size, 16384, 16, 1 << 20, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
        DefineCustomIntVariable(
            "cadence.max_executors", "Executor workers that run jobs whose body is SQL, all databases together.",
            "At most this many SQL runs execute at once in the cluster; each executor is a background "
            "worker counted in max_worker_processes, started when a run is due. 0 runs no SQL job.",
            &max_executors, 4, 0, max_executors_limit, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    }
    DefineCustomIntVariable(
        "cadence.executor_idle_timeout", "How long an executor with nothing to run waits before it ends.",
        "An executor is started again when a run is due. 0 ends it as soon as no run is due.",
        &executor_idle_timeout, 60, 0, 86400, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cadence.run_stop_grace",
        "How long a SQL run may go on after its timeout or its cancel before its executor is ended.",
        "A run that catches the cancel (EXCEPTION WHEN query_canceled) or keeps running past it is "
        "ended by force once this has passed: its executor is terminated and the run recorded as "
        "timed out or canceled. 0 ends it at once.",
        &run_stop_grace, 5000, 0, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    // Superuser settings: a role cannot raise its own limits (ALTER ROLE ... SET can).
    DefineCustomIntVariable(
        "cadence.max_name_bytes", "Longest job name, queue name and worker name accepted.",
        "A longer one is refused with SQLSTATE 54000.", &max_name_bytes, 1024, 64, 1024 * 1024, PGC_SUSET,
        GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cadence.max_payload_bytes", "Largest job payload and run result accepted.",
        "A larger one is refused with SQLSTATE 54000.", &max_payload_bytes, 4 * 1024 * 1024, 1024,
        1024 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cadence.max_sql_bytes", "Longest SQL body of a job accepted.",
        "A longer one is refused with SQLSTATE 54000.", &max_sql_bytes, 1024 * 1024, 1024, 1024 * 1024 * 1024,
        PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cadence.max_jobs_per_role", "Most jobs one role may own; 0 for no cap.",
        "Creating more is refused with SQLSTATE 54000. Members of cadence_admin are exempt.",
        &max_jobs_per_role, 0, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "cadence.max_error_bytes", "Longest error text and traceback kept for a failed run.",
        "A longer one is cut, with a marker saying how much was cut: a failure is always recorded.",
        &max_error_bytes, 64 * 1024, 256, 1024 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr,
        nullptr);
    DefineCustomIntVariable(
        "cadence.worker_gone_after", "How long a worker may stay unseen before cadence.workers shows it as gone.",
        "A worker is seen when it claims, renews or ends a run, and (at most every 10 seconds) when its "
        "claim finds nothing to run.",
        &worker_gone_after, 300, 1, 7 * 86400, PGC_USERSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "cadence.publish_status", "Publish committed job status changes with NOTIFY cadence_status.",
        nullptr, &publish_status, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "cadence.executor_queue_limits",
        "Most SQL runs of a queue that execute at once, as queue=limit pairs.",
        "For example 'reports=2, mail=1'. Queues not named are bounded by "
        "cadence.max_executors only.",
        &executor_queue_limits, "", PGC_SIGHUP, 0, check_queue_limits, nullptr, nullptr);
    DefineCustomBoolVariable(
        "cadence.fail_publication_for_tests",
        "Makes every publication of status changes fail, as a full NOTIFY queue would (for tests).",
        nullptr, &fail_publication_for_tests, false, PGC_SUSET, GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL,
        nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("cadence");
}

int input_limit(core::InputKind kind) {
    switch (kind) {
    case core::InputKind::name: return max_name_bytes;
    case core::InputKind::payload: return max_payload_bytes;
    case core::InputKind::sql: return max_sql_bytes;
    case core::InputKind::error: return max_error_bytes;
    case core::InputKind::unlimited: break;
    }
    return 0;
}

bool database_allowed(const char* name) {
    if (database_name == nullptr || database_name[0] == '\0') return true;
    char* copy = pstrdup(database_name);
    List* names = nullptr;
    bool allowed = false;
    if (SplitIdentifierString(copy, ',', &names)) {
        ListCell* cell;
        foreach (cell, names)
            if (strcmp(static_cast<const char*>(lfirst(cell)), name) == 0) allowed = true;
    }
    list_free(names);
    pfree(copy);
    return allowed;
}

bool reload_configuration_if_asked() {
    if (!ConfigReloadPending) return false;
    ConfigReloadPending = false;
    pg_guard([&]() noexcept { ProcessConfigFile(PGC_SIGHUP); });
    return true;
}

}  // namespace cadence::pg

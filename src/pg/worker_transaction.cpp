#include "pg/worker_transaction.hpp"

#include "pg/postgres.hpp"

#include "pg/boundary.hpp"
#include "pg/version_check.hpp"

#include <string>

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

SPIPlanPtr kept_plan(SPIPlanPtr& plan, const char* sql, int nargs, Oid* types, int cursor_options) {
    if (plan == nullptr) {
        SPIPlanPtr fresh = SPI_prepare_cursor(sql, nargs, types, cursor_options);
        if (fresh == nullptr)
            elog(ERROR, "pg_cadence: preparing \"%s\" failed: %s", sql, SPI_result_code_string(SPI_result));
        SPI_keepplan(fresh);
        plan = fresh;
    }
    return plan;
}

void begin_worker_transaction() {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    // What SET TRANSACTION would set: allowed before the transaction's first snapshot.
    XactIsoLevel = XACT_READ_COMMITTED;
    XactReadOnly = false;
    XactDeferrable = false;
    // SET LOCAL: gone when the transaction ends.
    (void)set_config_option("lock_timeout", "0", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
}

void commit_worker_transaction() {
    CommitTransactionCommand();
    // Rate-limited by PostgreSQL itself (at most once a second unless forced); only
    // outside a transaction (a job's BEGIN keeps one open across commands).
    if (!IsTransactionOrTransactionBlock()) (void)pgstat_report_stat(false);
}

void begin_spi_transaction(const char* activity) {
    begin_worker_transaction();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_spi_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    commit_worker_transaction();
    pgstat_report_activity(STATE_IDLE, nullptr);
}

bool extension_installed() {
    pg_guard([&]() noexcept { begin_spi_transaction("pg_cadence: extension version"); });
    std::string version = installed_extension_version();
    pg_guard([&]() noexcept { commit_spi_transaction(); });
    if (version.empty() || version == CADENCE_VERSION) return !version.empty();
    // A library update ahead of ALTER EXTENSION UPDATE: the SQL objects are not ours
    // to call. The update wakes the scheduler when it commits (cadence._wake_workers_at_commit).
    static std::string reported;
    if (reported != version) {
        reported = version;
        const char* sql_version = reported.c_str();
        pg_guard([&]() noexcept {
            ereport(WARNING, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                              errmsg("pg_cadence library version %s waits for the extension's SQL "
                                     "objects (version %s) to be updated", CADENCE_VERSION, sql_version),
                              errhint("Run ALTER EXTENSION pg_cadence UPDATE in this database.")));
        });
    }
    return false;
}

}  // namespace cadence::pg

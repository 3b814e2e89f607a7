#include "pg/catalog.hpp"

#include "pg/postgres.hpp"

#include "pg/boundary.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

void begin_spi_transaction(const char* activity) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_spi_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
}

bool extension_installed() {
    return pg_guard([&]() noexcept {
        const char* sql = "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cadence'";
        begin_spi_transaction(sql);
        SPI_execute(sql, true, 1);
        bool found = SPI_processed > 0;
        commit_spi_transaction();
        return found;
    });
}

}  // namespace cadence::pg

#include "pg/catalog.hpp"

#include "pg/postgres.hpp"

#include "pg/boundary.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

bool extension_installed() {
    return pg_guard([&]() noexcept {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        SPI_connect();
        PushActiveSnapshot(GetTransactionSnapshot());
        SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cadence'", true, 1);
        bool found = SPI_processed > 0;
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        return found;
    });
}

}  // namespace cadence::pg

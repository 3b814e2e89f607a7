// The transactions of the extension's own workers (scheduler, publisher,
// executors): begun whatever the defaults configure, with SPI, with kept plans;
// and whether the extension exists in their database.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace cadence::pg {

// Starts a transaction of a worker's own (not a job's SQL), whatever the cluster,
// database or role configure as defaults: read committed and read-write, with no
// lock timeout. (Under serializable, executors claiming at once would fail each
// other; under default_transaction_read_only nothing could be recorded.) Call
// inside pg_guard (it may ereport).
void begin_worker_transaction();

// Commits a worker's transaction (its own or a job's) and reports the statistics
// it gathered: a long-lived worker would otherwise send them only when it exits,
// and autovacuum would never see its churn. Call inside pg_guard.
void commit_worker_transaction();

// begin_worker_transaction with SPI connected and a snapshot pushed, reporting
// `activity` in pg_stat_activity. Call inside pg_guard (it may ereport).
void begin_spi_transaction(const char* activity);

// Ends what begin_spi_transaction began: commits and reports the worker idle.
void commit_spi_transaction();

// `plan`, prepared from `sql` the first time and kept for the backend's life (the
// plan cache makes it again when what it uses changes). Call inside pg_guard, with
// SPI connected.
SPIPlanPtr kept_plan(SPIPlanPtr& plan, const char* sql, int nargs, Oid* types, int cursor_options);

// Whether CREATE EXTENSION pg_cadence has run in this database, at the library's
// version (a transaction of its own). Another version is reported once, as a warning.
bool extension_installed();

}  // namespace cadence::pg

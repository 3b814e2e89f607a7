// Small pieces the workers share: a transaction with SPI, and whether the
// extension exists in their database.
#pragma once

namespace cadence::pg {

// Starts a transaction with SPI connected and a snapshot pushed, reporting
// `activity` in pg_stat_activity. Call inside pg_guard (it may ereport).
void begin_spi_transaction(const char* activity);

// Ends what begin_spi_transaction began: commits and reports the worker idle.
void commit_spi_transaction();

// Whether CREATE EXTENSION pg_cadence has run in this database, at the library's
// version (a transaction of its own). Another version is reported once, as a warning.
bool extension_installed();

}  // namespace cadence::pg

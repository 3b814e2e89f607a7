// Small questions about the current database, asked by the workers.
#pragma once

namespace cadence::pg {

// Whether CREATE EXTENSION pg_cadence has run in this database (a transaction of its own).
bool extension_installed();

}  // namespace cadence::pg

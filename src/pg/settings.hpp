// pg_cadence's GUCs (all under the reserved prefix "cadence.").
#pragma once

namespace cadence::pg {

// cadence.database_name: the database the scheduler serves (postmaster start only).
extern char* database_name;

void define_settings();

}  // namespace cadence::pg

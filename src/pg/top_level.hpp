// Running a query string at top level, as PostgreSQL runs a client's simple Query
// message (what `psql -c` sends): statement by statement, each a top-level command.
//
// The rules are PostgreSQL's own for such a message:
// - several statements run in one implicit transaction, committed after the
//   last; a COMMIT or ROLLBACK among them ends it, and the next statement starts
//   another; BEGIN opens an explicit block that lasts until its COMMIT;
// - a statement that refuses transaction blocks (VACUUM, CREATE INDEX
//   CONCURRENTLY, REINDEX CONCURRENTLY, CREATE DATABASE) works when it is the
//   whole string, as does CALL of a procedure or a DO block that commits;
// - the first error ends the string: what it had not committed is rolled back.
//
// Results are discarded as they are produced: memory does not grow with them.
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

struct TopLevelResult {
    const char* command_tag;  // of the last statement ("EMPTY" for none)
    uint64 rows;              // that statement's row count
    bool left_open;           // it ended inside an explicit transaction block, still open
    // When the last statement returned one row of one column (SELECT count(*) ...,
    // SELECT cadence.prune_events(...)): that value as text, cut to its first
    // max_value_bytes (server encoding), in the caller's context.
    char* value;
    bool value_cut;
};
inline constexpr size_t max_value_bytes = 1000;

// Runs `sql` outside any transaction (none may be open). Parse trees and plans
// live in a child of `context`. May ereport(ERROR): the caller then ends the
// transaction (AbortOutOfAnyTransaction), as it must when `left_open` is set.
void run_top_level(const char* sql, MemoryContext context, TopLevelResult* result);

}  // namespace cadence::pg

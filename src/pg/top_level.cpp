#include "pg/top_level.hpp"

#include "pg/catalog.hpp"

extern "C" {
#include "access/xact.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/cmdtag.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

// The steps of exec_simple_query (src/backend/tcop/postgres.c), without a client:
// the same transaction rules, so that a body behaves as it would under psql -c.
void run_top_level(const char* sql, MemoryContext context, TopLevelResult* result) {
    result->command_tag = "EMPTY";
    result->rows = 0;
    result->left_open = false;
    debug_query_string = sql;
    pgstat_report_activity(STATE_RUNNING, sql);
    SetCurrentStatementStartTimestamp();

    StartTransactionCommand();
    bool xact_started = true;
    MemoryContext parse_context = AllocSetContextCreate(context, "pg_cadence job SQL", ALLOCSET_DEFAULT_SIZES);
    MemoryContext previous = MemoryContextSwitchTo(parse_context);
    List* statements = pg_parse_query(sql);
    MemoryContextSwitchTo(previous);
    bool implicit_block = list_length(statements) > 1;

    ListCell* cell;
    foreach (cell, statements) {
        RawStmt* statement = lfirst_node(RawStmt, cell);
        CommandTag tag = CreateCommandTag(statement->stmt);
        if (!xact_started) {
            StartTransactionCommand();
            xact_started = true;
        }
        if (implicit_block) BeginImplicitTransactionBlock();
        CHECK_FOR_INTERRUPTS();

        bool snapshot_set = false;
        if (analyze_requires_snapshot(statement)) {
            PushActiveSnapshot(GetTransactionSnapshot());
            snapshot_set = true;
        }
        // The transaction's context: execution runs in it, as for a client.
        MemoryContext execution_context = MemoryContextSwitchTo(parse_context);
        List* queries = pg_analyze_and_rewrite_fixedparams(statement, sql, nullptr, 0, nullptr);
        List* plans = pg_plan_queries(queries, sql, CURSOR_OPT_PARALLEL_OK, nullptr);
        if (snapshot_set) PopActiveSnapshot();
        CHECK_FOR_INTERRUPTS();

        Portal portal = CreatePortal("", true, true);
        portal->visible = false;
        PortalDefineQuery(portal, nullptr, sql, tag, plans, nullptr);
        PortalStart(portal, nullptr, 0, InvalidSnapshot);
        int16 format = 0;
        PortalSetResultFormat(portal, 1, &format);
        DestReceiver* receiver = CreateDestReceiver(DestNone);
        MemoryContextSwitchTo(execution_context);

        QueryCompletion completion;
        InitializeQueryCompletion(&completion);
        (void)PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &completion);
        receiver->rDestroy(receiver);
        PortalDrop(portal, false);
        result->command_tag = GetCommandTagName(completion.commandTag != CMDTAG_UNKNOWN ? completion.commandTag : tag);
        result->rows = completion.nprocessed;

        if (lnext(statements, cell) == nullptr) {
            if (implicit_block) EndImplicitTransactionBlock();
            commit_worker_transaction();
            xact_started = false;
        } else if (IsA(statement->stmt, TransactionStmt)) {
            commit_worker_transaction();
            xact_started = false;
        } else {
            CommandCounterIncrement();
        }
    }
    if (xact_started) commit_worker_transaction();  // an empty string
    // BEGIN without COMMIT: the block is still open, as it would be when psql -c returns.
    result->left_open = IsTransactionOrTransactionBlock();
    debug_query_string = nullptr;
}

}  // namespace cadence::pg

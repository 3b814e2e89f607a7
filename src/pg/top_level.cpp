#include "pg/top_level.hpp"

#include "pg/worker_transaction.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/tuptable.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/cmdtag.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
}

namespace cadence::pg {

namespace {

// Discards rows as they come, keeping the first column of the first row as text.
struct FirstValueReceiver {
    DestReceiver pub;
    MemoryContext context;  // where the value is kept
    int columns;
    uint64 rows;
    char* value;
    bool cut;
};

bool keep_first_value(TupleTableSlot* slot, DestReceiver* self) {
    auto* receiver = reinterpret_cast<FirstValueReceiver*>(self);
    if (receiver->rows++ > 0 || receiver->columns != 1) return true;
    bool null = false;
    Datum datum = slot_getattr(slot, 1, &null);
    if (null) return true;
    Oid output;
    bool varlena;
    getTypeOutputInfo(TupleDescAttr(slot->tts_tupleDescriptor, 0)->atttypid, &output, &varlena);
    char* text = OidOutputFunctionCall(output, datum);
    int length = static_cast<int>(strlen(text));
    int kept = pg_mbcliplen(text, length, static_cast<int>(max_value_bytes));
    receiver->value = static_cast<char*>(MemoryContextAlloc(receiver->context, kept + 1));
    memcpy(receiver->value, text, kept);
    receiver->value[kept] = '\0';
    receiver->cut = kept < length;
    pfree(text);
    return true;
}

void start_receiving(DestReceiver* self, int, TupleDesc description) {
    auto* receiver = reinterpret_cast<FirstValueReceiver*>(self);
    receiver->columns = description->natts;
    receiver->rows = 0;
    receiver->value = nullptr;
    receiver->cut = false;
}

void no_op(DestReceiver*) {}

}  // namespace

// The steps of exec_simple_query (src/backend/tcop/postgres.c), without a client:
// the same transaction rules, so that a body behaves as it would under psql -c.
void run_top_level(const char* sql, MemoryContext context, TopLevelResult* result) {
    result->command_tag = "EMPTY";
    result->rows = 0;
    result->left_open = false;
    result->value = nullptr;
    result->value_cut = false;
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
        auto* receiver = static_cast<FirstValueReceiver*>(palloc0(sizeof(FirstValueReceiver)));
        receiver->pub.receiveSlot = keep_first_value;
        receiver->pub.rStartup = start_receiving;
        receiver->pub.rShutdown = no_op;
        receiver->pub.rDestroy = no_op;
        receiver->pub.mydest = DestNone;
        receiver->context = context;
        MemoryContextSwitchTo(execution_context);

        QueryCompletion completion;
        InitializeQueryCompletion(&completion);
        (void)PortalRun(portal, FETCH_ALL, true, true, &receiver->pub, &receiver->pub, &completion);
        PortalDrop(portal, false);
        result->command_tag = GetCommandTagName(completion.commandTag != CMDTAG_UNKNOWN ? completion.commandTag : tag);
        result->rows = completion.nprocessed;
        bool one_value = receiver->columns == 1 && receiver->rows == 1;
        result->value = one_value ? receiver->value : nullptr;
        result->value_cut = one_value && receiver->cut;

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

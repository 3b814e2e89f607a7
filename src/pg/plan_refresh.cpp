#include "pg/plan_refresh.hpp"

#include <algorithm>

#include "pg/database_slots.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/namespace.h"
#include "storage/bufmgr.h"
#include "storage/lockdefs.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace cadence::pg {

namespace {

// Without the shared state (not preloaded), each backend keeps its own mark.
uint32 local_mark = 0;

}  // namespace

void refresh_plans_if_grown() {
    Oid schema = get_namespace_oid("cadence", true);
    if (!OidIsValid(schema)) return;
    Oid status = get_relname_relid("jobs_status", schema);
    Oid jobs = get_relname_relid("jobs", schema);
    if (!OidIsValid(status) || !OidIsValid(jobs)) return;
    Relation relation = relation_open(status, AccessShareLock);
    uint32 blocks = RelationGetNumberOfBlocks(relation);
    relation_close(relation, NoLock);

    SchedulerState* state = shared_state();
    uint32 mark = state != nullptr ? pg_atomic_read_u32(&state->replanned_at_blocks) : local_mark;
    if (blocks <= std::max<uint32>(2 * mark, mark + 8)) return;
    if (state != nullptr) {
        if (!pg_atomic_compare_exchange_u32(&state->replanned_at_blocks, &mark, blocks)) return;
    } else {
        local_mark = blocks;
    }
    CacheInvalidateRelcacheByRelid(status);
    CacheInvalidateRelcacheByRelid(jobs);
    ereport(DEBUG1, (errmsg("pg_cadence: cadence.jobs_status has grown to %u blocks: cached plans on the job "
                            "tables will be made again", blocks)));
}

}  // namespace cadence::pg

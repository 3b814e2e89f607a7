// The gateway behind every public API function (cadence.create_job, claim, ...).
//
// A SECURITY DEFINER function cannot tell who called it: PostgreSQL keeps the
// caller's role only on its own C stack. So the public functions are ordinary C
// functions (run as the caller) that look up cadence._<name>(caller oid, <same
// arguments>), a SECURITY DEFINER function with a fixed search_path owned by the
// extension's owner, and call it with the caller's exact role id. The internal
// functions are not executable by PUBLIC; fmgr calls do not check EXECUTE.
#include "pg/postgres.hpp"

#include <string>

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/version_check.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

// Finds cadence._<name>(oid, <arguments of fn>) and prepares it for calls.
FmgrInfo* internal_function_for(FmgrInfo* self) {
    return cadence::pg::pg_guard([&]() noexcept {
        HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(self->fn_oid));
        if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for function %u", self->fn_oid);
        auto* proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
        int nargs = proc->pronargs;
        Oid* argtypes = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
        argtypes[0] = OIDOID;
        for (int i = 0; i < nargs; ++i) argtypes[i + 1] = proc->proargtypes.values[i];
        char* name = psprintf("_%s", NameStr(proc->proname));
        char* schema = get_namespace_name(proc->pronamespace);
        ReleaseSysCache(tuple);

        List* qualified = list_make2(makeString(schema), makeString(name));
        Oid target = LookupFuncName(qualified, nargs + 1, argtypes, false);
        auto* info = static_cast<FmgrInfo*>(MemoryContextAllocZero(self->fn_mcxt, sizeof(FmgrInfo)));
        fmgr_info_cxt(target, info, self->fn_mcxt);
        return info;
    });
}

}  // namespace

// Every public API function: calls its internal twin with the caller's role id.
CADENCE_SQL_FUNCTION(cadence_gateway) {
    cadence::pg::require_matching_extension_version();
    auto* target = static_cast<FmgrInfo*>(fcinfo->flinfo->fn_extra);
    if (target == nullptr) {
        target = internal_function_for(fcinfo->flinfo);
        fcinfo->flinfo->fn_extra = target;
    }
    const Oid caller = GetUserId();
    const short nargs = fcinfo->nargs;
    return cadence::pg::pg_guard([&]() noexcept {
        auto call = static_cast<FunctionCallInfo>(palloc0(SizeForFunctionCallInfo(nargs + 1)));
        InitFunctionCallInfoData(*call, target, nargs + 1, fcinfo->fncollation, fcinfo->context,
                                 fcinfo->resultinfo);
        call->args[0].value = ObjectIdGetDatum(caller);
        call->args[0].isnull = false;
        for (short i = 0; i < nargs; ++i) call->args[i + 1] = fcinfo->args[i];
        Datum result = FunctionCallInvoke(call);
        fcinfo->isnull = call->isnull;
        return result;
    });
}

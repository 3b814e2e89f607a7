// Calls as the caller: the work of every public API function (cadence.create_job,
// claim, cancel_job, ...: api.sql declares each as cadence_call_as_caller, and
// sql_api.cpp hands it here).
//
// A SECURITY DEFINER function cannot tell who called it: PostgreSQL keeps the
// caller's role only on its own C stack. So the public functions are ordinary C
// functions (run as the caller) that look up cadence._<name>(caller oid, <same
// arguments>), a SECURITY DEFINER function with a fixed search_path owned by the
// extension's owner, and call it with the caller's exact role id. The internal
// functions are not executable by PUBLIC; fmgr calls do not check EXECUTE.
#include "pg/postgres.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/input_limits.hpp"
#include "pg/boundary.hpp"
#include "pg/settings.hpp"
#include "pg/text.hpp"
#include "pg/version_check.hpp"
#include "pg/call_as_caller.hpp"

extern "C" {
#include "access/detoast.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

using cadence::core::InputKind;

// A public function's internal twin, and what limits each of its arguments.
struct InternalTwin {
    FmgrInfo* target;
    InputKind kinds[FUNC_MAX_ARGS];
    bool arrays[FUNC_MAX_ARGS];
    char names[FUNC_MAX_ARGS][NAMEDATALEN];
};

// Finds cadence._<name>(oid, <arguments of fn>) and prepares it for calls.
InternalTwin* internal_function_for(FmgrInfo* self) {
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
        auto* twin = static_cast<InternalTwin*>(MemoryContextAllocZero(self->fn_mcxt, sizeof(InternalTwin)));
        Oid* types = nullptr;
        char** names = nullptr;
        char* modes = nullptr;
        int all = get_func_arg_info(tuple, &types, &names, &modes);
        for (int i = 0, in = 0; i < all && in < nargs; ++i) {
            if (modes != nullptr && modes[i] != PROARGMODE_IN && modes[i] != PROARGMODE_INOUT &&
                modes[i] != PROARGMODE_VARIADIC)
                continue;
            // Only text and jsonb values (or arrays of them) are bounded: a regrole
            // argument named worker is a role, not a name the caller wrote.
            Oid element = get_element_type(types[i]);
            Oid base = OidIsValid(element) ? element : types[i];
            if (names != nullptr && names[i] != nullptr && (base == TEXTOID || base == JSONBOID)) {
                strlcpy(twin->names[in], names[i], NAMEDATALEN);
                twin->kinds[in] = cadence::core::input_kind_of(names[i]);
                twin->arrays[in] = OidIsValid(element);
            }
            in++;
        }
        ReleaseSysCache(tuple);

        List* qualified = list_make2(makeString(schema), makeString(name));
        Oid target = LookupFuncName(qualified, nargs + 1, argtypes, false);
        twin->target = static_cast<FmgrInfo*>(MemoryContextAllocZero(self->fn_mcxt, sizeof(FmgrInfo)));
        fmgr_info_cxt(target, twin->target, self->fn_mcxt);
        return twin;
    });
}

// The size of a text or jsonb value as stored, without detoasting it.
size_t stored_bytes(Datum value) {
    return cadence::pg::pg_guard([&]() noexcept { return toast_raw_datum_size(value) - VARHDRSZ; });
}

// `value` (a text over the limit) cut at a character boundary, with a marker.
Datum cut_text(Datum value, size_t limit, InputKind kind) {
    std::string whole = cadence::pg::to_string(cadence::pg::pg_guard([&]() noexcept { return DatumGetTextPP(value); }));
    int kept = cadence::pg::pg_guard([&]() noexcept {
        return pg_mbcliplen(whole.data(), static_cast<int>(whole.size()), static_cast<int>(limit));
    });
    std::string cut = whole.substr(0, static_cast<size_t>(kept)) +
                      cadence::core::cut_marker(whole.size() - static_cast<size_t>(kept), kind);
    return PointerGetDatum(cadence::pg::to_text(cut));
}

// Refuses an argument over its limit (54000), or cuts it (error texts). `label`
// names it in the message ("payloads[3]").
Datum checked(Datum value, InputKind kind, const std::string& label) {
    size_t limit = static_cast<size_t>(cadence::pg::input_limit(kind));
    size_t bytes = stored_bytes(value);
    if (bytes <= limit) return value;
    if (cadence::core::cut_when_over(kind)) return cut_text(value, limit, kind);
    throw cadence::core::Error(cadence::core::ErrorKind::limit_exceeded,
                               cadence::core::too_large_message(label, bytes, kind, limit), {},
                               cadence::core::too_large_hint(kind));
}

// Applies the input limits to the call's arguments (call->args[1..]).
void check_inputs(const InternalTwin& twin, FunctionCallInfo call, short nargs) {
    for (short i = 0; i < nargs; ++i) {
        InputKind kind = twin.kinds[i];
        NullableDatum& arg = call->args[i + 1];
        if (kind == InputKind::unlimited || arg.isnull) continue;
        if (!twin.arrays[i]) {
            arg.value = checked(arg.value, kind, twin.names[i]);
            continue;
        }
        ArrayType* array = nullptr;
        Datum* elements = nullptr;
        bool* nulls = nullptr;
        int count = 0;
        cadence::pg::pg_guard([&]() noexcept {
            array = DatumGetArrayTypeP(arg.value);
            int16 length;
            bool by_value;
            char align;
            get_typlenbyvalalign(ARR_ELEMTYPE(array), &length, &by_value, &align);
            deconstruct_array(array, ARR_ELEMTYPE(array), length, by_value, align, &elements, &nulls, &count);
        });
        bool changed = false;
        for (int e = 0; e < count; ++e) {
            if (nulls[e]) continue;
            Datum kept = checked(elements[e], kind, std::string(twin.names[i]) + "[" + std::to_string(e + 1) + "]");
            changed = changed || kept != elements[e];
            elements[e] = kept;
        }
        if (!changed) continue;
        arg.value = cadence::pg::pg_guard([&]() noexcept {
            int dims[1] = {count};
            int lower[1] = {1};
            int16 length;
            bool by_value;
            char align;
            get_typlenbyvalalign(ARR_ELEMTYPE(array), &length, &by_value, &align);
            return PointerGetDatum(construct_md_array(elements, nulls, 1, dims, lower, ARR_ELEMTYPE(array), length,
                                                      by_value, align));
        });
    }
}

Datum invoke(FunctionCallInfo call, FunctionCallInfo fcinfo);

}  // namespace

namespace cadence::pg {

Datum call_as_caller(FunctionCallInfo fcinfo) {
    cadence::pg::require_matching_extension_version();
    auto* twin = static_cast<InternalTwin*>(fcinfo->flinfo->fn_extra);
    if (twin == nullptr) {
        twin = internal_function_for(fcinfo->flinfo);
        fcinfo->flinfo->fn_extra = twin;
    }
    const Oid caller = GetUserId();
    const short nargs = fcinfo->nargs;
    auto call = cadence::pg::pg_guard([&]() noexcept {
        auto made = static_cast<FunctionCallInfo>(palloc0(SizeForFunctionCallInfo(nargs + 1)));
        InitFunctionCallInfoData(*made, twin->target, nargs + 1, fcinfo->fncollation, fcinfo->context,
                                 fcinfo->resultinfo);
        made->args[0].value = ObjectIdGetDatum(caller);
        made->args[0].isnull = false;
        for (short i = 0; i < nargs; ++i) made->args[i + 1] = fcinfo->args[i];
        return made;
    });
    // Every input is bounded before anything is stored: names, payloads, SQL, errors.
    check_inputs(*twin, call, nargs);
    try {
        return invoke(call, fcinfo);
    } catch (const cadence::pg::PgError& e) {
        // A caller's error reads as PostgreSQL's own: the internal functions it went
        // through are no context of theirs (a bug, XX000, keeps them for its report).
        ErrorData* error = e.data();
        if (error->elevel == ERROR && ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_INTERNAL_ERROR)
            error->context = nullptr;
        throw;
    }
}

}  // namespace cadence::pg

namespace {

Datum invoke(FunctionCallInfo call, FunctionCallInfo fcinfo) {
    return cadence::pg::pg_guard([&]() noexcept {
        Datum result = FunctionCallInvoke(call);
        fcinfo->isnull = call->isnull;
        return result;
    });
}

}  // namespace

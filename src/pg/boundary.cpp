#include "pg/boundary.hpp"

#include <cstring>
#include <new>

#include "core/error.hpp"

namespace cadence::pg {

namespace {

// Messages are copied out of the exception before it is destroyed. Allocation
// failure must not ereport inside a catch block, so it yields a fixed text instead.
const char* copy_text(const char* text, const char* fallback) noexcept {
    if (text == nullptr) return nullptr;
    size_t length = strnlen(text, 64 * 1024);
    auto* copy = static_cast<char*>(
        MemoryContextAllocExtended(CurrentMemoryContext, length + 1, MCXT_ALLOC_NO_OOM));
    if (copy == nullptr) return fallback;
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

const char* copy_optional(const std::string& text) noexcept {
    return text.empty() ? nullptr : copy_text(text.c_str(), nullptr);
}

int sqlstate_for(core::ErrorKind kind) noexcept {
    switch (kind) {
    case core::ErrorKind::invalid_parameter: return ERRCODE_INVALID_PARAMETER_VALUE;
    case core::ErrorKind::not_found: return ERRCODE_UNDEFINED_OBJECT;
    case core::ErrorKind::wrong_state: return ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
    case core::ErrorKind::limit_exceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case core::ErrorKind::internal: return ERRCODE_INTERNAL_ERROR;
    }
    return ERRCODE_INTERNAL_ERROR;
}

}  // namespace

const char* PgError::what() const noexcept {
    return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

Failure describe_current_exception() noexcept {
    Failure failure{nullptr, ERRCODE_INTERNAL_ERROR, "unknown C++ exception", nullptr, nullptr};
    try {
        throw;
    } catch (const PgError& e) {
        failure.pg_error = e.data();
    } catch (const core::Error& e) {
        failure.sqlstate = sqlstate_for(e.kind());
        failure.message = copy_text(e.what(), "out of memory while reporting an error");
        failure.detail = copy_optional(e.detail());
        failure.hint = copy_optional(e.hint());
    } catch (const std::bad_alloc&) {
        failure.sqlstate = ERRCODE_OUT_OF_MEMORY;
        failure.message = "out of memory";
    } catch (const std::exception& e) {
        failure.message = copy_text(e.what(), "internal error (message lost: out of memory)");
        failure.hint = "This is a bug in pg_cadence; please report it.";
    } catch (...) {
        failure.hint = "This is a bug in pg_cadence; please report it.";
    }
    return failure;
}

void raise_failure(const Failure& failure) {
    // An error without context (call_as_caller drops its internal one) is thrown
    // afresh, so that it gets the context of the caller's own frames, if any.
    if (failure.pg_error != nullptr && failure.pg_error->context == nullptr && failure.pg_error->elevel == ERROR)
        ThrowErrorData(failure.pg_error);
    if (failure.pg_error != nullptr) ReThrowError(failure.pg_error);
    ereport(ERROR, (errcode(failure.sqlstate), errmsg_internal("%s", failure.message),
                    failure.detail ? errdetail_internal("%s", failure.detail) : 0,
                    failure.hint ? errhint("%s", failure.hint) : 0));
    pg_unreachable();
}

void run_worker_boundary(void (*body)(Datum), Datum arg) {
    Failure failure;
    try {
        body(arg);
        return;
    } catch (...) {
        failure = describe_current_exception();
    }
    raise_failure(failure);
}

}  // namespace cadence::pg

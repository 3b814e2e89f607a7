// The error boundary between C++ and PostgreSQL, in both directions.
//
// C++ -> PostgreSQL: every SQL-callable function is declared with
// CADENCE_SQL_FUNCTION and every worker entry point runs through
// run_worker_boundary. An exception escaping the C++ body is caught, its text
// copied out, and only once the C++ stack has unwound (every destructor run) is it
// raised as ereport(ERROR) with a SQLSTATE.
//
// PostgreSQL -> C++: a PostgreSQL call that can ereport(ERROR) is made inside
// pg_guard, which catches the longjmp in its own frame and throws PgError, so no
// longjmp ever skips a C++ destructor. The lambda given to pg_guard must itself own
// nothing with a destructor and be noexcept. A PgError must be rethrown, never swallowed: the
// transaction is only cleaned up when the boundary re-raises it.
#pragma once
#include "pg/postgres.hpp"

#include <exception>
#include <type_traits>
#include <utility>

namespace cadence::pg {

// A PostgreSQL error caught by pg_guard, travelling up through C++ frames.
class PgError final : public std::exception {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    const char* what() const noexcept override;
    ErrorData* data() const noexcept { return data_; }

private:
    ErrorData* data_;  // palloc'd in the context that was current at the guarded call
};

// What the boundary re-raises: plain data, no destructor, so it may cross longjmp.
struct Failure {
    ErrorData* pg_error;  // set for a PgError: re-raised as it was
    int sqlstate;
    const char* message;
    const char* detail;  // may be null
    const char* hint;    // may be null
};

// Describes the exception being handled. Call only inside a catch block.
Failure describe_current_exception() noexcept;

// Raises the failure as a PostgreSQL ERROR. Never returns.
[[noreturn]] void raise_failure(const Failure& failure);

template <typename Body>
Datum call_sql_function(Body body, FunctionCallInfo fcinfo) {
    static_assert(std::is_trivially_destructible_v<Body>,
                  "the body must own nothing that a longjmp could skip");
    Failure failure;
    try {
        return body(fcinfo);
    } catch (...) {
        failure = describe_current_exception();
    }
    raise_failure(failure);
}

// Runs a background worker's main function under the boundary: an exception ends
// the worker with ERROR (exit code 1), so the postmaster restarts it.
void run_worker_boundary(void (*body)(Datum), Datum arg);

// Calls f(), which calls into PostgreSQL, converting an ERROR into PgError.
template <typename F>
auto pg_guard(F&& f) -> std::invoke_result_t<F&> {
    using Result = std::invoke_result_t<F&>;
    // A C++ exception leaving PG_TRY would leave PG_exception_stack pointing into a
    // dead frame: the guarded code is noexcept, so a throw there terminates instead.
    static_assert(std::is_nothrow_invocable_v<F&>, "write pg_guard([&]() noexcept { ... })");
    static_assert(std::is_void_v<Result> || std::is_scalar_v<Result>,
                  "pg_guard returns a Datum, a pointer or a number");
    if constexpr (std::is_void_v<Result>) {
        (void)pg_guard([&]() noexcept {
            f();
            return 0;
        });
    } else {
        MemoryContext caller_context = CurrentMemoryContext;
        ErrorData* volatile caught = nullptr;
        volatile Result result{};  // written before a possible longjmp
        PG_TRY();
        {
            result = f();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller_context);
            caught = CopyErrorData();
            FlushErrorState();
        }
        PG_END_TRY();
        if (caught != nullptr) throw PgError(caught);
        return result;
    }
}

}  // namespace cadence::pg

// Defines the SQL-callable function `name`; the braces that follow are its C++ body,
// which runs inside the error boundary and may throw.
#define CADENCE_SQL_FUNCTION(name)                                                  \
    static Datum name##_body(FunctionCallInfo fcinfo);                               \
    extern "C" {                                                                     \
    PG_FUNCTION_INFO_V1(name);                                                       \
    }                                                                                \
    extern "C" Datum name(PG_FUNCTION_ARGS) {                                        \
        return ::cadence::pg::call_sql_function(name##_body, fcinfo);               \
    }                                                                                \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)

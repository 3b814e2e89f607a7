// Calls as the caller: the work of every public API function (sql_api.cpp declares
// the symbol; call_as_caller.cpp says how and why).
#pragma once
#include "pg/postgres.hpp"

namespace cadence::pg {

// Calls the internal twin cadence._<name> of the public function fcinfo is a call
// of, with the caller's role id first and the same arguments. C++: throws.
Datum call_as_caller(FunctionCallInfo fcinfo);

}  // namespace cadence::pg

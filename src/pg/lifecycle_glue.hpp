// What the two SQL faces of the job lifecycle share (cadence._step for new jobs,
// cadence._transit for every other move): parsed triggers and the action's input.
#pragma once
#include "pg/postgres.hpp"

#include <string>
#include <string_view>

#include "core/job_lifecycle.hpp"
#include "core/trigger.hpp"

namespace cadence::pg {

// The trigger that `json` describes, parsed once per backend (a batch of moves
// often shares a few schedules; bounded: cleared when full). Throws core::Error
// for a descriptor that does not parse.
const core::Trigger& cached_trigger(const std::string& json);

// The trigger a jsonb argument describes. Throws core::Error if it does not parse.
core::Trigger trigger_arg(FunctionCallInfo fcinfo, int n);

// An action's input: the transaction's time, the clock, a jitter draw, and the
// lease (argument `lease_arg`) and progress (`progress_arg`) when given.
core::ActionInput action_input(FunctionCallInfo fcinfo, core::LifecycleAction action,
                               std::string_view worker, int lease_arg, int progress_arg);

// The two faces' work (sql_lifecycle.cpp declares them to SQL): every move of
// existing jobs, a batch per call (transit.cpp), and one action on a new job's row
// (step.cpp).
Datum transit(FunctionCallInfo fcinfo);
Datum step(FunctionCallInfo fcinfo);

}  // namespace cadence::pg

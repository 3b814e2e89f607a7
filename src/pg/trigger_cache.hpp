// Parsed triggers by their JSON text, per backend: a batch of moves often shares
// a few schedules, and a cron expression is worth parsing once.
#pragma once
#include <string>

#include "core/trigger.hpp"

namespace cadence::pg {

// The trigger that `json` describes (parsed once; bounded: cleared when full).
// Throws core::Error for a descriptor that does not parse.
const core::Trigger& cached_trigger(const std::string& json);

}  // namespace cadence::pg

// Conversions between PostgreSQL values and the core's types, safe to call while
// C++ objects are alive (PostgreSQL calls go through pg_guard).
#pragma once
#include "pg/postgres.hpp"

#include <string>

#include "core/instant.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace cadence::pg {

// timestamptz <-> Instant. Infinite timestamps are rejected, naming `what`.
core::Instant to_instant(TimestampTz t, const char* what);
TimestampTz to_timestamptz(core::Instant t);

// A PostgreSQL interval as a fixed duration: a day counts 24 hours; months and
// years (which have no fixed length) are rejected, naming `what`.
core::Micros to_duration(const Interval* interval, const char* what);

// The text form of a jsonb value, and a jsonb value parsed from text.
std::string jsonb_text(Jsonb* value);
Datum jsonb_from_text(const std::string& text);

}  // namespace cadence::pg

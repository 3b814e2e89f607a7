// PostgreSQL's headers for the glue, with C linkage. Glue files include this
// first; the pure core never does (src/core/pure_cpp.hpp enforces it).
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

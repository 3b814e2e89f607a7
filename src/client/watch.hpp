// `cadence watch`: follows job status changes (LISTEN cadence_status) and prints
// each event once, as one JSON line, across reconnections (see docs/watch.md).
#pragma once

#include <iosfwd>
#include <string>

#include "client/watch_target.hpp"

namespace cadence::client {

struct WatchOptions {
    std::string dsn;
    WatchTarget target;
    // With a job target: go on after a run ends (a periodic job's next runs) until
    // the job is deleted.
    bool follow = false;
};

// Streams to `out` until a watched job ends (--job) or SIGINT/SIGTERM arrives;
// returns the exit status (0). Throws ClientError when the first connection or
// the first read fails; later connection losses are bridged by reconnecting,
// with messages on stderr.
int watch(const WatchOptions& options, std::ostream& out);

}  // namespace cadence::client

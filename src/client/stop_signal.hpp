// SIGINT and SIGTERM as a file descriptor that becomes readable, so that a
// poll() on the server connection also wakes for them (the self-pipe trick: a
// flag alone could be set just before poll() starts and be missed).
#pragma once

namespace cadence::client {

class StopSignal {
public:
    // Installs the handlers; one instance per process.
    StopSignal();
    ~StopSignal();
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    // Readable once a signal arrived.
    int fd() const { return read_fd_; }
    bool requested() const;

private:
    int read_fd_ = -1;
};

}  // namespace cadence::client

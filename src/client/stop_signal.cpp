#include "client/stop_signal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace cadence::client {

namespace {

volatile sig_atomic_t write_fd = -1;

extern "C" void on_stop_signal(int) {
    int saved = errno;
    char byte = 1;
    // Non-blocking: once the pipe holds a byte, more add nothing.
    [[maybe_unused]] auto n = write(write_fd, &byte, 1);
    errno = saved;
}

}  // namespace

StopSignal::StopSignal() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    read_fd_ = fds[0];
    write_fd = fds[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

StopSignal::~StopSignal() {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    close(read_fd_);
    close(write_fd);
}

bool StopSignal::requested() const {
    pollfd p{read_fd_, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
}

}  // namespace cadence::client

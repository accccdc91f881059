// Signals read from a signalfd, and shutdown requests from a pipe (signals.hpp).
#include "agent/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "agent/agent.hpp"
#include "util/error.hpp"

namespace lifeboat::agent {

namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// The read (0) or write (1) end of the process's shutdown-request pipe. It lives as
// long as the process, so request_shutdown() never races with a watcher's teardown.
int request_pipe(int end) {
  static int fds[2] = {-1, -1};
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw_errno("unable to make the agent's shutdown pipe", errno);
    }
  });
  return fds[end];
}

// Reads whatever is in the request pipe; true if there was anything.
bool drain_requests() {
  char buffer[64];
  bool any = false;
  while (::read(request_pipe(0), buffer, sizeof buffer) > 0) {
    any = true;
  }
  return any;
}

}  // namespace

void block_shutdown_signals() {
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void request_shutdown() {
  char byte = 0;
  (void)!::write(request_pipe(1), &byte, 1);  // a full pipe already holds a request
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_event) : m_on_event(std::move(on_event)) {
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, &m_old);
  m_signals = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!m_signals) {
    throw_errno("unable to watch for SIGTERM and SIGINT", errno);
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw_errno("unable to make the agent's signal thread", errno);
  }
  m_stop_read = UniqueFd(fds[0]);
  m_stop_write = UniqueFd(fds[1]);
  drain_requests();
  m_thread = std::thread([this] { loop(); });
}

SignalWatcher::~SignalWatcher() {
  char byte = 0;
  (void)!::write(m_stop_write.get(), &byte, 1);
  m_thread.join();
  pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
}

void SignalWatcher::loop() {
  for (;;) {
    pollfd fds[3] = {
        {m_signals.get(), POLLIN, 0}, {request_pipe(0), POLLIN, 0}, {m_stop_read.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      continue;  // EINTR: nothing to do but wait again
    }
    if (fds[2].revents != 0) {
      return;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (::read(m_signals.get(), &info, sizeof info) == sizeof info) {
        m_on_event(static_cast<int>(info.ssi_signo));
      }
    }
    if (fds[1].revents != 0 && drain_requests()) {
      m_on_event(0);
    }
  }
}

}  // namespace lifeboat::agent

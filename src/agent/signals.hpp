// How the agent learns that it should stop, without a signal handler: SIGTERM, SIGINT
// and SIGHUP are blocked and read from a signalfd on a thread of the watcher's own,
// beside a pipe that request_shutdown() writes to.
#pragma once

#include <csignal>
#include <functional>
#include <thread>

#include "util/fs.hpp"

namespace lifeboat::agent {

// Watches for the signals and for request_shutdown() while it exists. Not copyable;
// one at a time per process (a second one would split the signals between them).
class SignalWatcher {
 public:
  // Blocks the signals in the calling thread (and so in every thread it starts from
  // now on), drops requests made while no watcher existed, and starts the thread that
  // calls `on_event` with SIGTERM, SIGINT, SIGHUP, or 0 for request_shutdown(). Calls
  // are made one at a time, on that thread. Throws Error(io) if the kernel refuses.
  explicit SignalWatcher(std::function<void(int)> on_event);
  // Stops the thread and restores the calling thread's signal mask. A signal that came
  // after the thread stopped stays pending if the caller had blocked it beforehand
  // (block_shutdown_signals), else it takes its default action.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  SignalWatcher(SignalWatcher&&) = delete;  // the thread holds `this`
  SignalWatcher& operator=(SignalWatcher&&) = delete;

 private:
  void loop();

  std::function<void(int)> m_on_event;
  sigset_t m_old{};
  UniqueFd m_signals, m_stop_read, m_stop_write;
  std::thread m_thread;
};

}  // namespace lifeboat::agent

// run_agent in a forked child that gets real signals (src/agent/signals.cpp): one more
// run after SIGTERM, none after a run the signal arrived during, exit at once on a
// second signal, SIGHUP ignored.
#include "agent/agent.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "agent_test_support.hpp"

namespace lifeboat::agent {
namespace {

using namespace std::chrono;

// A child process running run_agent. Its log lines, and "job N" when the N-th run
// starts, come back through a pipe. The child has one thread when forked.
class AgentProcess {
 public:
  AgentProcess(AgentOptions options, std::function<RunOutcome(int)> job) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    m_pid = ::fork();
    if (m_pid == 0) {
      ::close(fds[0]);
      int out = fds[1];
      auto say = [out](const std::string& line) {
        auto text = line + "\n";  // shorter than PIPE_BUF: one write, never interleaved
        (void)!::write(out, text.data(), text.size());
      };
      int runs = 0;
      int status = 99;
      try {
        status = run_agent(options, {.run =
                                         [&] {
                                           say("job " + std::to_string(++runs));
                                           return job(runs);
                                         },
                                     .log = say});
      } catch (const std::exception& e) {
        say(std::string("threw: ") + e.what());
      }
      ::_exit(status);  // not exit(): the parent's test harness must not run here
    }
    ::close(fds[1]);
    m_out = fds[0];
    m_reader = std::thread([this] { read_lines(); });
  }
  ~AgentProcess() {
    if (m_pid > 0 && !m_reaped) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    m_reader.join();  // ends at EOF: the child is gone
    ::close(m_out);
  }

  void signal(int signo) { ::kill(m_pid, signo); }
  bool wait_for(const std::string& text) { return log.wait_for(text, seconds(5)); }
  // The child's exit status, or -1 if it did not exit by itself within `timeout`.
  int exit_status(milliseconds timeout = seconds(5)) {
    auto deadline = steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
      if (steady_clock::now() > deadline) {
        return -1;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    m_reaped = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  test::LogRecorder log;

 private:
  void read_lines() {
    std::string pending;
    char buffer[1024];
    for (ssize_t n; (n = ::read(m_out, buffer, sizeof buffer)) > 0;) {
      pending.append(buffer, static_cast<std::size_t>(n));
      for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
        log.add(pending.substr(0, end));
        pending.erase(0, end + 1);
      }
    }
  }

  pid_t m_pid = -1;
  int m_out = -1;
  bool m_reaped = false;
  std::thread m_reader;
};

RunOutcome ok(int n) {
  return RunOutcome{.ok = true, .snapshot = "s" + std::to_string(n)};
}

TEST(AgentSignals, SigtermWhileWaitingTakesExactlyOneMoreSnapshot) {
  AgentProcess agent({}, ok);
  ASSERT_TRUE(agent.wait_for("next snapshot at")) << agent.log.all();
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.exit_status(), 0) << agent.log.all();
  EXPECT_EQ(agent.log.count("job "), 2) << agent.log.all();
  EXPECT_EQ(agent.log.count("SIGTERM received"), 1);
  EXPECT_EQ(agent.log.count("snapshot s2 finished"), 1) << agent.log.all();
}

TEST(AgentSignals, SigtermDuringASuccessfulRunMakesItTheLast) {
  AgentProcess agent({}, [](int n) {
    std::this_thread::sleep_for(milliseconds(500));
    return ok(n);
  });
  ASSERT_TRUE(agent.wait_for("job 1"));
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.exit_status(), 0) << agent.log.all();
  EXPECT_EQ(agent.log.count("job "), 1) << agent.log.all();
  EXPECT_EQ(agent.log.count("is the last one"), 1) << agent.log.all();
}

TEST(AgentSignals, SigintDuringAFailedRunTakesOneMore) {
  AgentProcess agent({}, [](int n) {
    std::this_thread::sleep_for(milliseconds(300));
    return n == 1 ? RunOutcome{.ok = false, .error = "unable to reach the store"} : ok(n);
  });
  ASSERT_TRUE(agent.wait_for("job 1"));
  agent.signal(SIGINT);
  EXPECT_EQ(agent.exit_status(), 0) << agent.log.all();
  EXPECT_EQ(agent.log.count("job "), 2) << agent.log.all();
  EXPECT_EQ(agent.log.count("SIGINT received"), 1);
}

TEST(AgentSignals, SecondSigtermDuringTheShutdownRunExitsAtOnce) {
  AgentProcess agent({}, [](int n) {
    if (n == 2) {
      std::this_thread::sleep_for(seconds(30));
    }
    return ok(n);
  });
  ASSERT_TRUE(agent.wait_for("next snapshot at"));
  agent.signal(SIGTERM);
  ASSERT_TRUE(agent.wait_for("job 2"));
  auto second = steady_clock::now();
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.exit_status(seconds(3)), 1) << agent.log.all();
  EXPECT_LT(steady_clock::now() - second, seconds(1));
  EXPECT_EQ(agent.log.count("second SIGTERM: exiting now"), 1) << agent.log.all();
}

TEST(AgentSignals, SighupIsIgnoredAndAFailedShutdownRunExitsWith1) {
  AgentProcess agent({}, [](int n) {
    return n == 1 ? ok(n) : RunOutcome{.ok = false, .error = "the disk is full"};
  });
  ASSERT_TRUE(agent.wait_for("next snapshot at"));
  agent.signal(SIGHUP);
  ASSERT_TRUE(agent.wait_for("SIGHUP ignored")) << agent.log.all();
  EXPECT_EQ(agent.log.count("job "), 1);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.exit_status(), 1) << agent.log.all();
  EXPECT_EQ(agent.log.count("job "), 2);
  EXPECT_EQ(agent.log.count("stopped; the last snapshot failed"), 1) << agent.log.all();
}

}  // namespace
}  // namespace lifeboat::agent

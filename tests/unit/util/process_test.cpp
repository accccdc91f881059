// Child processes: pipes both ways without deadlock, exit statuses, timeouts, cleanup.
#include "util/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/bytes.hpp"
#include "util/fs.hpp"

namespace lifeboat {
namespace {

TEST(Process, StreamsThroughACatWithoutDeadlock) {
  auto process = Process::spawn({.argv = {"cat"}, .pipe_stdin = true, .pipe_stdout = true});
  auto data = test::random_data(8 << 20, 3);
  std::thread writer([&] {
    process.write_stdin(as_bytes(data));
    process.close_stdin();
  });
  std::string out;
  std::vector<std::uint8_t> buffer(65536);
  while (auto n = process.read_stdout(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  writer.join();
  EXPECT_EQ(process.wait(), 0);
  EXPECT_EQ(out, data);
}

TEST(Process, ExitStatusAndStderrTail) {
  std::string tail;
  EXPECT_EQ(run({.argv = {"sh", "-c", "echo first >&2; echo 'the last line' >&2; exit 7"}}, &tail), 7);
  EXPECT_EQ(last_line(tail), "the last line");
  EXPECT_EQ(run({.argv = {"sh", "-c", "kill -9 $$"}}, nullptr), 128 + SIGKILL);
}

TEST(Process, EnvironmentReachesTheChild) {
  auto process = Process::spawn({.argv = {"sh", "-c", "printf %s \"$LIFEBOAT_TEST_SECRET\""},
                                 .env_add = {{"LIFEBOAT_TEST_SECRET", "s3cr3t"}},
                                 .pipe_stdout = true});
  std::vector<std::uint8_t> buffer(64);
  auto n = process.read_stdout(buffer);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), n), "s3cr3t");
  EXPECT_EQ(process.wait(), 0);
}

TEST(Process, TimeoutKillsTheWholeGroup) {
  test::TempDir dir;
  auto marker = dir.path() / "survivor";
  auto started = std::chrono::steady_clock::now();
  try {
    run({.argv = {"sh", "-c", "(sleep 2; touch " + marker.string() + ") & sleep 30"},
         .timeout = std::chrono::milliseconds(300)},
        nullptr);
    FAIL() << "no timeout";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_FALSE(std::filesystem::exists(marker)) << "a child of the hook outlived it";
}

TEST(Process, MissingProgramIsNotFound) {
  try {
    Process::spawn({.argv = {"lifeboat-no-such-program"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("'lifeboat-no-such-program'"), std::string::npos);
  }
}

TEST(Process, WritingToAChildThatExitedIsAnErrorNotSigpipe) {
  auto process = Process::spawn({.argv = {"true"}, .pipe_stdin = true});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string data(1 << 20, 'x');
  EXPECT_THROW(process.write_stdin(as_bytes(data)), Error);
  EXPECT_EQ(process.wait(), 0);
}

// True once `pid` is gone or a zombie: killed, whoever reaps it.
bool ended(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    std::string stat;
    try {
      stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
      return true;
    }
    auto state = stat.find(") ");
    if (state != std::string::npos && stat[state + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Process, DestroyingARunningChildKillsItsGroup) {
  pid_t child = 0, grandchild = 0;
  {
    auto process = Process::spawn(
        {.argv = {"sh", "-c", "sleep 30 & echo $$ $!; exec sleep 30"}, .pipe_stdout = true});
    std::string line;
    std::vector<std::uint8_t> buffer(64);
    while (line.find('\n') == std::string::npos) {
      auto n = process.read_stdout(buffer);
      ASSERT_GT(n, 0u);
      line.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
    std::sscanf(line.c_str(), "%d %d", &child, &grandchild);
    ASSERT_GT(child, 0);
    ASSERT_GT(grandchild, 0);
  }
  // The child is reaped by the destructor (no zombie left); the grandchild was killed.
  EXPECT_NE(::kill(child, 0), 0);
  EXPECT_TRUE(ended(grandchild));
}

TEST(Process, ALaterValueOfTheSameVariableWins) {
  auto process = Process::spawn({.argv = {"sh", "-c", "printf %s \"$LIFEBOAT_TEST_VALUE\""},
                                 .env_add = {{"LIFEBOAT_TEST_VALUE", "first"},
                                             {"LIFEBOAT_TEST_VALUE", "second"}},
                                 .pipe_stdout = true});
  std::vector<std::uint8_t> buffer(64);
  auto n = process.read_stdout(buffer);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), n), "second");
  EXPECT_EQ(process.wait(), 0);
}

TEST(Process, TimeoutCountsFromTheStart) {
  auto process = Process::spawn({.argv = {"sleep", "30"}, .timeout = std::chrono::milliseconds(300)});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto started = std::chrono::steady_clock::now();
  try {
    process.wait();
    FAIL() << "no timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io);
    EXPECT_NE(std::string(e.what()).find("'sleep' timed out after 0.3 s"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace lifeboat

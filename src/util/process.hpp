// Running a child program without a shell: pipes to its stdin and stdout, the tail of
// its stderr kept for error messages, a timeout, and no child outliving its owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lifeboat {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH. Required
  // Added to (or replacing in) the inherited environment: how secrets such as
  // PGPASSWORD reach a child, never through its command line. A name given twice takes
  // its last value. Default: none
  std::vector<std::pair<std::string, std::string>> env_add;
  bool pipe_stdin = false;   // else stdin is /dev/null. Default: false
  bool pipe_stdout = false;  // else stdout is inherited. Default: false
  // How long the child may run, counted from spawn(); wait() kills it (and its process
  // group) once this has passed. Only wait() enforces it. 0: never. Default: 0
  std::chrono::milliseconds timeout{0};
  std::filesystem::path cwd;  // Default: inherited
};

// One running child, in a process group of its own. Destroying it while the child
// runs kills the whole group (SIGKILL) and reaps it, so a failed operation never leaves
// a pg_dump or a hook behind. Not thread-safe, but stdin and stdout may be used from
// different threads.
class Process {
 public:
  // Starts the program. Throws Error(not_found) if it cannot be found or executed.
  static Process spawn(const ProcessOptions& options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  Process(const Process&) = delete;
  ~Process();

  // Reads the child's stdout (pipe_stdout); 0 at its end.
  std::size_t read_stdout(std::span<std::uint8_t> out);
  // Writes all of `data` to the child's stdin (pipe_stdin). Throws Error(io) naming the
  // program if it has stopped reading (exited).
  void write_stdin(std::span<const std::uint8_t> data);
  void close_stdin();

  // Closes stdin, waits for the child to exit (killing it at the timeout: then
  // Error(io) "… timed out after N s"; io, not transient, because a hung program run
  // again hangs again) and returns its exit status, or 128 + the signal that ended it.
  // Whatever the child left running in its process group is killed too.
  int wait();
  // Kills the child's process group now.
  void kill();

  // The last 4 KiB the child wrote to stderr (complete once wait() has returned).
  std::string stderr_tail() const;
  const std::string& program() const { return m_program; }

 private:
  struct State;
  explicit Process(std::unique_ptr<State> state, std::string program);
  std::unique_ptr<State> m_state;
  std::string m_program;
};

// Runs a program to its end (stdin /dev/null, stdout inherited) and returns its exit
// status; `stderr_tail` (if given) receives the end of its stderr.
int run(const ProcessOptions& options, std::string* stderr_tail);

// The last non-empty line of `text`, for one-line error messages.
std::string last_line(const std::string& text);

}  // namespace lifeboat

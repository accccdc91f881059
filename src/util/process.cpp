// Child processes (process.hpp).
#include "util/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "util/error.hpp"
#include "util/fs.hpp"

extern char** environ;

namespace lifeboat {

namespace {

constexpr std::size_t k_tail = 4096;

// A write to a child that has exited must fail with EPIPE, not kill lifeboat.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

struct Pipe {
  UniqueFd read, write;
};

// "30" or "0.3": whole seconds unless the timeout has a fraction.
std::string seconds(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000);
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(ms) / 1000.0);
  return text;
}

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw_errno("unable to create a pipe", errno);
  }
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

struct Process::State {
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;
  UniqueFd in, out;
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point started;
  std::thread err_reader;
  mutable std::mutex mutex;
  std::string tail;

  ~State() {
    if (pid > 0 && !reaped) {
      ::kill(-pid, SIGKILL);
      int ignored = 0;
      while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
      }
    }
    if (err_reader.joinable()) {
      err_reader.join();
    }
  }
};

Process::Process(std::unique_ptr<State> state, std::string program)
    : m_state(std::move(state)), m_program(std::move(program)) {}
Process::Process(Process&& other) noexcept = default;
Process::~Process() = default;

Process Process::spawn(const ProcessOptions& options) {
  if (options.argv.empty()) {
    throw Error(ErrorKind::internal, "no program to run");
  }
  ignore_sigpipe();
  const auto& program = options.argv.front();
  // The environment, built before the child exists.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    bool replaced = false;
    for (const auto& [name, value] : options.env_add) {
      replaced = replaced || entry.starts_with(name + "=");
    }
    if (!replaced) {
      env.push_back(std::move(entry));
    }
  }
  // A name given twice takes its last value: getenv() would find the first, and the
  // caller meant the later one to override (a password beside the URL's).
  const auto& added = options.env_add;
  for (std::size_t i = 0; i < added.size(); ++i) {
    bool overridden = false;
    for (std::size_t j = i + 1; j < added.size(); ++j) {
      overridden = overridden || added[j].first == added[i].first;
    }
    if (!overridden) {
      env.push_back(added[i].first + "=" + added[i].second);
    }
  }
  std::vector<char*> envp, argv;
  for (auto& entry : env) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  auto state = std::make_unique<State>();
  state->timeout = options.timeout;
  state->started = std::chrono::steady_clock::now();
  Pipe in, out, err = make_pipe();
  if (options.pipe_stdin) {
    in = make_pipe();
  }
  if (options.pipe_stdout) {
    out = make_pipe();
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.pipe_stdin) {
    posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (options.pipe_stdout) {
    posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
  }
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    throw Error(rc == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                "unable to run '" + program + "': " + std::strerror(rc) +
                    (rc == ENOENT ? "; is it installed and on PATH?" : ""));
  }
  state->pid = pid;
  state->in = std::move(in.write);
  state->out = std::move(out.read);
  err.write.reset();
  state->err_reader = std::thread([raw = state.get(), fd = err.read.release()] {
    UniqueFd owned(fd);
    char buffer[4096];
    for (;;) {
      auto n = ::read(owned.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      std::lock_guard lock(raw->mutex);
      raw->tail.append(buffer, static_cast<std::size_t>(n));
      if (raw->tail.size() > k_tail) {
        raw->tail.erase(0, raw->tail.size() - k_tail);
      }
    }
  });
  return Process(std::move(state), program);
}

std::size_t Process::read_stdout(std::span<std::uint8_t> out) {
  for (;;) {
    auto n = ::read(m_state->out.get(), out.data(), out.size());
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) {
      throw_errno("unable to read the output of '" + m_program + "'", errno);
    }
  }
}

void Process::write_stdin(std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    auto n = ::write(m_state->in.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      auto why = last_line(stderr_tail());
      throw Error(ErrorKind::io, "'" + m_program + "' stopped reading its input" +
                                     (why.empty() ? "" : ": " + why));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void Process::close_stdin() { m_state->in.reset(); }

void Process::kill() {
  if (m_state->pid > 0 && !m_state->reaped) {
    ::kill(-m_state->pid, SIGKILL);
  }
}

int Process::wait() {
  close_stdin();
  auto& s = *m_state;
  if (!s.reaped) {
    auto deadline = s.started + s.timeout;
    bool timed_out = false;
    for (;;) {
      int status = 0;
      auto r = ::waitpid(s.pid, &status, s.timeout.count() > 0 ? WNOHANG : 0);
      if (r == s.pid) {
        s.status = status;
        break;
      }
      if (r < 0 && errno != EINTR) {
        throw_errno("unable to wait for '" + m_program + "'", errno);
      }
      if (s.timeout.count() > 0 && std::chrono::steady_clock::now() >= deadline && !timed_out) {
        ::kill(-s.pid, SIGKILL);
        timed_out = true;
      }
      if (r == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    s.reaped = true;
    // Whatever the child left running in its group (a hook's background job) goes too,
    // so that its stderr closes and nothing outlives the operation.
    ::kill(-s.pid, SIGKILL);
    if (s.err_reader.joinable()) {
      s.err_reader.join();
    }
    if (timed_out) {
      // io, not transient: running a hung program again would only hang again.
      throw Error(ErrorKind::io, "'" + m_program + "' timed out after " + seconds(s.timeout) +
                                     " s and was killed; raise its timeout if it needs longer");
    }
  }
  if (WIFEXITED(s.status)) {
    return WEXITSTATUS(s.status);
  }
  return 128 + (WIFSIGNALED(s.status) ? WTERMSIG(s.status) : 0);
}

std::string Process::stderr_tail() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->tail;
}

int run(const ProcessOptions& options, std::string* stderr_tail) {
  auto process = Process::spawn(options);
  int status = 0;
  try {
    status = process.wait();
  } catch (...) {
    if (stderr_tail != nullptr) {
      *stderr_tail = process.stderr_tail();
    }
    throw;
  }
  if (stderr_tail != nullptr) {
    *stderr_tail = process.stderr_tail();
  }
  return status;
}

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) {
    return {};
  }
  auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace lifeboat

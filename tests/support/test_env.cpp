// Test support.
#include "support/test_env.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "util/bytes.hpp"

namespace lifeboat::test {

TempDir::TempDir() {
  auto base = std::filesystem::temp_directory_path() / ("lifeboat-test-" + random_hex(6));
  std::filesystem::create_directories(base);
  m_path = base;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::optional<std::string> s3_base_address() {
  const char* value = std::getenv("LIFEBOAT_TEST_S3");
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

std::string fresh_s3_address(const std::string& base) {
  auto query = base.find('?');
  auto head = base.substr(0, query);
  auto tail = query == std::string::npos ? "" : base.substr(query);
  if (!head.ends_with("/")) {
    head += "/";
  }
  return head + "t-" + random_hex(6) + tail;
}

std::optional<std::string> softhsm_address(const std::string& object) {
  static constexpr const char* k_module = "/usr/lib/softhsm/libsofthsm2.so";
  static const std::optional<std::string> prefix = []() -> std::optional<std::string> {
    if (!std::filesystem::exists(k_module)) {
      return std::nullopt;
    }
    static TempDir dir;
    std::filesystem::create_directories(dir.path() / "tokens");
    auto conf = dir.path() / "softhsm2.conf";
    {
      std::ofstream out(conf);
      out << "directories.tokendir = " << (dir.path() / "tokens").string()
          << "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    }
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    auto init = run_shell("softhsm2-util --init-token --free --label lifeboat-test --so-pin 87654321 "
                          "--pin 123456 >/dev/null");
    if (init.status != 0) {
      return std::nullopt;
    }
    auto pin = dir.path() / "pin";
    std::ofstream(pin) << "123456\n";
    return "?module-path=" + std::string(k_module) + "&pin-source=" + pin.string();
  }();
  if (!prefix) {
    return std::nullopt;
  }
  return "pkcs11:token=lifeboat-test;object=" + object + *prefix;
}

std::optional<std::string> pg_url() {
  const char* value = std::getenv("LIFEBOAT_TEST_PG");
  return value != nullptr && *value != '\0' ? std::optional<std::string>(value) : std::nullopt;
}

std::optional<std::string> pg_password() {
  const char* value = std::getenv("LIFEBOAT_TEST_PG_PASSWORD");
  return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

bool skips_forbidden() {
  const char* value = std::getenv("LIFEBOAT_TEST_NO_SKIP");
  return value != nullptr && std::string(value) == "1";
}

namespace {

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

CommandResult run(const std::vector<std::string>& argv, const std::string& input) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0) {
    return {};
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      ::close(fd);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  std::thread feeder([&] {
    std::size_t offset = 0;
    while (offset < input.size()) {
      auto n = ::write(in[1], input.data() + offset, input.size() - offset);
      if (n <= 0) {
        break;
      }
      offset += static_cast<std::size_t>(n);
    }
    ::close(in[1]);
  });
  CommandResult result;
  std::thread err_reader([&] { result.err = read_all(err[0]); });
  result.out = read_all(out[0]);
  err_reader.join();
  feeder.join();
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace

CommandResult run_lifeboat(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{LIFEBOAT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, input);
}

CommandResult run_shell(const std::string& command) { return run({"/bin/sh", "-c", command}, ""); }

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::string random_data(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    auto value = generator();
    for (std::size_t k = 0; k < 8 && i + k < size; ++k) {
      out[i + k] = static_cast<char>(value >> (8 * k));
    }
  }
  return out;
}

}  // namespace lifeboat::test

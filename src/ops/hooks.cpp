// Operator hooks (hooks.hpp).
#include "ops/hooks.hpp"

#include "util/error.hpp"
#include "util/process.hpp"

namespace lifeboat::ops {


void run_hooks(const std::string& stage, const std::vector<std::string>& commands,
               std::chrono::seconds timeout, const std::function<void(const std::string&)>& log,
               const std::vector<std::pair<std::string, std::string>>& env) {
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto name = stage + " hook " + std::to_string(i + 1) + " '" + commands[i] + "'";
    if (log) {
      log("running " + name);
    }
    std::string tail;
    int status = 0;
    try {
      status = run({.argv = {"/bin/sh", "-c", commands[i]}, .env_add = env, .timeout = timeout}, &tail);
    } catch (const Error& e) {
      throw Error(ErrorKind::io, name + " failed: " + e.what());
    }
    if (status != 0) {
      auto why = last_line(tail);
      throw Error(ErrorKind::io, name + " failed with exit status " + std::to_string(status) +
                                     (why.empty() ? "" : ": " + why));
    }
  }
}

}  // namespace lifeboat::ops

// Operator hooks: shell commands run around a backup (or, later, a boot step).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace lifeboat::ops {

// Runs each command with `sh -c`, in order, each limited to `timeout`, with `env` added
// to the environment. Throws
// Error(io) naming the hook (by its position and text) and the last line it wrote to
// stderr if one fails or times out; later hooks do not run.
void run_hooks(const std::string& stage, const std::vector<std::string>& commands,
               std::chrono::seconds timeout, const std::function<void(const std::string&)>& log,
               const std::vector<std::pair<std::string, std::string>>& env = {});

}  // namespace lifeboat::ops

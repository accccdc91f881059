// Output helpers shared by the commands.
#include "cli/context.hpp"

#include <cstdio>
#include <iostream>

namespace lifeboat::cli {

namespace {
int g_exit_status = 0;
}  // namespace

void print_json(const nlohmann::json& document) {
  std::cout << document.dump() << '\n' << std::flush;
}

void info(const Globals& globals, const std::string& line) {
  if (!globals.quiet && !globals.json) {
    std::cerr << line << '\n';
  }
}

void set_exit_status(int status) { g_exit_status = status; }
int exit_status() { return g_exit_status; }

}  // namespace lifeboat::cli

// What every command shares: global flags, output helpers, and the command table.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace lifeboat::cli {

// Flags that apply to every command.
struct Globals {
  bool json = false;   // machine-readable output on stdout
  bool quiet = false;  // no progress and no informational lines on stderr
};

// Prints a JSON document on stdout, one line.
void print_json(const nlohmann::json& document);

// Prints an informational line on stderr unless --quiet or --json.
void info(const Globals& globals, const std::string& line);

// Each command group registers its subcommands on `app`; running them sets the exit
// status through the callback's throw or return. See store_*.cpp.
void add_store_commands(CLI::App& app, Globals& globals);
void add_keys_commands(CLI::App& app, Globals& globals);
void add_snapshot_commands(CLI::App& app, Globals& globals);

// Sets the process exit status a command's callback wants (0 unless changed).
void set_exit_status(int status);
int exit_status();

}  // namespace lifeboat::cli

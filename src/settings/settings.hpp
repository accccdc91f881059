// The settings table: every setting lifeboat reads, with its TOML key, environment
// variable, flag, default and help, and one rule that resolves them.
//
// Precedence, highest first: a flag on the command line, the environment, the config
// file, the default. The config file is --config, else LIFEBOAT_CONFIG, else
// ./lifeboat.toml when it exists. doc/configuration.md documents every row; a unit test
// keeps the two in step.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lifeboat::settings {

enum class Type { string, list, integer, number, duration, boolean };

// One setting. `commands` lists the commands it applies to, separated by spaces; its
// flag is added to each of them.
struct Row {
  std::string_view key;       // TOML key, dotted for tables: "backup.paths"
  std::string_view env;       // environment variable, or empty
  std::string_view flag;      // long flag without dashes, or empty
  Type type = Type::string;
  std::string_view fallback;  // the default, as it would be written in TOML; empty: none
  bool secret = false;        // never printed; a warning if given as a flag
  std::string_view commands;
  std::string_view help;      // one line
};

// Every setting, in the order doc/configuration.md lists them.
std::span<const Row> table();

// The row for `key`; throws Error(internal) for a key not in the table (a bug).
const Row& row(std::string_view key);

// Reads the environment through `getenv` (tests pass their own).
using Getenv = std::function<const char*(const char*)>;
struct Flags;

// Resolved values for one command. Accessors throw Error(usage) naming the setting and
// where its value came from when the value does not parse as the row's type.
class Settings {
 public:
  bool has(std::string_view key) const;
  std::string string(std::string_view key) const;  // empty when unset
  std::vector<std::string> list(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  double number(std::string_view key) const;
  std::chrono::seconds duration(std::string_view key) const;
  bool boolean(std::string_view key) const;
  // The string value, or Error(usage) saying how to set it: "no store given: pass
  // --store ADDRESS, set LIFEBOAT_STORE or 'store' in the config file".
  std::string required(std::string_view key) const;
  // Where a value came from: "flag", "env LIFEBOAT_STORE", "config FILE", "default".
  std::string origin(std::string_view key) const;
  // The config file read, if any.
  const std::optional<std::filesystem::path>& config_file() const { return m_config; }

  // Sets a value as if given by a flag (for commands that derive one setting from
  // another).
  void set(std::string_view key, std::vector<std::string> items, std::string origin);

 private:
  struct Value {
    std::vector<std::string> items;  // one item unless the row is a list
    std::string origin;
  };
  const Value* find(std::string_view key) const;

  std::map<std::string, Value, std::less<>> m_values;
  std::optional<std::filesystem::path> m_config;

  friend Settings resolve(std::string_view, const struct Flags&, const Getenv&);
};

// What the flags of one command collected. Filled by CLI11 while parsing.
struct Flags {
  std::string config;
  std::map<std::string, std::vector<std::string>, std::less<>> values;
};

// Adds --config and the flag of every row that applies to `command`.
void add_flags(CLI::App& app, std::string_view command, Flags& flags);

// Resolves every row applying to `command`. Throws Error(usage) for a config file that
// does not parse, a key it does not know (a typo must not be ignored), or a value of
// the wrong type; Error(not_found) for a named config file that does not exist.
Settings resolve(std::string_view command, const Flags& flags, const Getenv& getenv = ::getenv);

// Parses "90", "90s", "15m", "1h", "1h30m", "7d" as seconds. nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace lifeboat::settings

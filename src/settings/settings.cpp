// Resolving the settings table: flag > environment > config file > default.
#include "settings/settings.hpp"

#include <charconv>
#include <cmath>
#include <toml++/toml.h>

#include "util/error.hpp"

namespace lifeboat::settings {

namespace {

bool applies(const Row& row, std::string_view command) {
  std::string_view list = row.commands;
  while (!list.empty()) {
    auto space = list.find(' ');
    if (list.substr(0, space) == command) {
      return true;
    }
    if (space == std::string_view::npos) {
      break;
    }
    list.remove_prefix(space + 1);
  }
  return false;
}

// The default as a value: TOML strings lose their quotes.
std::string unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return std::string(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

// A TOML leaf as text; arrays become several items.
std::vector<std::string> items_of(const toml::node& node, const std::string& key,
                                  const std::string& file) {
  auto scalar = [&](const toml::node& leaf) -> std::string {
    if (auto s = leaf.as_string()) {
      return s->get();
    }
    if (auto i = leaf.as_integer()) {
      return std::to_string(i->get());
    }
    if (auto f = leaf.as_floating_point()) {
      return std::to_string(f->get());
    }
    if (auto b = leaf.as_boolean()) {
      return b->get() ? "true" : "false";
    }
    throw Error(ErrorKind::usage,
                "setting '" + key + "' in '" + file + "' must be a string, number or boolean");
  };
  std::vector<std::string> items;
  if (auto array = node.as_array()) {
    for (const auto& element : *array) {
      items.push_back(scalar(element));
    }
  } else {
    items.push_back(scalar(node));
  }
  return items;
}

// Every leaf of a TOML document under its dotted key.
void flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, const toml::node*>& out) {
  for (const auto& [name, node] : table) {
    auto key = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
    if (auto sub = node.as_table()) {
      flatten(*sub, key, out);
    } else {
      out[key] = &node;
    }
  }
}

std::optional<std::filesystem::path> config_path(const Flags& flags, const Getenv& getenv,
                                                 bool* named) {
  *named = true;
  if (!flags.config.empty()) {
    return flags.config;
  }
  if (const char* env = getenv("LIFEBOAT_CONFIG"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env);
  }
  *named = false;
  std::error_code ec;
  if (std::filesystem::exists("lifeboat.toml", ec)) {
    return std::filesystem::absolute("lifeboat.toml");
  }
  return std::nullopt;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  if (auto plain = parse_number<std::int64_t>(text)) {
    return *plain >= 0 ? std::optional(std::chrono::seconds(*plain)) : std::nullopt;
  }
  std::int64_t total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
      ++digits;
    }
    if (digits == 0 || digits == text.size()) {
      return std::nullopt;
    }
    auto number = parse_number<std::int64_t>(text.substr(0, digits));
    if (!number || *number > 1'000'000'000) {
      return std::nullopt;
    }
    std::int64_t unit = 0;
    switch (text[digits]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return std::nullopt;
    }
    total += *number * unit;
    text.remove_prefix(digits + 1);
  }
  return std::chrono::seconds(total);
}

void add_flags(CLI::App& app, std::string_view command, Flags& flags) {
  app.add_option("--config", flags.config,
                 "Config file (env LIFEBOAT_CONFIG; default ./lifeboat.toml if present)");
  for (const auto& row : table()) {
    if (row.flag.empty() || !applies(row, command)) {
      continue;
    }
    std::string help(row.help);
    if (!row.env.empty()) {
      help += " (env " + std::string(row.env) + ")";
    }
    if (!row.fallback.empty()) {
      help += " [default: " + unquote(row.fallback) + "]";
    }
    auto& target = flags.values[std::string(row.key)];
    auto* option = app.add_option("--" + std::string(row.flag), target, help);
    if (row.type != Type::list) {
      option->expected(1);
    }
  }
}

Settings resolve(std::string_view command, const Flags& flags, const Getenv& getenv) {
  Settings settings;
  // The config file first: the lowest layer above the defaults.
  bool named = false;
  std::map<std::string, const toml::node*> file_values;
  toml::table document;
  if (auto path = config_path(flags, getenv, &named)) {
    std::error_code ec;
    if (!std::filesystem::exists(*path, ec)) {
      throw Error(ErrorKind::not_found, "unable to read config file '" + path->string() +
                                            "': it does not exist");
    }
    try {
      document = toml::parse_file(path->string());
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      throw Error(ErrorKind::usage, "unable to parse config file '" + path->string() + "' line " +
                                        std::to_string(where.line) + ": " +
                                        std::string(e.description()));
    }
    flatten(document, "", file_values);
    settings.m_config = *path;
  }
  for (const auto& [key, node] : file_values) {
    bool known = false;
    for (const auto& row : table()) {
      known = known || row.key == key;
    }
    if (!known) {
      throw Error(ErrorKind::usage, "unknown setting '" + key + "' in config file '" +
                                        settings.m_config->string() +
                                        "'; doc/configuration.md lists them all");
    }
  }
  for (const auto& row : table()) {
    if (!applies(row, command)) {
      continue;
    }
    std::string key(row.key);
    if (auto it = flags.values.find(key); it != flags.values.end() && !it->second.empty()) {
      settings.m_values[key] = {it->second, "flag --" + std::string(row.flag)};
      continue;
    }
    if (!row.env.empty()) {
      if (const char* env = getenv(std::string(row.env).c_str()); env != nullptr && *env != '\0') {
        std::vector<std::string> items;
        if (row.type == Type::list) {
          // A list in one variable is separated by ':' as PATH is.
          std::string_view rest(env);
          while (!rest.empty()) {
            auto colon = rest.find(':');
            if (colon != 0) {
              items.emplace_back(rest.substr(0, colon));
            }
            if (colon == std::string_view::npos) {
              break;
            }
            rest.remove_prefix(colon + 1);
          }
        } else {
          items.emplace_back(env);
        }
        settings.m_values[key] = {items, "env " + std::string(row.env)};
        continue;
      }
    }
    if (auto it = file_values.find(key); it != file_values.end()) {
      auto origin = "config '" + settings.m_config->string() + "'";
      settings.m_values[key] = {items_of(*it->second, key, settings.m_config->string()), origin};
      continue;
    }
    if (!row.fallback.empty()) {
      settings.m_values[key] = {{unquote(row.fallback)}, "default"};
    }
  }
  // Type-check everything now, so a bad value fails before any work starts.
  for (const auto& [key, value] : settings.m_values) {
    switch (row(key).type) {
      case Type::integer: settings.integer(key); break;
      case Type::number: settings.number(key); break;
      case Type::duration: settings.duration(key); break;
      case Type::boolean: settings.boolean(key); break;
      default: break;
    }
  }
  return settings;
}

const Settings::Value* Settings::find(std::string_view key) const {
  auto it = m_values.find(key);
  return it == m_values.end() ? nullptr : &it->second;
}

void Settings::set(std::string_view key, std::vector<std::string> items, std::string origin) {
  m_values[std::string(key)] = {std::move(items), std::move(origin)};
}

bool Settings::has(std::string_view key) const {
  const auto* value = find(key);
  return value != nullptr && !value->items.empty() && !value->items.front().empty();
}

std::string Settings::string(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr || value->items.empty()) {
    return {};
  }
  if (value->items.size() > 1) {
    throw Error(ErrorKind::usage, "setting '" + std::string(key) + "' from " + value->origin +
                                      " must be one value, not a list");
  }
  return value->items.front();
}

std::vector<std::string> Settings::list(std::string_view key) const {
  const auto* value = find(key);
  return value == nullptr ? std::vector<std::string>{} : value->items;
}

std::int64_t Settings::integer(std::string_view key) const {
  auto text = string(key);
  auto value = parse_number<std::int64_t>(text);
  if (!value || *value < 0) {
    throw Error(ErrorKind::usage, "setting '" + std::string(key) + "' from " + origin(key) +
                                      " must be a whole number >= 0, not '" + text + "'");
  }
  return *value;
}

double Settings::number(std::string_view key) const {
  auto text = string(key);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || value < 0) {
    throw Error(ErrorKind::usage, "setting '" + std::string(key) + "' from " + origin(key) +
                                      " must be a number >= 0, not '" + text + "'");
  }
  return value;
}

std::chrono::seconds Settings::duration(std::string_view key) const {
  auto text = string(key);
  auto value = parse_duration(text);
  if (!value) {
    throw Error(ErrorKind::usage, "setting '" + std::string(key) + "' from " + origin(key) +
                                      " must be a duration such as 90s, 15m, 1h30m or 7d, not '" +
                                      text + "'");
  }
  return *value;
}

bool Settings::boolean(std::string_view key) const {
  auto text = string(key);
  if (text == "true" || text == "1" || text == "yes") {
    return true;
  }
  if (text == "false" || text == "0" || text == "no" || text.empty()) {
    return false;
  }
  throw Error(ErrorKind::usage, "setting '" + std::string(key) + "' from " + origin(key) +
                                    " must be true or false, not '" + text + "'");
}

std::string Settings::required(std::string_view key) const {
  if (has(key)) {
    return string(key);
  }
  const auto& r = row(key);
  std::string how;
  if (!r.flag.empty()) {
    how += "pass --" + std::string(r.flag) + ", ";
  }
  if (!r.env.empty()) {
    how += "set " + std::string(r.env) + " or ";
  }
  throw Error(ErrorKind::usage, "no " + std::string(key) + " given: " + how + "set '" +
                                    std::string(key) + "' in the config file");
}

std::string Settings::origin(std::string_view key) const {
  const auto* value = find(key);
  return value == nullptr ? "nowhere" : value->origin;
}

}  // namespace lifeboat::settings

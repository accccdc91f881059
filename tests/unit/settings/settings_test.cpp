// The settings table and its one precedence rule.
#include "settings/settings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::settings {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> values;
  Getenv getter() const {
    return [this](const char* name) -> const char* {
      auto it = values.find(name);
      return it == values.end() ? nullptr : it->second.c_str();
    };
  }
};

std::string write_config(const test::TempDir& dir, const std::string& text) {
  auto path = dir.path() / "lifeboat.toml";
  std::ofstream(path) << text;
  return path.string();
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::internal;
}

TEST(SettingsTable, EveryRowHasHelpAndIsDocumented) {
  auto doc = read_file(std::filesystem::path(LIFEBOAT_TEST_DATA_DIR) / "../../doc/configuration.md");
  for (const auto& row : table()) {
    EXPECT_FALSE(row.help.empty()) << row.key;
    EXPECT_FALSE(row.commands.empty()) << row.key;
    EXPECT_NE(doc.find("`" + std::string(row.key) + "`"), std::string::npos)
        << row.key << " is not in doc/configuration.md";
  }
}

TEST(SettingsTable, FlagBeatsEnvBeatsFileBeatsDefault) {
  test::TempDir dir;
  Flags flags{.config = write_config(dir, "store = \"file:///from-file\"\nkms = \"local:///k?key=f\"\n"
                                          "installation = \"from-file\"\n")};
  FakeEnv env{{{"LIFEBOAT_STORE", "file:///from-env"}, {"LIFEBOAT_KMS", "local:///k?key=e"}}};
  flags.values["store"] = {"file:///from-flag"};
  auto settings = resolve("backup", flags, env.getter());
  EXPECT_EQ(settings.string("store"), "file:///from-flag");
  EXPECT_EQ(settings.origin("store"), "flag --store");
  EXPECT_EQ(settings.string("kms"), "local:///k?key=e");
  EXPECT_EQ(settings.string("installation"), "from-file");
  EXPECT_EQ(settings.string("prefix"), "tfe-backup/");
  EXPECT_EQ(settings.origin("prefix"), "default");
}

TEST(SettingsTable, ReadsTablesListsAndDurations) {
  test::TempDir dir;
  Flags flags{.config = write_config(dir, R"(
[backup]
paths = ["/var/lib/tfe", "/etc/tfe"]
lease = "2m"
[hooks]
pre = ["systemctl stop tfe"]
timeout = 90
[retention]
daily = 14
)")};
  auto settings = resolve("backup", flags, FakeEnv{}.getter());
  EXPECT_EQ(settings.list("backup.paths"), (std::vector<std::string>{"/var/lib/tfe", "/etc/tfe"}));
  EXPECT_EQ(settings.duration("backup.lease"), std::chrono::seconds(120));
  EXPECT_EQ(settings.duration("hooks.timeout"), std::chrono::seconds(90));
  EXPECT_EQ(settings.list("hooks.pre").size(), 1u);
  auto prune = resolve("prune", flags, FakeEnv{}.getter());
  EXPECT_EQ(prune.integer("retention.daily"), 14);
  EXPECT_EQ(prune.integer("retention.hourly"), 24);
}

TEST(SettingsTable, PathListFromEnvironmentSplitsOnColons) {
  FakeEnv env{{{"LIFEBOAT_PATHS", "/a:/b::/c"}}};
  auto settings = resolve("backup", Flags{}, env.getter());
  EXPECT_EQ(settings.list("backup.paths"), (std::vector<std::string>{"/a", "/b", "/c"}));
}

TEST(SettingsTable, UnknownKeyIsAnError) {
  test::TempDir dir;
  Flags flags{.config = write_config(dir, "[backup]\npath = [\"/typo\"]\n")};
  try {
    resolve("backup", flags, FakeEnv{}.getter());
    FAIL() << "accepted an unknown key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("unknown setting 'backup.path'"), std::string::npos);
  }
}

TEST(SettingsTable, BadValuesFailBeforeAnyWork) {
  test::TempDir dir;
  Flags flags{.config = write_config(dir, "[hooks]\ntimeout = \"soon\"\n")};
  EXPECT_EQ(kind_of([&] { resolve("backup", flags, FakeEnv{}.getter()); }), ErrorKind::usage);
  Flags bad_number;
  bad_number.values["retention.hourly"] = {"-3"};
  EXPECT_EQ(kind_of([&] { resolve("prune", bad_number, FakeEnv{}.getter()); }), ErrorKind::usage);
  Flags broken{.config = write_config(dir, "store = \n")};
  EXPECT_EQ(kind_of([&] { resolve("backup", broken, FakeEnv{}.getter()); }), ErrorKind::usage);
  Flags missing{.config = (dir.path() / "nope.toml").string()};
  EXPECT_EQ(kind_of([&] { resolve("backup", missing, FakeEnv{}.getter()); }), ErrorKind::not_found);
}

TEST(SettingsTable, RequiredSaysHowToSetIt) {
  auto settings = resolve("backup", Flags{}, FakeEnv{}.getter());
  try {
    settings.required("store");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_STREQ(e.what(), "no store given: pass --store, set LIFEBOAT_STORE or set 'store' in "
                           "the config file");
  }
}

TEST(SettingsTable, ConfigFileFromEnvironment) {
  test::TempDir dir;
  auto path = write_config(dir, "release = \"201705-1\"\n");
  FakeEnv env{{{"LIFEBOAT_CONFIG", path}}};
  auto settings = resolve("restore", Flags{}, env.getter());
  EXPECT_EQ(settings.string("release"), "201705-1");
  EXPECT_EQ(settings.config_file()->string(), path);
}

TEST(ParseDuration, AcceptsAndRejects) {
  EXPECT_EQ(parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::seconds(5400));
  EXPECT_EQ(parse_duration("7d"), std::chrono::seconds(7 * 86400));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("5x"));
  EXPECT_FALSE(parse_duration("-5"));
  EXPECT_FALSE(parse_duration("10m5"));
}

}  // namespace
}  // namespace lifeboat::settings

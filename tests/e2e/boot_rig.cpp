// The boot tests' instance (boot_rig.hpp).
#include "e2e/boot_rig.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "util/bytes.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {

namespace fs = std::filesystem;

BootRigOptions local_region(const TempDir& dir) {
  return {.store = "file://" + (dir.path() / "store").string(),
          .kms = "local://" + (dir.path() / "keyring").string() + "?key=tfe"};
}

BootRig::BootRig(const std::string& server, BootRigOptions options)
    : m_db(server), m_options(std::move(options)) {
  auto password = pg_password().value_or("");
  m_env = "LIFEBOAT_CONFIG='" + (dir() / "lifeboat.toml").string() +
          "' LIFEBOAT_DATABASE_PASSWORD='" + password + "' ";
  std::ofstream config(dir() / "lifeboat.toml");
  config << "installation = \"tfe\"\n"
         << "release = \"" << m_options.release << "\"\n"
         << "store = \"" << m_options.store << "\"\n"
         << "kms = \"" << m_options.kms << "\"\n"
         << "[database]\nurl = \"" << m_db.url() << "\"\n"
         << "[backup]\npaths = [\"" << data().string() << "\", \"" << etc().string() << "\"]\n"
         << "[keyring]\npath = \"" << keyring().string() << "\"\n"
         << "[boot]\nstate_dir = \"" << state().string() << "\"\n"
         << "runtime_dir = \"" << runtime().string() << "\"\n"
         << "start_hooks = [\"echo started >> '" << (dir() / "start.log").string() << "'\"]\n"
         << "health_check = \"test -s '" << (runtime() / "keyring.json").string() << "'\"\n"
         << "health_timeout = \"20s\"\n"
         << "upgrade_hooks = [\"echo \\\"1 $LIFEBOAT_FROM_RELEASE>$LIFEBOAT_TO_RELEASE\\\" >> '"
         << (dir() / "upgrade.log").string() << "'\", \"echo 2 >> '"
         << (dir() / "upgrade.log").string() << "'\"]\n";
}

std::string BootRig::start_log() const {
  return fs::exists(dir() / "start.log") ? read_file(dir() / "start.log") : "";
}

std::string BootRig::upgrade_log() const {
  return fs::exists(dir() / "upgrade.log") ? read_file(dir() / "upgrade.log") : "";
}

CommandResult BootRig::init(const std::string& release) {
  // No config file: init runs where the operator is, and the first boot makes the keyring.
  return run_shell("LIFEBOAT_DATABASE_PASSWORD='" + pg_password().value_or("") + "' " +
                   LIFEBOAT_BINARY + " init --installation tfe --region test-1 --release " +
                   (release.empty() ? m_options.release : release) + " --store '" +
                   m_options.store + "' --kms '" + m_options.kms + "' --database '" + m_db.url() +
                   "' --output '" + user_data().string() + "'");
}

void BootRig::set_user_data_release(const std::string& release) {
  auto document = nlohmann::json::parse(read_file(user_data()));
  document["release"] = release;
  write_file_atomic(user_data(), document.dump(), 0644);
}

CommandResult BootRig::lifeboat(const std::string& args, const std::string& env) const {
  return run_shell(m_env + env + " " + LIFEBOAT_BINARY + " " + args);
}

CommandResult BootRig::boot(const std::string& env) const {
  return lifeboat("boot --json --user-data '" + user_data().string() + "'", env);
}

CommandResult BootRig::verify() const {
  return lifeboat("verify");
}

CommandResult BootRig::backup(const std::string& release) const {
  return lifeboat("backup -q --release " + (release.empty() ? m_options.release : release));
}

void BootRig::fill() {
  fs::create_directories(data() / "archivist");
  fs::create_directories(etc());
  for (int i = 0; i < 8; ++i) {
    std::ofstream(data() / "archivist" / ("state-" + std::to_string(i) + ".tfstate"))
        << random_data(300'000 + static_cast<std::size_t>(i) * 1000, static_cast<std::uint64_t>(i));
  }
  std::ofstream(etc() / "settings.json") << R"({"hostname":"tfe.example"})";
  fs::create_symlink("archivist/state-0.tfstate", data() / "current");
  m_db.sql(
      "CREATE TABLE workspaces (id serial PRIMARY KEY, name text NOT NULL UNIQUE); "
      "CREATE TABLE runs (id serial PRIMARY KEY, workspace int REFERENCES workspaces, "
      "status text); "
      "INSERT INTO workspaces (name) SELECT 'ws-' || g FROM generate_series(1, 40) g; "
      "INSERT INTO runs (workspace, status) SELECT 1 + g % 40, 'applied' "
      "FROM generate_series(1, 5000) g");
}

CommandResult BootRig::install_and_snapshot(const std::string& release) {
  for (auto result : {init(), boot()}) {
    if (result.status != 0) {
      return result;
    }
  }
  fill();
  return backup(release);
}

void BootRig::destroy_instance() const {
  fs::remove_all(instance());
}

void BootRig::empty_database() {
  m_db.sql(
      "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS lifeboat CASCADE");
}

std::string BootRig::files_digest() const {
  std::vector<std::string> lines;
  for (const auto& root : {data(), etc()}) {
    if (!fs::exists(root)) {
      continue;
    }
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      auto rel = fs::relative(entry.path(), instance()).string();
      if (entry.is_symlink()) {
        lines.push_back(rel + " -> " + fs::read_symlink(entry.path()).string());
      } else if (entry.is_regular_file()) {
        lines.push_back(rel + " " + to_hex(sha256(as_bytes(read_file(entry.path())))));
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& line : lines) {
    out += line + "\n";
  }
  return out;
}

std::string BootRig::db_digest() {
  return m_db.digest("workspaces") + "/" + m_db.digest("runs");
}

}  // namespace lifeboat::test

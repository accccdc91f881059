// `lifeboat init`: make a region ready to boot the installation.
#include <iostream>

#include "cli/installation.hpp"
#include "ops/init.hpp"
#include "util/fs.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_init_help =
    R"(Makes one region ready to boot an instance of the installation, and writes the
user-data document an instance needs to find it all:
  1. the KMS key-encryption key: created in a local keyring or a PKCS#11 token if it
     does not exist yet, adopted otherwise (an AWS KMS key is made in AWS KMS);
  2. the bootstrap bundle in the store (default PREFIX + bootstrap/bundle.lifeboat),
     encrypted with that key: the database password and the seal of the installation
     keyring;
  3. with --keyring (when init runs on the instance), the installation keyring itself,
     sealed; otherwise the first 'lifeboat boot' makes it.
The user data (installation, region, store, KMS, bundle, database without password,
release) goes to stdout, or to --output FILE. It never holds a secret: a KMS address
with pin-value= or a database URL with a password is refused (use pin-source=FILE and
LIFEBOAT_DATABASE_PASSWORD).

Run it again and nothing is replaced: an existing key, bundle and keyring are adopted
(a changed database password is written into the bundle). A bundle this key cannot
open, or a keyring the bundle's seal does not open, is refused.

EXAMPLES
  LIFEBOAT_DATABASE_PASSWORD=... lifeboat init --installation tfe --region eu-west-1 \
      --release 201705-2 --store 's3://tfe-data?region=eu-west-1' \
      --kms 'awskms:arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...' \
      --database postgres://tfe@db.internal:5432/tfe --output user-data.json

EXIT STATUS
  0 ready, 1 failure, 2 usage error, 3 refused as unsafe (a bundle or keyring that
  would be replaced))";

struct InitFlags {
  settings::Flags settings;
  std::string output;
};

void run_init(const InitFlags& flags, const Globals& globals) {
  auto settings = load_settings("init", flags.settings);
  auto prefix = snapshot_prefix(settings);
  ops::InitOptions options{
      .installation = settings.string("installation"),
      .region = settings.string("region"),
      .release = settings.required("release"),
      .store = settings.required("store"),
      .kms = settings.required("kms"),
      .bootstrap_key = settings.has("bootstrap.key") && !settings.string("bootstrap.key").empty()
                           ? settings.string("bootstrap.key")
                           : prefix + "bootstrap/bundle.lifeboat",
      .database_url = settings.string("database.url"),
      .database_password = settings.string("database.password"),
      .log = [&globals](const std::string& line) { info(globals, line); }};
  if (settings.has("keyring.path") && !settings.string("keyring.path").empty()) {
    options.keyring = std::filesystem::absolute(settings.string("keyring.path"));
  }
  auto result = ops::init(options);
  auto document = userdata::to_json(result.user_data);
  if (!flags.output.empty()) {
    write_file_atomic(flags.output, document + "\n", 0644);
    info(globals, "wrote the user data to '" + flags.output + "'");
  }
  if (globals.json) {
    print_json({{"user_data", nlohmann::json::parse(document)},
                {"key_id", result.key_id},
                {"key_created", result.key_created},
                {"bundle", result.bundle},
                {"keyring", result.keyring}});
  } else if (flags.output.empty()) {
    std::cout << document << '\n';
  }
}

}  // namespace

void add_init_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<InitFlags>();
  auto* command = app.add_subcommand(
      "init", "Create the KMS key, bootstrap bundle, keyring and user data for a region");
  settings::add_flags(*command, "init", flags->settings);
  command->add_option("-o,--output", flags->output,
                      "Write the user-data document to FILE instead of stdout");
  command->footer(k_init_help);
  command->callback([flags, &globals] { run_init(*flags, globals); });
}

}  // namespace lifeboat::cli

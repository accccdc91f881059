// `lifeboat agent`: snapshots every interval, one more on a clean shutdown, and status.
#include "agent/agent.hpp"
#include "cli/installation.hpp"
#include "ops/backup.hpp"
#include "ops/prune.hpp"
#include "util/error.hpp"

#include <iostream>

namespace lifeboat::cli {

namespace {

constexpr const char* k_agent_help = R"(Runs until stopped: takes a snapshot at once and then every interval (1 h by
default, each wait lengthened by up to 10 % at random), retries a failed one sooner
with growing waits, prunes after each success, and takes one more snapshot when it gets
SIGTERM or SIGINT (systemd's stop, Ctrl-C) before it exits. A second signal during that
last snapshot exits at once; nothing partial is left in the store.

Status: a JSON file (--status-file) rewritten after every run, and Prometheus metrics on
a loopback address (--metrics-listen, default 127.0.0.1:9464): last success time, age,
duration, bytes and failures. Log lines go to stderr (the journal under systemd:
journalctl -u lifeboat-agent). packaging/lifeboat-agent.service runs it.

EXAMPLES
  lifeboat agent --config /etc/lifeboat/lifeboat.toml
  lifeboat agent --store file:///var/lib/lifeboat/store --kms 'local:///etc/lifeboat/keyring?key=tfe' \
      --path /var/lib/tfe --interval 15m --metrics-listen 127.0.0.1:9464

EXIT STATUS
  0 stopped cleanly after a final snapshot, 1 the final snapshot failed (or a second
  signal cut it short), 2 usage error)";

void run_agent_command(const settings::Flags& flags, const Globals& globals) {
  // Before any thread exists (a driver's), so that none of them takes the signal.
  agent::block_shutdown_signals();
  auto settings = load_settings("agent", flags);
  auto backup = backup_options(settings);
  auto store = open_store(settings);
  auto kms = open_kms(settings);
  ops::PruneOptions prune{
      .prefix = backup.prefix,
      .policy = retention_policy(settings)};
  auto log = [&globals](const std::string& line) {
    if (!globals.quiet) {
      std::cerr << "lifeboat agent: " << line << '\n' << std::flush;
    }
  };
  backup.log = log;
  prune.log = log;
  agent::AgentOptions options{.interval = settings.duration("agent.interval"),
                              .jitter = settings.number("agent.jitter"),
                              .retry_initial = settings.duration("agent.retry"),
                              .status_file = settings.string("agent.status_file"),
                              .metrics_listen = settings.string("agent.metrics_listen")};
  agent::Callbacks callbacks{
      .run =
          [&] {
            auto record = ops::backup(store, kms, backup);
            return agent::RunOutcome{.ok = true, .snapshot = record.name, .bytes = record.size,
                                     .duration = record.duration};
          },
      .after_success = [&] { ops::prune(store, kms, prune); },
      .log = log};
  set_exit_status(agent::run_agent(options, callbacks));
}

}  // namespace

void add_agent_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<settings::Flags>();
  auto* command = app.add_subcommand("agent", "Take snapshots on a schedule and on shutdown");
  settings::add_flags(*command, "agent", *flags);
  command->footer(k_agent_help);
  command->callback([flags, &globals] { run_agent_command(*flags, globals); });
}

}  // namespace lifeboat::cli

// lifeboat: parse the command line, run one command, turn any failure into one line
// and an exit status (0 success, 1 failure, 2 usage, 3 refused as unsafe).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/context.hpp"
#include "cli/installation.hpp"
#include "util/error.hpp"

int main(int argc, char** argv) {
  using lifeboat::Error;
  CLI::App app{"lifeboat: disaster recovery for self-hosted stateful installations"};
  app.set_version_flag("--version", "lifeboat 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // --json and --quiet may come after the command too
  app.footer(R"(EXIT STATUS
  0 success, 1 failure, 2 usage error, 3 refused as unsafe (a downgrade, a fresh keyring
  over existing data, ...)

Run 'lifeboat COMMAND --help' for a command's options.)");
  lifeboat::cli::Globals globals;
  app.add_flag("--json", globals.json, "Machine-readable output on stdout");
  app.add_flag("-q,--quiet", globals.quiet, "No progress or informational lines");
  lifeboat::cli::add_backup_command(app, globals);
  lifeboat::cli::add_restore_command(app, globals);
  lifeboat::cli::add_list_command(app, globals);
  lifeboat::cli::add_prune_command(app, globals);
  lifeboat::cli::add_agent_command(app, globals);
  lifeboat::cli::add_init_command(app, globals);
  lifeboat::cli::add_boot_command(app, globals);
  lifeboat::cli::add_verify_command(app, globals);
  lifeboat::cli::add_store_commands(app, globals);
  lifeboat::cli::add_keys_commands(app, globals);
  lifeboat::cli::add_snapshot_commands(app, globals);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    std::cerr << "lifeboat: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const Error& e) {
    if (globals.json) {
      std::cout << nlohmann::json{{"error", e.what()}, {"kind", lifeboat::to_string(e.kind())}}.dump()
                << '\n';
    }
    std::cerr << "lifeboat: " << e.what() << '\n';
    return lifeboat::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "lifeboat: internal error: " << e.what() << '\n';
    return 1;
  }
  return lifeboat::cli::exit_status();
}

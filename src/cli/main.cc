// wsync: the command line (SPEC §10). Thin: parses flags and calls the libraries.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>

#include "cli/commands.h"
#include "cli/serve.h"

namespace {

// --workspace: a positive 64-bit integer, refused (exit 2) rather than saturated when larger.
const CLI::Validator kWorkspaceId(
    [](std::string& text) -> std::string {
      int64_t value = 0;
      const char* end = text.data() + text.size();
      auto [p, ec] = std::from_chars(text.data(), end, value);
      if (ec != std::errc() || p != end || value <= 0) {
        return "must be a positive integer at most 9223372036854775807, got '" + text + "'";
      }
      return "";
    },
    "WORKSPACE_ID");

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wsync: warehouse sync (reverse ETL) into a durable profile store"};
  app.require_subcommand(1);

  std::string demo_dir = "./demo-data";
  auto* demo = app.add_subcommand("demo", "create a sample warehouse, define a pipeline, sync it");
  demo->add_option("--data-dir", demo_dir, "where the database and sample warehouse go");

  wsync::cli::RunArgs run_args;
  auto* run = app.add_subcommand("run", "create or update the resources in FILE and run them once");
  run->add_option("--config,-f", run_args.config_file, "YAML or JSON file")->required();
  run->add_option("--data-dir", run_args.data_dir, "data directory (holds wsync.db)");
  run->add_option("--store", run_args.store,
                  "the database as a URL: sqlite:///PATH/wsync.db (default: in --data-dir)")
      ->envname("WSYNC_STORE");
  run->add_option("--pipeline", run_args.pipeline_id, "run only this pipeline");
  run->add_option("--workspace", run_args.workspace_id, "workspace id (default 1)")
      ->check(kWorkspaceId);

  wsync::cli::RunArgs apply_args;
  auto* apply = app.add_subcommand("apply", "create or update the resources in FILE");
  apply->add_option("-f,--config", apply_args.config_file, "YAML or JSON file")->required();
  apply->add_option("--data-dir", apply_args.data_dir, "data directory (holds wsync.db)");
  apply
      ->add_option("--store", apply_args.store,
                   "the database as a URL: sqlite:///PATH/wsync.db (default: in --data-dir)")
      ->envname("WSYNC_STORE");
  apply->add_option("--workspace", apply_args.workspace_id, "workspace id (default 1)")
      ->check(kWorkspaceId);

  wsync::cli::ServeArgs serve_args;
  auto* serve = app.add_subcommand("serve", "serve the REST API and execute runs");
  serve->add_option("--data-dir", serve_args.data_dir, "data directory (holds wsync.db)");
  serve
      ->add_option("--store", serve_args.store,
                   "the database as a URL: sqlite:///PATH/wsync.db (default: in --data-dir)")
      ->envname("WSYNC_STORE");
  serve->add_option("--listen", serve_args.listen, "HOST:PORT to listen on (port 0: any free)");
  serve
      ->add_option("--workers", serve_args.workers,
                   "run worker threads (default 4; one workspace holds at most all but one)")
      ->check(CLI::Range(0, 16));
  serve
      ->add_option("--lease-seconds", serve_args.lease_seconds,
                   "how long a run's claim lasts without renewal; runs of a server that died "
                   "on another host are recovered after it (default 30)")
      ->check(CLI::Range(2, 3600));
  serve->add_option("--sqlite-dir", serve_args.sqlite_dirs,
                    "directory whose SQLite files API clients may use as warehouses "
                    "(repeatable; default none)");
  serve->add_option("--allow-network", serve_args.allow_networks,
                    "network (CIDR, e.g. 10.0.0.0/8) whose addresses API clients' warehouse hosts "
                    "may have besides public ones (repeatable; default none)");
  serve->add_option("--output-dir", serve_args.output_dirs,
                    "directory under which pipelines' JSON-lines outputs may write (repeatable; "
                    "default none)");
  serve
      ->add_option("--max-connections", serve_args.max_connections,
                   "connections served at once; more are answered 503 (default 256)")
      ->check(CLI::Range(1, 4096));
  serve
      ->add_option("--http-threads", serve_args.http_threads,
                   "HTTP threads kept ready; more start while all are busy (default 32)")
      ->check(CLI::Range(1, 1024));
  serve
      ->add_option("--warehouse-requests-per-workspace",
                   serve_args.warehouse_requests_per_workspace,
                   "concurrent verify/discover/preview/pipeline checks per workspace (default 2)")
      ->check(CLI::Range(1, 64));

  wsync::cli::CredentialsArgs cred_args;
  auto* cred = app.add_subcommand("credentials", "create, list or revoke API credentials");
  cred->add_option("action", cred_args.action, "create | list | revoke")
      ->required()
      ->check(CLI::IsMember({"create", "list", "revoke"}));
  cred->add_option("--data-dir", cred_args.data_dir, "data directory (holds wsync.db)");
  cred->add_option("--store", cred_args.store,
                   "the database as a URL: sqlite:///PATH/wsync.db (default: in --data-dir)")
      ->envname("WSYNC_STORE");
  cred->add_option("--workspace", cred_args.workspace_id, "workspace id")
      ->required()
      ->check(kWorkspaceId);
  cred->add_option("--client-id", cred_args.client_id, "the credential to revoke");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (*demo) return wsync::cli::Demo(demo_dir);
    if (*run) return wsync::cli::RunConfig(run_args);
    if (*apply) return wsync::cli::ApplyConfigFile(apply_args);
    if (*serve) return wsync::cli::Serve(serve_args);
    if (*cred) return wsync::cli::Credentials(cred_args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wsync: internal error: %s\n", e.what());
    return 1;
  }
  return 2;
}

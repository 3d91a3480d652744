// `wsync serve` and `wsync credentials` (SPEC §10). Thin: the server and the credential store
// live in src/api. Each returns the process exit code (0 ok, 1 failure, 2 bad input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsync::cli {

struct ServeArgs {
  std::optional<std::string> data_dir;  // --data-dir; default ./wsync-data
  std::optional<std::string> store;     // --store URL or WSYNC_STORE (SPEC §1)
  std::string listen = "127.0.0.1:8080";
  int workers = 4;
  int lease_seconds = 30;  // a run's claim lasts this long without renewal (runner/)
  // SQLite warehouse files of API clients must lie under one of these; none by default.
  std::vector<std::string> sqlite_dirs;
  // Networks (CIDR) API clients' warehouse hosts may be in besides public ones; none by default.
  std::vector<std::string> allow_networks;
  // Directories JSON-lines outputs may write under; none by default.
  std::vector<std::string> output_dirs;
  // Request limits (docs/security.md); the defaults are api::ServerOptions'.
  int max_connections = 256;
  int http_threads = 32;
  int warehouse_requests_per_workspace = 2;
};

// Serves until SIGTERM or SIGINT, then stops intake, interrupts runs and returns 0.
int Serve(const ServeArgs& args);

struct CredentialsArgs {
  std::string action;                   // create | list | revoke
  std::optional<std::string> data_dir;  // --data-dir; default ./wsync-data
  std::optional<std::string> store;     // --store URL or WSYNC_STORE
  int64_t workspace_id = 0;
  std::string client_id;  // for revoke
};

int Credentials(const CredentialsArgs& args);

}  // namespace wsync::cli

// Engine: what a wsync process needs to work on one deployment — the storage backend opened
// from the store URL (migrated on open), the warehouse registry with every built-in provider
// (warehouse/builtin_providers.h; sessions validate connections and seal secrets by it), the
// clock, and the secret box that seals connection secrets (key from WSYNC_SECRET_KEY or
// DATA_DIR/secret.key). The CLI and the server both start from it; it is the one place that
// chooses implementations (the composition root).
//
// Thread-safe: NewSession opens a new session each call; each caller owns what it gets.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/server.h"
#include "core/secret_box.h"
#include "core/time.h"
#include "storage/backend.h"
#include "storage/store_url.h"
#include "sync/deployment.h"
#include "sync/run_executor.h"
#include "warehouse/egress.h"
#include "warehouse/http/curl_transport.h"
#include "warehouse/registry.h"

namespace wsync::app {

struct EngineOptions {
  // Directories whose SQLite files API clients' connections may read (`serve --sqlite-dir`).
  // Empty: none. Connections written by an operator's config file are not confined to them.
  std::vector<std::string> sqlite_dirs;
  // Networks (CIDR) API clients' warehouse hosts may be in besides public addresses
  // (`serve --allow-network`, SPEC §12; warehouse/egress.h).
  std::vector<std::string> allow_networks;
  // Directories JSON-lines outputs may write under (`serve --output-dir`, SPEC §12). Empty:
  // none.
  std::vector<std::string> output_dirs;
};

class Engine : public sync::Deployment {
 public:
  // Creates the store's directory when missing, opens and migrates the backend and loads (or
  // creates) the secret key beside it. InvalidArgument when an allowed SQLite directory does
  // not exist.
  static core::StatusOr<std::unique_ptr<Engine>> Open(const storage::StoreLocation& store,
                                                      const core::Clock* clock,
                                                      const EngineOptions& options = {});
  // The same for `--data-dir DIR` (sqlite:///DIR/wsync.db).
  static core::StatusOr<std::unique_ptr<Engine>> Open(const std::string& data_dir,
                                                      const core::Clock* clock,
                                                      const EngineOptions& options = {});

  // A session on the backend: catalog, profile store and credentials over one connection.
  core::StatusOr<std::unique_ptr<storage::Session>> NewSession() const override;
  sync::ExecutorDeps executor_deps() const override;

  const storage::StoreLocation& store() const override { return backend_->location(); }
  const std::string& data_dir() const { return store().data_dir; }
  const core::Clock* clock() const override { return clock_; }
  const warehouse::Registry& registry() const override { return registry_; }
  const core::SecretBox* secrets() const { return secrets_.get(); }
  core::StatusOr<nlohmann::json> RevealConfig(int64_t workspace_id,
                                              const catalog::Connection& connection) const override;
  forward::ForwarderDeps forwarder_deps() const override;

 private:
  Engine(const core::Clock* clock, warehouse::NetworkPolicy network);
  const core::Clock* clock_;
  warehouse::NetworkPolicy network_;  // before http_ and registry_, which point at it
  warehouse::CurlTransport http_;     // the REST warehouses' one transport (before registry_)
  warehouse::Registry registry_;
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<core::SecretBox> secrets_;
  std::unique_ptr<warehouse::HttpTransport> output_sender_;  // points at network_
  std::vector<std::string> output_dirs_;                     // real paths
};

// Opens the engine `options` name (its store, clock and allowed SQLite directories) and serves
// it (api/server.h).
core::StatusOr<std::unique_ptr<api::Server>> StartServer(const api::ServerOptions& options);

}  // namespace wsync::app

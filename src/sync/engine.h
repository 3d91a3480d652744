// Engine: what a wsync process needs to work on one data directory — the database path (migrated
// on open), the warehouse registry with every built-in provider (warehouse/builtin_providers.h;
// the catalogs it opens validate connections and seal secrets by it), the clock, and factories for
// per-thread catalog and store connections, and the secret box that seals connection secrets
// (key from WSYNC_SECRET_KEY or DIR/secret.key). The CLI and the server both start from it.
// Thread-safe: the factories open new connections; each caller owns what it gets.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/secret_box.h"
#include "core/time.h"
#include "profiles/profile_store.h"
#include "storage/store_url.h"
#include "sync/run_executor.h"
#include "warehouse/egress.h"
#include "warehouse/registry.h"

namespace wsync::sync {

struct EngineOptions {
  // Directories whose SQLite files API clients' connections may read (`serve --sqlite-dir`).
  // Empty: none. Connections written by an operator's config file are not confined to them.
  std::vector<std::string> sqlite_dirs;
  // Networks (CIDR) API clients' warehouse hosts may be in besides public addresses
  // (`serve --allow-network`, SPEC §12; warehouse/egress.h).
  std::vector<std::string> allow_networks;
};

class Engine {
 public:
  // Creates the store's directory when missing, migrates its database and loads (or creates)
  // the secret key beside it. InvalidArgument when an allowed SQLite directory does not exist.
  static core::StatusOr<std::unique_ptr<Engine>> Open(const storage::StoreLocation& store,
                                                      const core::Clock* clock,
                                                      const EngineOptions& options = {});
  // The same for `--data-dir DIR` (sqlite:///DIR/wsync.db).
  static core::StatusOr<std::unique_ptr<Engine>> Open(const std::string& data_dir,
                                                      const core::Clock* clock,
                                                      const EngineOptions& options = {});

  core::StatusOr<std::unique_ptr<catalog::Catalog>> NewCatalog() const;
  core::StatusOr<std::unique_ptr<profiles::ProfileStore>> NewStore() const;
  ExecutorDeps executor_deps() const;

  const std::string& data_dir() const { return data_dir_; }
  const std::string& db_path() const { return db_path_; }
  const core::Clock* clock() const { return clock_; }
  const warehouse::Registry& registry() const { return registry_; }
  const core::SecretBox* secrets() const { return secrets_.get(); }
  // A connection's config with its secrets opened, for a connector; the secrets open only in
  // the workspace they were sealed for.
  core::StatusOr<nlohmann::json> RevealConfig(int64_t workspace_id,
                                              const catalog::Connection& connection) const;

 private:
  Engine(const storage::StoreLocation& store, const core::Clock* clock,
         warehouse::NetworkPolicy network);
  std::string data_dir_;
  std::string db_path_;
  const core::Clock* clock_;
  warehouse::NetworkPolicy network_;  // before registry_, whose deps point at it
  warehouse::Registry registry_;
  std::unique_ptr<core::SecretBox> secrets_;
};

}  // namespace wsync::sync

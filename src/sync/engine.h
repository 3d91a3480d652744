// Engine: what a wsync process needs to work on one data directory — the database path (migrated
// on open), the warehouse registry with every built-in provider, the clock, and factories for
// per-thread catalog and store connections. The CLI and the server both start from it.
// Thread-safe: the factories open new connections; each caller owns what it gets.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/time.h"
#include "profiles/profile_store.h"
#include "sync/run_executor.h"
#include "warehouse/connector.h"

namespace wsync::sync {

class Engine {
 public:
  // Creates DIR when missing and migrates DIR/wsync.db.
  static core::StatusOr<std::unique_ptr<Engine>> Open(const std::string& data_dir,
                                                      const core::Clock* clock);

  core::StatusOr<std::unique_ptr<catalog::Catalog>> NewCatalog() const;
  core::StatusOr<std::unique_ptr<profiles::ProfileStore>> NewStore() const;
  ExecutorDeps executor_deps() const;

  const std::string& data_dir() const { return data_dir_; }
  const std::string& db_path() const { return db_path_; }
  const core::Clock* clock() const { return clock_; }
  const warehouse::Registry& registry() const { return registry_; }

 private:
  Engine(std::string data_dir, const core::Clock* clock);
  std::string data_dir_;
  std::string db_path_;
  const core::Clock* clock_;
  warehouse::Registry registry_;
};

}  // namespace wsync::sync

#include "sync/engine.h"

#include <cstdlib>
#include <filesystem>

#include "catalog/secrets.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "db/schema.h"
#include "profiles/sqlite/sqlite_profile_store.h"
#include "warehouse/builtin_providers.h"
#include "warehouse/sqlite/sqlite_paths.h"

namespace wsync::sync {

Engine::Engine(const storage::StoreLocation& store, const core::Clock* clock,
               warehouse::NetworkPolicy network)
    : data_dir_(store.data_dir),
      db_path_(store.database_path),
      clock_(clock),
      // No REST connector exists yet, so no HTTP transport either (warehouse/http/).
      network_(std::move(network)),
      registry_(warehouse::ConnectorDeps{.clock = clock, .http = nullptr, .network = &network_}) {}

core::StatusOr<std::unique_ptr<Engine>> Engine::Open(const std::string& data_dir,
                                                     const core::Clock* clock,
                                                     const EngineOptions& options) {
  return Open(storage::StoreInDataDir(data_dir), clock, options);
}

core::StatusOr<std::unique_ptr<Engine>> Engine::Open(const storage::StoreLocation& store,
                                                     const core::Clock* clock,
                                                     const EngineOptions& options) {
  const std::string& data_dir = store.data_dir;
  std::error_code ec;
  // F16: a data directory wsync creates is the owner's only.
  if (std::filesystem::create_directories(data_dir, ec) && !ec) {
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    return core::InvalidArgument("cannot create data directory '" + data_dir +
                                 "': " + ec.message());
  }
  ASSIGN_OR_RETURN(warehouse::NetworkPolicy network,
                   warehouse::NetworkPolicy::Allowing(options.allow_networks));
  auto engine = std::unique_ptr<Engine>(new Engine(store, clock, std::move(network)));
  // The data directory is never a warehouse: its real path goes to the connector with the
  // directories the operator allows.
  ASSIGN_OR_RETURN(warehouse::SqliteOptions sqlite,
                   warehouse::ResolveSqliteOptions(
                       options.sqlite_dirs, data_dir,
                       std::filesystem::path(store.database_path).filename().string()));
  warehouse::RegisterBuiltinProviders(&engine->registry_, std::move(sqlite));
  ASSIGN_OR_RETURN(auto db, db::Db::Open(engine->db_path_));
  RETURN_IF_ERROR(db::Migrate(db.get()));
  ASSIGN_OR_RETURN(engine->secrets_, core::SecretBox::LoadOrCreate(data_dir));
  return engine;
}

core::StatusOr<std::unique_ptr<catalog::Catalog>> Engine::NewCatalog() const {
  ASSIGN_OR_RETURN(auto c,
                   catalog::SqliteCatalog::Open(db_path_, clock_, &registry_, secrets_.get()));
  return std::unique_ptr<catalog::Catalog>(std::move(c));
}

core::StatusOr<std::unique_ptr<profiles::ProfileStore>> Engine::NewStore() const {
  ASSIGN_OR_RETURN(auto s, profiles::SqliteProfileStore::Open(db_path_));
  return std::unique_ptr<profiles::ProfileStore>(std::move(s));
}

ExecutorDeps Engine::executor_deps() const {
  ExecutorDeps deps;
  deps.clock = clock_;
  deps.registry = &registry_;
  deps.reveal_config = [this](int64_t workspace_id, const catalog::Connection& c) {
    return RevealConfig(workspace_id, c);
  };
  // Rows per batch: an operator's knob (and the crash test's, to get many batches quickly).
  if (const char* rows = std::getenv("WSYNC_BATCH_ROWS")) {
    long n = std::strtol(rows, nullptr, 10);
    if (n > 0) deps.batch_rows = static_cast<size_t>(n);
  }
  return deps;
}

core::StatusOr<nlohmann::json> Engine::RevealConfig(int64_t workspace_id,
                                                    const catalog::Connection& connection) const {
  return catalog::RevealConfig(registry_, connection, workspace_id, secrets_.get());
}

}  // namespace wsync::sync

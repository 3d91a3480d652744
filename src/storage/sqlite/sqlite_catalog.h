// Catalog on the SQLite database. Opened alone it owns its connection; in a storage session
// (sqlite_backend.h) it shares the session's. Used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/secret_box.h"
#include "core/time.h"
#include "storage/sqlite/sqlite_db.h"
#include "warehouse/registry.h"

namespace wsync::catalog {

class SqliteCatalog : public Catalog {
 public:
  // Opens `path` (already migrated, see db::Migrate). `clock`, `providers` and `secrets` must
  // outlive the catalog. `providers` (not null) validate connections and say which of their
  // config keys are secrets. With `secrets`, those secrets are sealed on write (see secrets.h).
  static core::StatusOr<std::unique_ptr<SqliteCatalog>> Open(
      const std::string& path, const core::Clock* clock, const warehouse::Registry* providers,
      const core::SecretBox* secrets = nullptr);
  // The same on `db` (already migrated), which it may share with a session's other stores.
  static std::unique_ptr<SqliteCatalog> OnConnection(std::shared_ptr<db::Db> db,
                                                     const core::Clock* clock,
                                                     const warehouse::Registry* providers,
                                                     const core::SecretBox* secrets);

  core::StatusOr<Resource> Create(int64_t workspace_id, Kind kind, nlohmann::json body,
                                  const std::string& actor) override;
  core::StatusOr<Resource> Replace(int64_t workspace_id, Kind kind, const std::string& id,
                                   nlohmann::json body, const std::string& actor) override;
  core::StatusOr<Resource> Get(int64_t workspace_id, Kind kind, const std::string& id) override;
  core::Status MarkConnectionTrusted(int64_t workspace_id,
                                     const std::string& connection_id) override;
  core::StatusOr<ResourcePage> List(int64_t workspace_id, Kind kind, Page page) override;
  core::Status Delete(int64_t workspace_id, Kind kind, const std::string& id) override;
  core::StatusOr<PipelineState> GetState(int64_t workspace_id,
                                         const std::string& pipeline_id) override;
  core::StatusOr<StateChangeResult> ChangeState(int64_t workspace_id,
                                                const std::string& pipeline_id,
                                                const StateChange& change) override;
  core::Status SetHealth(int64_t workspace_id, const std::string& pipeline_id, Health status,
                         const nlohmann::json& errors) override;
  core::Status SetLastSlot(int64_t workspace_id, const std::string& pipeline_id,
                           int64_t slot) override;
  core::StatusOr<std::vector<LivePipeline>> LivePipelines() override;
  core::StatusOr<ConnectionState> GetConnectionState(int64_t workspace_id,
                                                     const std::string& connection_id) override;
  core::Status PutConnectionState(int64_t workspace_id, const std::string& connection_id,
                                  const ConnectionState& state) override;
  core::StatusOr<Run> CreateRun(const Run& run) override;
  core::StatusOr<Run> GetRun(int64_t workspace_id, int64_t run_id) override;
  core::StatusOr<std::vector<Run>> ListRuns(int64_t workspace_id, const std::string& pipeline_id,
                                            const RunFilter& filter, Page page,
                                            int64_t* total) override;
  core::StatusOr<std::vector<Run>> ActiveRuns(int64_t workspace_id, const std::string& pipeline_id,
                                              bool include_historical) override;
  core::StatusOr<std::vector<Run>> UnfinishedRuns() override;
  core::Status SetRunState(int64_t workspace_id, int64_t run_id, RunState state,
                           std::optional<std::string> error, int64_t now) override;
  core::Status RecordCheckpoint(int64_t workspace_id, const RunCheckpoint& checkpoint) override;
  core::StatusOr<std::vector<mapping::RowError>> RowErrors(int64_t workspace_id, int64_t run_id,
                                                           Page page, int64_t* total) override;
  core::StatusOr<bool> ClaimRun(int64_t workspace_id, int64_t run_id, const std::string& owner,
                                int64_t now, int64_t lease_until) override;
  core::StatusOr<std::vector<RenewedLease>> RenewLeases(const std::string& owner,
                                                        int64_t lease_until) override;
  core::StatusOr<bool> RequestCancel(int64_t workspace_id, int64_t run_id, int64_t now) override;
  core::StatusOr<int> ExpireLeases(int64_t lease_now, int64_t now,
                                   const std::function<bool(const std::string&)>& dead) override;

  db::Db* db() { return db_.get(); }

 private:
  SqliteCatalog(std::shared_ptr<db::Db> db, const core::Clock* clock,
                const warehouse::Registry* providers, const core::SecretBox* secrets)
      : db_(std::move(db)), clock_(clock), providers_(providers), secrets_(secrets) {}
  core::StatusOr<Resource> Write(int64_t workspace_id, Kind kind, nlohmann::json body,
                                 const std::string& actor, const std::string* replace_id);
  core::StatusOr<int64_t> InsertRun(const Run& run);
  core::StatusOr<std::vector<Run>> QueryRuns(const std::string& where,
                                             const std::function<void(db::Stmt&)>& bind);
  std::shared_ptr<db::Db> db_;
  const core::Clock* clock_;
  const warehouse::Registry* providers_;
  const core::SecretBox* secrets_;
};

}  // namespace wsync::catalog

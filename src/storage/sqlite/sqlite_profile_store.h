// ProfileStore on the SQLite database. Opened alone it owns its connection; in a storage
// session (sqlite_backend.h) it shares the session's. Used by one thread at a time. Profiles
// are rows holding their identities and attributes as JSON documents, so loading or writing a
// profile touches one row; the identities table is the lookup index.
#pragma once

#include <memory>
#include <string>

#include "profiles/profile_store.h"
#include "storage/sqlite/checkpointer.h"
#include "storage/sqlite/sqlite_db.h"

namespace wsync::profiles {

class SqliteProfileStore : public ProfileStore {
 public:
  // Opens `path` (already migrated by the caller, see db::Migrate).
  static core::StatusOr<std::unique_ptr<SqliteProfileStore>> Open(const std::string& path);
  // The same on `db` (already migrated), which it may share with a session's other stores; the
  // session runs the connection's checkpointer.
  static std::unique_ptr<SqliteProfileStore> OnConnection(std::shared_ptr<db::Db> db);

  core::StatusOr<std::unordered_map<IdentityRef, int64_t, IdentityRefHash>> LookupIdentities(
      const Scope& scope, const std::vector<IdentityRef>& keys) override;
  core::StatusOr<std::unordered_map<int64_t, Profile>> LoadProfiles(
      const Scope& scope, const std::vector<int64_t>& mpids) override;
  core::StatusOr<std::unordered_set<std::string>> ExistingEvents(
      const Scope& scope, const std::vector<std::string>& keys) override;
  core::StatusOr<std::unordered_map<std::string, uint64_t>> LookupFingerprints(
      int64_t workspace_id, const std::string& pipeline_id,
      const std::vector<std::string>& row_keys) override;
  core::Status ClearFingerprints(int64_t workspace_id, const std::string& pipeline_id) override;
  core::StatusOr<int64_t> ClaimMpids(int64_t count) override;
  core::Status Transaction(const std::function<core::Status()>& fn) override;
  core::Status Apply(const Scope& scope, const ChangeSet& changes) override;
  core::StatusOr<Profile> Get(int64_t workspace_id, int64_t mpid) override;
  core::StatusOr<ProfilePage> List(int64_t workspace_id,
                                   const std::optional<std::string>& environment,
                                   const std::optional<IdentityRef>& identity, int64_t page,
                                   int64_t page_size) override;
  core::StatusOr<std::vector<StoredEvent>> Events(int64_t workspace_id, int64_t mpid,
                                                  int64_t limit) override;
  core::Status Erase(int64_t workspace_id, int64_t mpid) override;

 private:
  explicit SqliteProfileStore(std::shared_ptr<db::Db> db) : db_(std::move(db)) {}
  core::StatusOr<Profile> ReadProfile(db::Stmt* stmt);
  std::shared_ptr<db::Db> db_;
  std::unique_ptr<db::BackgroundCheckpointer> checkpointer_;  // stops before db_ closes
};

}  // namespace wsync::profiles

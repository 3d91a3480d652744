// ProfileStore on the one SQLite database. Owns its own connection; use one instance per
// thread. Profiles are rows holding their identities and attributes as JSON documents, so
// loading or writing a profile touches one row; the identities table is the lookup index.
#pragma once

#include <memory>
#include <string>

#include "db/checkpointer.h"
#include "db/sqlite_db.h"
#include "profiles/profile_store.h"

namespace wsync::profiles {

class SqliteProfileStore : public ProfileStore {
 public:
  // Opens `path` (already migrated by the caller, see db::Migrate).
  static core::StatusOr<std::unique_ptr<SqliteProfileStore>> Open(const std::string& path);

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
  core::Status Apply(const Scope& scope, const ChangeSet& changes,
                     const Checkpoint& checkpoint) override;
  core::StatusOr<Profile> Get(int64_t workspace_id, int64_t mpid) override;
  core::StatusOr<ProfilePage> List(int64_t workspace_id,
                                   const std::optional<std::string>& environment,
                                   const std::optional<IdentityRef>& identity, int64_t page,
                                   int64_t page_size) override;
  core::StatusOr<std::vector<StoredEvent>> Events(int64_t workspace_id, int64_t mpid,
                                                  int64_t limit) override;
  core::Status Erase(int64_t workspace_id, int64_t mpid) override;

 private:
  explicit SqliteProfileStore(std::unique_ptr<db::Db> db) : db_(std::move(db)) {}
  core::Status WriteCheckpoint(int64_t workspace_id, const Checkpoint& checkpoint);
  core::StatusOr<Profile> ReadProfile(db::Stmt* stmt);
  std::unique_ptr<db::Db> db_;
  std::unique_ptr<db::BackgroundCheckpointer> checkpointer_;  // stops before db_ closes
};

}  // namespace wsync::profiles

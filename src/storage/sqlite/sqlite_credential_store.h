// CredentialStore on the SQLite database (storage/credential_store.h): secrets as Argon2id
// hashes (libsodium crypto_pwhash_str), tokens as BLAKE2b hashes with an expiry.
//
// Threads: used by one thread at a time, like the session connection it shares.
#pragma once

#include <memory>

#include "core/time.h"
#include "storage/credential_store.h"
#include "storage/sqlite/sqlite_db.h"

namespace wsync::storage {

class SqliteCredentialStore : public CredentialStore {
 public:
  // Works on `db` (already migrated), which it may share with the session's other stores. The
  // clock must outlive the store.
  static core::StatusOr<std::unique_ptr<SqliteCredentialStore>> Open(std::shared_ptr<db::Db> db,
                                                                     const core::Clock* clock);

  core::StatusOr<NewCredential> Create(int64_t workspace_id) override;
  core::StatusOr<std::vector<CredentialInfo>> List(int64_t workspace_id) override;
  core::Status Revoke(int64_t workspace_id, const std::string& client_id) override;
  core::StatusOr<IssuedToken> IssueToken(std::string_view client_id,
                                         std::string_view client_secret) override;
  core::StatusOr<Principal> Authenticate(std::string_view token) override;
  core::Status Ping() override;

 private:
  SqliteCredentialStore(std::shared_ptr<db::Db> db, const core::Clock* clock)
      : db_(std::move(db)), clock_(clock) {}
  std::shared_ptr<db::Db> db_;
  const core::Clock* clock_;
};

}  // namespace wsync::storage

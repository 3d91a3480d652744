// API credentials and access tokens (SPEC §8 auth, §10 `wsync credentials`). A credential is a
// client id and secret bound to one workspace; the secret is stored only as an Argon2id hash
// (libsodium crypto_pwhash_str). POST /oauth/token exchanges id + secret for a random bearer
// token that is stored only as its BLAKE2b hash with an expiry, so tokens survive restarts and
// are valid on every node sharing the database. Every request re-checks that the token's
// credential is not revoked, so revoking takes effect at once.
//
// Threads: one CredentialStore per thread (it owns a database connection). The clock must
// outlive the store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.h"
#include "core/status.h"
#include "core/time.h"
#include "db/sqlite_db.h"

namespace wsync::api {

inline constexpr int64_t kTokenLifetimeSeconds = 8 * 3600;

struct NewCredential {
  std::string client_id;
  std::string client_secret;  // shown once; only its hash is kept
};

struct CredentialInfo {
  std::string client_id;
  int64_t workspace_id = 0;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in = kTokenLifetimeSeconds;
};

class CredentialStore {
 public:
  // Opens the (already migrated) database at `path`.
  static core::StatusOr<std::unique_ptr<CredentialStore>> Open(const std::string& path,
                                                               const core::Clock* clock);

  core::StatusOr<NewCredential> Create(int64_t workspace_id);
  core::StatusOr<std::vector<CredentialInfo>> List(int64_t workspace_id);
  // Marks the credential revoked and deletes its tokens. NotFound when the workspace has no
  // such credential; revoking twice is fine.
  core::Status Revoke(int64_t workspace_id, const std::string& client_id);

  // Unauthenticated with one message for an unknown client, a wrong secret and a revoked
  // credential, so a caller cannot probe which client ids exist.
  core::StatusOr<IssuedToken> IssueToken(std::string_view client_id,
                                         std::string_view client_secret);
  // The principal behind a bearer token; Unauthenticated when unknown, expired or revoked.
  core::StatusOr<Principal> Authenticate(std::string_view token);

  // A trivial query: is the database reachable (GET /healthz).
  core::Status Ping();

 private:
  CredentialStore(std::unique_ptr<db::Db> db, const core::Clock* clock)
      : db_(std::move(db)), clock_(clock) {}
  std::unique_ptr<db::Db> db_;
  const core::Clock* clock_;
};

}  // namespace wsync::api

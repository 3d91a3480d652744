// API credentials and access tokens (SPEC §8 auth, §10 `wsync credentials`). A credential is a
// client id and secret bound to one workspace; a backend keeps the secret only as an Argon2id
// hash. IssueToken exchanges id + secret for a random bearer token kept only as a hash with an
// expiry, so tokens survive restarts and are valid on every node sharing the deployment. Every
// Authenticate re-checks that the token's credential is not revoked, so revoking takes effect
// at once.
//
// Threads: a CredentialStore belongs to one storage Session (storage/backend.h) and is used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wsync::storage {

inline constexpr int64_t kTokenLifetimeSeconds = 8 * 3600;

// Who a request acts as: the credential behind its bearer token.
struct Principal {
  std::string client_id;
  int64_t workspace_id = 0;
};

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
  virtual ~CredentialStore() = default;

  virtual core::StatusOr<NewCredential> Create(int64_t workspace_id) = 0;
  virtual core::StatusOr<std::vector<CredentialInfo>> List(int64_t workspace_id) = 0;
  // Marks the credential revoked and deletes its tokens. NotFound when the workspace has no
  // such credential; revoking twice is fine.
  virtual core::Status Revoke(int64_t workspace_id, const std::string& client_id) = 0;

  // Unauthenticated with one message for an unknown client, a wrong secret and a revoked
  // credential, so a caller cannot probe which client ids exist.
  virtual core::StatusOr<IssuedToken> IssueToken(std::string_view client_id,
                                                 std::string_view client_secret) = 0;
  // The principal behind a bearer token; Unauthenticated when unknown, expired or revoked.
  virtual core::StatusOr<Principal> Authenticate(std::string_view token) = 0;

  // A trivial query: is the database reachable (GET /healthz).
  virtual core::Status Ping() = 0;
};

}  // namespace wsync::storage

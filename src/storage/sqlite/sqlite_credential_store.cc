#include "storage/sqlite/sqlite_credential_store.h"

#include <sodium.h>

#include <cstring>

namespace wsync::storage {

namespace {

constexpr char kInvalidClient[] = "invalid client credentials";
constexpr char kInvalidToken[] =
    "the access token is unknown, expired or revoked; get a new one from POST /oauth/token";

std::string RandomText(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), buf.data(), buf.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  std::string out(2 * bytes + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), buf.data(), buf.size());
  out.resize(2 * bytes);
  return out;
}

// Tokens are long random strings, so a fast hash is enough (no dictionary to attack).
std::string TokenHash(std::string_view token) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[2 * crypto_generichash_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

core::StatusOr<std::string> HashSecret(const std::string& secret) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return core::ResourceExhausted("not enough memory to hash a client secret");
  }
  return std::string(hash);
}

// A hash of a random secret nobody knows: verifying against it when the client id is unknown
// makes that answer take as long as a wrong secret.
const std::string& DecoyHash() {
  static const std::string hash = [] {
    auto h = HashSecret(RandomText(32));
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

}  // namespace

core::StatusOr<std::unique_ptr<SqliteCredentialStore>> SqliteCredentialStore::Open(
    std::shared_ptr<db::Db> db, const core::Clock* clock) {
  if (sodium_init() < 0) return core::Internal("libsodium failed to initialise");
  return std::unique_ptr<SqliteCredentialStore>(new SqliteCredentialStore(std::move(db), clock));
}

core::StatusOr<NewCredential> SqliteCredentialStore::Create(int64_t workspace_id) {
  if (workspace_id <= 0) return core::InvalidArgument("workspace must be a positive integer");
  NewCredential cred{"wsc_" + RandomHex(12), "wss_" + RandomText(32)};
  ASSIGN_OR_RETURN(std::string hash, HashSecret(cred.client_secret));
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("INSERT INTO credentials (client_id, workspace_id, "
                                            "secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)"));
  s.Bind(1, cred.client_id).Bind(2, workspace_id).Bind(3, hash).Bind(4, clock_->NowMicros());
  RETURN_IF_ERROR(s.Run());
  return cred;
}

core::StatusOr<std::vector<CredentialInfo>> SqliteCredentialStore::List(int64_t workspace_id) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT client_id, workspace_id, created_at, "
                                            "revoked_at FROM credentials WHERE workspace_id = ?1 "
                                            "ORDER BY created_at, client_id"));
  s.Bind(1, workspace_id);
  std::vector<CredentialInfo> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Int(2), s.OptInt(3)});
  }
  return out;
}

core::Status SqliteCredentialStore::Revoke(int64_t workspace_id, const std::string& client_id) {
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(db::Stmt s,
                     db_->Prepare("UPDATE credentials SET revoked_at = coalesce(revoked_at, ?3) "
                                  "WHERE client_id = ?1 AND workspace_id = ?2"));
    s.Bind(1, client_id).Bind(2, workspace_id).Bind(3, clock_->NowMicros());
    RETURN_IF_ERROR(s.Run());
    if (db_->Changes() == 0) {
      return core::NotFound("workspace " + std::to_string(workspace_id) + " has no credential '" +
                            client_id + "'");
    }
    ASSIGN_OR_RETURN(db::Stmt d, db_->Prepare("DELETE FROM tokens WHERE client_id = ?1"));
    d.Bind(1, client_id);
    return d.Run();
  });
}

core::StatusOr<IssuedToken> SqliteCredentialStore::IssueToken(std::string_view client_id,
                                                              std::string_view client_secret) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT workspace_id, secret_hash, revoked_at FROM "
                                            "credentials WHERE client_id = ?1"));
  s.Bind(1, client_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  const std::string hash = row ? s.Text(1) : DecoyHash();
  const bool verified =
      crypto_pwhash_str_verify(hash.c_str(), client_secret.data(), client_secret.size()) == 0;
  if (!row || !verified || !s.IsNull(2)) return core::Unauthenticated(kInvalidClient);
  const int64_t workspace_id = s.Int(0);
  s = db::Stmt();

  IssuedToken token;
  token.access_token = "wst_" + RandomText(32);
  const int64_t now = clock_->NowMicros();
  RETURN_IF_ERROR(db::InTransaction(db_.get(), [&]() -> core::Status {
    // Expired tokens are dead weight; drop them while we hold the write lock anyway.
    ASSIGN_OR_RETURN(db::Stmt purge, db_->Prepare("DELETE FROM tokens WHERE expires_at <= ?1"));
    purge.Bind(1, now);
    RETURN_IF_ERROR(purge.Run());
    ASSIGN_OR_RETURN(db::Stmt ins, db_->Prepare("INSERT INTO tokens (token_hash, client_id, "
                                                "workspace_id, expires_at) VALUES (?1, ?2, ?3, "
                                                "?4)"));
    ins.Bind(1, TokenHash(token.access_token)).Bind(2, client_id).Bind(3, workspace_id);
    ins.Bind(4, now + kTokenLifetimeSeconds * core::kMicrosPerSecond);
    return ins.Run();
  }));
  return token;
}

core::StatusOr<Principal> SqliteCredentialStore::Authenticate(std::string_view token) {
  if (token.empty()) return core::Unauthenticated(kInvalidToken);
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT t.client_id, t.workspace_id FROM tokens t JOIN "
                                            "credentials c ON c.client_id = t.client_id WHERE "
                                            "t.token_hash = ?1 AND t.expires_at > ?2 AND "
                                            "c.revoked_at IS NULL"));
  s.Bind(1, TokenHash(token)).Bind(2, clock_->NowMicros());
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return core::Unauthenticated(kInvalidToken);
  return Principal{s.Text(0), s.Int(1)};
}

core::Status SqliteCredentialStore::Ping() {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT count(*) FROM credentials"));
  return s.Step().status();
}

}  // namespace wsync::storage

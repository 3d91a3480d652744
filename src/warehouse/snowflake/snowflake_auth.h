// Key-pair authentication for the Snowflake SQL API: the user's RSA private key (PEM, PKCS#8 or
// PKCS#1, unencrypted) signs a short-lived JWT (RS256, OpenSSL) whose claims Snowflake checks
// against the public key registered on the user (ALTER USER … SET RSA_PUBLIC_KEY):
//   iss = ACCOUNT.USER.SHA256:<base64 of the SHA-256 of the public key's DER encoding>
//   sub = ACCOUNT.USER, iat = now, exp = now + lifetime (Snowflake allows at most one hour)
// where ACCOUNT is the account identifier as Snowflake documents it for key-pair tokens: upper
// case, without region, cloud or domain parts (everything from the first '.'), and USER is the
// user name in upper case. The fingerprint equals DESCRIBE USER's RSA_PUBLIC_KEY_FP, which
// error messages show so an operator can compare the two.
// The key handling and RS256 signing are shared with BigQuery (warehouse/http/jwt.h).
// A SnowflakeKeyPair is immutable after Load; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "warehouse/http/base64.h"
#include "warehouse/http/jwt.h"

namespace wsync::warehouse {

// "myorg-acct.us-east-1.aws" → "MYORG-ACCT"; "xy12345" → "XY12345".
std::string JwtAccountName(std::string_view account_identifier);

class SnowflakeKeyPair {
 public:
  // InvalidArgument (naming config.private_key, never quoting it) when `pem` holds no usable
  // RSA private key, or an encrypted one.
  static core::StatusOr<std::unique_ptr<SnowflakeKeyPair>> Load(std::string_view pem);
  ~SnowflakeKeyPair();
  SnowflakeKeyPair(const SnowflakeKeyPair&) = delete;
  SnowflakeKeyPair& operator=(const SnowflakeKeyPair&) = delete;

  // "SHA256:…" as DESCRIBE USER shows it (RSA_PUBLIC_KEY_FP).
  const std::string& fingerprint() const { return fingerprint_; }
  // A signed token for `account_identifier` (normalised here) and `user`, issued at `now_s`
  // (Unix seconds), valid `lifetime_s`.
  core::StatusOr<std::string> Jwt(std::string_view account_identifier, std::string_view user,
                                  int64_t now_s, int64_t lifetime_s) const;

 private:
  SnowflakeKeyPair(std::unique_ptr<RsaPrivateKey> key, std::string fingerprint);
  std::unique_ptr<RsaPrivateKey> key_;
  std::string fingerprint_;
};

}  // namespace wsync::warehouse

// RS256 JSON Web Tokens, shared by the warehouses that authenticate with an RSA key: Snowflake's
// key-pair tokens and Google's service-account assertions (OAuth2 JWT bearer grant). An
// RsaPrivateKey holds an unencrypted RSA private key read from PEM (PKCS#8 or PKCS#1, with real
// newlines, "\n" escapes as JSON key files hold them, or only the base64 body); SignJwt writes
// header.claims.signature with base64url segments. Nothing of a key's text reaches a message.
// An RsaPrivateKey is immutable after Load; thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace wsync::warehouse {

class RsaPrivateKey {
 public:
  // InvalidArgument on `field` (never quoting the key) when `pem` holds no usable RSA private
  // key, or an encrypted one; `hint` ends the message (how to write a usable key).
  static core::StatusOr<std::unique_ptr<RsaPrivateKey>> Load(std::string_view pem,
                                                             std::string_view field,
                                                             std::string_view hint);
  ~RsaPrivateKey();
  RsaPrivateKey(const RsaPrivateKey&) = delete;
  RsaPrivateKey& operator=(const RsaPrivateKey&) = delete;

  // Base64 of the SHA-256 of the public key's DER (SubjectPublicKeyInfo) encoding.
  const std::string& public_key_sha256() const { return public_key_sha256_; }
  // The RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature of `input`.
  core::StatusOr<std::string> Sign(std::string_view input) const;

 private:
  RsaPrivateKey(EVP_PKEY* key, std::string public_key_sha256);
  EVP_PKEY* key_;
  std::string public_key_sha256_;
};

// base64url(header) "." base64url(claims) "." base64url(RS256 signature); `header` gets
// "alg":"RS256" and "typ":"JWT" unless it says otherwise.
core::StatusOr<std::string> SignJwt(const RsaPrivateKey& key, nlohmann::json header,
                                    const nlohmann::json& claims);

}  // namespace wsync::warehouse

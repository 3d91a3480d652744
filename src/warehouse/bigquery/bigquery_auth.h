// Google service-account authentication for BigQuery (OAuth 2.0 for server-to-server
// applications): the service account's JSON key (type "service_account", client_email,
// private_key_id, private_key, project_id) signs a JWT assertion (RS256, warehouse/http/jwt.h)
//   header {"alg":"RS256","typ":"JWT","kid":private_key_id}
//   claims {"iss":client_email,"scope":"https://www.googleapis.com/auth/bigquery",
//           "aud":<token URL>,"iat":now,"exp":now+3600}
// that the token endpoint (POST application/x-www-form-urlencoded grant_type=urn:ietf:params:
// oauth:grant-type:jwt-bearer&assertion=…) exchanges for an access token
// {"access_token","expires_in","token_type":"Bearer"}. GoogleTokenSource caches the token and
// fetches a new one five minutes before it expires (or when the API said 401).
//
// Failures: the endpoint's 400/401 (invalid_grant: a deleted or disabled key, a wrong account,
// a clock far off; invalid_client) → Unauthenticated authentication_failed naming the account
// and key id, never the key; 429 / 5xx after retries → ResourceExhausted throttled / Unavailable
// unreachable. The key and tokens never appear in a message.
//
// ServiceAccountKey is a plain value. GoogleTokenSource is thread-safe (a connector and the
// streams it returned share one).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "core/stop_token.h"
#include "core/time.h"
#include "warehouse/http/http_transport.h"
#include "warehouse/http/jwt.h"
#include "warehouse/http/retry.h"

namespace wsync::warehouse {

inline constexpr char kBigQueryScope[] = "https://www.googleapis.com/auth/bigquery";
inline constexpr char kGoogleTokenUrl[] = "https://oauth2.googleapis.com/token";

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_id;
  std::string project_id;
  std::shared_ptr<const RsaPrivateKey> key;
};

// Reads config.service_account_key: the key file's JSON as an object or as text.
// InvalidArgument on config.service_account_key (never quoting it) when it is not a service
// account key or its private_key is not a usable RSA key.
core::StatusOr<ServiceAccountKey> ReadServiceAccountKey(const nlohmann::json& value);

// `text` with everything but unreserved characters (RFC 3986) percent-encoded: form fields,
// path segments and query values.
std::string PercentEncode(std::string_view text);

// The signed assertion for `key`, issued at `now_s`, for the token endpoint `audience`.
core::StatusOr<std::string> GoogleAssertion(const ServiceAccountKey& key,
                                            const std::string& audience, int64_t now_s);

struct TokenEndpoint {
  std::string url;  // the token URL (config.token_url or kGoogleTokenUrl)
  bool trusted = false;
  std::string origin = "config.token_url";
};

class GoogleTokenSource {
 public:
  // `transport` and `clock` outlive the source; `retry_env` null: real sleeping.
  GoogleTokenSource(ServiceAccountKey key, TokenEndpoint endpoint, HttpTransport* transport,
                    const core::Clock* clock, const RetryEnv* retry_env);

  const ServiceAccountKey& key() const { return key_; }
  // "Bearer <token>", fetching a token when none is cached or it ends within five minutes.
  core::StatusOr<std::string> Authorization(const core::StopToken* stop);
  // Drops the cached token (the API refused it).
  void Invalidate();
  int fetches() const;

 private:
  ServiceAccountKey key_;
  TokenEndpoint endpoint_;
  HttpTransport* transport_;
  const core::Clock* clock_;
  const RetryEnv* retry_env_;
  mutable std::mutex mu_;
  std::string token_;
  int64_t expires_s_ = 0;
  int fetches_ = 0;
};

}  // namespace wsync::warehouse

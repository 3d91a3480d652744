#include "warehouse/bigquery/bigquery_auth.h"

#include <cctype>
#include <cstdio>

#include "warehouse/bigquery/bigquery_result.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using nlohmann::json;

constexpr int64_t kAssertionLifetimeS = 3600;  // the most Google accepts
constexpr int64_t kRenewBeforeS = 300;

core::Status BadKey(std::string message) {
  return core::Status::InvalidField("config.service_account_key", std::move(message));
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    }
  }
  return out;
}

core::StatusOr<ServiceAccountKey> ReadServiceAccountKey(const json& value) {
  json key = value;
  if (value.is_string()) {
    key = json::parse(value.get<std::string>(), nullptr, false);
    if (key.is_discarded()) {
      return BadKey(
          "is not JSON: paste the whole key file that `gcloud iam service-accounts keys "
          "create` (or the console's Keys tab) wrote");
    }
  }
  if (!key.is_object()) return BadKey("must be the service account's JSON key file");
  const auto text = [&](const char* name) {
    auto it = key.find(name);
    return it != key.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text("type") != "service_account") {
    return BadKey("is not a service account key (its \"type\" is not \"service_account\")");
  }
  ServiceAccountKey out;
  out.client_email = text("client_email");
  out.private_key_id = text("private_key_id");
  out.project_id = text("project_id");
  if (out.client_email.empty()) return BadKey("has no client_email");
  if (text("private_key").empty()) return BadKey("has no private_key");
  ASSIGN_OR_RETURN(std::unique_ptr<RsaPrivateKey> rsa,
                   RsaPrivateKey::Load(text("private_key"), "config.service_account_key",
                                       "the private_key of a JSON key file as Google wrote it"));
  out.key = std::move(rsa);
  return out;
}

core::StatusOr<std::string> GoogleAssertion(const ServiceAccountKey& key,
                                            const std::string& audience, int64_t now_s) {
  json header = json::object();
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  const json claims = {{"iss", key.client_email},
                       {"scope", kBigQueryScope},
                       {"aud", audience},
                       {"iat", now_s},
                       {"exp", now_s + kAssertionLifetimeS}};
  return SignJwt(*key.key, std::move(header), claims);
}

GoogleTokenSource::GoogleTokenSource(ServiceAccountKey key, TokenEndpoint endpoint,
                                     HttpTransport* transport, const core::Clock* clock,
                                     const RetryEnv* retry_env)
    : key_(std::move(key)),
      endpoint_(std::move(endpoint)),
      transport_(transport),
      clock_(clock),
      retry_env_(retry_env) {}

void GoogleTokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  token_.clear();
}

int GoogleTokenSource::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

core::StatusOr<std::string> GoogleTokenSource::Authorization(const core::StopToken* stop) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_->NowMicros() / core::kMicrosPerSecond;
  if (!token_.empty() && now + kRenewBeforeS < expires_s_) return "Bearer " + token_;
  ASSIGN_OR_RETURN(std::string assertion, GoogleAssertion(key_, endpoint_.url, now));
  HttpRequest r;
  r.method = "POST";
  r.url = endpoint_.url;
  r.timeout = std::chrono::seconds(30);
  r.max_response_bytes = 1u << 20;
  r.trusted = endpoint_.trusted;
  r.origin = endpoint_.origin;
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.body = "grant_type=" + PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
           "&assertion=" + PercentEncode(assertion);
  ASSIGN_OR_RETURN(HttpResponse response,
                   SendWithRetry(transport_, std::move(r), stop, RetryPolicy(), retry_env_));
  ++fetches_;
  const std::string who =
      "service account '" + key_.client_email + "'" +
      (key_.private_key_id.empty() ? "" : " (key id " + key_.private_key_id + ")");
  if (response.status != 200) {
    const BigQueryError e = ReadBigQueryError(response.body);
    std::string said = e.oauth_error.empty() ? e.message : e.oauth_error;
    if (!e.oauth_error.empty() && !e.message.empty()) said += ": " + e.message;
    if (said.empty()) said = "HTTP " + std::to_string(response.status);
    if (response.status == 429) {
      return WarehouseError(core::StatusCode::kResourceExhausted, kReasonThrottled,
                            "Google's token endpoint is throttling " + who + " (" + said +
                                "); the run will be retried later");
    }
    if (response.status >= 500) {
      return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                            "Google's token endpoint failed for " + who + " (" + said + ")");
    }
    return WarehouseError(core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                          "Google refused the key of " + who + " (" + said +
                              "): check that config.service_account_key is a current key of "
                              "this service account (not deleted or disabled) and that the "
                              "machine's clock is right");
  }
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      body["access_token"].get<std::string>().empty()) {
    return core::Internal("Google's token endpoint answered without an access_token");
  }
  int64_t lifetime = 3600;
  if (auto it = body.find("expires_in"); it != body.end() && it->is_number_integer()) {
    lifetime = it->get<int64_t>();
  }
  token_ = body["access_token"].get<std::string>();
  expires_s_ = now + lifetime;
  return "Bearer " + token_;
}

}  // namespace wsync::warehouse

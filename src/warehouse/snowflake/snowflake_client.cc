#include "warehouse/snowflake/snowflake_client.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <utility>

#include "warehouse/common_config.h"
#include "warehouse/http/rest_util.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

// Snowflake accepts key-pair tokens valid for at most an hour; a new one is made a minute
// before the old one ends.
constexpr int64_t kJwtLifetimeS = 3540;
constexpr int64_t kJwtRenewS = 60;
constexpr std::chrono::seconds kCancelTimeout{10};
// What a single answer may hold besides a partition's rows (status bodies, ResultSet metadata).
constexpr size_t kMinAnswerBytes = 64u << 20;
constexpr size_t kMaxAnswerBytes = 1u << 30;

bool IdentifierChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 engine(std::random_device{}());
  const uint64_t hi = engine(), lo = engine();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0x0fff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

}  // namespace

std::string ShiftErrorLines(std::string message) {
  static constexpr std::string_view kLine = "line ";
  for (size_t p = 0; (p = message.find(kLine, p)) != std::string::npos;) {
    size_t digits = p + kLine.size(), end = digits;
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    if (end == digits || end - digits > 9 || message.compare(end, 12, " at position") != 0) {
      p = digits;
      continue;
    }
    const long n = std::stol(message.substr(digits, end - digits));
    const std::string shifted = std::to_string(n >= 2 ? n - 1 : n);
    message.replace(digits, end - digits, shifted);
    p = digits + shifted.size();
  }
  return message;
}

core::StatusOr<SnowflakeConfig> ReadSnowflakeConfig(const nlohmann::json& config) {
  if (!config.is_object()) return core::Status::InvalidField("config", "must be an object");
  SnowflakeConfig c;
  ASSIGN_OR_RETURN(c.account_identifier, OptionalConfigString(config, "account_identifier"));
  ASSIGN_OR_RETURN(c.region, OptionalConfigString(config, "region"));
  ASSIGN_OR_RETURN(c.warehouse, OptionalConfigString(config, "warehouse"));
  ASSIGN_OR_RETURN(c.database, OptionalConfigString(config, "database"));
  ASSIGN_OR_RETURN(c.schema, OptionalConfigString(config, "schema"));
  ASSIGN_OR_RETURN(c.role, OptionalConfigString(config, "role"));
  ASSIGN_OR_RETURN(c.user, OptionalConfigString(config, "user"));
  ASSIGN_OR_RETURN(c.private_key, OptionalConfigString(config, "private_key"));
  ASSIGN_OR_RETURN(c.token, OptionalConfigString(config, "token"));
  ASSIGN_OR_RETURN(c.base_url, OptionalConfigString(config, "base_url"));
  for (const char* suffix : {".snowflakecomputing.com", ".snowflakecomputing.cn"}) {
    if (Lower(c.account_identifier).ends_with(suffix)) {
      c.account_identifier.resize(c.account_identifier.size() - std::string_view(suffix).size());
    }
  }
  if (!IdentifierChars(c.account_identifier)) {
    return core::Status::InvalidField(
        "config.account_identifier",
        "may hold only letters, digits, '-', '_' and '.' (as in myorg-myaccount)");
  }
  if (!IdentifierChars(c.region)) {
    return core::Status::InvalidField("config.region",
                                      "may hold only letters, digits, '-', '_' and '.'");
  }
  if (!c.private_key.empty() && !c.token.empty()) {
    return core::Status::InvalidField("config.token",
                                      "give either config.private_key or config.token, not both");
  }
  if (c.private_key.empty() && c.token.empty()) {
    return core::Status::InvalidField(
        "config.private_key",
        "is required: the user's RSA private key (key-pair authentication), or give config.token "
        "(a programmatic access token)");
  }
  if ((c.base_url.empty() || !c.private_key.empty()) && c.account_identifier.empty()) {
    return core::Status::InvalidField("config.account_identifier",
                                      "is required (as in myorg-myaccount)");
  }
  if (!c.private_key.empty() && c.user.empty()) {
    return core::Status::InvalidField("config.user", "is required for key-pair authentication");
  }
  if (c.base_url.empty()) {
    std::string host = Lower(c.account_identifier);
    std::replace(host.begin(), host.end(), '_', '-');  // account URLs spell '_' as '-'
    if (!c.region.empty()) host += "." + Lower(c.region);
    c.base_url = "https://" + host + ".snowflakecomputing.com";
  } else {
    c.base_url_given = true;
    ASSIGN_OR_RETURN(c.base_url, NormalizeBaseUrl(std::move(c.base_url), "base_url"));
  }
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommonConfig(config));
  c.statement_timeout = common.statement_timeout;
  c.max_columns = common.max_columns;
  return c;
}

SnowflakeClient::SnowflakeClient(SnowflakeConfig config,
                                 std::shared_ptr<const SnowflakeKeyPair> keys,
                                 ConnectorContext context, HttpTransport* transport,
                                 const core::Clock* clock, const RetryEnv* retry_env,
                                 SnowflakePolling polling)
    : config_(std::move(config)),
      keys_(std::move(keys)),
      context_(context),
      transport_(transport),
      clock_(clock),
      retry_env_(retry_env != nullptr ? retry_env : &SystemRetryEnv()),
      polling_(polling) {}

core::StatusOr<std::string> SnowflakeClient::AuthorizationValue() {
  if (keys_ == nullptr) return "Bearer " + config_.token;
  const int64_t now = clock_->NowMicros() / core::kMicrosPerSecond;
  if (jwt_.empty() || now + kJwtRenewS >= jwt_expires_s_) {
    ASSIGN_OR_RETURN(jwt_,
                     keys_->Jwt(config_.account_identifier, config_.user, now, kJwtLifetimeS));
    jwt_expires_s_ = now + kJwtLifetimeS;
  }
  return "Bearer " + jwt_;
}

HttpRequest SnowflakeClient::NewRequest(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = config_.base_url + path;
  r.timeout = std::chrono::seconds(120);
  r.max_response_bytes = kMinAnswerBytes;
  r.trusted = context_.trusted;
  r.origin = config_.base_url_given ? "config.base_url" : "config.account_identifier";
  r.headers = {{"Accept", "application/json"},
               {"X-Snowflake-Authorization-Token-Type",
                keys_ != nullptr ? "KEYPAIR_JWT" : "PROGRAMMATIC_ACCESS_TOKEN"}};
  return r;
}

core::StatusOr<HttpResponse> SnowflakeClient::Exchange(HttpRequest request, std::string_view what,
                                                       bool wrapped, bool mark_retries) {
  ASSIGN_OR_RETURN(std::string auth, AuthorizationValue());
  request.headers.emplace_back("Authorization", std::move(auth));
  std::function<void(HttpRequest*)> before_retry;
  if (mark_retries) {
    // A resubmitted statement with the same requestId runs once (Snowflake's retry=true).
    before_retry = [](HttpRequest* r) {
      if (r->url.find("&retry=true") == std::string::npos) r->url += "&retry=true";
    };
  }
  ASSIGN_OR_RETURN(HttpResponse response,
                   SendWithRetry(transport_, std::move(request), context_.stop, RetryPolicy(),
                                 retry_env_, before_retry));
  if (response.status == 200 || response.status == 202) return response;
  return ErrorFor(response, what, wrapped);
}

core::Status SnowflakeClient::ErrorFor(const HttpResponse& response, std::string_view what,
                                       bool wrapped) const {
  const StatementInfo info = ReadStatementInfo(response.body);
  std::string detail = OneLine(info.message);
  if (wrapped) detail = ShiftErrorLines(detail);
  std::string codes;
  if (!info.code.empty()) codes = "code " + info.code;
  if (!info.sql_state.empty())
    codes += (codes.empty() ? "" : ", ") + ("SQL state " + info.sql_state);
  const std::string said = (detail.empty() ? "HTTP " + std::to_string(response.status) : detail) +
                           (codes.empty() ? "" : " (" + codes + ")");
  const std::string doing = " while " + std::string(what);
  const std::string role =
      config_.role.empty() ? "the user's default role" : "role '" + config_.role + "'";
  using core::StatusCode;
  const int s = response.status;
  if (s == 401) {
    if (keys_ == nullptr) {
      return WarehouseError(StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                            "Snowflake refused config.token" + doing + " (" + said +
                                "): check that the programmatic access token is valid, has not "
                                "expired and belongs to this account");
    }
    return WarehouseError(
        StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
        "Snowflake refused the key-pair token of user '" + config_.user + "' in account '" +
            JwtAccountName(config_.account_identifier) + "'" + doing + " (" + said +
            "): check config.account_identifier and config.user, and that the user's "
            "RSA_PUBLIC_KEY is the public half of config.private_key (fingerprint " +
            keys_->fingerprint() + ")");
  }
  if (s == 429) {
    return WarehouseError(StatusCode::kResourceExhausted, kReasonThrottled,
                          "Snowflake is throttling this account's requests" + doing + " (" + said +
                              "); the run will be retried later");
  }
  if (s >= 500) {
    return WarehouseError(StatusCode::kUnavailable, kReasonUnreachable,
                          "Snowflake failed" + doing + " (" + said + ")");
  }
  if (s == 408 || info.code == "000630") {
    return WarehouseError(StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                          "the statement ran past its time limit (" +
                              std::to_string(config_.statement_timeout.count()) + " s)" + doing +
                              " (" + said +
                              "): raise config.statement_timeout_s, use a larger warehouse or "
                              "make the data model cheaper");
  }
  if (info.code == "000604") return core::Cancelled("Snowflake cancelled the statement" + doing);
  if (info.code == "390201") {
    const std::string m = Lower(detail);
    if (m.find("warehouse") != std::string::npos) {
      return WarehouseError(StatusCode::kNotFound, kReasonWarehouseNotFound,
                            "warehouse '" + config_.warehouse + "' does not exist or " + role +
                                " may not use it (" + said +
                                "): check config.warehouse and GRANT USAGE ON WAREHOUSE to the "
                                "role");
    }
    if (m.find("schema") != std::string::npos) {
      return WarehouseError(StatusCode::kNotFound, kReasonSchemaNotFound,
                            "schema '" + config_.schema + "' does not exist or " + role +
                                " may not use it (" + said +
                                "): check config.schema and GRANT USAGE ON SCHEMA to the role");
    }
    return WarehouseError(StatusCode::kNotFound, kReasonDatabaseNotFound,
                          "database '" + config_.database + "' does not exist or " + role +
                              " may not use it (" + said +
                              "): check config.database and GRANT USAGE ON DATABASE to the role");
  }
  if (info.code == "000606") {
    return WarehouseError(StatusCode::kNotFound, kReasonWarehouseNotFound,
                          "no warehouse is in use" + doing + " (" + said +
                              "): set config.warehouse to a warehouse " + role + " may use");
  }
  if (s == 403 || info.code == "390189" || info.code == "003001") {
    return WarehouseError(StatusCode::kPermissionDenied, kReasonPermissionDenied,
                          "Snowflake refused " + role + " of user '" + config_.user + "'" + doing +
                              " (" + said +
                              "): grant the role what the data model reads (USAGE on the "
                              "database, schema and warehouse, SELECT on the tables), or check "
                              "config.role");
  }
  if (s == 404) {
    return core::NotFound("Snowflake has no such statement or endpoint" + doing + " (" + said +
                          "): check config.account_identifier and config.base_url");
  }
  if (s >= 400) {
    return core::InvalidArgument("Snowflake could not run the statement" + doing + ": " + said);
  }
  return core::Internal("Snowflake answered with HTTP " + std::to_string(s) + doing);
}

void SnowflakeClient::Cancel(const std::string& handle) {
  HttpRequest r = NewRequest("POST", "/api/v2/statements/" + handle + "/cancel");
  r.timeout = kCancelTimeout;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = "{}";
  core::StatusOr<std::string> auth = AuthorizationValue();
  if (!auth.ok()) return;
  r.headers.emplace_back("Authorization", std::move(*auth));
  // Best effort, and not under the fired stop token: a lost cancel only lets the statement run
  // to its own timeout.
  transport_->Send(r, nullptr).status().IgnoreError();
}

core::StatusOr<std::unique_ptr<ResultPage>> SnowflakeClient::Run(std::string_view sql,
                                                                 std::string_view what,
                                                                 bool wrapped) {
  nlohmann::json body = {{"statement", sql},
                         {"timeout", config_.statement_timeout.count()},
                         {"parameters",
                          {{"timezone", "UTC"},
                           {"multi_statement_count", "1"},
                           {"binary_output_format", "HEX"},
                           {"query_tag", "wsync"}}}};
  for (auto [key, value] : {std::pair{"warehouse", &config_.warehouse},
                            {"database", &config_.database},
                            {"schema", &config_.schema},
                            {"role", &config_.role}}) {
    if (!value->empty()) body[key] = *value;
  }
  HttpRequest post =
      NewRequest("POST", "/api/v2/statements?requestId=" + NewRequestId() + "&async=true");
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ASSIGN_OR_RETURN(HttpResponse response, Exchange(std::move(post), what, wrapped, true));

  std::chrono::milliseconds pause = polling_.first;
  if (response.status == 202) {
    const std::string handle = ReadStatementInfo(response.body).handle;
    if (handle.empty() || !IdentifierChars(handle)) {
      return core::Internal("Snowflake accepted the statement without a usable statementHandle");
    }
    const auto stopped = [&](core::Status status) {
      Cancel(handle);
      return status;
    };
    while (response.status == 202) {
      core::Status slept = retry_env_->sleep(pause, context_.stop);
      if (!slept.ok()) return stopped(std::move(slept));
      pause = std::min(pause * 2, polling_.max);
      core::StatusOr<HttpResponse> next =
          Exchange(NewRequest("GET", "/api/v2/statements/" + handle), what, wrapped);
      if (!next.ok()) {
        const core::StatusCode code = next.status().code();
        if (context_.stop != nullptr &&
            (code == core::StatusCode::kCancelled || code == core::StatusCode::kDeadlineExceeded)) {
          if (core::Status stop = context_.stop->Check(); !stop.ok()) return stopped(stop);
        }
        return next.status();
      }
      response = std::move(*next);
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ResultPage> page,
                   ResultPage::Parse(std::move(response.body), true));
  if (page->info().handle.empty() || !IdentifierChars(page->info().handle)) {
    if (page->meta().partition_rows.size() > 1) {
      return core::Internal("Snowflake returned a partitioned result without a statementHandle");
    }
  }
  return page;
}

core::StatusOr<std::unique_ptr<ResultPage>> SnowflakeClient::Partition(const std::string& handle,
                                                                       size_t index,
                                                                       int64_t expected_bytes) {
  if (!IdentifierChars(handle)) return core::Internal("unusable Snowflake statement handle");
  HttpRequest r =
      NewRequest("GET", "/api/v2/statements/" + handle + "?partition=" + std::to_string(index));
  const int64_t wanted = std::max<int64_t>(expected_bytes, 0) * 2 + (1 << 20);
  r.max_response_bytes =
      static_cast<size_t>(std::clamp<int64_t>(wanted, kMinAnswerBytes, kMaxAnswerBytes));
  ASSIGN_OR_RETURN(
      HttpResponse response,
      Exchange(std::move(r), "reading result partition " + std::to_string(index), false));
  return ResultPage::Parse(std::move(response.body), false);
}

}  // namespace wsync::warehouse

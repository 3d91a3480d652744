#include "warehouse/databricks/databricks_client.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "warehouse/common_config.h"
#include "warehouse/http/base64.h"
#include "warehouse/http/rest_util.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

constexpr int64_t kTokenRenewS = 60;
constexpr std::chrono::seconds kCancelTimeout{10};
constexpr size_t kMinAnswerBytes = 64u << 20;
constexpr size_t kMaxAnswerBytes = 1u << 30;
constexpr std::string_view kStatements = "/api/2.0/sql/statements/";

bool IdChars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool HostChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':';
  });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

std::string ShiftDatabricksErrorLines(std::string message) {
  static constexpr std::string_view kLine = "line ";
  for (size_t p = 0; (p = message.find(kLine, p)) != std::string::npos;) {
    size_t digits = p + kLine.size(), end = digits;
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    if (end == digits || end - digits > 9 || message.compare(end, 6, ", pos ") != 0) {
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

core::StatusOr<DatabricksConfig> ReadDatabricksConfig(const nlohmann::json& config) {
  if (!config.is_object()) return core::Status::InvalidField("config", "must be an object");
  DatabricksConfig c;
  ASSIGN_OR_RETURN(c.host, OptionalConfigString(config, "host"));
  ASSIGN_OR_RETURN(c.warehouse_id, OptionalConfigString(config, "warehouse_id"));
  ASSIGN_OR_RETURN(c.catalog, OptionalConfigString(config, "catalog"));
  ASSIGN_OR_RETURN(c.schema, OptionalConfigString(config, "schema"));
  ASSIGN_OR_RETURN(c.token, OptionalConfigString(config, "token"));
  ASSIGN_OR_RETURN(c.client_id, OptionalConfigString(config, "client_id"));
  ASSIGN_OR_RETURN(c.client_secret, OptionalConfigString(config, "client_secret"));
  ASSIGN_OR_RETURN(c.base_url, OptionalConfigString(config, "base_url"));
  ASSIGN_OR_RETURN(std::string disposition, OptionalConfigString(config, "disposition"));
  if (disposition == "INLINE") {
    c.external_links = false;
  } else if (!disposition.empty() && disposition != "EXTERNAL_LINKS") {
    return core::Status::InvalidField("config.disposition", "must be EXTERNAL_LINKS or INLINE");
  }
  // "https://adb-1.2.azuredatabricks.net/" is accepted as the host it names.
  for (const char* scheme : {"https://", "http://"}) {
    if (Lower(c.host).starts_with(scheme)) c.host.erase(0, std::string_view(scheme).size());
  }
  while (!c.host.empty() && c.host.back() == '/') c.host.pop_back();
  if (!HostChars(c.host)) {
    return core::Status::InvalidField(
        "config.host", "must be the workspace host name (as in adb-1234.5.azuredatabricks.net)");
  }
  if (c.warehouse_id.empty()) {
    return core::Status::InvalidField("config.warehouse_id",
                                      "is required: the SQL warehouse's ID (its connection "
                                      "details show it, as in /sql/1.0/warehouses/<id>)");
  }
  if (!IdChars(c.warehouse_id)) {
    return core::Status::InvalidField("config.warehouse_id", "may hold only letters and digits");
  }
  const bool oauth = !c.client_id.empty() || !c.client_secret.empty();
  if (!c.token.empty() && oauth) {
    return core::Status::InvalidField(
        "config.token", "give either config.token or config.client_id and client_secret, not both");
  }
  if (c.token.empty() && !oauth) {
    return core::Status::InvalidField(
        "config.token",
        "is required: a personal access token, or give config.client_id and config.client_secret "
        "(a service principal's OAuth secret)");
  }
  if (oauth && (c.client_id.empty() || c.client_secret.empty())) {
    return core::Status::InvalidField(
        c.client_id.empty() ? "config.client_id" : "config.client_secret",
        "is required with OAuth machine-to-machine authentication");
  }
  if (c.base_url.empty()) {
    if (c.host.empty()) {
      return core::Status::InvalidField("config.host",
                                        "is required (as in adb-1234.5.azuredatabricks.net)");
    }
    c.base_url = "https://" + Lower(c.host);
  } else {
    c.base_url_given = true;
    ASSIGN_OR_RETURN(c.base_url, NormalizeBaseUrl(std::move(c.base_url), "base_url"));
  }
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommonConfig(config));
  c.statement_timeout = common.statement_timeout;
  c.max_columns = common.max_columns;
  return c;
}

DatabricksClient::DatabricksClient(const DatabricksConfig* config, ConnectorContext context,
                                   HttpTransport* transport, const core::Clock* clock,
                                   DatabricksTokenCache* tokens, const RetryEnv* retry_env,
                                   DatabricksPolling polling)
    : config_(config),
      context_(context),
      transport_(transport),
      clock_(clock),
      tokens_(tokens),
      retry_env_(retry_env != nullptr ? retry_env : &SystemRetryEnv()),
      polling_(polling) {}

HttpRequest DatabricksClient::NewRequest(std::string method, std::string path) const {
  HttpRequest r;
  r.method = std::move(method);
  r.url = config_->base_url + path;
  r.timeout = std::chrono::seconds(120);
  r.max_response_bytes = kMinAnswerBytes;
  r.trusted = context_.trusted;
  r.origin = config_->base_url_given ? "config.base_url" : "config.host";
  r.headers = {{"Accept", "application/json"}};
  return r;
}

core::StatusOr<std::string> DatabricksClient::AuthorizationValue() {
  if (!config_->token.empty()) return "Bearer " + config_->token;
  std::lock_guard<std::mutex> lock(tokens_->mu);
  const int64_t now = clock_->NowMicros() / core::kMicrosPerSecond;
  if (!tokens_->access_token.empty() && now + kTokenRenewS < tokens_->expires_s) {
    return "Bearer " + tokens_->access_token;
  }
  HttpRequest r = NewRequest("POST", "/oidc/v1/token");
  r.timeout = std::chrono::seconds(30);
  r.max_response_bytes = 1 << 20;
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.headers.emplace_back("Authorization",
                         "Basic " + Base64(config_->client_id + ":" + config_->client_secret));
  r.body = "grant_type=client_credentials&scope=all-apis";
  ASSIGN_OR_RETURN(HttpResponse response, SendWithRetry(transport_, std::move(r), context_.stop,
                                                        RetryPolicy(), retry_env_));
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status == 400 || response.status == 401 || response.status == 403) {
    std::string said;
    if (j.is_object() && j.contains("error") && j["error"].is_string()) said = j["error"];
    return WarehouseError(core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                          "Databricks refused the OAuth client '" + config_->client_id + "' (" +
                              (said.empty() ? "HTTP " + std::to_string(response.status) : said) +
                              "): check config.client_id and config.client_secret, and that the "
                              "service principal belongs to this workspace");
  }
  if (response.status != 200 || !j.is_object() || !j.contains("access_token") ||
      !j["access_token"].is_string()) {
    return WarehouseError(
        core::StatusCode::kUnavailable, kReasonUnreachable,
        "Databricks did not issue an OAuth token (HTTP " + std::to_string(response.status) + ")");
  }
  tokens_->access_token = j["access_token"];
  const int64_t lifetime = j.contains("expires_in") && j["expires_in"].is_number_integer()
                               ? j["expires_in"].get<int64_t>()
                               : 3600;
  tokens_->expires_s = now + std::max<int64_t>(lifetime, 0);
  return "Bearer " + tokens_->access_token;
}

core::StatusOr<HttpResponse> DatabricksClient::Exchange(HttpRequest request,
                                                        const core::StopToken* stop,
                                                        std::string_view what) {
  ASSIGN_OR_RETURN(std::string auth, AuthorizationValue());
  request.headers.emplace_back("Authorization", std::move(auth));
  ASSIGN_OR_RETURN(HttpResponse response,
                   SendWithRetry(transport_, std::move(request), stop, RetryPolicy(), retry_env_));
  if (response.status == 200) return response;
  return ErrorFor(response.status, ReadDatabricksStatus(response.body), what, false);
}

core::Status DatabricksClient::ErrorFor(int http_status, const DatabricksStatus& s,
                                        std::string_view what, bool wrapped) const {
  std::string detail = OneLine(s.message);
  if (wrapped) detail = ShiftDatabricksErrorLines(detail);
  std::string codes;
  if (!s.error_code.empty()) codes = "error code " + s.error_code;
  if (!s.sql_state.empty()) codes += (codes.empty() ? "" : ", ") + ("SQL state " + s.sql_state);
  const std::string said = (detail.empty() ? "HTTP " + std::to_string(http_status) : detail) +
                           (codes.empty() ? "" : " (" + codes + ")");
  const std::string doing = " while " + std::string(what);
  using core::StatusCode;
  const std::string m = Lower(detail);
  if (http_status == 401) {
    return WarehouseError(
        StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
        "Databricks refused the credentials" + doing + " (" + said + "): " +
            (config_->token.empty() ? "check config.client_id and config.client_secret"
                                    : "check that config.token is a valid personal access token "
                                      "of this workspace and has not expired"));
  }
  if (http_status == 429) {
    return WarehouseError(StatusCode::kResourceExhausted, kReasonThrottled,
                          "Databricks is throttling this workspace's requests" + doing + " (" +
                              said + "); the run will be retried later");
  }
  if (http_status >= 500) {
    return WarehouseError(StatusCode::kUnavailable, kReasonUnreachable,
                          "Databricks failed" + doing + " (" + said + ")");
  }
  if (Contains(m, "warehouse") &&
      (http_status == 404 || s.error_code == "RESOURCE_DOES_NOT_EXIST" ||
       s.error_code == "NOT_FOUND" || s.error_code == "INVALID_PARAMETER_VALUE")) {
    return WarehouseError(StatusCode::kNotFound, kReasonWarehouseNotFound,
                          "SQL warehouse '" + config_->warehouse_id +
                              "' does not exist or the principal may not use it (" + said +
                              "): check config.warehouse_id and grant CAN USE on the warehouse");
  }
  if (Contains(detail, "NO_SUCH_CATALOG") || Contains(detail, "CATALOG_NOT_FOUND")) {
    return WarehouseError(StatusCode::kNotFound, kReasonDatabaseNotFound,
                          "catalog '" + config_->catalog +
                              "' does not exist or the principal may not use it (" + said +
                              "): check config.catalog and GRANT USE CATALOG");
  }
  if (Contains(detail, "SCHEMA_NOT_FOUND") || Contains(detail, "NO_SUCH_SCHEMA")) {
    return WarehouseError(StatusCode::kNotFound, kReasonSchemaNotFound,
                          "schema '" + config_->schema +
                              "' does not exist or the principal may not use it (" + said +
                              "): check config.schema and GRANT USE SCHEMA");
  }
  if (http_status == 403 || s.error_code == "PERMISSION_DENIED" ||
      Contains(detail, "INSUFFICIENT_PERMISSIONS")) {
    return WarehouseError(StatusCode::kPermissionDenied, kReasonPermissionDenied,
                          "Databricks refused the principal" + doing + " (" + said +
                              "): grant it USE CATALOG, USE SCHEMA and SELECT on what the data "
                              "model reads, and CAN USE on the SQL warehouse");
  }
  if (s.error_code == "DEADLINE_EXCEEDED") {
    return WarehouseError(StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                          "the statement ran past its time limit" + doing + " (" + said +
                              "): raise config.statement_timeout_s or the warehouse's "
                              "STATEMENT_TIMEOUT, or make the data model cheaper");
  }
  if (http_status == 404) {
    return core::NotFound("Databricks has no such statement or endpoint" + doing + " (" + said +
                          "): check config.host and config.base_url");
  }
  return core::InvalidArgument("Databricks could not run the statement" + doing + ": " + said);
}

void DatabricksClient::Cancel(const std::string& statement_id) {
  HttpRequest r = NewRequest("POST", std::string(kStatements) + statement_id + "/cancel");
  r.timeout = kCancelTimeout;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = "{}";
  core::StatusOr<std::string> auth = AuthorizationValue();
  if (!auth.ok()) return;
  r.headers.emplace_back("Authorization", std::move(*auth));
  // Best effort, and not under the fired stop token: a lost cancel only lets the statement run
  // to the warehouse's own timeout.
  transport_->Send(r, nullptr).status().IgnoreError();
}

core::StatusOr<std::unique_ptr<DatabricksPage>> DatabricksClient::Run(std::string_view sql,
                                                                      std::string_view what,
                                                                      bool wrapped, bool external) {
  nlohmann::json body = {{"warehouse_id", config_->warehouse_id},
                         {"statement", sql},
                         {"format", "JSON_ARRAY"},
                         {"disposition", external ? "EXTERNAL_LINKS" : "INLINE"},
                         {"wait_timeout", std::to_string(polling_.wait_timeout_s) + "s"},
                         {"on_wait_timeout", "CONTINUE"}};
  if (!config_->catalog.empty()) body["catalog"] = config_->catalog;
  if (!config_->schema.empty()) body["schema"] = config_->schema;
  HttpRequest post = NewRequest("POST", "/api/2.0/sql/statements");
  post.timeout = std::chrono::seconds(polling_.wait_timeout_s + 60);
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const int64_t started = clock_->NowMicros();
  // Not under the stop token: the statement can be cancelled once its id is known.
  ASSIGN_OR_RETURN(HttpResponse response, Exchange(std::move(post), nullptr, what));
  ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> page,
                   DatabricksPage::Parse(std::move(response.body), true));
  std::chrono::milliseconds pause = polling_.first;
  while (page->status().state == "PENDING" || page->status().state == "RUNNING") {
    const std::string id = page->status().statement_id;
    if (!IdChars(id)) {
      return core::Internal("Databricks accepted the statement without a usable statement_id");
    }
    if (context_.stop != nullptr) {
      if (core::Status stop = context_.stop->Check(); !stop.ok()) {
        Cancel(id);
        return stop;
      }
    }
    if (clock_->NowMicros() - started >
        static_cast<int64_t>(config_->statement_timeout.count()) * core::kMicrosPerSecond) {
      Cancel(id);
      return WarehouseError(core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                            "the statement ran past its time limit (" +
                                std::to_string(config_->statement_timeout.count()) + " s) while " +
                                std::string(what) +
                                " and was cancelled: raise config.statement_timeout_s, use a "
                                "larger warehouse or make the data model cheaper");
    }
    if (core::Status slept = retry_env_->sleep(pause, context_.stop); !slept.ok()) {
      Cancel(id);
      return slept;
    }
    pause = std::min(pause * 2, polling_.max);
    core::StatusOr<HttpResponse> next =
        Exchange(NewRequest("GET", std::string(kStatements) + id), context_.stop, what);
    if (!next.ok()) {
      if (context_.stop != nullptr) {
        if (core::Status stop = context_.stop->Check(); !stop.ok()) {
          Cancel(id);
          return stop;
        }
      }
      return next.status();
    }
    ASSIGN_OR_RETURN(page, DatabricksPage::Parse(std::move(next->body), true));
  }
  const std::string& state = page->status().state;
  if (state == "CANCELED") {
    return core::Cancelled("Databricks cancelled the statement while " + std::string(what));
  }
  if (state == "CLOSED") {
    return core::Internal("Databricks closed the statement before its result was read");
  }
  if (state != "SUCCEEDED") return ErrorFor(200, page->status(), what, wrapped);
  statement_id_ = page->status().statement_id;
  return page;
}

core::StatusOr<std::unique_ptr<DatabricksPage>> DatabricksClient::Chunk(const std::string& link) {
  // Only a chunk of this statement, by its documented path.
  const std::string prefix = std::string(kStatements) + statement_id_ + "/result/chunks/";
  std::string_view index = std::string_view(link).substr(std::min(prefix.size(), link.size()));
  if (!IdChars(statement_id_) || !link.starts_with(prefix) || index.empty() ||
      !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return core::Internal("Databricks named a next chunk outside the statement's result");
  }
  HttpRequest r = NewRequest("GET", link);
  r.max_response_bytes = kMaxAnswerBytes;
  ASSIGN_OR_RETURN(HttpResponse response, Exchange(std::move(r), context_.stop,
                                                   "reading result chunk " + std::string(index)));
  return DatabricksPage::Parse(std::move(response.body), false);
}

core::StatusOr<std::unique_ptr<DatabricksPage>> DatabricksClient::External(
    const DatabricksLink& link) {
  DatabricksLink current = link;
  for (int attempt = 0;; ++attempt) {
    HttpRequest r;
    r.method = "GET";
    r.url = current.url;
    r.timeout = std::chrono::seconds(300);
    const int64_t wanted = std::max<int64_t>(current.byte_count, 0) * 2 + (1 << 20);
    r.max_response_bytes =
        static_cast<size_t>(std::clamp<int64_t>(wanted, kMinAnswerBytes, kMaxAnswerBytes));
    r.trusted = context_.trusted;
    r.origin = "an external link of the result";
    // No Authorization: the link carries its own credential, and another host must not see ours.
    ASSIGN_OR_RETURN(HttpResponse response, SendWithRetry(transport_, std::move(r), context_.stop,
                                                          RetryPolicy(), retry_env_));
    if (response.status == 200) return DatabricksPage::ParseRows(std::move(response.body));
    // Links live minutes: an expired one (the storage refuses it) is asked for again, once.
    const bool expired = response.status == 400 || response.status == 403 || response.status == 404;
    if (!expired || attempt > 0 || current.chunk_index < 0) {
      return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                            "fetching result chunk " + std::to_string(current.chunk_index) +
                                " from its external link failed (HTTP " +
                                std::to_string(response.status) + ")");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> fresh,
                     Chunk(std::string(kStatements) + statement_id_ + "/result/chunks/" +
                           std::to_string(current.chunk_index)));
    if (fresh->link().url.empty()) return fresh;  // answered inline after all
    current = fresh->link();
  }
}

}  // namespace wsync::warehouse

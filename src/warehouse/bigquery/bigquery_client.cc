#include "warehouse/bigquery/bigquery_client.h"

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

using nlohmann::json;

constexpr std::chrono::seconds kCancelTimeout{10};
constexpr size_t kMaxAnswerBytes = 64u << 20;
// timeoutMs: how long BigQuery holds a request open waiting for the job. jobs.query waits only
// briefly, so that a cancelled run soon knows the job's id (jobs.cancel needs it); the polls
// that follow wait longer, and a cancel interrupts them.
constexpr int64_t kQueryWaitMs = 1'000;
constexpr int64_t kLongPollMs = 10'000;

bool Chars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
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

core::StatusOr<std::string> ReadUrl(const json& config, const char* key, std::string fallback,
                                    bool* given) {
  ASSIGN_OR_RETURN(std::string url, OptionalConfigString(config, key));
  *given = !url.empty();
  if (url.empty()) return fallback;
  return NormalizeBaseUrl(std::move(url), key);
}

// Google's reasons that mean "slow down": retried like a 429.
bool IsRateLimit(const HttpResponse& r) {
  if (r.status != 403) return false;
  const std::string reason = ReadBigQueryError(r.body).reason;
  return reason == "rateLimitExceeded";
}

}  // namespace

std::string ShiftBigQueryPositions(std::string message) {
  for (size_t p = 0; (p = message.find('[', p)) != std::string::npos;) {
    size_t digits = p + 1, end = digits;
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    size_t col = end + 1, col_end = col;
    while (col_end < message.size() && std::isdigit(static_cast<unsigned char>(message[col_end])))
      ++col_end;
    if (end == digits || end - digits > 9 || end >= message.size() || message[end] != ':' ||
        col_end == col || col_end >= message.size() || message[col_end] != ']') {
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

core::StatusOr<BigQueryConfig> ReadBigQueryConfig(const json& config) {
  if (!config.is_object()) return core::Status::InvalidField("config", "must be an object");
  BigQueryConfig c;
  ASSIGN_OR_RETURN(c.project_id, OptionalConfigString(config, "project_id"));
  ASSIGN_OR_RETURN(c.dataset_id, OptionalConfigString(config, "dataset_id"));
  ASSIGN_OR_RETURN(c.location, OptionalConfigString(config, "region"));
  ASSIGN_OR_RETURN(std::string account, OptionalConfigString(config, "service_account_id"));
  auto key = config.find("service_account_key");
  if (key == config.end() || key->is_null() ||
      (key->is_string() && key->get<std::string>().empty())) {
    return core::Status::InvalidField(
        "config.service_account_key",
        "is required: the service account's JSON key file (IAM → Service accounts → Keys → Add "
        "key → JSON)");
  }
  ASSIGN_OR_RETURN(c.key, ReadServiceAccountKey(*key));
  if (!account.empty() && account != c.key.client_email) {
    return core::Status::InvalidField("config.service_account_id",
                                      "is '" + account +
                                          "' but config.service_account_key is a "
                                          "key of '" +
                                          c.key.client_email + "'");
  }
  if (c.project_id.empty()) c.project_id = c.key.project_id;
  if (c.project_id.empty()) {
    return core::Status::InvalidField("config.project_id",
                                      "is required (the key names no project_id)");
  }
  // Project ids: letters, digits, '-', and the domain-scoped "example.com:project".
  if (!Chars(c.project_id, "-.:")) {
    return core::Status::InvalidField("config.project_id",
                                      "may hold only letters, digits, '-', '.' and ':'");
  }
  if (!Chars(c.dataset_id, "_")) {
    return core::Status::InvalidField("config.dataset_id", "may hold only letters, digits and '_'");
  }
  if (!Chars(c.location, "-_")) {
    return core::Status::InvalidField("config.region",
                                      "may hold only letters, digits and '-' (as in US, EU, "
                                      "europe-west1)");
  }
  ASSIGN_OR_RETURN(c.base_url, ReadUrl(config, "base_url", "https://bigquery.googleapis.com",
                                       &c.base_url_given));
  ASSIGN_OR_RETURN(c.token_url, ReadUrl(config, "token_url", kGoogleTokenUrl, &c.token_url_given));
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommonConfig(config));
  c.statement_timeout = common.statement_timeout;
  c.max_columns = common.max_columns;
  return c;
}

BigQueryClient::BigQueryClient(BigQueryConfig config, std::shared_ptr<GoogleTokenSource> tokens,
                               ConnectorContext context, HttpTransport* transport,
                               const core::Clock* clock, const RetryEnv* retry_env,
                               BigQueryPolling polling)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      context_(context),
      transport_(transport),
      clock_(clock),
      retry_env_(retry_env != nullptr ? retry_env : &SystemRetryEnv()),
      polling_(polling) {}

HttpRequest BigQueryClient::NewRequest(std::string method, std::string path_and_query) const {
  HttpRequest r;
  r.method = std::move(method);
  r.url = config_.base_url + "/bigquery/v2/projects/" + PercentEncode(config_.project_id) +
          path_and_query;
  r.timeout = std::chrono::seconds(120);
  r.max_response_bytes = kMaxAnswerBytes;
  r.trusted = context_.trusted;
  r.origin = config_.base_url_given ? "config.base_url" : "the BigQuery API URL";
  r.headers = {{"Accept", "application/json"}};
  return r;
}

core::StatusOr<HttpResponse> BigQueryClient::Exchange(HttpRequest request, std::string_view what,
                                                      bool wrapped) {
  RetryPolicy policy;
  bool renewed = false;
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(std::string auth, tokens_->Authorization(context_.stop));
    HttpRequest r = request;
    r.headers.emplace_back("Authorization", std::move(auth));
    ASSIGN_OR_RETURN(HttpResponse response,
                     SendWithRetry(transport_, std::move(r), context_.stop, policy, retry_env_));
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status == 401 && !renewed) {
      // A token revoked or expired early: one new token, then the answer stands.
      tokens_->Invalidate();
      renewed = true;
      continue;
    }
    if (IsRateLimit(response) && attempt < policy.max_attempts) {
      const std::chrono::milliseconds wait =
          RetryAfter(response).value_or(Backoff(policy, attempt, retry_env_->random()));
      RETURN_IF_ERROR(retry_env_->sleep(std::min(wait, policy.max_retry_after), context_.stop));
      continue;
    }
    return ErrorFor(response, what, wrapped);
  }
}

core::Status BigQueryClient::ErrorFor(const HttpResponse& response, std::string_view what,
                                      bool wrapped) const {
  const BigQueryError e = ReadBigQueryError(response.body);
  std::string detail = OneLine(e.message);
  if (wrapped) detail = ShiftBigQueryPositions(detail);
  const std::string said = (detail.empty() ? "HTTP " + std::to_string(response.status) : detail) +
                           (e.reason.empty() ? "" : " (" + e.reason + ")");
  const std::string doing = " while " + std::string(what);
  const std::string account = "service account '" + config_.key.client_email + "'";
  using core::StatusCode;
  const int s = response.status;
  const std::string& r = e.reason;
  if (s == 401) {
    return WarehouseError(StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                          "BigQuery refused the access token of " + account + doing + " (" + said +
                              "): check that the service account and its key are enabled");
  }
  if (s == 429 || r == "rateLimitExceeded" || r == "quotaExceeded") {
    return WarehouseError(StatusCode::kResourceExhausted, kReasonThrottled,
                          "BigQuery is throttling project '" + config_.project_id + "'" + doing +
                              " (" + said + "); the run will be retried later");
  }
  if (s >= 500) {
    return WarehouseError(StatusCode::kUnavailable, kReasonUnreachable,
                          "BigQuery failed" + doing + " (" + said + ")");
  }
  if (r == "timeout" || s == 408) {
    return WarehouseError(StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                          "the query ran past its time limit (" +
                              std::to_string(config_.statement_timeout.count()) + " s)" + doing +
                              " (" + said +
                              "): raise config.statement_timeout_s or make the data model "
                              "cheaper");
  }
  if (r == "stopped") return core::Cancelled("BigQuery cancelled the job" + doing);
  if (s == 404 || r == "notFound") {
    if (detail.starts_with("Not found: Project")) {
      return WarehouseError(StatusCode::kNotFound, kReasonProjectNotFound,
                            "project '" + config_.project_id + "' does not exist or " + account +
                                " may not see it (" + said + "): check config.project_id");
    }
    if (detail.starts_with("Not found: Dataset")) {
      return WarehouseError(
          StatusCode::kNotFound, kReasonDatasetNotFound,
          "a dataset does not exist in project '" + config_.project_id + "'" +
              (config_.location.empty() ? "" : " (location " + config_.location + ")") + doing +
              " (" + said +
              "): check config.dataset_id, config.region (the dataset's location) and the "
              "datasets the data model names");
    }
    if (detail.starts_with("Not found: Table") || detail.starts_with("Not found: View")) {
      return core::InvalidArgument("BigQuery could not run the statement" + doing + ": " + said);
    }
    return core::NotFound("BigQuery has no such job or endpoint" + doing + " (" + said +
                          "): check config.base_url");
  }
  if (s == 403 || r == "accessDenied" || r == "billingNotEnabled") {
    return WarehouseError(StatusCode::kPermissionDenied, kReasonPermissionDenied,
                          "BigQuery denied " + account + doing + " (" + said +
                              "): grant it the BigQuery Job User role on project '" +
                              config_.project_id +
                              "' and BigQuery Data Viewer on the datasets the data model reads");
  }
  if (s >= 400) {
    return core::InvalidArgument("BigQuery could not run the statement" + doing + ": " + said);
  }
  return core::Internal("BigQuery answered with HTTP " + std::to_string(s) + doing);
}

std::string BigQueryClient::ResultsPath(const BigQueryJob& job) const {
  std::string path = "/queries/" + PercentEncode(job.job_id) +
                     "?maxResults=" + std::to_string(polling_.max_results);
  const std::string& location = job.location.empty() ? config_.location : job.location;
  if (!location.empty()) path += "&location=" + PercentEncode(location);
  return path;
}

void BigQueryClient::Cancel(const BigQueryJob& job) {
  std::string path = "/jobs/" + PercentEncode(job.job_id) + "/cancel";
  const std::string& location = job.location.empty() ? config_.location : job.location;
  if (!location.empty()) path += "?location=" + PercentEncode(location);
  HttpRequest r = NewRequest("POST", path);
  r.timeout = kCancelTimeout;
  core::StatusOr<std::string> auth = tokens_->Authorization(nullptr);
  if (!auth.ok()) return;
  r.headers.emplace_back("Authorization", std::move(*auth));
  // Best effort, and not under the fired stop token: a lost cancel only lets the job run to its
  // own jobTimeoutMs.
  transport_->Send(r, nullptr).status().IgnoreError();
}

core::StatusOr<std::unique_ptr<BigQueryPage>> BigQueryClient::Query(std::string_view sql,
                                                                    std::string_view what,
                                                                    bool wrapped, bool dry_run) {
  json body = {{"query", sql},
               {"useLegacySql", false},
               {"requestId", NewRequestId()},
               {"maxResults", polling_.max_results},
               {"timeoutMs", kQueryWaitMs},
               {"jobTimeoutMs", std::to_string(config_.statement_timeout.count() * 1000)},
               {"labels", {{"wsync", "extract"}}}};
  if (!config_.location.empty()) body["location"] = config_.location;
  if (!config_.dataset_id.empty()) {
    body["defaultDataset"] = {{"projectId", config_.project_id}, {"datasetId", config_.dataset_id}};
  }
  if (dry_run) body["dryRun"] = true;
  HttpRequest post = NewRequest("POST", "/queries");
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  const int64_t started = clock_->NowMicros();
  ASSIGN_OR_RETURN(HttpResponse response, Exchange(std::move(post), what, wrapped));
  ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page,
                   BigQueryPage::Parse(std::move(response.body)));
  if (dry_run || page->job_complete()) return page;

  const BigQueryJob job = page->job();
  if (job.job_id.empty() || !Chars(job.job_id, "-_")) {
    return core::Internal("BigQuery accepted the query without a usable jobReference.jobId");
  }
  std::chrono::milliseconds pause = polling_.first;
  for (;;) {
    const auto stopped = [&](core::Status status) {
      Cancel(job);
      return status;
    };
    if (clock_->NowMicros() - started >
        static_cast<int64_t>(config_.statement_timeout.count()) * core::kMicrosPerSecond) {
      return stopped(WarehouseError(
          core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
          "the query ran past its time limit (" +
              std::to_string(config_.statement_timeout.count()) + " s) while " + std::string(what) +
              ": raise config.statement_timeout_s or make the data model cheaper"));
    }
    core::Status slept = retry_env_->sleep(pause, context_.stop);
    if (!slept.ok()) return stopped(std::move(slept));
    pause = std::min(pause * 2, polling_.max);
    core::StatusOr<HttpResponse> next =
        Exchange(NewRequest("GET", ResultsPath(job) + "&timeoutMs=" + std::to_string(kLongPollMs)),
                 what, wrapped);
    if (!next.ok()) {
      const core::StatusCode code = next.status().code();
      if (context_.stop != nullptr &&
          (code == core::StatusCode::kCancelled || code == core::StatusCode::kDeadlineExceeded)) {
        if (core::Status stop = context_.stop->Check(); !stop.ok()) return stopped(stop);
      }
      return next.status();
    }
    ASSIGN_OR_RETURN(page, BigQueryPage::Parse(std::move(next->body)));
    if (page->job_complete()) return page;
  }
}

core::StatusOr<std::unique_ptr<BigQueryPage>> BigQueryClient::Run(std::string_view sql,
                                                                  std::string_view what,
                                                                  bool wrapped) {
  ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page, Query(sql, what, wrapped, false));
  if (!page->has_schema()) return core::Internal("BigQuery returned a result without a schema");
  return page;
}

core::StatusOr<std::unique_ptr<BigQueryPage>> BigQueryClient::DryRun(std::string_view sql,
                                                                     std::string_view what,
                                                                     bool wrapped) {
  return Query(sql, what, wrapped, true);
}

core::StatusOr<std::unique_ptr<BigQueryPage>> BigQueryClient::NextPage(
    const BigQueryJob& job, const std::string& page_token) {
  if (job.job_id.empty() || !Chars(job.job_id, "-_")) {
    return core::Internal("BigQuery returned more pages without a usable jobReference.jobId");
  }
  HttpRequest r = NewRequest("GET", ResultsPath(job) + "&pageToken=" + PercentEncode(page_token));
  ASSIGN_OR_RETURN(HttpResponse response,
                   Exchange(std::move(r), "reading a page of the data model's rows", false));
  return BigQueryPage::Parse(std::move(response.body));
}

core::Status BigQueryClient::CheckDataset() {
  if (config_.dataset_id.empty()) return core::Status::Ok();
  core::StatusOr<HttpResponse> r =
      Exchange(NewRequest("GET", "/datasets/" + PercentEncode(config_.dataset_id)),
               "looking up dataset '" + config_.dataset_id + "'", false);
  if (r.ok()) return core::Status::Ok();
  if (r.status().code() == core::StatusCode::kNotFound &&
      WarehouseReason(r.status()) != kReasonProjectNotFound) {
    return WarehouseError(core::StatusCode::kNotFound, kReasonDatasetNotFound,
                          "dataset '" + config_.dataset_id + "' does not exist in project '" +
                              config_.project_id + "' or service account '" +
                              config_.key.client_email +
                              "' may not see it: check config.dataset_id and grant BigQuery "
                              "Data Viewer on the dataset");
  }
  return r.status();
}

}  // namespace wsync::warehouse

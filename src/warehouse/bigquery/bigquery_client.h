// BigQueryClient: one Google Cloud project reached through the BigQuery REST API v2
// (HttpTransport), as the connector needs it. Config (SPEC §2): project_id (default: the key's
// project), dataset_id (the default dataset of every query), region (the jobs' location),
// service_account_id (when given, must be the key's client_email), service_account_key* (the
// JSON key file; bigquery_auth.h), base_url (default https://bigquery.googleapis.com),
// token_url (default https://oauth2.googleapis.com/token), and the shared statement_timeout_s /
// max_columns (common_config.h).
//
// Run(sql) sends jobs.query — POST {base}/bigquery/v2/projects/{project}/queries with
// useLegacySql false, the location, defaultDataset, jobTimeoutMs (the statement timeout),
// timeoutMs (1 s: a cancel needs the job's id, which only the answer gives), maxResults and a
// requestId (so a retried request makes one job) — and, while the answer says jobComplete
// false, polls jobs.getQueryResults (GET …/queries/{jobId}?location=…&timeoutMs=10000, a long
// poll) with a growing pause, until the first page is there. A run cancelled during that first
// second cannot name its job; the job then ends at its jobTimeoutMs. NextPage fetches the following
// pages by pageToken, one at a time. A dry run (dryRun true) returns the result's schema without
// running the query. Every exchange is retried on 429 / 5xx / connection failures and on 403
// rateLimitExceeded (retry.h: backoff with jitter, Retry-After honoured); a 401 fetches a new
// token once. When the StopToken fires — or the statement timeout passes — while a job runs,
// the client sends jobs.cancel (POST …/jobs/{jobId}/cancel) and returns Cancelled /
// DeadlineExceeded.
//
// Failures become statuses with a warehouse reason (warehouse_error.h): 401 or a refused key →
// Unauthenticated authentication_failed; accessDenied / billingNotEnabled (403) →
// PermissionDenied permission_denied; notFound of a project / dataset → NotFound
// project_not_found / dataset_not_found (of a table: InvalidArgument, the model's error);
// timeout → DeadlineExceeded statement_timeout; rateLimitExceeded / quotaExceeded / 429 after
// the retries → ResourceExhausted throttled; 5xx and transport failures → Unavailable
// unreachable; invalidQuery and other 400s → InvalidArgument with BigQuery's message and
// reason, positions "[line:column]" shifted back by the one line the model's wrap adds.
// Credentials never appear in a message.
//
// Threads: one thread at a time (a connector's or a stream's); the transport and the token
// source are shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "warehouse/bigquery/bigquery_auth.h"
#include "warehouse/bigquery/bigquery_result.h"
#include "warehouse/connector.h"
#include "warehouse/http/http_transport.h"
#include "warehouse/http/retry.h"

namespace wsync::warehouse {

struct BigQueryConfig {
  std::string project_id;
  std::string dataset_id;
  std::string location;  // config.region
  ServiceAccountKey key;
  std::string base_url;  // without a trailing '/'
  bool base_url_given = false;
  std::string token_url;
  bool token_url_given = false;
  std::chrono::seconds statement_timeout{3600};
  int max_columns = 100;
};

// Validates the config without contacting Google (the key is parsed and its RSA key loaded).
core::StatusOr<BigQueryConfig> ReadBigQueryConfig(const nlohmann::json& config);

// How a running job is polled and how large pages are; tests shorten and shrink them.
struct BigQueryPolling {
  std::chrono::milliseconds first{200};
  std::chrono::milliseconds max{2000};
  int64_t max_results = 10'000;  // rows asked per page (BigQuery may send fewer)
};

class BigQueryClient {
 public:
  // `tokens`, `transport` and `clock` outlive the client (tokens is shared).
  BigQueryClient(BigQueryConfig config, std::shared_ptr<GoogleTokenSource> tokens,
                 ConnectorContext context, HttpTransport* transport, const core::Clock* clock,
                 const RetryEnv* retry_env = nullptr, BigQueryPolling polling = {});

  const BigQueryConfig& config() const { return config_; }

  // Runs `sql` until its first page of results is there. `what` says what ran, for messages;
  // `wrapped` when `sql` wraps a model (positions are shifted back).
  core::StatusOr<std::unique_ptr<BigQueryPage>> Run(std::string_view sql, std::string_view what,
                                                    bool wrapped);
  // The schema of `sql` from a dry run (nothing is read or billed); a page without rows.
  core::StatusOr<std::unique_ptr<BigQueryPage>> DryRun(std::string_view sql, std::string_view what,
                                                       bool wrapped);
  // The page after the one that gave `page_token`.
  core::StatusOr<std::unique_ptr<BigQueryPage>> NextPage(const BigQueryJob& job,
                                                         const std::string& page_token);
  // datasets.get of config.dataset_id: NotFound dataset_not_found / PermissionDenied.
  core::Status CheckDataset();

 private:
  HttpRequest NewRequest(std::string method, std::string path_and_query) const;
  core::StatusOr<HttpResponse> Exchange(HttpRequest request, std::string_view what, bool wrapped);
  core::Status ErrorFor(const HttpResponse& response, std::string_view what, bool wrapped) const;
  std::string ResultsPath(const BigQueryJob& job) const;
  void Cancel(const BigQueryJob& job);
  core::StatusOr<std::unique_ptr<BigQueryPage>> Query(std::string_view sql, std::string_view what,
                                                      bool wrapped, bool dry_run);

  BigQueryConfig config_;
  std::shared_ptr<GoogleTokenSource> tokens_;
  ConnectorContext context_;
  HttpTransport* transport_;
  const core::Clock* clock_;
  const RetryEnv* retry_env_;
  BigQueryPolling polling_;
};

// `message` with each "[N:M]" (N ≥ 2) turned into "[N-1:M]": BigQuery counts lines of the
// wrapped statement, whose model starts on line 2.
std::string ShiftBigQueryPositions(std::string message);

}  // namespace wsync::warehouse

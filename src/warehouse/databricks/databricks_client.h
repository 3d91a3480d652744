// DatabricksClient: one Databricks SQL warehouse reached through the SQL Statement Execution
// API (HttpTransport), as the connector needs it. Config (SPEC §2): host (the workspace, as in
// adb-1234.5.azuredatabricks.net), warehouse_id, catalog, schema, and either token* (a personal
// access token) or client_id and client_secret* (a service principal, OAuth machine-to-machine:
// POST <base_url>/oidc/v1/token with grant_type=client_credentials and scope all-apis; the
// access token is cached for the process and fetched again a minute before it expires);
// base_url (default https://<host>); disposition (EXTERNAL_LINKS, the default, or INLINE, for
// extraction; the small statements of verify, discovery and MaxIterator are always INLINE); and
// the shared statement_timeout_s / max_columns (common_config.h).
//
// Run(sql) submits one statement — POST /api/2.0/sql/statements with warehouse_id, catalog,
// schema, format JSON_ARRAY, the disposition, wait_timeout (a few seconds) and on_wait_timeout
// CONTINUE — then, while its state is PENDING or RUNNING, polls GET /api/2.0/sql/statements/
// {statement_id} (with a growing pause) until it SUCCEEDED, and returns its answer: the manifest
// and the first chunk. Chunk(link) follows a next_chunk_internal_link; External(link) fetches an
// external link's rows WITHOUT the Authorization header (as Databricks requires: the URL holds
// its own short-lived credential) but under the same egress rule. Every exchange is retried on
// 429 / 5xx / connection failures (retry.h). When the StopToken fires while a statement runs, or
// it runs past statement_timeout_s, the client sends POST …/{statement_id}/cancel. The submit
// itself is not cut short by the StopToken (it lasts at most wait_timeout): only once Databricks
// has named the statement can it be cancelled there.
//
// Failures become statuses with a warehouse reason (warehouse_error.h): 401 (or a refused OAuth
// client) → Unauthenticated authentication_failed; 403 or INSUFFICIENT_PERMISSIONS →
// PermissionDenied permission_denied; an unknown warehouse → NotFound warehouse_not_found; an
// unknown catalog (NO_SUCH_CATALOG_EXCEPTION) → NotFound database_not_found; an unknown schema
// (SCHEMA_NOT_FOUND) → NotFound schema_not_found; the statement timeout → DeadlineExceeded
// statement_timeout; 429 after the retries → ResourceExhausted throttled; 5xx and transport
// failures → Unavailable unreachable; a FAILED statement → InvalidArgument with Databricks'
// message and SQL state ("line N, pos P" shifted back by the line the model's wrap adds).
// Credentials and external links never appear in a message.
//
// Threads: one thread at a time (a connector's or a stream's); the transport and the token
// cache are shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "warehouse/connector.h"
#include "warehouse/databricks/databricks_result.h"
#include "warehouse/http/http_transport.h"
#include "warehouse/http/retry.h"

namespace wsync::warehouse {

struct DatabricksConfig {
  std::string host;
  std::string warehouse_id;
  std::string catalog;
  std::string schema;
  std::string token;  // a personal access token; or client_id and client_secret
  std::string client_id;
  std::string client_secret;
  std::string base_url;  // without a trailing '/'
  bool base_url_given = false;
  bool external_links = true;  // disposition of extraction
  std::chrono::seconds statement_timeout{3600};
  int max_columns = 100;
};

// Validates the config without contacting Databricks: warehouse_id (letters and digits) is
// required; host unless base_url is given; exactly one of token and client_id with
// client_secret.
core::StatusOr<DatabricksConfig> ReadDatabricksConfig(const nlohmann::json& config);

// How often a running statement is polled and how long the submit waits; tests shorten them.
struct DatabricksPolling {
  std::chrono::milliseconds first{100};
  std::chrono::milliseconds max{2000};
  int wait_timeout_s = 5;  // 0, or 5 to 50 (the API's range)
};

// An OAuth access token shared by the clients of every connector with the same workspace, client
// and secret.
struct DatabricksTokenCache {
  std::mutex mu;
  std::string access_token;
  int64_t expires_s = 0;
};

class DatabricksClient {
 public:
  // `transport`, `clock` and `tokens` outlive the client.
  DatabricksClient(const DatabricksConfig* config, ConnectorContext context,
                   HttpTransport* transport, const core::Clock* clock, DatabricksTokenCache* tokens,
                   const RetryEnv* retry_env = nullptr, DatabricksPolling polling = {});

  // Runs `sql` to its end and returns its answer (manifest and first chunk). `what` says what
  // ran, for messages; `wrapped` when `sql` wraps a model; `external` asks for EXTERNAL_LINKS.
  core::StatusOr<std::unique_ptr<DatabricksPage>> Run(std::string_view sql, std::string_view what,
                                                      bool wrapped, bool external);
  // The chunk a next_chunk_internal_link names (of the statement Run answered).
  core::StatusOr<std::unique_ptr<DatabricksPage>> Chunk(const std::string& link);
  // The rows an external link holds. A link the storage refuses (400 / 403 / 404: it expired,
  // as links do after minutes) is replaced once by a fresh one (GET …/result/chunks/{index}).
  core::StatusOr<std::unique_ptr<DatabricksPage>> External(const DatabricksLink& link);

 private:
  core::StatusOr<std::string> AuthorizationValue();
  HttpRequest NewRequest(std::string method, std::string path) const;
  core::StatusOr<HttpResponse> Exchange(HttpRequest request, const core::StopToken* stop,
                                        std::string_view what);
  core::Status ErrorFor(int http_status, const DatabricksStatus& s, std::string_view what,
                        bool wrapped) const;
  void Cancel(const std::string& statement_id);

  const DatabricksConfig* config_;
  ConnectorContext context_;
  HttpTransport* transport_;
  const core::Clock* clock_;
  DatabricksTokenCache* tokens_;
  const RetryEnv* retry_env_;
  DatabricksPolling polling_;
  std::string statement_id_;  // of the last Run
};

// `message` with "line N, pos P" turned into "line N-1, pos P" (N ≥ 2): Databricks counts lines
// of the wrapped statement, whose model starts on line 2.
std::string ShiftDatabricksErrorLines(std::string message);

}  // namespace wsync::warehouse

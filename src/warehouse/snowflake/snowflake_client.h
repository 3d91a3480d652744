// SnowflakeClient: one Snowflake account reached through the SQL API v2 (HttpTransport), as the
// connector needs it. Config (SPEC §2): account_identifier, region, warehouse, database, schema,
// role, user, private_key* (key-pair JWT, snowflake_auth.h) or token* (a programmatic access
// token), base_url (default https://<account_identifier>[.<region>].snowflakecomputing.com),
// and the shared statement_timeout_s / max_columns (common_config.h).
//
// Run(sql) submits one statement — POST /api/v2/statements?requestId=…&async=true with the
// warehouse, role, database, schema, the statement timeout and session parameters (TIMEZONE
// UTC, one statement only, hex binary output) in the body — then polls GET
// /api/v2/statements/{handle} while the answer is 202 (with a growing pause), and returns the
// ResultSet: the metadata and partition 0. Partition(handle, i) fetches a later partition (GET
// …?partition=i); the transport decodes gzip. Every exchange is retried on 429 / 5xx /
// connection failures (retry.h; a resubmitted statement carries retry=true so Snowflake runs it
// once). When the StopToken fires while a statement runs, the client sends POST
// /api/v2/statements/{handle}/cancel and returns the token's status.
//
// Failures become statuses with a warehouse reason (warehouse_error.h): 401 → Unauthenticated
// authentication_failed; a role not granted (390189), 403, or an access-control error (003001)
// → PermissionDenied permission_denied; an unknown database / schema / warehouse (390201,
// 000606) → NotFound database_not_found / schema_not_found / warehouse_not_found; 408 or a
// statement timeout (000630) → DeadlineExceeded statement_timeout; 429 after the retries →
// ResourceExhausted throttled; 5xx and transport failures → Unavailable unreachable; SQL errors
// → InvalidArgument with Snowflake's message, code and SQL state (line numbers shifted back by
// the one line the model's wrap adds). The credentials never appear in a message.
//
// Threads: one thread at a time (a connector's or a stream's); the transport is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "warehouse/connector.h"
#include "warehouse/http/http_transport.h"
#include "warehouse/http/retry.h"
#include "warehouse/snowflake/snowflake_auth.h"
#include "warehouse/snowflake/snowflake_result.h"

namespace wsync::warehouse {

struct SnowflakeConfig {
  std::string account_identifier;
  std::string region;
  std::string warehouse;
  std::string database;
  std::string schema;
  std::string role;
  std::string user;
  std::string private_key;  // one of private_key and token
  std::string token;
  std::string base_url;         // without a trailing '/'
  bool base_url_given = false;  // from config.base_url, not made from the account identifier
  std::chrono::seconds statement_timeout{3600};
  int max_columns = 100;
};

// Validates the config without contacting Snowflake: account_identifier (letters, digits, '-',
// '_', '.') and user are required unless base_url is given (then the account identifier is
// still needed for key-pair tokens); exactly one of private_key and token.
core::StatusOr<SnowflakeConfig> ReadSnowflakeConfig(const nlohmann::json& config);

// How often a running statement is polled; tests shorten the pauses.
struct SnowflakePolling {
  std::chrono::milliseconds first{100};
  std::chrono::milliseconds max{2000};
};

class SnowflakeClient {
 public:
  // `keys` is null when the config uses a token. `transport` and `clock` outlive the client.
  SnowflakeClient(SnowflakeConfig config, std::shared_ptr<const SnowflakeKeyPair> keys,
                  ConnectorContext context, HttpTransport* transport, const core::Clock* clock,
                  const RetryEnv* retry_env = nullptr, SnowflakePolling polling = {});

  const SnowflakeConfig& config() const { return config_; }

  // Runs `sql` to its end and returns its ResultSet (metadata and partition 0). `what` says
  // what ran, for messages; `wrapped` when `sql` wraps a model (line numbers are shifted back).
  core::StatusOr<std::unique_ptr<ResultPage>> Run(std::string_view sql, std::string_view what,
                                                  bool wrapped);
  // Partition `index` (≥ 1) of a finished statement. `expected_bytes` (its uncompressedSize,
  // 0 if unknown) sizes the answer's bound.
  core::StatusOr<std::unique_ptr<ResultPage>> Partition(const std::string& handle, size_t index,
                                                        int64_t expected_bytes);

 private:
  core::StatusOr<std::string> AuthorizationValue();
  HttpRequest NewRequest(std::string method, std::string path);
  // One exchange with retries; non-2xx answers become statuses (see above), except 202.
  core::StatusOr<HttpResponse> Exchange(HttpRequest request, std::string_view what, bool wrapped,
                                        bool mark_retries = false);
  core::Status ErrorFor(const HttpResponse& response, std::string_view what, bool wrapped) const;
  void Cancel(const std::string& handle);

  SnowflakeConfig config_;
  std::shared_ptr<const SnowflakeKeyPair> keys_;
  ConnectorContext context_;
  HttpTransport* transport_;
  const core::Clock* clock_;
  const RetryEnv* retry_env_;
  SnowflakePolling polling_;
  std::string jwt_;
  int64_t jwt_expires_s_ = 0;
};

// `message` with "line N at position" turned into "line N-1 at position" (N ≥ 2): Snowflake
// counts lines of the wrapped statement, whose model starts on line 2.
std::string ShiftErrorLines(std::string message);

}  // namespace wsync::warehouse

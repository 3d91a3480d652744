// FakeDatabricks: a local stand-in for the Databricks SQL Statement Execution API (cpp-httplib
// on 127.0.0.1, a random port) that runs the statements it receives on a real SQLite database,
// so connector tests run real queries end to end. Test-only.
//
// What it follows, by section of the API reference (docs.databricks.com/api/workspace/
// statementexecution) and the authentication guide:
//  - "Execute a SQL statement" (POST /api/2.0/sql/statements): body warehouse_id, statement,
//    catalog, schema, wait_timeout ("Ns"), on_wait_timeout, disposition (INLINE or
//    EXTERNAL_LINKS), format (JSON_ARRAY only here). Answers a StatementResponse once the
//    statement ends or wait_timeout passes (state PENDING then).
//  - "Get status, manifest, and result first chunk" (GET /api/2.0/sql/statements/{id}): the
//    StatementResponse: status {state, error {error_code, message}, sql_state}, manifest
//    {format, schema {column_count, columns [{name, position, type_name, type_text,
//    type_precision, type_scale}]}, total_chunk_count, chunks, total_row_count}, result (the
//    first chunk).
//  - "Get result chunk by index" (GET …/result/chunks/{chunk_index}): a ResultData with
//    chunk_index, row_offset, row_count, and data_array (INLINE) or external_links [{
//    external_link, expiration, byte_count, …}] (EXTERNAL_LINKS), with next_chunk_index and
//    next_chunk_internal_link while chunks remain.
//  - External links are served from /external/{id}/{chunk}?sig=… on the same server, answer
//    the chunk's rows as a JSON array, and refuse requests that carry an Authorization header
//    (presigned URLs must be fetched without it); an expired link answers 403 as cloud storage
//    does (Options::expired_links).
//  - "Cancel statement execution" (POST …/{id}/cancel): the statement ends CANCELED.
//  - Errors as ServiceError {"error_code", "message"}: 401 UNAUTHENTICATED, 404
//    RESOURCE_DOES_NOT_EXIST for an unknown warehouse, 429 with Retry-After; failed statements
//    carry Databricks' error classes ([NO_SUCH_CATALOG_EXCEPTION], [SCHEMA_NOT_FOUND],
//    [INSUFFICIENT_PERMISSIONS], [PARSE_SYNTAX_ERROR] … with "line N, pos P").
//  - "Authenticate access to Databricks with a service principal using OAuth (OAuth M2M)":
//    POST /oidc/v1/token, Basic client credentials, grant_type=client_credentials, scope
//    all-apis → {access_token, token_type, expires_in}.
// JSON_ARRAY values are strings or null: integers and decimals as digits, booleans true/false,
// dates YYYY-MM-DD, timestamps ISO 8601 (TIMESTAMP with Z, TIMESTAMP_NTZ without), binary as
// base64, ARRAY / MAP / STRUCT as JSON text.
//
// Spark SQL the dialect writes becomes SQLite here: TIMESTAMP '…' and DATE '…' literals turn
// into to_timestamp('…') / to_date('…'), which are SQLite functions (canonical UTC text), as are
// current_catalog(), current_schema(), raise_error(msg) and sleep_seconds(s) (slow statements).
// Tables are created with Databricks type names (BIGINT, DECIMAL(12,2), TIMESTAMP_NTZ,
// ARRAY<INT>, …), which become the manifest's types.
//
// Threads: the server answers on its own threads and runs each statement on another; the
// accessors are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wsync::fake_databricks {

struct Options {
  std::string database_path;  // the SQLite file statements read
  std::string token;          // the personal access token accepted; empty: none
  std::string client_id;      // the OAuth client accepted; empty: none
  std::string client_secret;
  int token_lifetime_s = 3600;
  std::set<std::string> warehouses = {"abc123def456"};
  std::set<std::string> catalogs = {"main"};
  std::set<std::string> schemas = {"analytics"};
  std::set<std::string> denied_tables;  // reading one fails with INSUFFICIENT_PERMISSIONS
  size_t chunk_rows = 1000;
  int pending_polls = 0;  // a statement answers PENDING this many times before its result
  int expired_links = 0;  // the first this many external-link downloads answer 403 (expired)
};

struct SeenRequest {
  std::string method;
  std::string path;
  std::string authorization;  // the header as sent
  int status = 0;
  std::string body;
};

class FakeDatabricks {
 public:
  explicit FakeDatabricks(Options options);
  ~FakeDatabricks();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void ThrottleNext(int count, int retry_after_s);
  std::vector<SeenRequest> requests() const;
  std::vector<std::string> statements() const;
  int cancels() const { return cancels_; }
  int tokens_issued() const { return tokens_issued_; }

  struct Statement;

 private:
  struct Handlers;
  Options options_;
  std::unique_ptr<Handlers> handlers_;
  int port_ = 0;
  std::atomic<int> cancels_{0};
  std::atomic<int> tokens_issued_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable recorded_;
  int in_flight_ = 0;
  std::vector<SeenRequest> seen_;
  std::vector<std::string> statements_;
  std::set<std::string> access_tokens_;
  std::map<std::string, std::shared_ptr<Statement>> running_;
  std::vector<std::thread> workers_;
  int expired_left_ = 0;
  int throttle_ = 0;
  int throttle_after_s_ = 0;
  int next_id_ = 0;
};

}  // namespace wsync::fake_databricks

// FakeBigQuery: a local stand-in for the BigQuery REST API v2 and Google's OAuth2 token
// endpoint (cpp-httplib on 127.0.0.1, a random port) that runs the queries it receives on a
// real SQLite database, so connector tests — and Google's own Node client
// (tests/bigquery/node) — run real queries end to end. Test-only.
//
// What it follows, by reference page (cloud.google.com/bigquery/docs/reference/rest/v2/…, and
// developers.google.com/identity/protocols/oauth2/service-account):
//  - "Preparing to make an authorized API call" (service accounts): POST /token with
//    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and an RS256 assertion whose
//    signature is checked against the test key pair's public key (iss = the account's email,
//    scope naming bigquery, aud = this token URL, at most an hour long; not compared with
//    the machine's clock, since the API tests run wsync on a fake one); answers
//    {"access_token","expires_in","token_type"} or 400 {"error":"invalid_grant",
//    "error_description"}. API requests without a token it issued get 401 (reason authError).
//  - jobs.query: POST /bigquery/v2/projects/{projectId}/queries (QueryRequest: query,
//    useLegacySql, location, defaultDataset, maxResults, timeoutMs, jobTimeoutMs, dryRun,
//    requestId, formatOptions.useInt64Timestamp) → QueryResponse (jobReference, jobComplete,
//    schema, rows, totalRows, pageToken). A dry run answers the schema without running.
//  - jobs.getQueryResults: GET …/queries/{jobId}?pageToken&maxResults&location&timeoutMs
//    &formatOptions.useInt64Timestamp → GetQueryResultsResponse; jobComplete false while the job
//    runs (and `pending_polls` more times), then pages of at most min(maxResults, page_rows)
//    rows with an opaque pageToken.
//  - jobs.cancel: POST …/jobs/{jobId}/cancel → {"kind":"bigquery#jobCancelResponse","job"};
//    the job then fails with reason "stopped". jobs.get: GET …/jobs/{jobId}.
//  - datasets.get: GET …/datasets/{datasetId}: the dataset, or 404 notFound.
//  - Errors as "Error messages" documents them: {"error":{"code","message","errors":[{"message",
//    "domain","reason","location","locationType"}],"status"}} with reasons invalidQuery (400),
//    notFound (404), accessDenied (403), rateLimitExceeded (403 or 429 with Retry-After),
//    backendError (503), timeout (jobTimeoutMs passed), stopped (cancelled).
//  - Values as the REST API sends them (rows of {"f":[{"v":…}]}): every scalar a string;
//    TIMESTAMP as floating-point seconds ("1.714564800123456E9") or, with useInt64Timestamp,
//    integer microseconds; BYTES as base64; REPEATED as [{"v":…}]; RECORD as {"f":[…]}.
//
// SQLite is told GoogleSQL's few constructs that the connector writes: CAST(x AS TIMESTAMP |
// DATE | INT64 | DATETIME) and TIMESTAMP '…' / DATE '…' literals become functions, and a
// backquoted `project.dataset.table` becomes its table (an unknown dataset is notFound).
// Column types come from the tables' declared types (INT64, FLOAT64, NUMERIC, BIGNUMERIC, BOOL,
// STRING, BYTES, DATE, DATETIME, TIME, TIMESTAMP, JSON, RECORD — whose fields Options names —
// and "REPEATED <type>" for arrays stored as JSON text; a trailing " CHAR" — "NUMERIC CHAR" —
// only gives the column SQLite's text affinity, so numerics keep every digit); expressions get
// theirs from their first value.
//
// Threads: the server answers on its own threads and runs each job on another; the accessors
// are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wsync::fake_bigquery {

struct Options {
  std::string database_path;  // the SQLite file queries read
  std::string project = "acme-analytics";
  std::set<std::string> datasets = {"analytics"};
  std::string location = "US";
  std::string client_email = "wsync@acme-analytics.iam.gserviceaccount.com";
  std::string public_key_pem;           // of the service account's key; empty: every key refused
  bool may_create_jobs = true;          // false: jobs.query is accessDenied (no Job User role)
  std::set<std::string> denied_tables;  // reading one is accessDenied (lower case names)
  // RECORD columns' fields by column name: [{"name","type"[,"mode"]}, …].
  std::map<std::string, nlohmann::json> record_fields;
  size_t page_rows = 1000;  // at most this many rows per page, whatever maxResults says
  int pending_polls = 0;    // a finished job still answers jobComplete false this many times
};

struct SeenRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string authorization;
  int status = 0;
  std::string body;
};

// A fresh RSA key pair in PEM (PKCS#8 private key, SubjectPublicKeyInfo public key).
struct KeyPairPem {
  std::string private_pem;
  std::string public_pem;
};
KeyPairPem GenerateRsaKeyPair();

class FakeBigQuery {
 public:
  explicit FakeBigQuery(Options options);
  ~FakeBigQuery();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string token_url() const { return base_url() + "/token"; }
  // A service-account key file (JSON) for options.client_email with `private_pem`.
  nlohmann::json KeyFile(const std::string& private_pem) const;

  // The next `count` API requests are answered 429 (or 403 rateLimitExceeded) with
  // Retry-After: `retry_after_s`.
  void ThrottleNext(int count, int retry_after_s, bool as_403 = false);
  // The next `count` API requests are answered 503 backendError.
  void FailNext(int count);
  // Forgets every token issued: the next API request is 401.
  void RevokeTokens();

  std::vector<SeenRequest> requests() const;  // waiting briefly for answers being written
  std::vector<std::string> queries() const;   // as received, dry runs included
  int cancels() const { return cancels_; }
  int tokens_issued() const { return tokens_issued_; }

  struct Job;  // one query job (fake_bigquery.cc)

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
  std::vector<std::string> queries_;
  std::set<std::string> tokens_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::vector<std::thread> workers_;
  int throttle_ = 0;
  int throttle_after_s_ = 0;
  bool throttle_403_ = false;
  int fail_ = 0;
  int next_id_ = 0;
};

}  // namespace wsync::fake_bigquery

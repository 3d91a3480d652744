// FakeSnowflake: a local stand-in for the Snowflake SQL API v2 (cpp-httplib on 127.0.0.1, a
// random port) that runs the statements it receives on a real SQLite database, so connector
// tests run real queries end to end. Test-only.
//
// What it follows, by Snowflake SQL API reference section (docs.snowflake.com/en/developer-
// guide/sql-api/reference, …/handling-responses, …/authenticating):
//  - "POST /api/v2/statements": body fields statement, timeout, warehouse, database, schema,
//    role, parameters; query parameters requestId, async, retry. With async=true the answer is
//    202 with a QueryStatus (code 333334, statementHandle, statementStatusUrl); without it the
//    statement runs to its end first.
//  - "GET /api/v2/statements/{statementHandle}": 202 QueryStatus while running, 200 ResultSet
//    (resultSetMetaData: numRows, format jsonv2, rowType, partitionInfo; data of partition 0;
//    code 090001, statementHandle, sqlState 00000), 422 QueryFailureStatus (code, sqlState,
//    message, statementHandle) when the statement failed, 408 when it passed its timeout.
//    With ?partition=N (N ≥ 1) the answer holds that partition's `data` only, gzip-encoded when
//    the request accepts gzip ("Getting the data from the results": partitions).
//  - "POST /api/v2/statements/{statementHandle}/cancel": the statement ends with 000604.
//  - "Authenticating to the server": Authorization: Bearer with X-Snowflake-Authorization-
//    Token-Type KEYPAIR_JWT (RS256 signature checked against the user's public key; iss
//    ACCOUNT.USER.SHA256:fingerprint, sub ACCOUNT.USER; 401 code 390144 otherwise) or
//    PROGRAMMATIC_ACCESS_TOKEN (401 code 390303 when it is not the one configured).
//  - Result values as "Handling responses" documents them: every value a string; fixed
//    numbers as digits, real as text, dates as days since the epoch, times as seconds since
//    midnight, timestamps as seconds since the epoch with 9 decimals (timestamp_tz followed by
//    the offset in minutes plus 1440), binary as hex, booleans as true/false.
// Error shapes beyond the reference's examples (390201 for an unknown database or schema,
// 390189 for a role not granted, 003001 for missing privileges, 000606 without a warehouse,
// 000630 for a statement timeout) follow what Snowflake's drivers report for those cases.
//
// Snowflake functions the dialect writes are SQLite functions here: TO_TIMESTAMP_TZ, TO_DATE,
// TO_NUMBER (canonical text / integers that compare correctly in SQLite), CURRENT_WAREHOUSE,
// CURRENT_DATABASE, CURRENT_SCHEMA, CURRENT_ROLE, and SYSTEM$WAIT(seconds) for slow statements.
// Tables are created with Snowflake type names (NUMBER(12,2), TIMESTAMP_NTZ, VARIANT, …), which
// become the rowType; values are stored as SQLite text/integers/blobs in their usual text forms.
// Result column names are folded to upper case unless the statement quotes them ("name").
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

namespace wsync::fake_snowflake {

struct Options {
  std::string database_path;  // the SQLite file statements read
  std::string account = "MYORG-ACCT";
  std::string user = "WSYNC_USER";
  std::string public_key_pem;  // key-pair authentication of `user`; empty: refused
  std::string token;           // the programmatic access token accepted; empty: none
  std::set<std::string> warehouses = {"COMPUTE_WH"};
  std::set<std::string> databases = {"ANALYTICS"};
  std::set<std::string> schemas = {"PUBLIC"};
  std::set<std::string> roles = {"WSYNC_READER"};
  std::set<std::string> denied_tables;  // reading one is an access-control error (003001)
  size_t partition_rows = 1000;         // rows per result partition
  int pending_polls = 0;                // a finished statement still answers 202 this many times
};

struct SeenRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string token_type;        // X-Snowflake-Authorization-Token-Type
  std::string accept_encoding;   // of the request
  std::string content_encoding;  // of the answer
  int status = 0;
  std::string body;
};

// A fresh RSA key pair in PEM (PKCS#8 private key, SubjectPublicKeyInfo public key), as
// `openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt` and `openssl rsa -pubout` write them.
struct KeyPairPem {
  std::string private_pem;
  std::string public_pem;
};
KeyPairPem GenerateRsaKeyPair();

class FakeSnowflake {
 public:
  explicit FakeSnowflake(Options options);
  ~FakeSnowflake();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next `count` requests are answered 429 with Retry-After: `retry_after_s`.
  void ThrottleNext(int count, int retry_after_s);
  // The next `count` requests are answered 503.
  void FailNext(int count);

  // Every exchange so far (waiting briefly for those whose answer is being written).
  std::vector<SeenRequest> requests() const;
  // Statements received, in order.
  std::vector<std::string> statements() const;
  int cancels() const { return cancels_; }

  struct Statement;  // one submitted statement (fake_snowflake.cc)

 private:
  struct Handlers;

  Options options_;
  std::unique_ptr<Handlers> handlers_;
  int port_ = 0;
  std::atomic<int> cancels_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable recorded_;
  int in_flight_ = 0;
  std::vector<SeenRequest> seen_;
  std::vector<std::string> statements_;
  std::map<std::string, std::shared_ptr<Statement>> running_;
  std::vector<std::thread> workers_;
  int throttle_ = 0;
  int throttle_after_s_ = 0;
  int fail_ = 0;
  int next_id_ = 0;
};

}  // namespace wsync::fake_snowflake

// Helpers for the API integration tests: a real api::Server on 127.0.0.1 port 0 over a
// temporary data directory, credentials and tokens, a small HTTP client (cpp-httplib) that
// speaks JSON, and SQLite warehouse files to sync from. Test-only; one thread per fixture.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/server.h"
#include "core/time.h"
#include "storage/backend.h"
#include "storage/credential_store.h"
#include "testing/temp_dir.h"

namespace wsync::api_test {

using nlohmann::json;

// 2024-06-01T00:00:00Z: the fake clock's start.
inline constexpr int64_t kStartMicros = 1717200000LL * 1'000'000;

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed)
  json body;       // parsed JSON, or null when the body is empty or not JSON
  std::string text;
  httplib::Headers headers;
};

// One running server with its data directory and clock.
class TestServer {
 public:
  explicit TestServer(int run_workers = 1, std::string data_dir = "",
                      std::function<void(api::ServerOptions*)> tune = nullptr);
  ~TestServer();

  void Stop();
  // A new server on the same data directory (and clock).
  void Restart(int run_workers = 1);

  const std::string& data_dir() const { return data_dir_; }
  // Where tests put SQLite warehouses: the server's only --sqlite-dir, beside data_dir().
  const std::string& warehouse_dir() const { return warehouse_dir_; }
  int port() const { return server_->port(); }
  api::Server* server() { return server_.get(); }
  core::FakeClock* clock() { return &clock_; }
  // A credential of `workspace` and a token for it, via POST /oauth/token.
  storage::NewCredential NewCredential(int64_t workspace);
  std::string Token(const storage::NewCredential& cred);
  storage::CredentialStore* credentials();
  // A new session on the server's storage backend, to read or write behind the API's back.
  core::StatusOr<std::unique_ptr<storage::Session>> OpenSession();

  HttpResult Request(const std::string& method, const std::string& path, const std::string& token,
                     const std::string& body = "",
                     const std::string& content_type = "application/json");

 private:
  std::function<void(api::ServerOptions*)> tune_;
  std::unique_ptr<testing::TempDir> owned_dir_;
  std::string data_dir_;
  std::string warehouse_dir_;
  core::FakeClock clock_{kStartMicros};
  std::unique_ptr<api::Server> server_;
  std::unique_ptr<storage::Session> session_;  // credentials()'s
};

// A client bound to one server and one token, with workspace-relative paths.
class Client {
 public:
  Client(TestServer* server, std::string token, int64_t workspace)
      : server_(server), token_(std::move(token)), workspace_(workspace) {}
  std::string Ws(const std::string& rest) const {
    return "/platform/v2/workspaces/" + std::to_string(workspace_) + rest;
  }
  HttpResult Get(const std::string& rest) { return server_->Request("GET", Ws(rest), token_); }
  HttpResult Delete(const std::string& rest) {
    return server_->Request("DELETE", Ws(rest), token_);
  }
  HttpResult Post(const std::string& rest, const json& body = json::object()) {
    return server_->Request("POST", Ws(rest), token_, body.dump());
  }
  HttpResult Put(const std::string& rest, const json& body) {
    return server_->Request("PUT", Ws(rest), token_, body.dump());
  }
  HttpResult Raw(const std::string& method, const std::string& rest, const std::string& body) {
    return server_->Request(method, Ws(rest), token_, body);
  }
  // Polls the run until it has ended; returns its last JSON.
  json WaitForRun(const std::string& pipeline_id, int64_t run_id, int timeout_s = 60);
  const std::string& token() const { return token_; }

 private:
  TestServer* server_;
  std::string token_;
  int64_t workspace_;
};

// A SQLite warehouse file: table customers(customer_id, email, first_name, plan, updated_at)
// with `rows` generated rows (customer_id 1..rows, email customerN@example.com).
void WriteCustomers(const std::string& path, int rows);
// Runs SQL against a SQLite file (test setup).
void ExecSql(const std::string& path, const std::string& sql);
// Counts rows of `table` in a SQLite file.
int64_t CountRows(const std::string& path, const std::string& table);

// Sends `request` as raw bytes on a new loopback connection and returns everything the server
// answers until it closes or `timeout_ms` passes ("" when nothing came).
std::string RawHttp(int port, const std::string& request, int timeout_ms = 10000);
// The status code of a raw HTTP answer (0 when there is none).
int RawStatus(const std::string& answer);
// The body of a raw HTTP answer (after the blank line).
std::string RawBody(const std::string& answer);

// The first error of an error body, for compact assertions.
inline json FirstError(const HttpResult& r) {
  if (!r.body.is_object() || !r.body.contains("errors") || r.body["errors"].empty()) return {};
  return r.body["errors"][0];
}

// Standard bodies.
json SqliteConnection(const std::string& id, const std::string& path);
json CustomersModel(const std::string& id);
json CustomersPipeline(const std::string& id, const std::string& connection_id,
                       const std::string& model_id);

}  // namespace wsync::api_test

#include "api_test_util.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "app/engine.h"
#include "testing/providers.h"

namespace wsync::api_test {

TestServer::TestServer(int run_workers, std::string data_dir,
                       std::function<void(api::ServerOptions*)> tune)
    : tune_(std::move(tune)) {
  // Warehouses live beside the data directory, in the one directory the server allows
  // (`--sqlite-dir`): the data directory itself is never a warehouse.
  if (data_dir.empty()) {
    owned_dir_ = std::make_unique<testing::TempDir>();
    warehouse_dir_ = owned_dir_->path();
    data_dir_ = owned_dir_->File("data");
    std::filesystem::create_directory(data_dir_);
  } else {
    data_dir_ = std::move(data_dir);
    warehouse_dir_ = std::filesystem::path(data_dir_).parent_path().string();
  }
  Restart(run_workers);
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  session_.reset();
  if (server_) server_->Stop();
}

void TestServer::Restart(int run_workers) {
  Stop();
  server_.reset();
  api::ServerOptions options;
  options.data_dir = data_dir_;
  options.clock = &clock_;
  options.run_workers = run_workers;
  options.worker_poll_ms = 20;
  options.http_threads = 4;
  options.sqlite_dirs = {warehouse_dir_};
  if (tune_) tune_(&options);
  auto started = app::StartServer(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status().ToString();
    return;
  }
  server_ = std::move(*started);
}

core::StatusOr<std::unique_ptr<storage::Session>> TestServer::OpenSession() {
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Backend> backend,
                   storage::OpenBackend(storage::StoreInDataDir(data_dir_)));
  return backend->NewSession({.clock = &clock_, .providers = &testing::BuiltinProviders()});
}

storage::CredentialStore* TestServer::credentials() {
  if (!session_) {
    auto session = OpenSession();
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(*session);
  }
  return session_->credentials();
}

storage::NewCredential TestServer::NewCredential(int64_t workspace) {
  auto cred = credentials()->Create(workspace);
  EXPECT_TRUE(cred.ok()) << cred.status().ToString();
  return *cred;
}

std::string TestServer::Token(const storage::NewCredential& cred) {
  HttpResult r = Request("POST", "/oauth/token", "",
                         json({{"client_id", cred.client_id},
                               {"client_secret", cred.client_secret},
                               {"grant_type", "client_credentials"}})
                             .dump());
  EXPECT_EQ(r.status, 200) << r.text;
  return r.body.value("access_token", "");
}

HttpResult TestServer::Request(const std::string& method, const std::string& path,
                               const std::string& token, const std::string& body,
                               const std::string& content_type) {
  httplib::Client client("127.0.0.1", port());
  client.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result res(nullptr, httplib::Error::Unknown);
  if (method == "GET") {
    res = client.Get(path, headers);
  } else if (method == "DELETE") {
    res = client.Delete(path, headers, body, content_type);
  } else if (method == "POST") {
    res = client.Post(path, headers, body, content_type);
  } else if (method == "PUT") {
    res = client.Put(path, headers, body, content_type);
  } else if (method == "PATCH") {
    res = client.Patch(path, headers, body, content_type);
  } else {
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = headers;
    req.body = body;
    res = client.send(req);
  }
  HttpResult out;
  if (!res) return out;
  out.status = res->status;
  out.text = res->body;
  out.headers = res->headers;
  out.body = json::parse(res->body, nullptr, false);
  if (out.body.is_discarded()) out.body = json();
  return out;
}

json Client::WaitForRun(const std::string& pipeline_id, int64_t run_id, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  json last;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResult r = Get("/pipelines/" + pipeline_id + "/runs/" + std::to_string(run_id));
    last = r.body;
    std::string state = last.value("state", "");
    if (state == "succeeded" || state == "failed" || state == "cancelled") return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ADD_FAILURE() << "run " << run_id << " did not end: " << last.dump();
  return last;
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

int64_t CountRows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

void WriteCustomers(const std::string& path, int rows) {
  ExecSql(path,
          "CREATE TABLE customers (customer_id INTEGER, email TEXT, first_name TEXT, plan TEXT, "
          "updated_at TEXT);"
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
              std::to_string(rows) +
              ") INSERT INTO customers SELECT i, 'Customer' || i || '@Example.com', "
              "'Name' || i, CASE i % 2 WHEN 0 THEN 'pro' ELSE 'free' END, "
              "'2024-05-01T00:00:00Z' FROM n;");
}

json SqliteConnection(const std::string& id, const std::string& path) {
  return {
      {"id", id}, {"name", "Local"}, {"service_provider", "sqlite"}, {"config", {{"path", path}}}};
}

json CustomersModel(const std::string& id) {
  return {{"id", id},
          {"name", "Customers"},
          {"type", "sql"},
          {"sql_query", "SELECT customer_id, email, first_name, plan FROM customers"}};
}

json CustomersPipeline(const std::string& id, const std::string& connection_id,
                       const std::string& model_id) {
  return {{"id", id},
          {"name", "Customers"},
          {"pipeline_type", "user_attributes"},
          {"connection_id", connection_id},
          {"data_model_id", model_id},
          {"environment", "development"},
          {"sync_mode", {{"type", "full"}}},
          {"schedule", {{"type", "on_demand"}}}};
}

}  // namespace wsync::api_test

namespace wsync::api_test {

std::string RawHttp(int port, const std::string& request, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      pollfd p{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

int RawStatus(const std::string& answer) {
  if (!answer.starts_with("HTTP/1.1 ") || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string RawBody(const std::string& answer) {
  size_t p = answer.find("\r\n\r\n");
  return p == std::string::npos ? "" : answer.substr(p + 4);
}

}  // namespace wsync::api_test

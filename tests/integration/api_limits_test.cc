// Request limits over real HTTP (SPEC §12): JSON nesting depth, bytes that are not UTF-8, numbers
// out of range, NUL bytes, over-long targets, responses that cannot be serialised, slow clients,
// token throttling, per-workspace warehouse concurrency and log-line escaping.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "api/limits.h"
#include "api/request_checks.h"
#include "api_test_util.h"
#include "catalog/config_file.h"
#include "core/log.h"

namespace wsync::api_test {
namespace {

std::string Deep(int n) { return std::string(n, '[') + std::string(n, ']'); }

class ApiLimitsTest : public ::testing::Test {
 protected:
  ApiLimitsTest() : client_(&server_, server_.Token(server_.NewCredential(1)), 1) {}

  // A raw request with the client's token; `target` is sent byte for byte.
  std::string Raw(const std::string& method, const std::string& target,
                  const std::string& body = "") {
    return RawHttp(server_.port(), method + " " + target +
                                       " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                       "Authorization: Bearer " +
                                       client_.token() +
                                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  // Asserts a 400 invalid_argument JSON error whose message contains `part`, and no exception
  // text in the headers.
  static void ExpectBadRequest(const std::string& answer, const std::string& part) {
    EXPECT_EQ(RawStatus(answer), 400) << answer;
    EXPECT_EQ(answer.find("EXCEPTION_WHAT"), std::string::npos) << answer;
    json body = json::parse(RawBody(answer), nullptr, false);
    ASSERT_TRUE(body.is_object()) << answer;
    EXPECT_EQ(body["errors"][0]["code"], "invalid_argument");
    EXPECT_NE(body["errors"][0]["message"].get<std::string>().find(part), std::string::npos)
        << body.dump();
  }

  void ExpectHealthy() { EXPECT_EQ(server_.Request("GET", "/healthz", "").status, 200); }

  TestServer server_{/*run_workers=*/0};
  Client client_;
};

TEST_F(ApiLimitsTest, DeepConfigValueIs400AndTheServerStaysUp) {
  std::string body = R"({"id":"deep","service_provider":"sqlite","config":{"path":"/x","d":)" +
                     Deep(100000) + "}}";
  HttpResult r = client_.Raw("POST", "/connections", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(FirstError(r)["message"], "the JSON body is nested more than 64 levels deep");
  ExpectHealthy();
  EXPECT_EQ(client_.Get("/connections/deep").status, 404);
}

TEST_F(ApiLimitsTest, NestingAtTheLimitIsAcceptedOneMoreIsNot) {
  // The body object is level 1, "config" level 2, so "d" may hold 62 more levels.
  auto body = [](int n) {
    return R"({"id":"c)" + std::to_string(n) +
           R"(","service_provider":"sqlite","config":{"path":"/x","d":)" + Deep(n) + "}}";
  };
  HttpResult at_limit = client_.Raw("POST", "/connections", body(62));
  EXPECT_NE(FirstError(at_limit)["message"], "the JSON body is nested more than 64 levels deep");
  HttpResult over = client_.Raw("POST", "/connections", body(63));
  EXPECT_EQ(over.status, 400);
  EXPECT_EQ(FirstError(over)["message"], "the JSON body is nested more than 64 levels deep");
}

TEST(ApiLimitsUnitTest, BoundedJsonParserRefusesDepthNulAndHugeNumbers) {
  EXPECT_TRUE(api::ParseBoundedJson(Deep(64)).ok());
  EXPECT_FALSE(api::ParseBoundedJson(Deep(65)).ok());
  EXPECT_EQ(api::ParseBoundedJson(Deep(3), 2).status().message(),
            "the JSON body is nested more than 2 levels deep");
  EXPECT_EQ(api::ParseBoundedJson(std::string("{}\0xyz", 6)).status().message(),
            "the JSON body contains a NUL byte");
  EXPECT_FALSE(api::ParseBoundedJson("1e400").ok());
  EXPECT_FALSE(api::ParseBoundedJson("{} x").ok());
  EXPECT_EQ(*api::ParseBoundedJson(R"({"a":[1,{"b":null}]})"),
            json::parse(R"({"a":[1,{"b":null}]})"));
}

TEST(ApiLimitsUnitTest, DeepConfigFileValueIsRefused) {
  testing::TempDir dir;
  auto write = [&](const std::string& name, int depth) {
    std::ofstream out(dir.File(name));
    out << "connections:\n  - id: c\n    service_provider: sqlite\n    config: {path: /x, d: "
        << Deep(depth) << "}\n";
    return dir.File(name);
  };
  // The file (1) > connections (2) > item (3) > config (4) > d: 60 more levels reach 64.
  auto ok = catalog::LoadConfigFile(write("ok.yaml", 60));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  auto deep = catalog::LoadConfigFile(write("deep.yaml", 61));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nests values more than 64 levels deep"),
            std::string::npos)
      << deep.status().ToString();
  auto very_deep = catalog::LoadConfigFile(write("very_deep.yaml", 100000));
  EXPECT_FALSE(very_deep.ok());
}

TEST_F(ApiLimitsTest, InvalidUtf8InPathIs400) {
  ExpectBadRequest(Raw("GET", "/platform/v2/workspaces/1/profiles/%FF"),
                   "the request path is not valid UTF-8");
  ExpectBadRequest(Raw("GET", "/platform/v2/workspaces/1/%FF%FE"),
                   "the request path is not valid UTF-8");
  ExpectHealthy();
}

TEST_F(ApiLimitsTest, InvalidUtf8InQueryIs400) {
  ExpectBadRequest(Raw("GET", "/platform/v2/workspaces/1/profiles/1?identity_type=%FF"),
                   "query parameter 'identity_type' is not valid UTF-8");
  ExpectBadRequest(Raw("GET", "/platform/v2/workspaces/1/profiles?environment=%C3"),
                   "query parameter 'environment' is not valid UTF-8");
}

TEST_F(ApiLimitsTest, InvalidUtf8InBodyIs400) {
  ExpectBadRequest(Raw("POST", "/platform/v2/workspaces/1/connections", "{\"id\":\"\xff\"}"),
                   "the request body is not valid UTF-8");
  ExpectBadRequest(Raw("POST", "/platform/v2/workspaces/1/connections", "\xff"),
                   "the request body is not valid UTF-8");
  ExpectBadRequest(RawHttp(server_.port(),
                           "POST /oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "Content-Type: application/x-www-form-urlencoded\r\n"
                           "Content-Length: 49\r\n\r\n"
                           "grant_type=client_credentials&client_id=%FF&x=%0A"),
                   "'client_id' is not valid UTF-8");
}

TEST_F(ApiLimitsTest, NumberOutOfRangeIs400) {
  ExpectBadRequest(Raw("POST", "/platform/v2/workspaces/1/connections",
                       R"({"id":"n","service_provider":"sqlite",)"
                       R"("config":{"path":"/x","max_columns":1e400}})"),
                   "malformed JSON body");
}

TEST_F(ApiLimitsTest, NulAfterTheJsonIs400) {
  std::string body = R"({"id":"nul","service_provider":"sqlite","config":{"path":"/x"}})";
  body += std::string("\0trailing", 9);
  ExpectBadRequest(Raw("POST", "/platform/v2/workspaces/1/connections", body),
                   "the request body contains a NUL byte");
  EXPECT_EQ(client_.Get("/connections/nul").status, 404);
}

TEST_F(ApiLimitsTest, LongTargetIs414WithItsOwnCode) {
  std::string answer = Raw("GET", "/platform/v2/workspaces/1/" + std::string(20000, 'a'));
  EXPECT_EQ(RawStatus(answer), 414) << answer.substr(0, 200);
  json body = json::parse(RawBody(answer), nullptr, false);
  ASSERT_TRUE(body.is_object()) << answer.substr(0, 200);
  EXPECT_EQ(body["errors"][0]["code"], "uri_too_long");
  ExpectHealthy();
}

TEST(ApiLogTest, EscapeForLogKeepsOneLine) {
  EXPECT_EQ(core::EscapeForLog("/x\n2026-12-01T00:00:00Z INFO forged"),
            "/x\\n2026-12-01T00:00:00Z INFO forged");
  EXPECT_EQ(core::EscapeForLog(std::string("a\r\t\x1b[31m\x7f\\\0b", 12)),
            "a\\r\\t\\x1b[31m\\x7f\\\\\\x00b");
  EXPECT_EQ(core::EscapeForLog("caf\xc3\xa9 \xff"), "caf\xc3\xa9 \xef\xbf\xbd");
}

TEST(ApiLimitsUnitTest, SafeDumpReplacesBadUtf8InsteadOfThrowing) {
  json v = {{"message", "no such endpoint: /\xff"}};
  EXPECT_THROW((void)v.dump(), json::type_error);
  EXPECT_EQ(api::SafeDump(v), "{\"message\":\"no such endpoint: /\xef\xbf\xbd\"}");
}

// --- slow clients (F5) -------------------------------------------------------------------------

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the server has closed `fd` (a read gives end of file or an error at once).
bool ClosedByServer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  while (n > 0) n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN);
}

int64_t HealthzMillis(TestServer* server) {
  auto start = std::chrono::steady_clock::now();
  httplib::Client c("127.0.0.1", server->port());
  c.set_read_timeout(10, 0);
  auto r = c.Get("/healthz");
  EXPECT_TRUE(r && r->status == 200);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

TEST(ApiSlowClientTest, TricklingHeadersDoNotBlockHealthzAndAreCutAtTheHeaderTimeout) {
  TestServer server(0, "", [](api::ServerOptions* o) { o->header_timeout_ms = 1500; });
  std::vector<int> fds;
  for (int i = 0; i < 40; ++i) {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    std::string start = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::send(fd, start.data(), start.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(start.size()));
    fds.push_back(fd);
  }
  auto begin = std::chrono::steady_clock::now();
  int64_t worst_ms = 0;
  // Every 250 ms each connection sends one more header line, for 2.5 s: well past the header
  // timeout, though no single read ever waits long.
  for (int round = 0; round < 10; ++round) {
    for (int fd : fds) {
      std::string line = "X-a" + std::to_string(round) + ": b\r\n";
      (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    }
    if (round % 3 == 0) worst_ms = std::max(worst_ms, HealthzMillis(&server));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_LT(worst_ms, 1000);
  std::cout << "healthz worst case with 40 trickling connections: " << worst_ms << " ms\n";
  int closed = 0;
  for (int fd : fds) closed += ClosedByServer(fd) ? 1 : 0;
  EXPECT_EQ(closed, 40) << "after "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - begin)
                               .count()
                        << " ms";
  for (int fd : fds) ::close(fd);
}

TEST(ApiSlowClientTest, SlowBodyIsCutAtTheBodyTimeout) {
  TestServer server(0, "", [](api::ServerOptions* o) { o->body_timeout_ms = 1000; });
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  std::string head =
      "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{";
  ASSERT_GT(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), 0);
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    (void)::send(fd, " ", 1, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    closed = ClosedByServer(fd);
  }
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST(ApiSlowClientTest, ConnectionsOverTheCapGet503) {
  TestServer server(0, "", [](api::ServerOptions* o) { o->max_connections = 4; });
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    (void)::send(fd, "GET /he", 7, MSG_NOSIGNAL);
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string answer = RawHttp(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  EXPECT_EQ(RawStatus(answer), 503) << answer;
  json body = json::parse(RawBody(answer), nullptr, false);
  EXPECT_EQ(body["errors"][0]["code"], "unavailable") << answer;
  for (int fd : fds) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server.Request("GET", "/healthz", "").status, 200);
}

// --- /oauth/token throttles (F6) ----------------------------------------------------------------

HttpResult BadGuess(TestServer* server, const std::string& client_id, int i) {
  return server->Request("POST", "/oauth/token", "",
                         "grant_type=client_credentials&client_id=" + client_id +
                             "&client_secret=guess" + std::to_string(i),
                         "application/x-www-form-urlencoded");
}

TEST(ApiTokenThrottleTest, BadGuessesArePerClientAndPerAddressLimited) {
  TestServer server(0, "", [](api::ServerOptions* o) {
    o->token_burst_per_address = 5;
    o->token_burst_per_client = 3;
  });
  storage::NewCredential cred = server.NewCredential(1);
  std::vector<int> statuses;
  std::vector<std::string> messages;
  HttpResult last;
  for (int i = 0; i < 8; ++i) {
    last = BadGuess(&server, cred.client_id, i);
    statuses.push_back(last.status);
    messages.push_back(FirstError(last).value("message", ""));
  }
  EXPECT_EQ(statuses, (std::vector<int>{401, 401, 401, 429, 429, 429, 429, 429}));
  EXPECT_EQ(messages[3], "too many token requests for this client_id; retry after 6 s");
  EXPECT_EQ(messages[5], "too many token requests from this address; retry after 1 s");
  EXPECT_EQ(FirstError(last)["code"], "too_many_requests");
  ASSERT_TRUE(last.headers.count("Retry-After"));
  EXPECT_EQ(last.headers.find("Retry-After")->second, "1");
  // After 6 s both buckets have a token again, and the right secret works.
  server.clock()->Advance(6 * core::kMicrosPerSecond);
  HttpResult ok = server.Request("POST", "/oauth/token", "",
                                 json({{"client_id", cred.client_id},
                                       {"client_secret", cred.client_secret},
                                       {"grant_type", "client_credentials"}})
                                     .dump());
  EXPECT_EQ(ok.status, 200) << ok.text;
}

TEST(ApiTokenThrottleTest, ParallelGuessesAreBoundedAndHealthzStaysFast) {
  TestServer server(0, "", [](api::ServerOptions* o) {
    o->token_burst_per_address = 1000;
    o->password_hash_concurrency = 1;
    o->password_hash_wait_ms = 100;
  });
  std::vector<std::thread> threads;
  std::vector<int> statuses(24);
  for (int i = 0; i < 24; ++i) {
    threads.emplace_back(
        [&, i] { statuses[i] = BadGuess(&server, "wsc_" + std::to_string(i), i).status; });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t healthz_ms = HealthzMillis(&server);
  for (std::thread& t : threads) t.join();
  int throttled = 0;
  for (int s : statuses) {
    EXPECT_TRUE(s == 401 || s == 429) << s;
    throttled += s == 429 ? 1 : 0;
  }
  EXPECT_GT(throttled, 0);
  EXPECT_LT(throttled, 24);
  EXPECT_LT(healthz_ms, 1000);
}

// --- per-workspace warehouse concurrency (F3) ---------------------------------------------------

TEST(ApiWorkspaceGateTest, GateCountsPerWorkspace) {
  api::WorkspaceGate gate(2);
  EXPECT_TRUE(gate.TryEnter(1));
  EXPECT_TRUE(gate.TryEnter(1));
  EXPECT_FALSE(gate.TryEnter(1));
  EXPECT_TRUE(gate.TryEnter(2));
  gate.Leave(1);
  EXPECT_TRUE(gate.TryEnter(1));
}

TEST(ApiWorkspaceGateTest, ConcurrentDiscoverBeyondTheLimitIs429OtherWorkspacesUnaffected) {
  TestServer server(0, "", [](api::ServerOptions* o) { o->warehouse_requests_per_workspace = 1; });
  Client ws1(&server, server.Token(server.NewCredential(1)), 1);
  Client ws2(&server, server.Token(server.NewCredential(2)), 2);
  const std::string warehouse = server.warehouse_dir() + "/shop.db";
  WriteCustomers(warehouse, 10);
  for (Client* c : {&ws1, &ws2}) {
    ASSERT_EQ(c->Post("/connections", SqliteConnection("shop", warehouse)).status, 201);
    json slow = CustomersModel("slow");
    slow["sql_query"] =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) "
        "SELECT count(*) AS customer_id FROM c";
    ASSERT_EQ(c->Post("/data-models", slow).status, 201) << c->Post("/data-models", slow).text;
    ASSERT_EQ(c->Post("/data-models", CustomersModel("customers")).status, 201);
  }
  HttpResult slow_answer;
  std::thread slow([&] {
    slow_answer = ws1.Post("/data-models/slow/discover", {{"connection_id", "shop"}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpResult second = ws1.Post("/data-models/customers/discover", {{"connection_id", "shop"}});
  HttpResult other = ws2.Post("/data-models/customers/discover", {{"connection_id", "shop"}});
  slow.join();
  EXPECT_EQ(second.status, 429) << second.text;
  EXPECT_EQ(FirstError(second)["code"], "too_many_requests");
  EXPECT_EQ(other.status, 200) << other.text;
  EXPECT_EQ(slow_answer.status, 200) << slow_answer.text;
  // Once the slow one is done, the workspace may discover again.
  EXPECT_EQ(ws1.Post("/data-models/customers/discover", {{"connection_id", "shop"}}).status, 200);
}

// --- run workers fair across workspaces (F3) ---------------------------------------------------

TEST(ApiRunFairnessTest, OneWorkspaceCannotHoldEveryWorker) {
  TestServer server(/*run_workers=*/2);
  Client ws1(&server, server.Token(server.NewCredential(1)), 1);
  Client ws2(&server, server.Token(server.NewCredential(2)), 2);
  const std::string big = server.warehouse_dir() + "/big.db";
  const std::string small = server.warehouse_dir() + "/small.db";
  WriteCustomers(big, 300000);
  WriteCustomers(small, 10);
  ASSERT_EQ(ws1.Post("/connections", SqliteConnection("w", big)).status, 201);
  ASSERT_EQ(ws2.Post("/connections", SqliteConnection("w", small)).status, 201);
  for (Client* c : {&ws1, &ws2}) {
    ASSERT_EQ(c->Post("/data-models", CustomersModel("customers")).status, 201);
  }
  for (const char* id : {"p1", "p2"}) {
    ASSERT_EQ(ws1.Post("/pipelines", CustomersPipeline(id, "w", "customers")).status, 201);
    ASSERT_EQ(ws1.Post(std::string("/pipelines/") + id + "/activate").status, 200);
  }
  ASSERT_EQ(ws2.Post("/pipelines", CustomersPipeline("q", "w", "customers")).status, 201);
  ASSERT_EQ(ws2.Post("/pipelines/q/activate").status, 200);
  int64_t r1 = ws1.Post("/pipelines/p1/trigger").body["pipeline_run_id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int64_t r2 = ws1.Post("/pipelines/p2/trigger").body["pipeline_run_id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int64_t rq = ws2.Post("/pipelines/q/trigger").body["pipeline_run_id"];
  // Workspace 2's run is taken while workspace 1's long first run still holds its worker.
  json q = ws2.WaitForRun("q", rq, 60);
  EXPECT_EQ(q["state"], "succeeded");
  EXPECT_EQ(ws1.Get("/pipelines/p1/runs/" + std::to_string(r1)).body["state"], "running");
  EXPECT_EQ(ws1.Get("/pipelines/p2/runs/" + std::to_string(r2)).body["state"], "queued");
  server.Stop();
}

// --- log lines (F15) ----------------------------------------------------------------------------

TEST(ApiLogTest, AccessLogLineOfAPathWithANewlineStaysOneLine) {
  TestServer server(0);
  testing::TempDir dir;
  const std::string log_path = dir.File("stderr.log");
  int saved = ::dup(STDERR_FILENO);
  int file = ::open(log_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(file, 0);
  ::dup2(file, STDERR_FILENO);
  HttpResult r = server.Request("GET", "/x%0A2026-12-01T00:00:00.000000Z%20INFO%20forged", "");
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  EXPECT_EQ(r.status, 404) << r.text;
  std::ifstream in(log_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(" INFO GET /x\\n2026-12-01T00:00:00.000000Z INFO forged 404 "),
            std::string::npos)
      << "log: [" << text << "] " << text.size();
  EXPECT_EQ(text.find("\n2026-12-01T00:00:00.000000Z INFO forged"), std::string::npos) << text;
}

}  // namespace
}  // namespace wsync::api_test

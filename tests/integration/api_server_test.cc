// Server lifecycle: runs a dead process left `running` are failed as interrupted at start-up;
// stopping the server interrupts a running run, even inside a warehouse statement; the router and
// the published OpenAPI document list the same routes; the provider registry as data; the web
// UI's files served without a token and with their security headers.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "api/openapi_json.h"
#include "api_test_util.h"
#include "testing/providers.h"

namespace wsync::api_test {
namespace {

// Waits (up to 10 s) until run `run_id` of pipeline p is running.
void WaitUntilRunning(Client* client, int64_t run_id) {
  for (int i = 0;
       i < 2000 &&
       client->Get("/pipelines/p/runs/" + std::to_string(run_id)).body["state"] != "running";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Stops the server, expects it to take less than `within`, and reads run `run_id` after.
std::optional<catalog::Run> StopAndReadRun(TestServer* server, int64_t run_id,
                                           std::chrono::seconds within) {
  auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, within);
  auto session = server->OpenSession();
  catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
  if (!catalog) return std::nullopt;
  auto run = catalog->GetRun(1, run_id);
  if (!run.ok()) return std::nullopt;
  return *run;
}

TEST(ApiServerTest, MarksRunsOfADeadProcessInterrupted) {
  TestServer server(/*run_workers=*/0);
  storage::NewCredential cred = server.NewCredential(1);
  const std::string dir = server.data_dir();
  server.Stop();
  {
    auto session = server.OpenSession();
    catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
    ASSERT_TRUE(catalog);
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = "p";
    run.state = catalog::RunState::kRunning;
    run.created_at = kStartMicros;
    ASSERT_TRUE(catalog->CreateRun(run).ok());
  }
  server.Restart(0);
  auto session = server.OpenSession();
  catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
  auto run = catalog->GetRun(1, 1);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->state, catalog::RunState::kFailed);
  EXPECT_EQ(run->error, "interrupted");
}

TEST(ApiServerTest, StopInterruptsARunningRun) {
  TestServer server(/*run_workers=*/1);
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  const std::string warehouse = server.warehouse_dir() + "/big.db";
  WriteCustomers(warehouse, 300000);
  ASSERT_EQ(client.Post("/connections", SqliteConnection("big", warehouse)).status, 201);
  ASSERT_EQ(client.Post("/data-models", CustomersModel("customers")).status, 201);
  ASSERT_EQ(client.Post("/pipelines", CustomersPipeline("p", "big", "customers")).status, 201);
  ASSERT_EQ(client.Post("/pipelines/p/activate").status, 200);
  int64_t run_id = client.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  WaitUntilRunning(&client, run_id);
  std::optional<catalog::Run> run = StopAndReadRun(&server, run_id, std::chrono::seconds(10));
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->state, catalog::RunState::kFailed);
  EXPECT_EQ(run->error, "interrupted");
  EXPECT_LT(run->counters.records_extracted, 300000);
}

// SPEC §10: the server exits within 10 s of SIGTERM even while a run's first statement is
// still computing (the stop reaches the statement, not only the next batch boundary).
TEST(ApiServerTest, StopInterruptsASlowFirstStatement) {
  TestServer server(/*run_workers=*/1);
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  const std::string warehouse = server.warehouse_dir() + "/small.db";
  WriteCustomers(warehouse, 1);
  // The model reads a view that is quick while the pipeline is saved (saving discovers it)
  // and slow by the time it runs: 30 million rows numbered and sorted before the first.
  ExecSql(warehouse, "CREATE VIEW people AS SELECT customer_id, email FROM customers;");
  ASSERT_EQ(client.Post("/connections", SqliteConnection("wh", warehouse)).status, 201);
  json model = {{"id", "slow"}, {"sql_query", "SELECT customer_id, email FROM people"}};
  ASSERT_EQ(client.Post("/data-models", model).status, 201);
  ASSERT_EQ(client.Post("/pipelines", CustomersPipeline("p", "wh", "slow")).status, 201);
  ASSERT_EQ(client.Post("/pipelines/p/activate").status, 200);
  ExecSql(warehouse,
          "DROP VIEW people; CREATE VIEW people AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL "
          "SELECT x + 1 FROM n WHERE x < 30000000) SELECT x AS customer_id, 'u' || x || "
          "'@x.com' AS email FROM n ORDER BY x DESC;");
  int64_t run_id = client.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  WaitUntilRunning(&client, run_id);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well inside the statement
  std::optional<catalog::Run> run = StopAndReadRun(&server, run_id, std::chrono::seconds(5));
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->state, catalog::RunState::kFailed);
  EXPECT_EQ(run->error, "interrupted");
  EXPECT_EQ(run->counters.records_extracted, 0);
}

TEST(ApiServerTest, OpenApiDocumentMatchesTheRouter) {
  TestServer server(/*run_workers=*/0);
  HttpResult served = server.Request("GET", "/platform/v2/openapi.json", "");
  ASSERT_EQ(served.status, 200);
  json doc = json::parse(api::kOpenApiJson);
  EXPECT_EQ(served.body, doc);
  EXPECT_TRUE(doc["openapi"].get<std::string>().starts_with("3."));

  std::set<std::string> documented;
  for (auto& [path, item] : doc["paths"].items()) {
    for (auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + path);
    }
  }
  std::set<std::string> routed;
  for (const api::Route& route : server.server()->router().routes()) {
    routed.insert(route.method + " " + route.pattern);
  }
  EXPECT_EQ(routed, documented);
  EXPECT_EQ(routed.size(), 41u);
}

TEST(ApiServerTest, ListsTheProvidersWithTheirConfigFields) {
  TestServer server(/*run_workers=*/0);
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  HttpResult r = client.Get("/providers");
  ASSERT_EQ(r.status, 200) << r.text;
  std::vector<std::string> names;
  for (const json& p : r.body["items"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"sqlite", "postgres", "redshift", "snowflake",
                                             "bigquery", "databricks"}));
  EXPECT_EQ(r.body["total"], 6);
  const json& sqlite = r.body["items"][0];
  EXPECT_EQ(sqlite["connectable"], true);
  EXPECT_EQ(sqlite["config"][0],
            json({{"name", "path"}, {"type", "string"}, {"required", true}, {"secret", false}}));
  const json& postgres = r.body["items"][1];
  json password;
  for (const json& f : postgres["config"]) {
    if (f["name"] == "password") password = f;
  }
  EXPECT_EQ(password["secret"], true);
  EXPECT_EQ(postgres["config"][1]["type"], "integer");            // port
  EXPECT_EQ(r.body["items"][3]["capabilities"]["billed"], true);  // snowflake

  EXPECT_EQ(server.Request("GET", "/platform/v2/workspaces/1/providers", "").status, 401);
  EXPECT_EQ(server.Request("GET", "/platform/v2/workspaces/2/providers", client.token()).status,
            403);
}

TEST(ApiServerTest, ServesTheWebUiWithoutATokenAndWithSecurityHeaders) {
  TestServer server(/*run_workers=*/0);
  HttpResult index = server.Request("GET", "/", "");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.text.find("<!doctype html>"), std::string::npos);
  auto header = [](const HttpResult& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  const std::string csp = header(index, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);

  HttpResult app = server.Request("GET", "/ui/app.js", "");
  ASSERT_EQ(app.status, 200);
  EXPECT_EQ(header(app, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(app, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(server.Request("HEAD", "/ui/style.css", "").status, 200);

  // Only the files: other paths and methods are the API's answers.
  HttpResult missing = server.Request("GET", "/ui/missing.js", "");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FirstError(missing)["code"], "not_found");
  EXPECT_EQ(server.Request("POST", "/", "", "{}").status, 404);
  // The API's answers do not carry the UI's headers.
  EXPECT_EQ(header(server.Request("GET", "/healthz", ""), "Content-Security-Policy"), "");
}

}  // namespace
}  // namespace wsync::api_test

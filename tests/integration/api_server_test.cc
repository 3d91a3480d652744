// Server lifecycle: runs a dead process left `running` are failed as interrupted at start-up;
// stopping the server interrupts a running run, even inside a warehouse statement; the router and
// the published OpenAPI document list the same routes.
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
  EXPECT_EQ(routed.size(), 40u);
}

}  // namespace
}  // namespace wsync::api_test

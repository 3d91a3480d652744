// A whole API scenario on Databricks through the local SQL Statement Execution API server
// (tests/databricks, FakeDatabricks over SQLite): connection (a service principal's OAuth
// secret) → verify → discover → model → pipeline → full run → incremental run → profile, with
// the server allowing loopback (`--allow-network 127.0.0.0/8`) and results read through
// EXTERNAL_LINKS chunks; verify's reasons over HTTP; and the egress rule of a server that allows
// no private network.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "api_test_util.h"
#include "fake_databricks.h"

namespace wsync::api_test {
namespace {

class ApiDatabricksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("databricks.db");
    ExecSql(db_, R"(
      CREATE TABLE customers (customer_id BIGINT, email STRING, first_name STRING, plan STRING,
                              balance DECIMAL(12,2), updated_at TIMESTAMP);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
      INSERT INTO customers SELECT i, 'customer' || i || '@example.com', 'Name' || i,
        CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END, printf('%.2f', i * 1.25),
        strftime('%Y-%m-%d %H:%M:%S', 1714521600 + i * 60, 'unixepoch') FROM n;)");
    fake_databricks::Options o;
    o.database_path = db_;
    o.token = "dapi-secret-token-value";
    o.client_id = "sp-client-id";
    o.client_secret = "sp-client-secret";
    o.chunk_rows = 1000;
    o.pending_polls = 1;
    databricks_ = std::make_unique<fake_databricks::FakeDatabricks>(o);
  }

  json Connection(const std::string& id, const std::string& secret) const {
    return {{"id", id},
            {"name", "Databricks"},
            {"service_provider", "databricks"},
            {"config",
             {{"host", "adb-1234567890123456.7.azuredatabricks.net"},
              {"warehouse_id", "abc123def456"},
              {"catalog", "main"},
              {"schema", "analytics"},
              {"client_id", "sp-client-id"},
              {"client_secret", secret},
              {"base_url", databricks_->base_url()}}}};
  }

  testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<fake_databricks::FakeDatabricks> databricks_;
};

TEST_F(ApiDatabricksTest, ConnectionModelPipelineIncrementalRunsProfile) {
  TestServer server(1, "", [](api::ServerOptions* o) { o->allow_networks = {"127.0.0.0/8"}; });
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  HttpResult created = client.Post("/connections", Connection("dbx", "sp-client-secret"));
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["config"]["client_secret"], "********");
  HttpResult verified = client.Post("/connections/dbx/verify");
  ASSERT_EQ(verified.status, 200) << verified.text;
  EXPECT_EQ(verified.body["ok"], true);

  json model = {{"id", "customers"},
                {"name", "Customers"},
                {"type", "sql"},
                {"sql_query",
                 "SELECT customer_id, email, first_name, plan, balance, updated_at FROM "
                 "customers"}};
  ASSERT_EQ(client.Post("/data-models", model).status, 201);
  HttpResult discovered =
      client.Post("/data-models/customers/discover", {{"connection_id", "dbx"}});
  ASSERT_EQ(discovered.status, 200) << discovered.text;
  ASSERT_EQ(discovered.body["columns"].size(), 6u) << discovered.text;
  EXPECT_EQ(discovered.body["columns"][0]["name"], "customer_id");
  EXPECT_EQ(discovered.body["columns"][0]["type"], "int64");
  EXPECT_EQ(discovered.body["columns"][4]["type"], "decimal");
  EXPECT_EQ(discovered.body["columns"][5]["type"], "timestamp");

  json pipeline = CustomersPipeline("people", "dbx", "customers");
  pipeline["sync_mode"] = {
      {"type", "incremental"}, {"iterator", "updated_at"}, {"iterator_data_type", "timestamp"}};
  HttpResult p = client.Post("/pipelines", pipeline);
  ASSERT_EQ(p.status, 201) << p.text;
  ASSERT_EQ(client.Post("/pipelines/people/activate").status, 200);
  int64_t run_id = client.Post("/pipelines/people/trigger").body["pipeline_run_id"];
  json run = client.WaitForRun("people", run_id);
  ASSERT_EQ(run["state"], "succeeded") << run.dump();
  EXPECT_EQ(run["records_extracted"], 2500);
  EXPECT_EQ(run["records_failed"], 0);
  EXPECT_EQ(run["profiles_created"], 2500);

  // New rows after the high-water mark: the next run reads only them.
  ExecSql(db_, R"(
      WITH RECURSIVE n(i) AS (SELECT 2501 UNION ALL SELECT i + 1 FROM n WHERE i < 2520)
      INSERT INTO customers SELECT i, 'customer' || i || '@example.com', 'Name' || i, 'pro',
        '1.00', strftime('%Y-%m-%d %H:%M:%S', 1714521600 + i * 60, 'unixepoch') FROM n;)");
  run_id = client.Post("/pipelines/people/trigger").body["pipeline_run_id"];
  run = client.WaitForRun("people", run_id);
  ASSERT_EQ(run["state"], "succeeded") << run.dump();
  EXPECT_EQ(run["records_extracted"], 20);
  EXPECT_EQ(run["profiles_created"], 20);

  HttpResult found = client.Get("/profiles?identity_type=email&value=customer42@example.com");
  ASSERT_EQ(found.status, 200) << found.text;
  ASSERT_EQ(found.body["total"], 1) << found.text;
  std::string mpid = found.body["items"][0]["mpid"];
  HttpResult profile = client.Get("/profiles/" + mpid);
  ASSERT_EQ(profile.status, 200) << profile.text;
  EXPECT_EQ(profile.body["user_identities"],
            json({{"customer_id", "42"}, {"email", "customer42@example.com"}}));
  EXPECT_EQ(profile.body["user_attributes"]["first_name"], "Name42");
  EXPECT_EQ(profile.body["user_attributes"]["plan"], "pro");
  EXPECT_EQ(profile.body["user_attributes"]["balance"], 52.5);
  EXPECT_FALSE(profile.body["user_attributes"].contains("updated_at")) << profile.text;
  HttpResult late = client.Get("/profiles?identity_type=email&value=customer2520@example.com");
  EXPECT_EQ(late.body["total"], 1) << late.text;
  // Every run's statements went through the OAuth token, fetched once and reused.
  EXPECT_EQ(databricks_->tokens_issued(), 1);
}

TEST_F(ApiDatabricksTest, VerifyReasonsAndTheEgressRuleOverHttp) {
  TestServer server(1, "", [](api::ServerOptions* o) { o->allow_networks = {"127.0.0.0/8"}; });
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  ASSERT_EQ(client.Post("/connections", Connection("bad", "wrong-secret")).status, 201);
  HttpResult r = client.Post("/connections/bad/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["code"], "warehouse_rejected");
  EXPECT_EQ(FirstError(r)["reason"], "authentication_failed");
  EXPECT_EQ(r.text.find("wrong-secret"), std::string::npos) << r.text;
  json no_catalog = Connection("nocat", "sp-client-secret");
  no_catalog["config"]["catalog"] = "missing";
  ASSERT_EQ(client.Post("/connections", no_catalog).status, 201);
  r = client.Post("/connections/nocat/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["reason"], "database_not_found");
  json no_warehouse = Connection("nowh", "sp-client-secret");
  no_warehouse["config"]["warehouse_id"] = "0000ffff";
  ASSERT_EQ(client.Post("/connections", no_warehouse).status, 201);
  r = client.Post("/connections/nowh/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["reason"], "warehouse_not_found");

  // A server that allows no private network refuses loopback, saying nothing of what answers.
  TestServer strict(1);
  Client tenant(&strict, strict.Token(strict.NewCredential(1)), 1);
  ASSERT_EQ(tenant.Post("/connections", Connection("probe", "sp-client-secret")).status, 201);
  r = tenant.Post("/connections/probe/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["reason"], "address_not_allowed");
  EXPECT_EQ(FirstError(r)["message"],
            "connection 'probe': config.base_url '127.0.0.1' is not an address this deployment "
            "may reach: only public addresses are, unless the operator allows a network (wsync "
            "serve --allow-network CIDR)");
}

}  // namespace
}  // namespace wsync::api_test

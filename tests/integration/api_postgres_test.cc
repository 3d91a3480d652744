// A whole API scenario on PostgreSQL (the server of scripts/pg-test.sh, WSYNC_PG_ADDRESS):
// connection → verify → discover → model → pipeline → run → profile, with the server allowing
// loopback (`--allow-network 127.0.0.0/8`); verify's reasons over HTTP; and the egress rule of a
// server that allows no private network.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

constexpr const char* kPassword = "wsync-test-pw";

class ApiPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* address = std::getenv("WSYNC_PG_ADDRESS");
    if (address == nullptr || std::string_view(address).find(':') == std::string_view::npos) {
      GTEST_SKIP() << "WSYNC_PG_ADDRESS unset: run through ctest (scripts/pg-test.sh)";
    }
    std::string a = address;
    host_ = a.substr(0, a.rfind(':'));
    port_ = std::atoi(a.c_str() + a.rfind(':') + 1);
    std::string conninfo = "host=" + host_ + " port=" + std::to_string(port_) +
                           " dbname=wsync_test user=wsync password=" + kPassword +
                           " sslmode=disable";
    PGconn* conn = PQconnectdb(conninfo.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* r = PQexec(conn, R"(DROP TABLE IF EXISTS customers;
      CREATE TABLE customers (customer_id bigint, email text, first_name varchar(40), plan text,
                              balance numeric(12,2), updated_at timestamptz);
      INSERT INTO customers
        SELECT n, 'customer' || n || '@example.com', 'Name' || n,
               CASE WHEN n % 2 = 0 THEN 'pro' ELSE 'free' END, n * 1.25,
               '2024-05-01 00:00:00+00'::timestamptz + n * interval '1 minute'
        FROM generate_series(1, 2500) AS n;)");
    ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
  }

  json Connection(const std::string& id, const std::string& password) const {
    return {{"id", id},
            {"name", "PG"},
            {"service_provider", "postgres"},
            {"config",
             {{"host", host_},
              {"port", port_},
              {"database", "wsync_test"},
              {"user", "wsync"},
              {"password", password},
              {"sslmode", "disable"}}}};
  }

  std::string host_;
  int port_ = 0;
};

TEST_F(ApiPostgresTest, ConnectionModelPipelineRunProfile) {
  TestServer server(1, "", [](api::ServerOptions* o) { o->allow_networks = {"127.0.0.0/8"}; });
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  HttpResult created = client.Post("/connections", Connection("pg", kPassword));
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["config"]["password"], "********");
  HttpResult verified = client.Post("/connections/pg/verify");
  ASSERT_EQ(verified.status, 200) << verified.text;
  EXPECT_EQ(verified.body["ok"], true);

  json model = {{"id", "customers"},
                {"name", "Customers"},
                {"type", "sql"},
                {"sql_query",
                 "SELECT customer_id, email, first_name, plan, balance, updated_at "
                 "FROM customers"}};
  ASSERT_EQ(client.Post("/data-models", model).status, 201);
  HttpResult discovered = client.Post("/data-models/customers/discover", {{"connection_id", "pg"}});
  ASSERT_EQ(discovered.status, 200) << discovered.text;
  ASSERT_EQ(discovered.body["columns"].size(), 6u) << discovered.text;
  EXPECT_EQ(discovered.body["columns"][0]["name"], "customer_id");
  EXPECT_EQ(discovered.body["columns"][0]["type"], "int64");
  EXPECT_EQ(discovered.body["columns"][4]["type"], "decimal");
  EXPECT_EQ(discovered.body["columns"][5]["type"], "timestamp");

  json pipeline = CustomersPipeline("people", "pg", "customers");
  HttpResult p = client.Post("/pipelines", pipeline);
  ASSERT_EQ(p.status, 201) << p.text;
  ASSERT_EQ(client.Post("/pipelines/people/activate").status, 200);
  int64_t run_id = client.Post("/pipelines/people/trigger").body["pipeline_run_id"];
  json run = client.WaitForRun("people", run_id);
  ASSERT_EQ(run["state"], "succeeded") << run.dump();
  EXPECT_EQ(run["records_extracted"], 2500);
  EXPECT_EQ(run["records_failed"], 0);
  EXPECT_EQ(run["profiles_created"], 2500);

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
  EXPECT_EQ(profile.body["user_attributes"]["updated_at"], "2024-05-01T00:42:00Z");
}

TEST_F(ApiPostgresTest, VerifyReasonsAndTheEgressRuleOverHttp) {
  TestServer server(1, "", [](api::ServerOptions* o) { o->allow_networks = {"127.0.0.0/8"}; });
  Client client(&server, server.Token(server.NewCredential(1)), 1);
  const std::string wrong = "Wrong-Pass-777";
  ASSERT_EQ(client.Post("/connections", Connection("bad", wrong)).status, 201);
  HttpResult r = client.Post("/connections/bad/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["code"], "warehouse_rejected");
  EXPECT_EQ(FirstError(r)["reason"], "authentication_failed");
  EXPECT_EQ(r.text.find(wrong), std::string::npos) << r.text;
  json unknown_db = Connection("nodb", kPassword);
  unknown_db["config"]["database"] = "missing_db";
  ASSERT_EQ(client.Post("/connections", unknown_db).status, 201);
  r = client.Post("/connections/nodb/verify");
  EXPECT_EQ(r.status, 422) << r.text;
  EXPECT_EQ(FirstError(r)["reason"], "database_not_found");
  json closed = Connection("closed", kPassword);
  closed["config"]["port"] = 1;
  ASSERT_EQ(client.Post("/connections", closed).status, 201);
  r = client.Post("/connections/closed/verify");
  EXPECT_EQ(r.status, 502) << r.text;
  EXPECT_EQ(FirstError(r)["code"], "warehouse_unreachable");
  EXPECT_EQ(FirstError(r)["reason"], "unreachable");

  // A server that allows no private network refuses loopback, saying nothing of what answers.
  TestServer strict(1);
  Client tenant(&strict, strict.Token(strict.NewCredential(1)), 1);
  for (int port : {port_, 1}) {
    json c = Connection("probe" + std::to_string(port), kPassword);
    c["config"]["port"] = port;
    ASSERT_EQ(tenant.Post("/connections", c).status, 201);
    r = tenant.Post("/connections/probe" + std::to_string(port) + "/verify");
    EXPECT_EQ(r.status, 422) << r.text;
    EXPECT_EQ(FirstError(r)["reason"], "address_not_allowed");
    EXPECT_EQ(FirstError(r)["message"],
              "connection 'probe" + std::to_string(port) + "': config.host '" + host_ +
                  "' is not an address this deployment may reach: only public addresses are, "
                  "unless the operator allows a network (wsync serve --allow-network CIDR)");
  }
}

}  // namespace
}  // namespace wsync::api_test

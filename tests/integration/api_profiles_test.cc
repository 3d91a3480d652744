// The Profile API over real HTTP, after real syncs: lookup by identity, the profile shape
// (identities split, attribute sources, events), events paging, erasure, and isolation.
#include <gtest/gtest.h>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

class ApiProfilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    warehouse_ = server_.warehouse_dir() + "/warehouse.db";
    WriteCustomers(warehouse_, 3);
    ExecSql(warehouse_,
            "CREATE TABLE orders (order_id TEXT, customer_id INTEGER, amount REAL, idfa TEXT);"
            "INSERT INTO orders VALUES ('o-1', 1, 10.5, 'IDFA-1'), ('o-2', 1, 20, 'IDFA-1'),"
            " ('o-3', 2, 7, NULL);");
    ASSERT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
    ASSERT_EQ(client_.Post("/data-models", CustomersModel("customers")).status, 201);
    ASSERT_EQ(client_
                  .Post("/data-models",
                        {{"id", "orders"},
                         {"sql_query", "SELECT order_id, customer_id, amount, idfa FROM orders"}})
                  .status,
              201);
    json ft = {{"id", "order-events"},
               {"destination_type", "event_batch"},
               {"mappings",
                {{{"mapping_type", "column"},
                  {"source", "customer_id"},
                  {"destination", "user_identities.customer_id"}},
                 {{"mapping_type", "column"},
                  {"source", "idfa"},
                  {"destination", "device_info.ios_advertising_id"}},
                 {{"mapping_type", "static"},
                  {"destination", "events.event_type"},
                  {"value", "custom_event"},
                  {"value_type", "string"}},
                 {{"mapping_type", "static"},
                  {"destination", "events.event_name"},
                  {"value", "Order"},
                  {"value_type", "string"}},
                 {{"mapping_type", "static"},
                  {"destination", "events.custom_event_type"},
                  {"value", "transaction"},
                  {"value_type", "string"}},
                 {{"mapping_type", "column"},
                  {"source", "order_id"},
                  {"destination", "events.source_message_id"}},
                 {{"mapping_type", "column"},
                  {"source", "amount"},
                  {"destination", "events.custom_attributes.amount"}}}}};
    HttpResult created = client_.Post("/field-transformations", ft);
    ASSERT_EQ(created.status, 201) << created.text;
    Sync(CustomersPipeline("people", "local", "customers"));
    json events = CustomersPipeline("orders", "local", "orders");
    events["pipeline_type"] = "events";
    events["field_transformation_id"] = "order-events";
    Sync(events);
  }

  void Sync(const json& pipeline) {
    const std::string id = pipeline["id"];
    HttpResult created = client_.Post("/pipelines", pipeline);
    ASSERT_EQ(created.status, 201) << created.text;
    ASSERT_EQ(client_.Post("/pipelines/" + id + "/activate").status, 200);
    int64_t run_id = client_.Post("/pipelines/" + id + "/trigger").body["pipeline_run_id"];
    json run = client_.WaitForRun(id, run_id);
    ASSERT_EQ(run["state"], "succeeded") << run.dump();
  }

  json FindProfile(const std::string& type, const std::string& value) {
    HttpResult r = client_.Get("/profiles?identity_type=" + type + "&value=" + value);
    EXPECT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["total"], 1) << r.text;
    return r.body["items"].empty() ? json() : r.body["items"][0];
  }

  TestServer server_{/*run_workers=*/1};
  storage::NewCredential cred_ = server_.NewCredential(1);
  Client client_{&server_, server_.Token(cred_), 1};
  std::string warehouse_;
};

TEST_F(ApiProfilesTest, LookupAndShape) {
  // Emails are normalised on lookup as on ingest.
  json listed = FindProfile("email", "%20Customer1@EXAMPLE.com");
  ASSERT_TRUE(listed.is_object());
  std::string mpid = listed["mpid"];
  HttpResult r = client_.Get("/profiles/" + mpid);
  ASSERT_EQ(r.status, 200) << r.text;
  const json& p = r.body;
  EXPECT_EQ(p["mpid"], mpid);
  EXPECT_EQ(p["environment"], "development");
  EXPECT_EQ(p["user_identities"], json({{"customer_id", "1"}, {"email", "customer1@example.com"}}));
  EXPECT_EQ(p["device_identities"], json({{"ios_advertising_id", "IDFA-1"}}));
  EXPECT_EQ(p["user_attributes"], json({{"first_name", "Name1"}, {"plan", "free"}}));
  ASSERT_TRUE(p["attribute_sources"].contains("plan"));
  EXPECT_EQ(p["attribute_sources"]["plan"]["pipeline_id"], "people");
  EXPECT_TRUE(p["attribute_sources"]["plan"]["run_id"].is_number_integer());
  EXPECT_EQ(p["attribute_sources"]["plan"]["updated_at"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(p["created_at"], "2024-06-01T00:00:00Z");
  ASSERT_EQ(p["events"].size(), 2u);
  std::set<std::string> ids;
  for (const json& e : p["events"]) {
    EXPECT_EQ(e["event_type"], "custom_event");
    EXPECT_EQ(e["event_name"], "Order");
    EXPECT_EQ(e["pipeline_id"], "orders");
    ids.insert(e["source_message_id"].get<std::string>());
  }
  EXPECT_EQ(ids, std::set<std::string>({"o-1", "o-2"}));

  HttpResult events = client_.Get("/profiles/" + mpid + "/events?page_size=1&page=2");
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(events.body["total"], 2);
  EXPECT_EQ(events.body["items"].size(), 1u);

  HttpResult all = client_.Get("/profiles?environment=development");
  EXPECT_EQ(all.body["total"], 3);
  EXPECT_EQ(client_.Get("/profiles?environment=production").body["total"], 0);
  EXPECT_EQ(FindProfile("ios_advertising_id", "IDFA-1")["mpid"], mpid);
}

TEST_F(ApiProfilesTest, BadQueries) {
  HttpResult type = client_.Get("/profiles?identity_type=shoe_size&value=9");
  EXPECT_EQ(type.status, 400);
  EXPECT_EQ(FirstError(type)["field"], "identity_type");
  EXPECT_EQ(FirstError(client_.Get("/profiles?identity_type=email"))["field"], "value");
  EXPECT_EQ(FirstError(client_.Get("/profiles?environment=staging"))["field"], "environment");
  HttpResult mpid = client_.Get("/profiles/abc");
  EXPECT_EQ(mpid.status, 400);
  EXPECT_EQ(FirstError(mpid)["field"], "mpid");
  HttpResult missing = client_.Get("/profiles/12345");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FirstError(missing)["message"], "profile 12345 not found");
}

TEST_F(ApiProfilesTest, EraseAndIsolation) {
  std::string mpid = FindProfile("customer_id", "2")["mpid"];
  Client other(&server_, server_.Token(server_.NewCredential(2)), 2);
  EXPECT_EQ(other.Get("/profiles/" + mpid).status, 404);
  EXPECT_EQ(other.Get("/profiles").body["total"], 0);
  EXPECT_EQ(other.Delete("/profiles/" + mpid).status, 404);

  HttpResult erased = client_.Delete("/profiles/" + mpid);
  EXPECT_EQ(erased.status, 204);
  EXPECT_EQ(erased.text, "");
  EXPECT_EQ(client_.Get("/profiles/" + mpid).status, 404);
  EXPECT_EQ(client_.Get("/profiles?identity_type=customer_id&value=2").body["total"], 0);
  EXPECT_EQ(client_.Delete("/profiles/" + mpid).status, 404);
}

}  // namespace
}  // namespace wsync::api_test

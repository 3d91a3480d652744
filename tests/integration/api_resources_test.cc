// Connections, data models and field transformations over real HTTP: CRUD with exact shapes,
// the secret rules, verify, discover, in-use deletes, paging, and malformed requests.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "api_test_util.h"
#include "catalog/secrets.h"
#include "core/secret_box.h"
#include "testing/providers.h"

namespace wsync::api_test {
namespace {

class ApiResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    warehouse_ = server_.warehouse_dir() + "/warehouse.db";
    WriteCustomers(warehouse_, 12);
  }
  TestServer server_{/*run_workers=*/0};
  storage::NewCredential cred_ = server_.NewCredential(1);
  Client client_{&server_, server_.Token(cred_), 1};
  std::string warehouse_;
};

json PostgresConnection(const std::string& id, const std::string& password) {
  return {{"id", id},
          {"name", "PG"},
          {"service_provider", "postgres"},
          {"config", {{"host", "db.internal"}, {"port", 5432}, {"password", password}}}};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(ApiResourcesTest, ConnectionCrudWithAuditAndState) {
  HttpResult created = client_.Post("/connections", SqliteConnection("local", warehouse_));
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["id"], "local");
  EXPECT_EQ(created.body["config"]["path"], warehouse_);
  EXPECT_EQ(created.body["state"], "unverified");
  EXPECT_EQ(created.body["status"], "healthy");
  EXPECT_EQ(created.body["errors"], json::array());
  EXPECT_EQ(created.body["created_on"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(created.body["created_by"], cred_.client_id);
  EXPECT_EQ(created.body["last_modified_by"], cred_.client_id);

  EXPECT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 409);
  EXPECT_EQ(FirstError(client_.Post("/connections", SqliteConnection("local", warehouse_)))["code"],
            "already_exists");

  server_.clock()->Advance(60 * core::kMicrosPerSecond);
  json changed = SqliteConnection("local", warehouse_);
  changed["name"] = "Renamed";
  // Read-only fields sent back are ignored.
  changed["state"] = "verified";
  changed["created_on"] = "2000-01-01T00:00:00Z";
  HttpResult put = client_.Put("/connections/local", changed);
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_EQ(put.body["name"], "Renamed");
  EXPECT_EQ(put.body["state"], "unverified");
  EXPECT_EQ(put.body["created_on"], "2024-06-01T00:00:00Z");
  EXPECT_EQ(put.body["last_modified_on"], "2024-06-01T00:01:00Z");

  HttpResult got = client_.Get("/connections/local");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, put.body);

  json other_id = changed;
  other_id["id"] = "different";
  HttpResult mismatch = client_.Put("/connections/local", other_id);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(FirstError(mismatch)["field"], "id");

  EXPECT_EQ(client_.Put("/connections/missing", changed).status, 404);
  EXPECT_EQ(client_.Delete("/connections/local").status, 204);
  HttpResult gone = client_.Get("/connections/local");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(FirstError(gone)["code"], "not_found");
  EXPECT_EQ(FirstError(gone)["message"], "connection 'local' not found");
}

TEST_F(ApiResourcesTest, GeneratesIdWhenOmitted) {
  json body = CustomersModel("x");
  body.erase("id");
  HttpResult r = client_.Post("/data-models", body);
  ASSERT_EQ(r.status, 201) << r.text;
  std::string id = r.body["id"];
  EXPECT_TRUE(id.starts_with("model-")) << id;
  EXPECT_EQ(client_.Get("/data-models/" + id).status, 200);
}

TEST_F(ApiResourcesTest, SecretsAreWriteOnlyAndSealed) {
  const std::string password = "correct-horse-battery-staple";
  HttpResult created = client_.Post("/connections", PostgresConnection("pg", password));
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["config"]["password"], "********");
  EXPECT_EQ(created.body["config"]["host"], "db.internal");
  EXPECT_EQ(client_.Get("/connections/pg").body["config"]["password"], "********");
  EXPECT_EQ(client_.Get("/connections").body["items"][0]["config"]["password"], "********");

  // PUT with the mask keeps the stored secret; PUT with a new value replaces it.
  json update = PostgresConnection("pg", "********");
  update["config"]["host"] = "db2.internal";
  ASSERT_EQ(client_.Put("/connections/pg", update).status, 200);
  std::string db =
      ReadFile(server_.data_dir() + "/wsync.db") + ReadFile(server_.data_dir() + "/wsync.db-wal");
  EXPECT_EQ(db.find(password), std::string::npos);
  EXPECT_NE(db.find("sealed:v2:"), std::string::npos);

  auto session = server_.OpenSession();
  catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
  ASSERT_TRUE(catalog);
  auto stored = catalog->Get(1, catalog::Kind::kConnection, "pg");
  ASSERT_TRUE(stored.ok());
  std::string sealed = stored->body["config"]["password"];
  ASSERT_TRUE(sealed.starts_with("sealed:v2:"));
  auto box = core::SecretBox::LoadOrCreate(server_.data_dir());
  ASSERT_TRUE(box.ok());
  const catalog::SecretScope scope{1, catalog::Kind::kConnection, "pg"};
  EXPECT_EQ(*(*box)->Open(sealed, scope.Context("config.password")), json(password).dump());

  // Creating with the mask has nothing to keep.
  HttpResult masked = client_.Post("/connections", PostgresConnection("pg2", "********"));
  EXPECT_EQ(masked.status, 400);
  EXPECT_EQ(FirstError(masked)["field"], "config.password");
}

// F10: a sealed value copied from another workspace can neither be submitted over the API nor,
// copied into another workspace's row in the database, be opened there.
TEST_F(ApiResourcesTest, SealedSecretsAreBoundToTheirWorkspace) {
  ASSERT_EQ(client_.Post("/connections", PostgresConnection("pg", "ws1-password")).status, 201);
  auto session = server_.OpenSession();
  catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
  ASSERT_TRUE(catalog);
  std::string sealed =
      catalog->Get(1, catalog::Kind::kConnection, "pg")->body["config"]["password"];
  ASSERT_TRUE(sealed.starts_with("sealed:v2:"));

  storage::NewCredential cred2 = server_.NewCredential(2);
  Client other{&server_, server_.Token(cred2), 2};
  HttpResult replay = other.Post("/connections", PostgresConnection("pgsteal", sealed));
  ASSERT_EQ(replay.status, 400) << replay.text;
  EXPECT_EQ(FirstError(replay)["field"], "config.password");
  EXPECT_EQ(other.Get("/connections/pgsteal").status, 404);
  ASSERT_EQ(other.Put("/connections/pg", PostgresConnection("pg", sealed)).status, 404);

  // The same connection id in workspace 2, then workspace 1's row body copied over it.
  ASSERT_EQ(other.Post("/connections", PostgresConnection("pg", "ws2-password")).status, 201);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server_.data_dir() + "/wsync.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(db,
                        "UPDATE resources SET body = (SELECT body FROM resources WHERE "
                        "workspace_id = 1 AND id = 'pg') WHERE workspace_id = 2 AND id = 'pg'",
                        nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  auto copied = catalog->Get(2, catalog::Kind::kConnection, "pg");
  ASSERT_TRUE(copied.ok());
  ASSERT_EQ(copied->body["config"]["password"], sealed);

  HttpResult verify = other.Post("/connections/pg/verify", json::object());
  EXPECT_NE(verify.status, 200) << verify.text;
  std::string message = FirstError(verify)["message"];
  EXPECT_NE(message.find("config.password"), std::string::npos) << message;
  EXPECT_NE(message.find("copied from another workspace"), std::string::npos) << message;
  EXPECT_EQ(verify.text.find("ws1-password"), std::string::npos);
  // In its own workspace the value still opens (the verify fails later, on the network).
  HttpResult own = client_.Post("/connections/pg/verify", json::object());
  EXPECT_EQ(own.text.find("does not open"), std::string::npos) << own.text;
}

TEST_F(ApiResourcesTest, ListsArePagedAndFiltered) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        client_.Post("/connections", SqliteConnection("s" + std::to_string(i), warehouse_)).status,
        201);
  }
  ASSERT_EQ(client_.Post("/connections", PostgresConnection("pg", "pw")).status, 201);
  HttpResult page = client_.Get("/connections?page=2&page_size=3");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["page"], 2);
  EXPECT_EQ(page.body["page_size"], 3);
  EXPECT_EQ(page.body["total"], 4);
  ASSERT_EQ(page.body["items"].size(), 1u);
  EXPECT_EQ(page.body["items"][0]["id"], "s2");  // ordered by id: pg, s0, s1 | s2

  HttpResult sqlite = client_.Get("/connections?service_provider=sqlite&page_size=2");
  EXPECT_EQ(sqlite.body["total"], 3);
  EXPECT_EQ(sqlite.body["items"].size(), 2u);
  HttpResult pg = client_.Get("/connections?service_provider=postgres");
  ASSERT_EQ(pg.body["items"].size(), 1u);
  EXPECT_EQ(pg.body["items"][0]["id"], "pg");

  for (const char* bad : {"?page=0", "?page=x", "?page_size=501", "?page_size=0"}) {
    HttpResult r = client_.Get(std::string("/connections") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(FirstError(r)["code"], "invalid_argument") << bad;
  }
  EXPECT_EQ(FirstError(client_.Get("/connections?page_size=501"))["field"], "page_size");
}

TEST_F(ApiResourcesTest, VerifyReportsOkOrRefusal) {
  ASSERT_EQ(client_.Post("/connections", SqliteConnection("good", warehouse_)).status, 201);
  HttpResult ok = client_.Post("/connections/good/verify");
  ASSERT_EQ(ok.status, 200) << ok.text;
  EXPECT_EQ(ok.body["ok"], true);
  EXPECT_TRUE(ok.body["latency_ms"].is_number_integer());
  EXPECT_EQ(client_.Get("/connections/good").body["state"], "verified");

  ASSERT_EQ(
      client_.Post("/connections", SqliteConnection("bad", server_.warehouse_dir() + "/missing.db"))
          .status,
      201);
  HttpResult refused = client_.Post("/connections/bad/verify");
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(FirstError(refused)["code"], "warehouse_rejected");
  EXPECT_NE(FirstError(refused)["message"].get<std::string>().find("is not available"),
            std::string::npos);
  HttpResult after = client_.Get("/connections/bad");
  EXPECT_EQ(after.body["state"], "failed");
  EXPECT_EQ(after.body["status"], "faulted");
  EXPECT_EQ(after.body["errors"][0]["code"], "warehouse_rejected");
  EXPECT_EQ(client_.Post("/connections/nope/verify").status, 404);
}

TEST_F(ApiResourcesTest, DiscoverReturnsColumnsAndSampleRows) {
  ASSERT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
  json model = CustomersModel("m");
  model["sql_query"] = "SELECT customer_id, email, upper(plan) AS plan_code FROM customers";
  ASSERT_EQ(client_.Post("/data-models", model).status, 201);
  HttpResult r = client_.Post("/data-models/m/discover", {{"connection_id", "local"}});
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_EQ(r.body["columns"].size(), 3u);
  EXPECT_EQ(
      r.body["columns"][0],
      json({{"name", "customer_id"}, {"type", "int64"}, {"inferred", false}, {"mappable", true}}));
  EXPECT_EQ(r.body["columns"][2]["name"], "plan_code");
  EXPECT_EQ(r.body["columns"][2]["type"], "string");
  EXPECT_EQ(r.body["columns"][2]["inferred"], true);
  ASSERT_EQ(r.body["sample_rows"].size(), 10u);
  EXPECT_EQ(r.body["sample_rows"][0],
            json({{"customer_id", 1}, {"email", "Customer1@Example.com"}, {"plan_code", "FREE"}}));

  HttpResult missing = client_.Post("/data-models/m/discover", json::object());
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(FirstError(missing)["field"], "connection_id");
  HttpResult unknown = client_.Post("/data-models/m/discover", {{"connection_id", "nope"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(FirstError(unknown)["field"], "connection_id");
  json broken = CustomersModel("broken");
  broken["sql_query"] = "SELECT no_such_column FROM customers";
  ASSERT_EQ(client_.Post("/data-models", broken).status, 201);
  HttpResult refused = client_.Post("/data-models/broken/discover", {{"connection_id", "local"}});
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(FirstError(refused)["code"], "warehouse_rejected");
}

TEST_F(ApiResourcesTest, DataModelAndFieldTransformationValidation) {
  json model = CustomersModel("m");
  model["sql_query"] = "DELETE FROM customers";
  HttpResult write = client_.Post("/data-models", model);
  EXPECT_EQ(write.status, 400);
  EXPECT_EQ(FirstError(write)["field"], "sql_query");

  json ft = {{"id", "ft"},
             {"destination_type", "user_attributes"},
             {"mappings",
              {{{"mapping_type", "column"},
                {"source", "email"},
                {"destination", "user_identities.emial"}}}}};
  HttpResult bad_ft = client_.Post("/field-transformations", ft);
  EXPECT_EQ(bad_ft.status, 400);
  EXPECT_EQ(FirstError(bad_ft)["field"], "mappings[0].destination");
  ft["mappings"][0]["destination"] = "user_identities.email";
  HttpResult good = client_.Post("/field-transformations", ft);
  ASSERT_EQ(good.status, 201) << good.text;
  EXPECT_EQ(good.body["mappings"][0]["destination"], "user_identities.email");
  EXPECT_EQ(good.body["created_by"], cred_.client_id);
  EXPECT_EQ(client_.Get("/field-transformations").body["total"], 1);
}

TEST_F(ApiResourcesTest, DeletingSomethingReferencedIsInUse) {
  ASSERT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
  ASSERT_EQ(client_.Post("/data-models", CustomersModel("m")).status, 201);
  ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline("p", "local", "m")).status, 201);
  for (const char* path : {"/connections/local", "/data-models/m"}) {
    HttpResult r = client_.Delete(path);
    EXPECT_EQ(r.status, 409) << path;
    EXPECT_EQ(FirstError(r)["code"], "in_use");
    EXPECT_NE(FirstError(r)["message"].get<std::string>().find("pipeline 'p'"), std::string::npos);
  }
  EXPECT_EQ(client_.Delete("/pipelines/p").status, 204);
  EXPECT_EQ(client_.Delete("/connections/local").status, 204);
}

TEST_F(ApiResourcesTest, MalformedRequests) {
  HttpResult syntax = client_.Raw("POST", "/data-models", "{\"id\": \"m\",");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(FirstError(syntax)["code"], "invalid_argument");
  EXPECT_NE(FirstError(syntax)["message"].get<std::string>().find("malformed JSON body"),
            std::string::npos);
  EXPECT_TRUE(FirstError(syntax)["field"].is_null());

  HttpResult empty = client_.Raw("POST", "/data-models", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(FirstError(empty)["message"].get<std::string>().find("empty"), std::string::npos);
  EXPECT_EQ(client_.Raw("POST", "/data-models", "[1,2]").status, 400);

  json wrong_type = CustomersModel("m");
  wrong_type["sql_query"] = 42;
  HttpResult type = client_.Post("/data-models", wrong_type);
  EXPECT_EQ(type.status, 400);
  EXPECT_EQ(FirstError(type)["field"], "sql_query");
  EXPECT_EQ(FirstError(type)["message"], "sql_query: must be a string");

  json unknown = CustomersModel("m");
  unknown["colour"] = "blue";
  HttpResult u = client_.Post("/data-models", unknown);
  EXPECT_EQ(u.status, 400);
  EXPECT_EQ(FirstError(u)["code"], "unknown_field");
  EXPECT_EQ(FirstError(u)["field"], "colour");

  HttpResult required = client_.Post("/connections", {{"id", "c"}});
  EXPECT_EQ(required.status, 400);
  EXPECT_EQ(FirstError(required)["field"], "service_provider");
  EXPECT_EQ(FirstError(required)["message"], "service_provider: is required");

  json big = CustomersModel("big");
  big["name"] = std::string((1 << 20) + 10, 'x');
  HttpResult too_big = client_.Post("/data-models", big);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(FirstError(too_big)["code"], "payload_too_large");
  EXPECT_EQ(client_.Get("/data-models/big").status, 404);

  HttpResult route = client_.Get("/no-such-thing");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(FirstError(route)["code"], "not_found");
  HttpResult outside = server_.Request("GET", "/nothing/here", "");
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(FirstError(outside)["code"], "not_found");

  HttpResult method = client_.Raw("PATCH", "/data-models", "{}");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(FirstError(method)["code"], "method_not_allowed");
  EXPECT_EQ(method.headers.find("Allow")->second, "GET, POST");
  EXPECT_EQ(client_.Raw("DELETE", "/pipelines/p/status", "").status, 405);
}

}  // namespace
}  // namespace wsync::api_test

namespace wsync::api_test {
namespace {

// A warehouse another process holds an exclusive lock on cannot be read: verify answers 502
// warehouse_unreachable once the connector's busy timeout runs out.
TEST_F(ApiResourcesTest, VerifyOfALockedWarehouseIsUnreachable) {
  ASSERT_EQ(client_.Post("/connections", SqliteConnection("locked", warehouse_)).status, 201);
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(warehouse_.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "PRAGMA journal_mode=DELETE; BEGIN EXCLUSIVE", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  HttpResult r = client_.Post("/connections/locked/verify");
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_EQ(r.status, 502) << r.text;
  EXPECT_EQ(FirstError(r)["code"], "warehouse_unreachable");
  EXPECT_NE(FirstError(r)["message"].get<std::string>().find("busy"), std::string::npos) << r.text;
  // Once the lock is gone the same connection verifies.
  EXPECT_EQ(client_.Post("/connections/locked/verify").status, 200);
}

}  // namespace
}  // namespace wsync::api_test

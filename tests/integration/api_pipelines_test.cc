// Pipelines over real HTTP: model checks on create/update/activate, the lifecycle and its 409s,
// trigger → a worker runs it → status and runs, row errors, cancel, preview (and that it writes
// nothing).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

class ApiPipelinesTest : public ::testing::Test {
 protected:
  explicit ApiPipelinesTest(int workers = 1) : server_(workers) {}
  void SetUp() override {
    warehouse_ = server_.warehouse_dir() + "/warehouse.db";
    WriteCustomers(warehouse_, 12);
    ASSERT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
    ASSERT_EQ(client_.Post("/data-models", CustomersModel("customers")).status, 201);
  }
  HttpResult CreatePipeline(const std::string& id) {
    return client_.Post("/pipelines", CustomersPipeline(id, "local", "customers"));
  }
  TestServer server_;
  storage::NewCredential cred_ = server_.NewCredential(1);
  Client client_{&server_, server_.Token(cred_), 1};
  std::string warehouse_;
};

class ApiQueueTest : public ApiPipelinesTest {
 protected:
  ApiQueueTest() : ApiPipelinesTest(/*workers=*/0) {}
};

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// F11: output credentials are secrets: sealed in the database, "********" in every response, and
// kept by an update that sends the mask back.
TEST_F(ApiPipelinesTest, OutputSecretsNeverLeaveTheServer) {
  json p = CustomersPipeline("p", "local", "customers");
  p["outputs"] = {
      {{"type", "http"},
       {"url", "https://example.com/in"},
       {"headers", {{"Authorization", "Bearer OUTPUT_SECRET_HDR"}, {"X-Trace", "visible"}}},
       {"basic_auth", {{"username", "u"}, {"password", "OUTPUT_BASIC_PW"}}}},
      {{"type", "jsonl"}, {"path", "forwarded/p.jsonl"}}};
  HttpResult created = client_.Post("/pipelines", p);
  ASSERT_EQ(created.status, 201) << created.text;
  HttpResult got = client_.Get("/pipelines/p");
  HttpResult list = client_.Get("/pipelines");
  for (const HttpResult* r : {&created, &got, &list}) {
    EXPECT_EQ(r->text.find("OUTPUT_"), std::string::npos) << r->text;
  }
  const json& out = got.body["outputs"][0];
  EXPECT_EQ(out["headers"]["Authorization"], "********");
  EXPECT_EQ(out["headers"]["X-Trace"], "visible");
  EXPECT_EQ(out["basic_auth"], json({{"username", "u"}, {"password", "********"}}));
  EXPECT_EQ(got.body["outputs"][1], json({{"type", "jsonl"}, {"path", "forwarded/p.jsonl"}}));

  // PUT of what GET returned keeps both secrets; they stay sealed in the database and its WAL.
  json update = got.body;
  for (const char* key : {"state", "status", "errors", "high_water_mark", "latest_run",
                          "created_on", "created_by", "last_modified_on", "last_modified_by"}) {
    update.erase(key);
  }
  update["name"] = "renamed";
  HttpResult put = client_.Put("/pipelines/p", update);
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_EQ(put.text.find("OUTPUT_"), std::string::npos) << put.text;
  std::string db =
      FileText(server_.data_dir() + "/wsync.db") + FileText(server_.data_dir() + "/wsync.db-wal");
  EXPECT_EQ(db.find("OUTPUT_SECRET_HDR"), std::string::npos);
  EXPECT_EQ(db.find("OUTPUT_BASIC_PW"), std::string::npos);
  EXPECT_NE(db.find("sealed:v2:"), std::string::npos);
  EXPECT_NE(db.find("visible"), std::string::npos);
}

// F11: outputs are validated (SPEC §11); errors name the field.
TEST_F(ApiPipelinesTest, OutputsAreValidated) {
  struct Case {
    json output;
    std::string field;
  };
  const Case cases[] = {
      {{{"type", "kafka"}}, "outputs[0].type"},
      {{{"url", "https://x/"}}, "outputs[0].type"},
      {{{"type", "http"}}, "outputs[0].url"},
      {{{"type", "http"}, {"url", "ftp://x/"}}, "outputs[0].url"},
      {{{"type", "http"}, {"url", "https://x/"}, {"colour", "red"}}, "outputs[0].colour"},
      {{{"type", "http"}, {"url", "https://x/"}, {"headers", {{"Bad Name", "v"}}}},
       "outputs[0].headers.Bad Name"},
      {{{"type", "http"}, {"url", "https://x/"}, {"headers", {{"X-A", "a\r\nInjected: 1"}}}},
       "outputs[0].headers.X-A"},
      {{{"type", "http"}, {"url", "https://x/"}, {"basic_auth", {{"username", "u"}}}},
       "outputs[0].basic_auth.password"},
      {{{"type", "http"}, {"url", "https://x/"}, {"max_attempts", 0}}, "outputs[0].max_attempts"},
      {{{"type", "http"}, {"url", "https://x/"}, {"gzip", "yes"}}, "outputs[0].gzip"},
      {{{"type", "jsonl"}, {"path", "/etc/passwd"}}, "outputs[0].path"},
      {{{"type", "jsonl"}, {"path", "a/../../x"}}, "outputs[0].path"},
      {{{"type", "jsonl"}, {"path", "x"}, {"url", "https://x/"}}, "outputs[0].url"},
      {"http", "outputs[0]"},
  };
  for (const Case& c : cases) {
    json p = CustomersPipeline("p", "local", "customers");
    p["outputs"] = json::array({c.output});
    HttpResult r = client_.Post("/pipelines", p);
    EXPECT_EQ(r.status, 400) << c.output << " " << r.text;
    EXPECT_EQ(FirstError(r)["field"], c.field) << c.output << " " << r.text;
  }
  json p = CustomersPipeline("p", "local", "customers");
  p["outputs"] = {{{"type", "http"},
                   {"url", "http://127.0.0.1:9/in"},
                   {"gzip", true},
                   {"max_attempts", 5},
                   {"headers", {{"Content-Type", "application/json"}}}}};
  HttpResult ok = client_.Post("/pipelines", p);
  EXPECT_EQ(ok.status, 201) << ok.text;
}

TEST_F(ApiPipelinesTest, CreateChecksTheMappingAgainstTheModel) {
  json ft = {
      {"id", "ft"},
      {"destination_type", "user_attributes"},
      {"mappings",
       {{{"mapping_type", "column"}, {"source", "email"}, {"destination", "user_identities.email"}},
        {{"mapping_type", "column"},
         {"source", "plann"},
         {"destination", "user_attributes.plan"}}}}};
  ASSERT_EQ(client_.Post("/field-transformations", ft).status, 201);
  json p = CustomersPipeline("p", "local", "customers");
  p["field_transformation_id"] = "ft";
  HttpResult r = client_.Post("/pipelines", p);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(FirstError(r)["code"], "invalid_argument");
  EXPECT_EQ(FirstError(r)["field"], "mappings[1].source");
  std::string message = FirstError(r)["message"];
  EXPECT_NE(message.find("field transformation 'ft'"), std::string::npos) << message;
  EXPECT_NE(message.find("mapping 1"), std::string::npos) << message;
  EXPECT_NE(message.find("no column 'plann'"), std::string::npos) << message;
  EXPECT_EQ(client_.Get("/pipelines/p").status, 404);

  json missing = CustomersPipeline("p", "nope", "customers");
  HttpResult ref = client_.Post("/pipelines", missing);
  EXPECT_EQ(ref.status, 400);
  EXPECT_EQ(FirstError(ref)["field"], "connection_id");

  ASSERT_EQ(
      client_
          .Post("/connections", SqliteConnection("gone", server_.warehouse_dir() + "/missing.db"))
          .status,
      201);
  HttpResult refused = client_.Post("/pipelines", CustomersPipeline("p", "gone", "customers"));
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(FirstError(refused)["code"], "warehouse_rejected");
}

TEST_F(ApiPipelinesTest, PipelineShapeAndReadOnlyState) {
  HttpResult r = CreatePipeline("p");
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(r.body["state"], "draft");
  EXPECT_EQ(r.body["status"], "healthy");
  EXPECT_EQ(r.body["errors"], json::array());
  EXPECT_TRUE(r.body["high_water_mark"].is_null());
  EXPECT_EQ(r.body["input_protection"], "create_and_update");
  EXPECT_EQ(r.body["created_by"], cred_.client_id);
  json put = r.body;
  put["state"] = "active";  // read-only: ignored
  put["name"] = "Renamed";
  HttpResult updated = client_.Put("/pipelines/p", put);
  ASSERT_EQ(updated.status, 200) << updated.text;
  EXPECT_EQ(updated.body["state"], "draft");
  EXPECT_EQ(updated.body["name"], "Renamed");
}

TEST_F(ApiPipelinesTest, LifecycleAndWrongStates) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  auto action = [&](const std::string& a) { return client_.Post("/pipelines/p/" + a); };
  for (const char* a : {"pause", "resume", "trigger", "resync"}) {
    HttpResult r = action(a);
    EXPECT_EQ(r.status, 409) << a;
    EXPECT_EQ(FirstError(r)["code"], "conflict") << a;
    EXPECT_NE(FirstError(r)["message"].get<std::string>().find("is draft"), std::string::npos);
  }
  HttpResult activated = action("activate");
  ASSERT_EQ(activated.status, 200) << activated.text;
  EXPECT_EQ(activated.body["state"], "active");
  EXPECT_EQ(action("activate").status, 409);
  EXPECT_EQ(action("resume").status, 409);
  HttpResult paused = action("pause");
  EXPECT_EQ(paused.status, 200);
  EXPECT_EQ(paused.body["state"], "paused");
  EXPECT_EQ(action("pause").status, 409);
  EXPECT_EQ(action("preview").status, 409);
  EXPECT_EQ(action("resume").body["state"], "active");
  EXPECT_EQ(client_.Post("/pipelines/nope/activate").status, 404);
}

// A deleted pipeline takes its fingerprints (the profile store's) with it, in the delete's
// transaction: created again under the same id, its first run reads every row as new.
TEST_F(ApiPipelinesTest, ARecreatedPipelineForgetsTheOldFingerprints) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t first = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  EXPECT_EQ(client_.WaitForRun("p", first)["profiles_created"], 12);
  ASSERT_EQ(client_.Delete("/pipelines/p").status, 204);

  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  server_.clock()->Advance(3600 * core::kMicrosPerSecond);
  int64_t again = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  json run = client_.WaitForRun("p", again);
  EXPECT_EQ(run["state"], "succeeded") << run.dump();
  EXPECT_EQ(run["records_extracted"], 12);
  EXPECT_EQ(run["records_unchanged"], 0);
}

TEST_F(ApiPipelinesTest, TriggerRunsAndReportsStatus) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  HttpResult none = client_.Get("/pipelines/p/status");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.body["latest_run"].is_null());
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  HttpResult trig = client_.Post("/pipelines/p/trigger");
  ASSERT_EQ(trig.status, 202) << trig.text;
  EXPECT_EQ(trig.body["state"], "queued");
  int64_t run_id = trig.body["pipeline_run_id"];
  json run = client_.WaitForRun("p", run_id);
  EXPECT_EQ(run["state"], "succeeded") << run.dump();
  EXPECT_EQ(run["records_extracted"], 12);
  EXPECT_EQ(run["profiles_created"], 12);
  EXPECT_EQ(run["run_type"], "manual");
  EXPECT_EQ(run["created_at"], "2024-06-01T00:00:00Z");

  HttpResult status = client_.Get("/pipelines/p/status");
  EXPECT_EQ(status.body["pipeline_id"], "p");
  EXPECT_EQ(status.body["state"], "active");
  EXPECT_EQ(status.body["status"], "healthy");
  EXPECT_EQ(status.body["latest_run"]["pipeline_run_id"], run_id);

  // A second run: unchanged rows; runs are listed newest first and filter by time.
  server_.clock()->Advance(3600 * core::kMicrosPerSecond);
  int64_t second = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  EXPECT_EQ(client_.WaitForRun("p", second)["records_unchanged"], 12);
  HttpResult runs = client_.Get("/pipelines/p/runs");
  ASSERT_EQ(runs.status, 200);
  EXPECT_EQ(runs.body["total"], 2);
  EXPECT_EQ(runs.body["items"][0]["pipeline_run_id"], second);
  EXPECT_EQ(runs.body["items"][1]["pipeline_run_id"], run_id);
  HttpResult recent = client_.Get("/pipelines/p/runs?from=2024-06-01T00:30:00Z");
  ASSERT_EQ(recent.body["items"].size(), 1u);
  EXPECT_EQ(recent.body["items"][0]["pipeline_run_id"], second);
  EXPECT_EQ(client_.Get("/pipelines/p/runs?to=2024-06-01T00:30:00Z").body["total"], 1);
  HttpResult bad_from = client_.Get("/pipelines/p/runs?from=yesterday");
  EXPECT_EQ(bad_from.status, 400);
  EXPECT_EQ(FirstError(bad_from)["field"], "from");
  EXPECT_EQ(client_.Get("/pipelines/p/runs?page_size=1&page=2").body["items"][0]["pipeline_run_id"],
            run_id);

  HttpResult detail = client_.Get("/pipelines/p/runs/" + std::to_string(run_id));
  EXPECT_EQ(detail.status, 200);
  EXPECT_EQ(detail.body["pipeline_id"], "p");
  EXPECT_EQ(client_.Get("/pipelines/p/runs/999999").status, 404);
  EXPECT_EQ(client_.Get("/pipelines/p/runs/abc").status, 404);

  HttpResult finished = client_.Post("/pipelines/p/runs/" + std::to_string(run_id) + "/cancel");
  EXPECT_EQ(finished.status, 409);
  EXPECT_EQ(FirstError(finished)["code"], "conflict");
}

TEST_F(ApiPipelinesTest, RunErrorsArePaged) {
  ExecSql(warehouse_,
          "INSERT INTO customers VALUES (NULL, NULL, 'Nobody', 'free', NULL);"
          "INSERT INTO customers VALUES (NULL, NULL, 'Noone', 'free', NULL);");
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t run_id = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  json run = client_.WaitForRun("p", run_id);
  EXPECT_EQ(run["state"], "succeeded");
  EXPECT_EQ(run["records_failed"], 2);
  EXPECT_EQ(run["row_errors_total"], 2);
  HttpResult errors =
      client_.Get("/pipelines/p/runs/" + std::to_string(run_id) + "/errors?page_size=1");
  ASSERT_EQ(errors.status, 200) << errors.text;
  EXPECT_EQ(errors.body["total"], 2);
  ASSERT_EQ(errors.body["items"].size(), 1u);
  EXPECT_EQ(errors.body["items"][0]["row"], 13);
  EXPECT_EQ(errors.body["items"][0]["code"], "no_identity");
}

// B3/F9: Latin-1 text, BLOBs and infinities in a real SQLite warehouse. The run succeeds with row
// errors, nothing undecodable is stored, and later runs, the error list and the profile list keep
// answering valid JSON.
TEST_F(ApiPipelinesTest, UndecodableCellsAreRowErrorsAndLaterRunsKeepWorking) {
  ExecSql(warehouse_,
          "CREATE TABLE odd(email TEXT, nick TEXT, avatar BLOB, score REAL);"
          "INSERT INTO odd VALUES ('a@example.com', 'ann', x'89504e47ff', 1.5);"
          "INSERT INTO odd VALUES ('b@example.com', CAST(x'ff' AS TEXT), NULL, 2);"
          "INSERT INTO odd VALUES (CAST(x'e9' AS TEXT) || '@example.com', 'ok', NULL, 3);"
          "INSERT INTO odd VALUES ('d@example.com', 'dee', NULL, 1e999);");
  json model = {{"id", "odd"},
                {"sql_query", "SELECT email, nick, avatar, score FROM odd ORDER BY rowid"}};
  ASSERT_EQ(client_.Post("/data-models", model).status, 201);
  HttpResult discover = client_.Post("/data-models/odd/discover", {{"connection_id", "local"}});
  ASSERT_EQ(discover.status, 200) << discover.text;
  ASSERT_TRUE(json::accept(discover.text));
  EXPECT_EQ(discover.body["columns"][2]["type"], "bytes");
  EXPECT_EQ(discover.body["columns"][2]["mappable"], false);
  EXPECT_EQ(discover.body["columns"][1]["mappable"], true);
  EXPECT_EQ(discover.body["sample_rows"][0]["avatar"], "\\x89504e47ff");
  EXPECT_NE(discover.body["warnings"].dump().find("holds binary data"), std::string::npos);

  ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline("p", "local", "odd")).status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t first = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  json run = client_.WaitForRun("p", first);
  EXPECT_EQ(run["state"], "succeeded");
  EXPECT_EQ(run["records_mapped"], 1);
  EXPECT_EQ(run["records_failed"], 3);
  HttpResult errors = client_.Get("/pipelines/p/runs/" + std::to_string(first) + "/errors");
  ASSERT_EQ(errors.status, 200) << errors.text;
  ASSERT_TRUE(json::accept(errors.text));
  ASSERT_EQ(errors.body["items"].size(), 3u);
  EXPECT_EQ(errors.body["items"][0]["row"], 2);
  EXPECT_EQ(errors.body["items"][0]["code"], "invalid_utf8");
  EXPECT_EQ(errors.body["items"][0]["column"], "nick");
  EXPECT_EQ(errors.body["items"][1]["code"], "invalid_utf8");
  EXPECT_EQ(errors.body["items"][1]["column"], "email");
  EXPECT_EQ(errors.body["items"][2]["code"], "invalid_number");
  EXPECT_EQ(errors.body["items"][2]["column"], "score");

  HttpResult ann = client_.Get("/profiles?identity_type=email&value=a@example.com");
  ASSERT_EQ(ann.status, 200) << ann.text;
  EXPECT_NE(ann.text.find("\"nick\""), std::string::npos) << ann.text;
  EXPECT_EQ(ann.text.find("avatar"), std::string::npos) << ann.text;  // skipped, not stored

  // The fixed rows and a change to the stored profile apply on the next run.
  ExecSql(warehouse_,
          "UPDATE odd SET nick = 'anna' WHERE email = 'a@example.com';"
          "UPDATE odd SET nick = 'bee' WHERE email = 'b@example.com';");
  int64_t second = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  run = client_.WaitForRun("p", second);
  EXPECT_EQ(run["state"], "succeeded");
  EXPECT_EQ(run["records_mapped"], 2);
  EXPECT_EQ(run["records_failed"], 2);
  EXPECT_EQ(run["profiles_updated"], 1);
  EXPECT_EQ(run["profiles_created"], 1);
  HttpResult all = client_.Get("/profiles?environment=development");
  ASSERT_EQ(all.status, 200) << all.text;
  ASSERT_TRUE(json::accept(all.text));
  EXPECT_EQ(all.body["total"], 2);
}

TEST_F(ApiPipelinesTest, ResyncClearsFingerprints) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t first = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  client_.WaitForRun("p", first);
  HttpResult resync = client_.Post("/pipelines/p/resync");
  ASSERT_EQ(resync.status, 200) << resync.text;
  EXPECT_TRUE(resync.body["high_water_mark"].is_null());
  int64_t second = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  json run = client_.WaitForRun("p", second);
  EXPECT_EQ(run["records_unchanged"], 0);
  EXPECT_EQ(run["records_mapped"], 12);
}

TEST_F(ApiPipelinesTest, PreviewResolvesWithoutWriting) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t run_id = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  client_.WaitForRun("p", run_id);
  // Customer 1 changes plan; every other row becomes a new person.
  ExecSql(warehouse_,
          "UPDATE customers SET plan = 'enterprise' WHERE customer_id = 1;"
          "UPDATE customers SET customer_id = customer_id + 1000, "
          "email = 'new' || customer_id || '@example.com' WHERE customer_id > 1");
  const std::string db = server_.data_dir() + "/wsync.db";
  int64_t profiles = CountRows(db, "profiles");
  int64_t identities = CountRows(db, "identities");
  int64_t fingerprints = CountRows(db, "fingerprints");
  int64_t runs = CountRows(db, "runs");

  HttpResult preview = client_.Post("/pipelines/p/preview");
  ASSERT_EQ(preview.status, 200) << preview.text;
  ASSERT_EQ(preview.body["profiles"].size(), 10u);
  json existing = preview.body["profiles"][0];
  ASSERT_TRUE(existing["before"].is_object()) << existing.dump();
  EXPECT_EQ(existing["before"]["user_attributes"]["plan"], "free");
  EXPECT_EQ(existing["after"]["user_attributes"]["plan"], "enterprise");
  EXPECT_EQ(existing["after"]["mpid"], existing["before"]["mpid"]);
  EXPECT_EQ(
      existing["changes"],
      json::array(
          {{{"field", "user_attributes.plan"}, {"before", "free"}, {"after", "enterprise"}}}));
  json fresh = preview.body["profiles"][1];
  EXPECT_TRUE(fresh["before"].is_null());
  EXPECT_TRUE(fresh["after"]["mpid"].is_null());
  EXPECT_EQ(fresh["after"]["user_identities"]["customer_id"], "1002");
  EXPECT_EQ(fresh["after"]["user_identities"]["email"], "new2@example.com");
  EXPECT_EQ(fresh["changes"].size(), 4u);  // two identities, two attributes
  EXPECT_EQ(preview.body["warnings"], json::array());

  EXPECT_EQ(CountRows(db, "profiles"), profiles);
  EXPECT_EQ(CountRows(db, "identities"), identities);
  EXPECT_EQ(CountRows(db, "fingerprints"), fingerprints);
  EXPECT_EQ(CountRows(db, "runs"), runs);
  HttpResult lookup = client_.Get("/profiles?identity_type=customer_id&value=1002");
  EXPECT_EQ(lookup.body["total"], 0);
}

TEST_F(ApiQueueTest, BusyTriggerAndCancelQueued) {
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  HttpResult first = client_.Post("/pipelines/p/trigger");
  ASSERT_EQ(first.status, 202);
  int64_t run_id = first.body["pipeline_run_id"];
  HttpResult busy = client_.Post("/pipelines/p/trigger");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(FirstError(busy)["code"], "conflict");
  EXPECT_NE(FirstError(busy)["message"].get<std::string>().find("run " + std::to_string(run_id) +
                                                                " is queued"),
            std::string::npos);
  HttpResult cancel = client_.Post("/pipelines/p/runs/" + std::to_string(run_id) + "/cancel");
  ASSERT_EQ(cancel.status, 200) << cancel.text;
  EXPECT_EQ(cancel.body["state"], "cancelled");
  EXPECT_EQ(client_.Post("/pipelines/p/runs/" + std::to_string(run_id) + "/cancel").status, 409);
  EXPECT_EQ(client_.Post("/pipelines/p/trigger").status, 202);
  // A pipeline with a run queued cannot be deleted.
  HttpResult del = client_.Delete("/pipelines/p");
  EXPECT_EQ(del.status, 409);
}

TEST_F(ApiPipelinesTest, CancelRunningRunStopsAtBatchBoundary) {
  WriteCustomers(server_.warehouse_dir() + "/big.db", 300000);
  ASSERT_EQ(
      client_.Post("/connections", SqliteConnection("big", server_.warehouse_dir() + "/big.db"))
          .status,
      201);
  ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline("p", "big", "customers")).status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  int64_t run_id = client_.Post("/pipelines/p/trigger").body["pipeline_run_id"];
  const std::string path = "/pipelines/p/runs/" + std::to_string(run_id);
  for (int i = 0; i < 2000 && client_.Get(path).body["state"] == "queued"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  HttpResult cancel = client_.Post(path + "/cancel");
  ASSERT_EQ(cancel.status, 202) << cancel.text;
  json run = client_.WaitForRun("p", run_id);
  EXPECT_EQ(run["state"], "cancelled");
  EXPECT_LT(run["records_extracted"].get<int64_t>(), 300000);
}

// F18: run ids count per workspace. Workspace 2's first run is 1 and its second 2 however many
// runs workspace 1 has, and no path of workspace 2 reaches a run of workspace 1, neither by its
// number there nor by the order in which the server created it. Both workspaces name their
// pipeline "p", so only the workspace tells the runs apart.
TEST_F(ApiPipelinesTest, RunIdsCountPerWorkspace) {
  // Every run of workspace 1 has one row error (a row without identity).
  ExecSql(warehouse_, "INSERT INTO customers VALUES (NULL, NULL, 'Nobody', 'free', NULL);");
  ASSERT_EQ(CreatePipeline("p").status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  Client other(&server_, server_.Token(server_.NewCredential(2)), 2);
  const std::string other_warehouse = server_.warehouse_dir() + "/other.db";
  WriteCustomers(other_warehouse, 3);
  ASSERT_EQ(other.Post("/connections", SqliteConnection("local", other_warehouse)).status, 201);
  ASSERT_EQ(other.Post("/data-models", CustomersModel("customers")).status, 201);
  ASSERT_EQ(other.Post("/pipelines", CustomersPipeline("p", "local", "customers")).status, 201);
  ASSERT_EQ(other.Post("/pipelines/p/activate").status, 200);
  auto run = [](Client* c) -> int64_t {
    HttpResult trigger = c->Post("/pipelines/p/trigger");
    EXPECT_EQ(trigger.status, 202) << trigger.text;
    if (!trigger.body.contains("pipeline_run_id")) return -1;
    const int64_t id = trigger.body["pipeline_run_id"];
    EXPECT_EQ(c->WaitForRun("p", id)["state"], "succeeded");
    return id;
  };
  // Created in this order: workspace 1, 1, 2, 1, 2.
  EXPECT_EQ(run(&client_), 1);
  EXPECT_EQ(run(&client_), 2);
  EXPECT_EQ(run(&other), 1);
  EXPECT_EQ(run(&client_), 3);
  EXPECT_EQ(run(&other), 2);

  // Workspace 1's third run was the fourth created: 3 and 4 name nothing in workspace 2.
  for (int64_t foreign : {3, 4}) {
    const std::string path = "/pipelines/p/runs/" + std::to_string(foreign);
    HttpResult get = other.Get(path);
    EXPECT_EQ(get.status, 404) << get.text;
    EXPECT_EQ(FirstError(get)["code"], "not_found");
    EXPECT_EQ(other.Get(path + "/errors").status, 404);
    EXPECT_EQ(other.Post(path + "/cancel").status, 404);
    EXPECT_EQ(client_.Get(path).status, foreign == 3 ? 200 : 404);
  }
  // The same number names each workspace's own run, with its own counters and row errors.
  HttpResult mine = client_.Get("/pipelines/p/runs/1");
  HttpResult theirs = other.Get("/pipelines/p/runs/1");
  ASSERT_EQ(theirs.status, 200) << theirs.text;
  EXPECT_EQ(mine.body["records_extracted"], 13);
  EXPECT_EQ(theirs.body["records_extracted"], 3);
  EXPECT_EQ(theirs.body["row_errors_total"], 0);
  EXPECT_EQ(client_.Get("/pipelines/p/runs/1/errors").body["total"], 1);
  HttpResult their_errors = other.Get("/pipelines/p/runs/1/errors");
  ASSERT_EQ(their_errors.status, 200) << their_errors.text;
  EXPECT_EQ(their_errors.body["total"], 0);
  EXPECT_TRUE(their_errors.body["items"].empty());
  HttpResult list = other.Get("/pipelines/p/runs");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["total"], 2);
  EXPECT_EQ(list.body["items"][0]["pipeline_run_id"], 2);
  EXPECT_EQ(list.body["items"][1]["pipeline_run_id"], 1);
  EXPECT_EQ(other.Get("/pipelines/p/status").body["latest_run"]["pipeline_run_id"], 2);
  EXPECT_EQ(client_.Get("/pipelines/p/status").body["latest_run"]["pipeline_run_id"], 3);
  // Profiles name the run that set an attribute by the workspace's own number.
  HttpResult profile = other.Get("/profiles?identity_type=email&value=customer1@example.com");
  ASSERT_EQ(profile.status, 200) << profile.text;
  ASSERT_EQ(profile.body["items"].size(), 1u);
  EXPECT_EQ(profile.body["items"][0]["attribute_sources"]["plan"]["run_id"], 1);
}

// F18: with run ids repeating across workspaces, cancelling workspace 2's run 1 must leave
// workspace 1's run 1, which the only worker is executing, to finish.
TEST_F(ApiPipelinesTest, CancellingARunNeverStopsAnotherWorkspacesRunOfTheSameId) {
  const std::string big = server_.warehouse_dir() + "/big.db";
  WriteCustomers(big, 20000);
  ASSERT_EQ(client_.Post("/connections", SqliteConnection("big", big)).status, 201);
  ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline("p", "big", "customers")).status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  Client other(&server_, server_.Token(server_.NewCredential(2)), 2);
  ASSERT_EQ(other.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
  ASSERT_EQ(other.Post("/data-models", CustomersModel("customers")).status, 201);
  ASSERT_EQ(other.Post("/pipelines", CustomersPipeline("p", "local", "customers")).status, 201);
  ASSERT_EQ(other.Post("/pipelines/p/activate").status, 200);

  ASSERT_EQ(client_.Post("/pipelines/p/trigger").body["pipeline_run_id"], 1);
  for (int i = 0; i < 2000 && client_.Get("/pipelines/p/runs/1").body["state"] == "queued"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(client_.Get("/pipelines/p/runs/1").body["state"], "running");
  ASSERT_EQ(other.Post("/pipelines/p/trigger").body["pipeline_run_id"], 1);
  HttpResult cancel = other.Post("/pipelines/p/runs/1/cancel");
  ASSERT_EQ(cancel.status, 200) << cancel.text;  // queued behind the busy worker
  EXPECT_EQ(cancel.body["state"], "cancelled");
  json done = client_.WaitForRun("p", 1, 300);
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["records_extracted"], 20000);
}

}  // namespace
}  // namespace wsync::api_test

// Pipeline lifecycle and runs under concurrent HTTP calls: activations and triggers are atomic
// in the catalog (one winner), pause/resume never writes back a stale incremental mark, a start
// date without a time column is refused at save time, and several pipelines run at once in one
// server without "database busy".
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

class ApiConcurrencyTest : public ::testing::Test {
 protected:
  // The per-workspace warehouse gate (2 checks at once) would answer some concurrent activations
  // 429 before they reach the catalog; these tests are about the catalog's compare-and-set.
  explicit ApiConcurrencyTest(int workers = 0)
      : server_(workers, "",
                [](api::ServerOptions* o) { o->warehouse_requests_per_workspace = 16; }) {}
  void SetUp() override {
    warehouse_ = server_.warehouse_dir() + "/warehouse.db";
    WriteCustomers(warehouse_, 12);
    ASSERT_EQ(client_.Post("/connections", SqliteConnection("local", warehouse_)).status, 201);
    ASSERT_EQ(client_.Post("/data-models", CustomersModel("customers")).status, 201);
    json timed = CustomersModel("timed");
    timed["sql_query"] = "SELECT customer_id, email, first_name, plan, updated_at FROM customers";
    timed["timestamp_field"] = "updated_at";
    ASSERT_EQ(client_.Post("/data-models", timed).status, 201);
  }

  // Runs `call` on `n` threads at once; returns the HTTP statuses.
  std::multiset<int> AtOnce(int n, const std::function<HttpResult()>& call) {
    std::atomic<int> ready{0};
    std::mutex mu;
    std::multiset<int> statuses;
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&] {
        ready.fetch_add(1);
        while (ready.load() < n) std::this_thread::yield();
        HttpResult r = call();
        std::lock_guard lock(mu);
        statuses.insert(r.status);
      });
    }
    for (auto& t : threads) t.join();
    return statuses;
  }

  TestServer server_;
  storage::NewCredential cred_ = server_.NewCredential(1);
  Client client_{&server_, server_.Token(cred_), 1};
  std::string warehouse_;
};

class ApiConcurrentRunsTest : public ApiConcurrencyTest {
 protected:
  ApiConcurrentRunsTest() : ApiConcurrencyTest(/*workers=*/3) {}
};

// B11: of 8 concurrent activations exactly one answers 200 and one historical run is queued.
TEST_F(ApiConcurrencyTest, ConcurrentActivationsGiveOne200AndOneHistoricalRun) {
  for (int trial = 0; trial < 4; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    json p = CustomersPipeline(id, "local", "timed");
    p["sync_start_date"] = "2024-01-01T00:00:00Z";
    ASSERT_EQ(client_.Post("/pipelines", p).status, 201);
    std::multiset<int> statuses =
        AtOnce(8, [&] { return client_.Post("/pipelines/" + id + "/activate"); });
    EXPECT_EQ(statuses.count(200), 1u) << "trial " << trial;
    EXPECT_EQ(statuses.count(409), 7u) << "trial " << trial;
    HttpResult runs = client_.Get("/pipelines/" + id + "/runs");
    ASSERT_EQ(runs.status, 200);
    ASSERT_EQ(runs.body["total"], 1) << runs.text;
    EXPECT_EQ(runs.body["items"][0]["run_type"], "historical");
  }
}

// S1: of 8 concurrent triggers exactly one queues a run; the others answer 409 busy.
TEST_F(ApiConcurrencyTest, ConcurrentTriggersQueueOneRun) {
  for (int trial = 0; trial < 4; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline(id, "local", "customers")).status, 201);
    ASSERT_EQ(client_.Post("/pipelines/" + id + "/activate").status, 200);
    std::multiset<int> statuses =
        AtOnce(8, [&] { return client_.Post("/pipelines/" + id + "/trigger"); });
    EXPECT_EQ(statuses.count(202), 1u) << "trial " << trial;
    EXPECT_EQ(statuses.count(409), 7u) << "trial " << trial;
    EXPECT_EQ(client_.Get("/pipelines/" + id + "/runs").body["total"], 1) << "trial " << trial;
  }
}

// B10: a sync start date needs a time column, checked on create, update and activate.
TEST_F(ApiConcurrencyTest, SyncStartDateWithoutTimeColumnIsRefusedAtSave) {
  json p = CustomersPipeline("p", "local", "customers");
  p["sync_start_date"] = "2024-01-01T00:00:00Z";
  HttpResult created = client_.Post("/pipelines", p);
  ASSERT_EQ(created.status, 400) << created.text;
  EXPECT_EQ(FirstError(created)["code"], "invalid_argument");
  EXPECT_EQ(FirstError(created)["field"], "sync_start_date");
  std::string message = FirstError(created)["message"];
  EXPECT_NE(message.find("timestamp_field"), std::string::npos) << message;

  // Update: a pipeline without the date is fine until the date is added.
  ASSERT_EQ(client_.Post("/pipelines", CustomersPipeline("p", "local", "customers")).status, 201);
  HttpResult updated = client_.Put("/pipelines/p", p);
  ASSERT_EQ(updated.status, 400) << updated.text;
  EXPECT_EQ(FirstError(updated)["field"], "sync_start_date");

  // An incremental sync on a timestamp iterator is a time column; an integer one is not (on a
  // model without a timestamp_field).
  json incremental = p;
  incremental["data_model_id"] = "timed";
  incremental["sync_mode"] = {
      {"type", "incremental"}, {"iterator", "updated_at"}, {"iterator_data_type", "timestamp"}};
  HttpResult timestamp_iterator = client_.Put("/pipelines/p", incremental);
  EXPECT_EQ(timestamp_iterator.status, 200) << timestamp_iterator.text;
  incremental["data_model_id"] = "customers";  // no timestamp_field to filter ts >= T0 on
  incremental["sync_mode"]["iterator"] = "customer_id";
  incremental["sync_mode"]["iterator_data_type"] = "integer";
  EXPECT_EQ(FirstError(client_.Put("/pipelines/p", incremental))["field"], "sync_start_date");

  // Activate: the model lost its time column after the pipeline was saved.
  json dated = CustomersPipeline("q", "local", "timed");
  dated["sync_start_date"] = "2024-01-01T00:00:00Z";
  ASSERT_EQ(client_.Post("/pipelines", dated).status, 201);
  json model = CustomersModel("timed");
  model["sql_query"] = "SELECT customer_id, email, first_name, plan, updated_at FROM customers";
  ASSERT_EQ(client_.Put("/data-models/timed", model).status, 200);
  HttpResult activated = client_.Post("/pipelines/q/activate");
  ASSERT_EQ(activated.status, 400) << activated.text;
  EXPECT_EQ(FirstError(activated)["field"], "sync_start_date");
  EXPECT_EQ(client_.Get("/pipelines/q").body["state"], "draft");
}

// B11b: pause and resume in a loop while incremental runs checkpoint their marks: the mark
// never goes back, so each run reads exactly the one row added before it.
TEST_F(ApiConcurrentRunsTest, PauseResumeRacingRunsNeverWritesBackAStaleMark) {
  json p = CustomersPipeline("p", "local", "timed");
  p["sync_mode"] = {
      {"type", "incremental"}, {"iterator", "updated_at"}, {"iterator_data_type", "timestamp"}};
  ASSERT_EQ(client_.Post("/pipelines", p).status, 201);
  ASSERT_EQ(client_.Post("/pipelines/p/activate").status, 200);
  json first = client_.WaitForRun(
      "p", client_.Post("/pipelines/p/trigger").body["pipeline_run_id"].get<int64_t>());
  ASSERT_EQ(first["state"], "succeeded") << first;
  std::atomic<bool> stop{false};
  std::thread toggler([&] {
    while (!stop.load()) {
      client_.Post("/pipelines/p/pause");
      client_.Post("/pipelines/p/resume");
    }
  });
  for (int i = 0; i < 15; ++i) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "2024-05-15T00:00:%02dZ", i);  // after the rows, before the clock
    ExecSql(warehouse_, "INSERT INTO customers VALUES (" + std::to_string(100 + i) + ", 'n" +
                            std::to_string(i) + "@x.com', 'N', 'pro', '" + ts + "')");
    HttpResult trigger = client_.Post("/pipelines/p/trigger");
    ASSERT_EQ(trigger.status, 202) << trigger.text;
    json run = client_.WaitForRun("p", trigger.body["pipeline_run_id"].get<int64_t>());
    EXPECT_EQ(run["state"], "succeeded") << run;
    EXPECT_EQ(run["records_extracted"], 1) << "run " << i << ": " << run;
  }
  stop.store(true);
  toggler.join();
}

// Issue 15: several pipelines run at once in one server; every run succeeds. (One workspace
// each: the runs share the database file, not profiles.)
TEST_F(ApiConcurrentRunsTest, SeveralPipelinesRunAtOnceAndAllSucceed) {
  const std::string big = server_.warehouse_dir() + "/big.db";
  WriteCustomers(big, 20000);
  std::vector<Client> clients;
  for (int64_t w = 11; w <= 13; ++w) {
    clients.emplace_back(&server_, server_.Token(server_.NewCredential(w)), w);
    Client& c = clients.back();
    ASSERT_EQ(c.Post("/connections", SqliteConnection("big", big)).status, 201);
    ASSERT_EQ(c.Post("/data-models", CustomersModel("customers")).status, 201);
    ASSERT_EQ(c.Post("/pipelines", CustomersPipeline("p", "big", "customers")).status, 201);
    ASSERT_EQ(c.Post("/pipelines/p/activate").status, 200);
  }
  for (int round = 0; round < 2; ++round) {
    std::vector<int64_t> runs;
    for (Client& c : clients) {
      HttpResult trigger = c.Post("/pipelines/p/trigger");
      ASSERT_EQ(trigger.status, 202) << trigger.text;
      runs.push_back(trigger.body["pipeline_run_id"].get<int64_t>());
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      json run = clients[i].WaitForRun("p", runs[i], 300);
      EXPECT_EQ(run["state"], "succeeded") << run;
      EXPECT_EQ(run["records_extracted"], 20000) << run;
    }
  }
}

}  // namespace
}  // namespace wsync::api_test

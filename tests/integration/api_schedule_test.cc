// Schedules and the sync start date through the server: the scheduler loop queues a run at its
// slot (on the server's fake clock), and activation with a start date queues the historical run.
#include <gtest/gtest.h>

#include <thread>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

class ApiScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>();
    client_ = std::make_unique<Client>(server_.get(), server_->Token(server_->NewCredential(1)), 1);
    const std::string shop = server_->warehouse_dir() + "/shop.db";
    WriteCustomers(shop, 20);
    ASSERT_EQ(client_->Post("/connections", SqliteConnection("shop", shop)).status, 201);
    json model = CustomersModel("customers");
    model["sql_query"] = "SELECT customer_id, email, first_name, plan, updated_at FROM customers";
    model["timestamp_field"] = "updated_at";
    ASSERT_EQ(client_->Post("/data-models", model).status, 201);
  }

  // Polls the pipeline's runs until there are `count`; returns them, newest first.
  json Runs(const std::string& pipeline, size_t count) {
    json items;
    for (int i = 0; i < 100; ++i) {
      items = client_->Get("/pipelines/" + pipeline + "/runs").body["items"];
      if (items.size() >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return items;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ApiScheduleTest, AnHourlyScheduleFiresAtItsSlot) {
  json p = CustomersPipeline("hourly", "shop", "customers");
  p["schedule"] = {
      {"type", "interval"}, {"frequency", "hourly"}, {"start", "2024-06-01T01:00:00Z"}};
  ASSERT_EQ(client_->Post("/pipelines", p).status, 201);
  EXPECT_TRUE(client_->Get("/pipelines/hourly/status").body["next_run_at"].is_null());  // draft
  ASSERT_EQ(client_->Post("/pipelines/hourly/activate").status, 200);
  EXPECT_EQ(client_->Get("/pipelines/hourly/status").body["next_run_at"], "2024-06-01T01:00:00Z");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a tick before the slot
  EXPECT_EQ(client_->Get("/pipelines/hourly/runs").body["total"], 0);

  server_->clock()->Set(*core::ParseTimestamp("2024-06-01T01:00:05Z"));
  json runs = Runs("hourly", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_type"], "scheduled");
  EXPECT_EQ(runs[0]["logical_date"], "2024-06-01T01:00:00Z");
  json done = client_->WaitForRun("hourly", runs[0]["pipeline_run_id"].get<int64_t>());
  EXPECT_EQ(done["state"], "succeeded");
  EXPECT_EQ(done["profiles_created"], 20);
  EXPECT_EQ(client_->Get("/pipelines/hourly/status").body["next_run_at"], "2024-06-01T02:00:00Z");
  ASSERT_EQ(client_->Post("/pipelines/hourly/pause").status, 200);
  EXPECT_TRUE(client_->Get("/pipelines/hourly/status").body["next_run_at"].is_null());
}

TEST_F(ApiScheduleTest, ActivationWithAStartDateQueuesTheHistoricalRun) {
  json p = CustomersPipeline("backfill", "shop", "customers");
  p["sync_start_date"] = "2024-01-01T00:00:00Z";
  ASSERT_EQ(client_->Post("/pipelines", p).status, 201);
  ASSERT_EQ(client_->Post("/pipelines/backfill/activate").status, 200);
  json runs = Runs("backfill", 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_type"], "historical");
  EXPECT_EQ(runs[0]["range_start"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(runs[0]["range_end"], "2024-06-01T00:00:00Z");
  json done = client_->WaitForRun("backfill", runs[0]["pipeline_run_id"].get<int64_t>());
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["profiles_created"], 20);  // every row is older than the activation
  // status reports the latest non-historical run: there is none yet.
  EXPECT_TRUE(client_->Get("/pipelines/backfill/status").body["latest_run"].is_null());
}

TEST_F(ApiScheduleTest, ResyncWithAStartDateReadsTheHistoryAgain) {
  json p = CustomersPipeline("backfill", "shop", "customers");
  p["sync_start_date"] = "2024-01-01T00:00:00Z";
  ASSERT_EQ(client_->Post("/pipelines", p).status, 201);
  ASSERT_EQ(client_->Post("/pipelines/backfill/activate").status, 200);
  json runs = Runs("backfill", 1);
  ASSERT_EQ(runs.size(), 1u);
  client_->WaitForRun("backfill", runs[0]["pipeline_run_id"].get<int64_t>());
  ASSERT_EQ(client_->Post("/pipelines/backfill/resync").status, 200);
  runs = Runs("backfill", 2);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["run_type"], "historical");
  EXPECT_EQ(runs[0]["range_start"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(runs[0]["range_end"], "2024-06-01T00:00:00Z");
  json done = client_->WaitForRun("backfill", runs[0]["pipeline_run_id"].get<int64_t>());
  EXPECT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["records_extracted"], 20);
}

}  // namespace
}  // namespace wsync::api_test

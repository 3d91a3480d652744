// Forwarding end to end (SPEC §11): real SQLite warehouses, real runs, the outbox in the
// store, the forwarder with the real libcurl sender (egress rule included) against a real HTTP
// receiver on loopback. What reached the receiver is checked exactly, and validated against
// mParticle's JSON schemas with ajv (tests/forwarding/node).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "forward/batch_format.h"
#include "forward/forwarder.h"
#include "sync_fixture.h"
#include "tests/forwarding/receiver.h"

namespace wsync::testing {
namespace {

using nlohmann::json;
using Answer = Receiver::Answer;

class ForwardingTest : public SyncFixture {
 protected:
  void SetUp() override {
    SyncFixture::SetUp();
    if (HasFatalFailure()) return;
    OpenEngine({"127.0.0.0/8"});
  }

  // Reopens the deployment allowing `networks` (the operator's --allow-network).
  void OpenEngine(std::vector<std::string> networks) {
    session_.reset();
    auto engine = app::Engine::Open(
        dir_.File("data"), &clock_,
        {.sqlite_dirs = {}, .allow_networks = std::move(networks), .output_dirs = {}});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto session = engine_->NewSession();
    ASSERT_TRUE(session.ok());
    session_ = std::move(*session);
    catalog_ = session_->catalog();
    store_ = session_->store();
  }

  json Outputs() { return json::array({{{"type", "http"}, {"url", receiver_.url()}}}); }

  // Drains pipeline "p" with short retry waits; returns whether it had the drain.
  void Forward(forward::ForwarderOptions options = {.backoff_ms = 10, .request_timeout_ms = 500}) {
    forward::Forwarder forwarder(engine_->forwarder_deps(), options);
    auto drained = forwarder.Drain(session_.get(), 1, "p", nullptr);
    ASSERT_TRUE(drained.ok()) << drained.status().ToString();
    EXPECT_TRUE(*drained);
  }

  storage::OutputProgress Progress() {
    auto p = session_->outbox()->Progress(1, "p", "http:" + receiver_.url());
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : storage::OutputProgress{};
  }

  // Every batch the receiver read, by mpid (the last one read for each).
  std::map<int64_t, json> ByMpid() {
    std::map<int64_t, json> out;
    for (json& b : receiver_.batches()) {
      const int64_t mpid = b["mpid"].get<int64_t>();
      out[mpid] = std::move(b);
    }
    return out;
  }

  // Runs the schema check over every body the receiver read.
  void ExpectValidAgainstTheSchemas() {
    const char* source = std::getenv("WSYNC_SOURCE_DIR");
    ASSERT_NE(source, nullptr);
    std::string node = std::string(source) + "/tests/forwarding/node";
    ASSERT_TRUE(std::filesystem::exists(node + "/node_modules/ajv"))
        << "run scripts/npm-deps.sh (make test does)";
    std::ofstream out(dir_.File("bodies.jsonl"));
    for (const std::string& body : receiver_.bodies()) out << body << "\n";
    out.close();
    std::string command = "node " + node + "/validate.js " + dir_.File("bodies.jsonl") + " > " +
                          dir_.File("validate.out") + " 2>&1";
    int rc = std::system(command.c_str());
    std::ifstream report(dir_.File("validate.out"));
    std::string text((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << text;
  }

  Receiver receiver_;
};

constexpr const char* kEventMapping = R"({"id": "ev", "destination_type": "event_batch",
  "mappings": [
   {"mapping_type": "column", "source": "customer_id", "destination": "user_identities.customer_id"},
   {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
   {"mapping_type": "column", "source": "kind", "destination": "events.event_type"},
   {"mapping_type": "column", "source": "name", "destination": "events.event_name"},
   {"mapping_type": "static", "destination": "events.custom_event_type", "value": "transaction",
    "value_type": "string"},
   {"mapping_type": "column", "source": "screen", "destination": "events.screen_name"},
   {"mapping_type": "column", "source": "action", "destination": "events.product_action.action"},
   {"mapping_type": "column", "source": "items", "destination": "events.product_action.products"},
   {"mapping_type": "column", "source": "total", "destination": "events.product_action.total_amount"},
   {"mapping_type": "column", "source": "at", "destination": "events.timestamp_unixtime_ms"},
   {"mapping_type": "column", "source": "msg", "destination": "events.source_message_id"},
   {"mapping_type": "column", "source": "$unmapped", "destination": "events.custom_attributes.*"}]})";

TEST_F(ForwardingTest, EventsAreStoredAndForwardedOnceAcrossReRuns) {
  Warehouse(R"sql(
    CREATE TABLE ev (customer_id TEXT, email TEXT, kind TEXT, name TEXT, screen TEXT,
                     action TEXT, items TEXT, total REAL, at INTEGER, msg TEXT, colour TEXT);
    INSERT INTO ev VALUES
      ('c1', 'A@x.com', 'custom_event', 'signup', NULL, NULL, NULL, NULL, 1700000000000, 'm-1', 'red'),
      ('c1', NULL, 'screen_view', NULL, 'home', NULL, NULL, NULL, 1700000001000, NULL, NULL),
      ('c2', 'b@x.com', 'commerce_event', NULL, NULL, 'purchase', '[{"id": "sku-1", "price": 9.5, "quantity": 2}]', 19, 1700000002000, 'bdc0a3d2-6a4e-4a39-9c8a-2f0a1d6a0b11', NULL),
      ('c2', NULL, 'page_view', NULL, NULL, NULL, NULL, NULL, 1700000003000, NULL, NULL),
      ('c3', NULL, 'commerce_event', NULL, NULL, 'purchase', 'not json', NULL, NULL, NULL, NULL);
  )sql");
  Define("SELECT * FROM ev", {{"pipeline_type", "events"}, {"outputs", Outputs()}},
         json::parse(kEventMapping));
  catalog::Run first = Run();
  ASSERT_TRUE(last_status_.ok()) << last_status_.ToString();
  EXPECT_EQ(first.counters.events_created, 3);
  EXPECT_EQ(first.counters.records_failed, 2);
  std::vector<mapping::RowError> errors = Errors(first.run_id);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row, 4);
  EXPECT_EQ(errors[0].message,
            "event type 'page_view' is not custom_event, screen_view or commerce_event");
  EXPECT_EQ(errors[1].row, 5);
  EXPECT_EQ(errors[1].message,
            "events.product_action.products in column 'items': not JSON: 'not json'");
  EXPECT_EQ(store_->Events(1, Find("customer_id", "c1").mpid, 10)->size(), 2u);

  Forward();
  ASSERT_EQ(receiver_.bodies().size(), 1u) << ::testing::PrintToString(receiver_.bodies());
  std::map<int64_t, json> sent = ByMpid();
  ASSERT_EQ(sent.size(), 2u);
  const int64_t c1 = Find("customer_id", "c1").mpid;
  const int64_t c2 = Find("customer_id", "c2").mpid;
  json one = sent.at(c1);
  one.erase("source_request_id");
  EXPECT_EQ(
      one,
      json::parse(R"({
    "environment": "production", "mpid": )" +
                  std::to_string(c1) + R"(,
    "user_identities": {"customer_id": "c1", "email": "a@x.com"},
    "events": [
      {"event_type": "custom_event", "data": {"timestamp_unixtime_ms": 1700000000000,
        "source_message_id": ")" +
                  forward::MessageId("p", "m-1") + R"(",
        "event_name": "signup", "custom_event_type": "transaction",
        "custom_attributes": {"colour": "red"}}},
      {"event_type": "screen_view", "data": {"timestamp_unixtime_ms": 1700000001000,
        "source_message_id": ")" +
                  sent.at(c1)["events"][1]["data"]["source_message_id"].get<std::string>() + R"(",
        "screen_name": "home"}}]})"));
  EXPECT_TRUE(
      forward::IsUuid(sent.at(c1)["events"][1]["data"]["source_message_id"].get<std::string>()));
  EXPECT_EQ(sent.at(c2)["events"][0], json::parse(R"({"event_type": "commerce_event", "data": {
      "timestamp_unixtime_ms": 1700000002000,
      "source_message_id": "bdc0a3d2-6a4e-4a39-9c8a-2f0a1d6a0b11",
      "product_action": {"action": "purchase", "total_amount": 19,
                         "products": [{"id": "sku-1", "price": 9.5, "quantity": 2}]}}})"));
  EXPECT_EQ(catalog_->GetRun(1, first.run_id)->counters.batches_forwarded, 2);
  EXPECT_EQ(Progress().backlog, 0);

  // A full re-run changes nothing and forwards nothing; so does one that re-applies every row
  // (resync clears the fingerprints): the events are stored already.
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_unchanged, 3);
  ASSERT_TRUE(store_->ClearFingerprints(1, "p").ok());
  catalog::Run third = Run();
  EXPECT_EQ(third.counters.events_created, 0);
  EXPECT_EQ(third.counters.profiles_updated, 0);
  Forward();
  EXPECT_EQ(receiver_.bodies().size(), 1u);
  EXPECT_EQ(catalog_->GetRun(1, third.run_id)->counters.batches_forwarded, 0);
  ExpectValidAgainstTheSchemas();
}

TEST_F(ForwardingTest, UserAttributePipelinesForwardOnlyWhatChanged) {
  Warehouse(R"sql(
    CREATE TABLE users (email TEXT, mobile_number TEXT, plan TEXT, score INTEGER);
    INSERT INTO users VALUES ('a@x.com', '+1555', 'pro', 7), ('b@x.com', NULL, 'free', 1);
  )sql");
  Define("SELECT * FROM users", {{"outputs", Outputs()}});
  Run();
  Forward();
  ASSERT_EQ(receiver_.bodies().size(), 1u) << ::testing::PrintToString(receiver_.bodies());
  std::map<int64_t, json> sent = ByMpid();
  ASSERT_EQ(sent.size(), 2u);
  const int64_t a = Find("email", "a@x.com").mpid;
  const int64_t b = Find("email", "b@x.com").mpid;
  json first = sent.at(a);
  first.erase("source_request_id");
  EXPECT_EQ(first,
            json::parse(R"({"environment": "production", "mpid": )" + std::to_string(a) +
                        R"(, "user_identities": {"email": "a@x.com", "mobile_number": "+1555"},
      "user_attributes": {"plan": "pro", "score": 7}})"));

  Warehouse("UPDATE users SET plan = 'team', score = NULL WHERE email = 'a@x.com'");
  const size_t before = receiver_.bodies().size();
  Run();
  Forward();
  std::vector<json> batches = receiver_.batches();
  ASSERT_EQ(receiver_.bodies().size(), before + 1);
  json last = batches.back();
  EXPECT_EQ(last["mpid"], a);
  EXPECT_EQ(last["user_attributes"], json({{"plan", "team"}}));
  EXPECT_EQ(last["deleted_user_attributes"], json::array({"score"}));
  EXPECT_FALSE(last.contains("events"));
  EXPECT_EQ(batches.size(), 3u);  // b did not change: nothing for b
  EXPECT_NE(b, a);
  ExpectValidAgainstTheSchemas();
}

TEST_F(ForwardingTest, ThrottledFailedStalledAndDroppedRequestsAreRetriedWithTheSameIds) {
  Warehouse(R"sql(
    CREATE TABLE users (email TEXT, plan TEXT);
    INSERT INTO users VALUES ('a@x.com', 'pro'), ('b@x.com', 'free');
  )sql");
  Define("SELECT * FROM users", {{"outputs", Outputs()}});
  catalog::Run run = Run();
  receiver_.Script(
      {Answer::kThrottle, Answer::kFail, Answer::kStall, Answer::kDrop, Answer::kAccept});
  Forward();
  EXPECT_THAT(receiver_.answers(),
              ::testing::ElementsAre(Answer::kThrottle, Answer::kFail, Answer::kStall,
                                     Answer::kDrop, Answer::kAccept));
  // The stalled and the dropped request were read too: the receiver holds the same body three
  // times, with the same source_request_ids, and keeps each batch once by them.
  std::vector<std::string> bodies = receiver_.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0], bodies[1]);
  EXPECT_EQ(bodies[0], bodies[2]);
  std::set<std::string> ids;
  for (const json& b : receiver_.batches()) ids.insert(b["source_request_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 2u);
  storage::OutputProgress p = Progress();
  EXPECT_EQ(p.backlog, 0);
  EXPECT_EQ(p.failures, 0);
  EXPECT_THAT(*p.last_error, ::testing::HasSubstr("no answer"));
  EXPECT_EQ(catalog_->GetRun(1, run.run_id)->counters.batches_forwarded, 2);
}

TEST_F(ForwardingTest, AnEndpointThatKeepsFailingPausesForwardingWhileSyncingGoesOn) {
  Warehouse(R"sql(
    CREATE TABLE users (email TEXT, plan TEXT);
    INSERT INTO users VALUES ('a@x.com', 'pro');
  )sql");
  json outputs = Outputs();
  outputs[0]["max_attempts"] = 2;
  Define("SELECT * FROM users", {{"outputs", outputs}});
  Run();
  receiver_.Script({Answer::kFail, Answer::kFail});
  Forward();
  storage::OutputProgress p = Progress();
  EXPECT_EQ(p.failures, 2);
  EXPECT_EQ(p.backlog, 1);
  EXPECT_EQ(p.last_error, "the output answered HTTP 500");
  EXPECT_TRUE(p.paused_until.has_value());
  // Syncing goes on; the backlog grows and nothing is lost.
  Warehouse("INSERT INTO users VALUES ('b@x.com', 'free')");
  catalog::Run next = Run();
  EXPECT_EQ(next.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(Progress().backlog, 2);
  Forward();  // still paused
  EXPECT_EQ(receiver_.bodies().size(), 0u);
  clock_.Advance(61 * core::kMicrosPerSecond);
  Forward();
  EXPECT_EQ(Progress().backlog, 0);
  EXPECT_EQ(receiver_.batches().size(), 2u);
}

TEST_F(ForwardingTest, AnOutputOnLoopbackIsRefusedUnlessTheOperatorAllowsIt) {
  OpenEngine({});
  Warehouse(R"sql(
    CREATE TABLE users (email TEXT, plan TEXT);
    INSERT INTO users VALUES ('a@x.com', 'pro');
  )sql");
  Define("SELECT * FROM users", {{"outputs", Outputs()}});
  Run();
  Forward({.max_attempts = 1, .backoff_ms = 10});
  EXPECT_EQ(receiver_.bodies().size(), 0u);
  storage::OutputProgress p = Progress();
  EXPECT_EQ(p.backlog, 1);
  EXPECT_THAT(*p.last_error, ::testing::HasSubstr("is not an address this deployment may reach"));
  EXPECT_THAT(*p.last_error, ::testing::Not(::testing::HasSubstr("refused")));
}

TEST_F(ForwardingTest, GzipAndBasicAuthReachTheReceiver) {
  Warehouse(R"sql(
    CREATE TABLE users (email TEXT, plan TEXT);
    INSERT INTO users VALUES ('a@x.com', 'pro');
  )sql");
  json outputs = Outputs();
  outputs[0]["gzip"] = true;
  outputs[0]["basic_auth"] = {{"username", "key"}, {"password", "secret"}};
  Define("SELECT * FROM users", {{"outputs", outputs}});
  // The stored pipeline holds the password sealed, never as given.
  auto stored = catalog_->Get(1, catalog::Kind::kPipeline, "p");
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->body["outputs"][0]["basic_auth"]["password"], "secret");
  Run();
  Forward();
  ASSERT_EQ(receiver_.batches().size(), 1u);
  httplib::Headers headers = receiver_.last_headers();
  EXPECT_EQ(headers.find("Authorization")->second, "Basic a2V5OnNlY3JldA==");
  EXPECT_EQ(headers.find("Content-Encoding")->second, "gzip");
}

}  // namespace
}  // namespace wsync::testing

#include "forward/batch_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace wsync::forward {
namespace {

using nlohmann::json;

TEST(UuidTest, VersionFiveMatchesRfc4122) {
  // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  EXPECT_EQ(UuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_TRUE(IsUuid("886313E1-3b8a-5372-9b90-0c9aee199e5d"));
  EXPECT_FALSE(IsUuid("886313e1-3b8a-5372-9b90-0c9aee199e5"));
  EXPECT_FALSE(IsUuid("886313e1x3b8a-5372-9b90-0c9aee199e5d"));
  EXPECT_FALSE(IsUuid("g86313e1-3b8a-5372-9b90-0c9aee199e5d"));
}

TEST(UuidTest, MessageIdsAreUuidsNamedByPipelineAndValue) {
  EXPECT_EQ(MessageId("p", "886313e1-3b8a-5372-9b90-0c9aee199e5d"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  // uuid5(uuid5(NAMESPACE_URL, "wsync:pipeline:p"), "m-1")
  EXPECT_EQ(MessageId("p", "m-1"), "125f1110-a5c8-500f-858f-63fce718b857");
  EXPECT_NE(MessageId("q", "m-1"), MessageId("p", "m-1"));
}

TEST(RenderBatchesTest, OneBatchPerChangedProfileWithWhatChanged) {
  profiles::Profile p;
  p.mpid = 42;
  p.identities = {{"customer_id", "c1"},
                  {"email", "a@x.com"},
                  {"mobile_number", "+1555"},
                  {"ios_advertising_id", "not-a-uuid"},
                  {"android_advertising_id", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
                  {"push_token", "tok"},
                  {"mp_deviceid", "125f1110-a5c8-500f-858f-63fce718b857"}};
  p.attributes["plan"].value = core::Value::String("pro");
  p.attributes["score"].value = core::Value::Int64(7);
  p.attributes["gone"].removed = true;
  p.attributes["untouched"].value = core::Value::String("x");
  profiles::ChangeSet changes;
  changes.profiles.push_back(&p);
  changes.deltas.push_back({42, true, {"plan", "score", "gone"}});
  profiles::StoredEvent custom;
  custom.mpid = 42;
  custom.dedup_key = "f:p:00000000000000ab";
  custom.timestamp_ms = 1'700'000'000'000;
  custom.body =
      R"({"event_type":"custom_event","event_name":"signup","custom_event_type":"attribution",)"
      R"("custom_attributes":{"tags":["a","b"],"n":3}})";
  profiles::StoredEvent commerce;
  commerce.mpid = 42;
  commerce.dedup_key = "m:m-1";
  commerce.body =
      R"({"event_type":"commerce_event","source_message_id":"m-1","product_action":)"
      R"({"action":"purchase","transaction_id":77,"total_amount":9.5,"products":[{"id":"a"}]}})";
  profiles::StoredEvent screen;
  screen.mpid = 42;
  screen.dedup_key = "m:886313e1-3b8a-5372-9b90-0c9aee199e5d";
  screen.body = R"({"event_type":"screen_view","screen_name":"home",)"
                R"("source_message_id":"886313e1-3b8a-5372-9b90-0c9aee199e5d"})";
  changes.events = {custom, commerce, screen};

  std::vector<storage::OutboxItem> items = RenderBatches(changes, {.workspace_id = 1,
                                                                   .pipeline_id = "p",
                                                                   .environment = "production",
                                                                   .run_id = 3,
                                                                   .batch_number = 2});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].mpid, 42);
  EXPECT_EQ(items[0].run_id, 3);
  EXPECT_EQ(json::parse(items[0].body), json::parse(R"({
    "environment": "production",
    "mpid": 42,
    "source_request_id": "6ed2b76f-43d7-5be5-b37a-24b5f3e7f557",
    "user_identities": {"customer_id": "c1", "email": "a@x.com", "mobile_number": "+1555"},
    "device_info": {"android_advertising_id": "886313e1-3b8a-5372-9b90-0c9aee199e5d",
                    "push_token": "tok"},
    "mp_deviceid": "125f1110-a5c8-500f-858f-63fce718b857",
    "user_attributes": {"plan": "pro", "score": 7},
    "deleted_user_attributes": ["gone"],
    "events": [
      {"event_type": "custom_event", "data": {
        "timestamp_unixtime_ms": 1700000000000,
        "source_message_id": "e7433b84-0035-5d4f-bafb-97d1535d1c74",
        "event_name": "signup", "custom_event_type": "other",
        "custom_attributes": {"tags": "[\"a\",\"b\"]", "n": 3}}},
      {"event_type": "commerce_event", "data": {
        "source_message_id": "125f1110-a5c8-500f-858f-63fce718b857",
        "product_action": {"action": "purchase", "transaction_id": "77", "total_amount": 9.5,
                           "products": [{"id": "a"}]}}},
      {"event_type": "screen_view", "data": {
        "source_message_id": "886313e1-3b8a-5372-9b90-0c9aee199e5d", "screen_name": "home"}}
    ]})"));

  // A profile the batch did not change forwards nothing; one that only gained an event sends
  // its identities and the event.
  profiles::ChangeSet none;
  none.profiles.push_back(&p);
  EXPECT_TRUE(RenderBatches(none, {}).empty());
}

}  // namespace
}  // namespace wsync::forward

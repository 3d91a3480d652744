// The Outbox contract (storage/outbox.h), run against every backend: entries commit with the
// batch they come from, each output drains them in order, deliveries count on their runs.
#include <gtest/gtest.h>

#include "storage/contract/backends.h"

namespace wsync::storage {
namespace {

using nlohmann::json;

class OutboxContractTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    catalog::Catalog* c = session_->catalog();
    ASSERT_TRUE(
        c->Create(
             1, catalog::Kind::kConnection,
             {{"id", "c1"}, {"service_provider", "sqlite"}, {"config", {{"path", "/tmp/x.db"}}}},
             "t")
            .ok());
    ASSERT_TRUE(
        c->Create(1, catalog::Kind::kDataModel, {{"id", "m1"}, {"sql_query", "SELECT 1 AS a"}}, "t")
            .ok());
    ASSERT_TRUE(c->Create(1, catalog::Kind::kPipeline,
                          {{"id", "p1"},
                           {"pipeline_type", "user_attributes"},
                           {"connection_id", "c1"},
                           {"data_model_id", "m1"},
                           {"environment", "production"}},
                          "t")
                    .ok());
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = "p1";
    auto created = c->CreateRun(run);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    run_id_ = created->run_id;
  }

  Outbox* outbox() { return session_->outbox(); }

  std::vector<std::string> Bodies(int64_t after, size_t limit = 100) {
    auto pending = outbox()->Pending(1, "p1", after, limit);
    EXPECT_TRUE(pending.ok()) << pending.status().ToString();
    std::vector<std::string> out;
    if (pending.ok()) {
      for (const OutboxEntry& e : *pending) out.push_back(e.body);
    }
    return out;
  }

  int64_t run_id_ = 0;
};

TEST_P(OutboxContractTest, EntriesCommitOrRollBackWithTheirBatch) {
  // A batch whose checkpoint fails leaves no entry behind.
  core::Status failed = session_->Transaction([&]() -> core::Status {
    RETURN_IF_ERROR(outbox()->Enqueue(1, "p1", {{run_id_, 5, "lost"}}, 1));
    catalog::RunCheckpoint cp;
    cp.run_id = 999;  // no such run: the checkpoint fails, the transaction rolls back
    cp.pipeline_id = "p1";
    return session_->catalog()->RecordCheckpoint(1, cp);
  });
  EXPECT_EQ(failed.code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(Bodies(0).empty());

  ASSERT_TRUE(
      session_
          ->Transaction([&]() -> core::Status {
            RETURN_IF_ERROR(outbox()->Enqueue(1, "p1", {{run_id_, 5, "a"}, {run_id_, 6, "b"}}, 1));
            catalog::RunCheckpoint cp;
            cp.run_id = run_id_;
            cp.pipeline_id = "p1";
            return session_->catalog()->RecordCheckpoint(1, cp);
          })
          .ok());
  // Another session (another process) sees them, in order.
  auto other = NewSession();
  ASSERT_TRUE(other.ok());
  auto pending = (*other)->outbox()->Pending(1, "p1", 0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].body, "a");
  EXPECT_EQ((*pending)[0].mpid, 5);
  EXPECT_EQ((*pending)[0].run_id, run_id_);
  EXPECT_LT((*pending)[0].seq, (*pending)[1].seq);
  // Other workspaces and pipelines see nothing.
  EXPECT_TRUE(outbox()->Pending(2, "p1", 0, 10)->empty());
  EXPECT_TRUE(outbox()->Pending(1, "p2", 0, 10)->empty());
}

TEST_P(OutboxContractTest, EachOutputDeliversInOrderAndCountsOnTheRun) {
  ASSERT_TRUE(outbox()
                  ->Enqueue(1, "p1", {{run_id_, 1, "a"}, {run_id_, 2, "b"}, {run_id_, 3, "c"}}, 1)
                  .ok());
  auto pending = outbox()->Pending(1, "p1", 0, 2);
  ASSERT_EQ(pending->size(), 2u);
  const int64_t second = (*pending)[1].seq;
  EXPECT_EQ(outbox()->Progress(1, "p1", "http:x")->backlog, 3);

  ASSERT_TRUE(outbox()->RecordFailure(1, "p1", "http:x", "HTTP 500", 7, std::nullopt).ok());
  ASSERT_TRUE(outbox()->RecordFailure(1, "p1", "http:x", "HTTP 503", 8, 100).ok());
  OutputProgress p = *outbox()->Progress(1, "p1", "http:x");
  EXPECT_EQ(p.failures, 2);
  EXPECT_EQ(p.last_error, "HTTP 503");
  EXPECT_EQ(p.last_error_at, 8);
  EXPECT_EQ(p.paused_until, 100);

  ASSERT_TRUE(outbox()->MarkDelivered(1, "p1", "http:x", second, {{run_id_, 2}}).ok());
  p = *outbox()->Progress(1, "p1", "http:x");
  EXPECT_EQ(p.delivered_seq, second);
  EXPECT_EQ(p.delivered_total, 2);
  EXPECT_EQ(p.backlog, 1);
  EXPECT_EQ(p.failures, 0);
  EXPECT_EQ(p.paused_until, std::nullopt);
  EXPECT_EQ(p.last_error, "HTTP 503");  // kept for the status page
  EXPECT_EQ(Bodies(p.delivered_seq), std::vector<std::string>{"c"});
  EXPECT_EQ(session_->catalog()->GetRun(1, run_id_)->counters.batches_forwarded, 2);

  // A checkpoint of the run (absolute counters) leaves the forwarder's count alone.
  catalog::RunCheckpoint cp;
  cp.run_id = run_id_;
  cp.pipeline_id = "p1";
  cp.counters.records_extracted = 4;
  ASSERT_TRUE(session_->catalog()->RecordCheckpoint(1, cp).ok());
  EXPECT_EQ(session_->catalog()->GetRun(1, run_id_)->counters.batches_forwarded, 2);

  // Pruning keeps what the slowest listed output still owes; an output no longer listed loses
  // its progress, and with no output left nothing is held.
  ASSERT_TRUE(outbox()->Prune(1, "p1", {"http:x", "jsonl:y"}).ok());
  EXPECT_EQ(Bodies(0).size(), 3u);
  ASSERT_TRUE(outbox()->Prune(1, "p1", {"http:x"}).ok());
  EXPECT_EQ(Bodies(0), std::vector<std::string>{"c"});
  EXPECT_EQ(*outbox()->PipelinesWithEntries(),
            (std::vector<std::pair<int64_t, std::string>>{{1, "p1"}}));
  ASSERT_TRUE(outbox()->Prune(1, "p1", {}).ok());
  EXPECT_TRUE(Bodies(0).empty());
  EXPECT_EQ(outbox()->Progress(1, "p1", "http:x")->delivered_seq, 0);
  EXPECT_TRUE(outbox()->PipelinesWithEntries()->empty());
}

TEST_P(OutboxContractTest, OneDrainerAtATimeUntilItsLeaseExpires) {
  auto other = NewSession();
  ASSERT_TRUE(other.ok());
  Outbox* b = (*other)->outbox();
  EXPECT_TRUE(*outbox()->ClaimDrain(1, "p1", "a", 10, 100));
  EXPECT_FALSE(*b->ClaimDrain(1, "p1", "b", 50, 150));
  EXPECT_TRUE(*outbox()->ClaimDrain(1, "p1", "a", 60, 200));  // extended by its holder
  EXPECT_FALSE(*b->ClaimDrain(1, "p1", "b", 150, 250));
  EXPECT_TRUE(*b->ClaimDrain(1, "p2", "b", 150, 250));  // another pipeline is free
  EXPECT_TRUE(*b->ClaimDrain(1, "p1", "b", 201, 300));  // expired: taken over
  ASSERT_TRUE(b->ReleaseDrain(1, "p1", "a").ok());      // not a's any more: nothing happens
  EXPECT_FALSE(*outbox()->ClaimDrain(1, "p1", "a", 210, 300));
  ASSERT_TRUE(b->ReleaseDrain(1, "p1", "b").ok());
  EXPECT_TRUE(*outbox()->ClaimDrain(1, "p1", "a", 210, 300));
}

TEST_P(OutboxContractTest, ErasingAProfileDropsItsUnsentBatches) {
  profiles::Profile profile;
  profile.mpid = 5;
  profile.environment = "production";
  profiles::ChangeSet changes;
  changes.profiles.push_back(&profile);
  ASSERT_TRUE(session_->store()->Apply({1, "production"}, changes).ok());
  ASSERT_TRUE(outbox()->Enqueue(1, "p1", {{run_id_, 5, "a"}, {run_id_, 6, "b"}}, 1).ok());
  ASSERT_TRUE(session_->store()->Erase(1, 5).ok());
  EXPECT_EQ(Bodies(0), std::vector<std::string>{"b"});
}

WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(OutboxContractTest);

}  // namespace
}  // namespace wsync::storage

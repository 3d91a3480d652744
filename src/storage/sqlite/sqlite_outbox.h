// Outbox (storage/outbox.h) on a session's SQLite connection. Used by one thread at a time.
#pragma once

#include <memory>

#include "storage/outbox.h"
#include "storage/sqlite/sqlite_db.h"

namespace wsync::storage {

class SqliteOutbox : public Outbox {
 public:
  explicit SqliteOutbox(std::shared_ptr<db::Db> db) : db_(std::move(db)) {}

  core::Status Enqueue(int64_t workspace_id, const std::string& pipeline_id,
                       const std::vector<OutboxItem>& items, int64_t now) override;
  core::StatusOr<std::vector<OutboxEntry>> Pending(int64_t workspace_id,
                                                   const std::string& pipeline_id,
                                                   int64_t after_seq, size_t limit) override;
  core::StatusOr<OutputProgress> Progress(int64_t workspace_id, const std::string& pipeline_id,
                                          const std::string& output_key) override;
  core::Status MarkDelivered(int64_t workspace_id, const std::string& pipeline_id,
                             const std::string& output_key, int64_t through_seq,
                             const std::vector<std::pair<int64_t, int64_t>>& per_run) override;
  core::Status RecordFailure(int64_t workspace_id, const std::string& pipeline_id,
                             const std::string& output_key, const std::string& error, int64_t now,
                             std::optional<int64_t> paused_until) override;
  core::Status Prune(int64_t workspace_id, const std::string& pipeline_id,
                     const std::vector<std::string>& output_keys) override;
  core::StatusOr<std::vector<std::pair<int64_t, std::string>>> PipelinesWithEntries() override;
  core::StatusOr<bool> ClaimDrain(int64_t workspace_id, const std::string& pipeline_id,
                                  const std::string& owner, int64_t now, int64_t until) override;
  core::Status ReleaseDrain(int64_t workspace_id, const std::string& pipeline_id,
                            const std::string& owner) override;

 private:
  std::shared_ptr<db::Db> db_;
};

}  // namespace wsync::storage

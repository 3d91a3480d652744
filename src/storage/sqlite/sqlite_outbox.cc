#include "storage/sqlite/sqlite_outbox.h"

#include <algorithm>

namespace wsync::storage {

core::Status SqliteOutbox::Enqueue(int64_t workspace_id, const std::string& pipeline_id,
                                   const std::vector<OutboxItem>& items, int64_t now) {
  if (items.empty()) return core::Status::Ok();
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(db::Stmt * insert,
                     db_->Cached("INSERT INTO outbox (workspace_id, pipeline_id, run_id, mpid, "
                                 "body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    for (const OutboxItem& item : items) {
      insert->Reset();
      insert->Bind(1, workspace_id)
          .Bind(2, pipeline_id)
          .Bind(3, item.run_id)
          .Bind(4, item.mpid)
          .BindUnowned(5, item.body)
          .Bind(6, now);
      RETURN_IF_ERROR(insert->Run());
    }
    return core::Status::Ok();
  });
}

core::StatusOr<std::vector<OutboxEntry>> SqliteOutbox::Pending(int64_t workspace_id,
                                                               const std::string& pipeline_id,
                                                               int64_t after_seq, size_t limit) {
  ASSIGN_OR_RETURN(db::Stmt * select,
                   db_->Cached("SELECT seq, run_id, mpid, body FROM outbox WHERE workspace_id = "
                               "?1 AND pipeline_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"));
  select->Bind(1, workspace_id)
      .Bind(2, pipeline_id)
      .Bind(3, after_seq)
      .Bind(4, static_cast<int64_t>(limit));
  std::vector<OutboxEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.push_back({select->Int(0), select->Int(1), select->Int(2), select->Text(3)});
  }
  return out;
}

core::StatusOr<OutputProgress> SqliteOutbox::Progress(int64_t workspace_id,
                                                      const std::string& pipeline_id,
                                                      const std::string& output_key) {
  OutputProgress p;
  ASSIGN_OR_RETURN(db::Stmt * cursor,
                   db_->Cached("SELECT delivered_seq, delivered_total, failures, last_error, "
                               "last_error_at, paused_until FROM outbox_cursors WHERE "
                               "workspace_id = ?1 AND pipeline_id = ?2 AND output_key = ?3"));
  cursor->Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, output_key);
  ASSIGN_OR_RETURN(bool found, cursor->Step());
  if (found) {
    p.delivered_seq = cursor->Int(0);
    p.delivered_total = cursor->Int(1);
    p.failures = cursor->Int(2);
    p.last_error = cursor->OptText(3);
    p.last_error_at = cursor->OptInt(4);
    p.paused_until = cursor->OptInt(5);
  }
  cursor->Reset();
  ASSIGN_OR_RETURN(db::Stmt * count,
                   db_->Cached("SELECT count(*) FROM outbox WHERE workspace_id = ?1 AND "
                               "pipeline_id = ?2 AND seq > ?3"));
  count->Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, p.delivered_seq);
  ASSIGN_OR_RETURN(bool counted, count->Step());
  if (counted) p.backlog = count->Int(0);
  count->Reset();
  return p;
}

core::Status SqliteOutbox::MarkDelivered(int64_t workspace_id, const std::string& pipeline_id,
                                         const std::string& output_key, int64_t through_seq,
                                         const std::vector<std::pair<int64_t, int64_t>>& per_run) {
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    int64_t delivered = 0;
    for (const auto& [run_id, count] : per_run) delivered += count;
    ASSIGN_OR_RETURN(
        db::Stmt * cursor,
        db_->Cached("INSERT INTO outbox_cursors (workspace_id, pipeline_id, output_key, "
                    "delivered_seq, delivered_total) VALUES (?1, ?2, ?3, ?4, ?5) "
                    "ON CONFLICT (workspace_id, pipeline_id, output_key) DO UPDATE SET "
                    "delivered_seq = max(delivered_seq, excluded.delivered_seq), "
                    "delivered_total = delivered_total + excluded.delivered_total, "
                    "failures = 0, paused_until = NULL"));
    cursor->Bind(1, workspace_id)
        .Bind(2, pipeline_id)
        .Bind(3, output_key)
        .Bind(4, through_seq)
        .Bind(5, delivered);
    RETURN_IF_ERROR(cursor->Run());
    ASSIGN_OR_RETURN(db::Stmt * run,
                     db_->Cached("UPDATE runs SET batches_forwarded = batches_forwarded + ?3 "
                                 "WHERE workspace_id = ?1 AND run_id = ?2"));
    for (const auto& [run_id, count] : per_run) {
      run->Reset();
      run->Bind(1, workspace_id).Bind(2, run_id).Bind(3, count);
      RETURN_IF_ERROR(run->Run());
    }
    return core::Status::Ok();
  });
}

core::Status SqliteOutbox::RecordFailure(int64_t workspace_id, const std::string& pipeline_id,
                                         const std::string& output_key, const std::string& error,
                                         int64_t now, std::optional<int64_t> paused_until) {
  ASSIGN_OR_RETURN(
      db::Stmt * cursor,
      db_->Cached("INSERT INTO outbox_cursors (workspace_id, pipeline_id, output_key, failures, "
                  "last_error, last_error_at, paused_until) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6) "
                  "ON CONFLICT (workspace_id, pipeline_id, output_key) DO UPDATE SET "
                  "failures = failures + 1, last_error = excluded.last_error, "
                  "last_error_at = excluded.last_error_at, paused_until = excluded.paused_until"));
  cursor->Bind(1, workspace_id)
      .Bind(2, pipeline_id)
      .Bind(3, output_key)
      .Bind(4, error)
      .Bind(5, now)
      .Bind(6, paused_until);
  return cursor->Run();
}

core::Status SqliteOutbox::Prune(int64_t workspace_id, const std::string& pipeline_id,
                                 const std::vector<std::string>& output_keys) {
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    // The outputs no longer listed lose their progress; the rest hold back what they still owe.
    ASSIGN_OR_RETURN(db::Stmt keys,
                     db_->Prepare("SELECT output_key FROM outbox_cursors WHERE workspace_id = ?1 "
                                  "AND pipeline_id = ?2"));
    keys.Bind(1, workspace_id).Bind(2, pipeline_id);
    std::vector<std::string> gone;
    while (true) {
      ASSIGN_OR_RETURN(bool row, keys.Step());
      if (!row) break;
      std::string key = keys.Text(0);
      if (std::find(output_keys.begin(), output_keys.end(), key) == output_keys.end()) {
        gone.push_back(std::move(key));
      }
    }
    for (const std::string& key : gone) {
      ASSIGN_OR_RETURN(db::Stmt drop,
                       db_->Prepare("DELETE FROM outbox_cursors WHERE workspace_id = ?1 AND "
                                    "pipeline_id = ?2 AND output_key = ?3"));
      drop.Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, key);
      RETURN_IF_ERROR(drop.Run());
    }
    int64_t through = INT64_MAX;
    for (const std::string& key : output_keys) {
      ASSIGN_OR_RETURN(OutputProgress p, Progress(workspace_id, pipeline_id, key));
      through = std::min(through, p.delivered_seq);
    }
    ASSIGN_OR_RETURN(db::Stmt prune, db_->Prepare("DELETE FROM outbox WHERE workspace_id = ?1 "
                                                  "AND pipeline_id = ?2 AND seq <= ?3"));
    prune.Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, through);
    return prune.Run();
  });
}

core::StatusOr<std::vector<std::pair<int64_t, std::string>>> SqliteOutbox::PipelinesWithEntries() {
  ASSIGN_OR_RETURN(db::Stmt * select,
                   db_->Cached("SELECT DISTINCT workspace_id, pipeline_id FROM outbox "
                               "ORDER BY workspace_id, pipeline_id"));
  std::vector<std::pair<int64_t, std::string>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    out.emplace_back(select->Int(0), select->Text(1));
  }
  return out;
}

core::StatusOr<bool> SqliteOutbox::ClaimDrain(int64_t workspace_id, const std::string& pipeline_id,
                                              const std::string& owner, int64_t now,
                                              int64_t until) {
  bool claimed = false;
  RETURN_IF_ERROR(db::InTransaction(db_.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(
        db::Stmt * claim,
        db_->Cached("INSERT INTO outbox_drains (workspace_id, pipeline_id, owner, expires_at) "
                    "VALUES (?1, ?2, ?3, ?5) ON CONFLICT (workspace_id, pipeline_id) DO UPDATE "
                    "SET owner = excluded.owner, expires_at = excluded.expires_at "
                    "WHERE outbox_drains.owner = excluded.owner OR outbox_drains.expires_at < ?4"));
    claim->Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, owner).Bind(4, now).Bind(5, until);
    RETURN_IF_ERROR(claim->Run());
    claimed = db_->Changes() > 0;
    return core::Status::Ok();
  }));
  return claimed;
}

core::Status SqliteOutbox::ReleaseDrain(int64_t workspace_id, const std::string& pipeline_id,
                                        const std::string& owner) {
  ASSIGN_OR_RETURN(db::Stmt * release,
                   db_->Cached("DELETE FROM outbox_drains WHERE workspace_id = ?1 AND "
                               "pipeline_id = ?2 AND owner = ?3"));
  release->Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, owner);
  return release->Run();
}

}  // namespace wsync::storage

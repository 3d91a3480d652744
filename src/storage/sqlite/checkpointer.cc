#include "storage/sqlite/checkpointer.h"

#include <sqlite3.h>

namespace wsync::db {

core::StatusOr<std::unique_ptr<BackgroundCheckpointer>> BackgroundCheckpointer::Start(Db* writer) {
  ASSIGN_OR_RETURN(std::unique_ptr<Db> own, Db::Open(writer->path(), /*create=*/false));
  auto c =
      std::unique_ptr<BackgroundCheckpointer>(new BackgroundCheckpointer(writer, std::move(own)));
  // Replaces the writer's automatic checkpoints (they are a WAL hook too).
  sqlite3_wal_hook(writer->handle(), &BackgroundCheckpointer::OnCommit, c.get());
  return c;
}

BackgroundCheckpointer::BackgroundCheckpointer(Db* writer, std::unique_ptr<Db> own)
    : writer_(writer), own_(std::move(own)), thread_([this] { Loop(); }) {}

BackgroundCheckpointer::~BackgroundCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_->handle(), kAutoCheckpointPages);  // also removes our hook
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int BackgroundCheckpointer::checkpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checkpoints_;
}

// Runs on the writer's thread after each commit, with its write lock already released.
int BackgroundCheckpointer::OnCommit(void* self, sqlite3* db, const char* name, int pages) {
  auto* c = static_cast<BackgroundCheckpointer*>(self);
  if (pages >= kWriterPages) {
    c->CheckpointOnWriter(db, name);
  } else if (pages >= kStartPages) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      c->due_ = true;
    }
    c->wake_.notify_all();
  }
  return SQLITE_OK;
}

// The thread is not keeping up (a writer that never pauses leaves it no moment to finish and
// restart the log). Only one checkpoint runs at a time, so wait for the thread's, then copy
// everything and wait out readers (busy timeout): the next transaction restarts the WAL.
void BackgroundCheckpointer::CheckpointOnWriter(sqlite3* db, const char* name) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [this] { return !running_; });
  running_ = true;
  due_ = false;
  lock.unlock();
  sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
  lock.lock();
  running_ = false;
}

void BackgroundCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return (due_ && !running_) || stop_; });
    if (stop_) return;
    due_ = false;
    running_ = true;
    lock.unlock();
    // PASSIVE never blocks the writer; frames it cannot copy yet wait for the next round.
    int rc = sqlite3_wal_checkpoint_v2(own_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                       nullptr);
    lock.lock();
    running_ = false;
    if (rc == SQLITE_OK) ++checkpoints_;
    wake_.notify_all();
  }
}

}  // namespace wsync::db

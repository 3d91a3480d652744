// BackgroundCheckpointer: copies a writer connection's WAL into the database file on a thread
// of its own. With SQLite's automatic checkpoints the committing thread does that copy (and its
// fsync) inside COMMIT, which is a sixth of a bulk sync's time; here it overlaps with the
// writer's next batch. The WAL stays bounded: past a hard cap the writer checkpoints itself.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "storage/sqlite/sqlite_db.h"

namespace wsync::db {

class BackgroundCheckpointer {
 public:
  // Takes over `writer`'s checkpoints until destroyed; `writer` must outlive it.
  static core::StatusOr<std::unique_ptr<BackgroundCheckpointer>> Start(Db* writer);
  ~BackgroundCheckpointer();  // stops the thread and gives the writer its auto-checkpoints back

  BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
  BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

  static constexpr int kStartPages = 4096;    // 16 MB of WAL: wake the thread
  static constexpr int kWriterPages = 65536;  // 256 MB: the writer stops to checkpoint

  int checkpoints() const;  // completed background checkpoints (for tests)

 private:
  BackgroundCheckpointer(Db* writer, std::unique_ptr<Db> own);
  static int OnCommit(void* self, sqlite3* db, const char* name, int pages);
  void CheckpointOnWriter(sqlite3* db, const char* name);
  void Loop();

  Db* writer_;
  std::unique_ptr<Db> own_;  // the thread's connection
  mutable std::mutex mu_;
  std::condition_variable wake_;  // due_, running_ or stop_ changed
  bool due_ = false;
  bool running_ = false;  // a checkpoint is in progress (SQLite allows one at a time)
  bool stop_ = false;
  int checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace wsync::db

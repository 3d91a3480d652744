#include "storage/sqlite/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "testing/temp_dir.h"

namespace wsync::db {
namespace {

// Commits `commits` transactions of 4 MB each (1,000 rows of 4 KB).
void Write(Db* db, int commits) {
  for (int i = 0; i < commits; ++i) {
    ASSERT_TRUE(db->Exec("BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 1000) INSERT INTO t (body) SELECT randomblob(4000) FROM n; "
                         "COMMIT;")
                    .ok());
  }
}

int64_t Count(const std::string& path) {
  auto db = Db::Open(path, false);
  auto stmt = (*db)->Prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(*stmt->Step());
  return stmt->Int(0);
}

class BackgroundCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(path_);
    ASSERT_TRUE(db.ok());
    writer_ = std::move(*db);
    ASSERT_TRUE(writer_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("w.db");
  std::unique_ptr<Db> writer_;
};

TEST_F(BackgroundCheckpointerTest, CheckpointsOffTheWritersThreadAndLosesNothing) {
  {
    auto checkpointer = BackgroundCheckpointer::Start(writer_.get());
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
    Write(writer_.get(), 10);  // 40 MB: past kStartPages (16 MB) of WAL
    for (int i = 0; i < 200 && (*checkpointer)->checkpoints() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_GE((*checkpointer)->checkpoints(), 1);
    EXPECT_EQ(Count(path_), 10'000);
  }
  // Stopped: the writer checkpoints for itself again, and every row is still there.
  Write(writer_.get(), 2);
  EXPECT_EQ(Count(path_), 12'000);
}

TEST_F(BackgroundCheckpointerTest, TheWalStaysBounded) {
  auto checkpointer = BackgroundCheckpointer::Start(writer_.get());
  ASSERT_TRUE(checkpointer.ok());
  // 400 MB through a WAL that the writer's own checkpoints cap at 256 MB plus one commit
  // (about 1,010 pages here): without any checkpoint the WAL would hold all of it.
  Write(writer_.get(), 100);
  const auto wal = std::filesystem::file_size(path_ + "-wal");
  EXPECT_LT(wal, (BackgroundCheckpointer::kWriterPages + 1500) * 4096ull) << wal;
  EXPECT_EQ(Count(path_), 100'000);
}

}  // namespace
}  // namespace wsync::db

#include "storage/sqlite/sqlite_db.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/sqlite/schema.h"

namespace wsync::db {
namespace {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wsync-db-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DbTest, MigrateIsIdempotent) {
  auto db = Db::Open(dir_ + "/w.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  core::Status first = Migrate(db->get());
  ASSERT_TRUE(first.ok()) << first.ToString();
  ASSERT_TRUE(Migrate(db->get()).ok());
  auto stmt = (*db)->Prepare("PRAGMA user_version");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->Int(0), 9);  // one per migration
}

TEST_F(DbTest, TransactionRollsBackOnError) {
  auto db = *Db::Open(dir_ + "/w.db");
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER PRIMARY KEY)").ok());
  core::Status s = InTransaction(db.get(), [&]() -> core::Status {
    RETURN_IF_ERROR(db->Exec("INSERT INTO t VALUES (1)"));
    return db->Exec("INSERT INTO t VALUES (1)");  // duplicate key
  });
  EXPECT_EQ(s.code(), core::StatusCode::kAlreadyExists);
  auto count = *db->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*count.Step());
  EXPECT_EQ(count.Int(0), 0);
}

TEST_F(DbTest, CachedStatementsAreReset) {
  auto db = *Db::Open(dir_ + "/w.db");
  for (int i = 0; i < 3; ++i) {
    auto stmt = db->Cached("SELECT ?1 + 1");
    ASSERT_TRUE(stmt.ok());
    (*stmt)->Bind(1, int64_t{i});
    ASSERT_TRUE(*(*stmt)->Step());
    EXPECT_EQ((*stmt)->Int(0), i + 1);
  }
}

// Issue 15: two processes (or threads) starting together on a fresh data directory both
// migrate; the second must find the schema current instead of creating it again.
TEST_F(DbTest, ConcurrentMigrationsOfAFreshFileAllSucceed) {
  for (int trial = 0; trial < 3; ++trial) {
    const std::string path = dir_ + "/m" + std::to_string(trial) + ".db";
    std::atomic<int> ready{0}, failed{0};
    std::mutex mu;
    std::string why;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        auto db = Db::Open(path);
        ready.fetch_add(1);
        while (ready.load() < 4) std::this_thread::yield();
        core::Status s = db.ok() ? Migrate(db->get()) : db.status();
        if (!s.ok()) {
          failed.fetch_add(1);
          std::lock_guard<std::mutex> lock(mu);
          why = s.ToString();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0) << "trial " << trial << ": " << why;
  }
}

// Issue 15: a writer of this process queues behind a thread that commits back to back, and
// gets its turn after that thread's current transaction, not when the thread stops.
TEST_F(DbTest, AWriterTakesItsTurnBetweenBackToBackTransactions) {
  const std::string path = dir_ + "/w.db";
  ASSERT_TRUE((*Db::Open(path))->Exec("CREATE TABLE t (x INTEGER)").ok());
  constexpr int kBusyTransactions = 100;
  std::atomic<int> done{0};
  std::thread busy([&] {
    auto db = *Db::Open(path);
    for (int i = 0; i < kBusyTransactions; ++i) {
      core::Status s = InTransaction(db.get(), [&]() -> core::Status {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return db->Exec("INSERT INTO t VALUES (1)");
      });
      ASSERT_TRUE(s.ok()) << s.ToString();
      done.fetch_add(1);
    }
  });
  while (done.load() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto db = *Db::Open(path);
  const auto start = std::chrono::steady_clock::now();
  core::Status s = InTransaction(db.get(), [&] { return db->Exec("INSERT INTO t VALUES (2)"); });
  const auto waited = std::chrono::steady_clock::now() - start;
  const int busy_done = done.load();
  busy.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_LT(busy_done, kBusyTransactions - 10);
  EXPECT_LT(waited, std::chrono::milliseconds(500));
}

// Issue 15: two processes write one file at once; every transaction of both succeeds.
TEST_F(DbTest, TwoProcessesWritingOneFileBothSucceed) {
  const std::string path = dir_ + "/w.db";
  auto work = [&](int who) -> bool {
    auto db = Db::Open(path);
    if (!db.ok() || !Migrate(db->get()).ok()) return false;
    if (!(*db)->Exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)").ok()) return false;
    for (int i = 0; i < 200; ++i) {
      core::Status s = InTransaction(db->get(), [&]() -> core::Status {
        RETURN_IF_ERROR((*db)->Exec("INSERT INTO t VALUES (" + std::to_string(who) + ")"));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return core::Status::Ok();
      });
      if (!s.ok()) return false;
    }
    return true;
  };
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(work(1) ? 0 : 1);
  const bool parent_ok = work(2);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(parent_ok);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto db = *Db::Open(path);
  auto count = *db->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*count.Step());
  EXPECT_EQ(count.Int(0), 400);
}

}  // namespace
}  // namespace wsync::db

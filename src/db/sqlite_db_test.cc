#include "db/sqlite_db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "db/schema.h"

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
  ASSERT_TRUE(Migrate(db->get()).ok());
  ASSERT_TRUE(Migrate(db->get()).ok());
  auto stmt = (*db)->Prepare("PRAGMA user_version");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->Int(0), 4);  // one per migration
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

}  // namespace
}  // namespace wsync::db

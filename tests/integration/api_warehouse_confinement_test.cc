// A hostile tenant against the SQLite warehouse over real HTTP (review F1, F3, F8, F12): the
// server's own database by every path, other tenants' files, host files, symlinks and FIFOs all
// get one 422 answer; only files under the server's --sqlite-dir open, and model SQL runs on a
// locked-down connection under its statement timeout. Connections from an operator's config
// file are trusted until an API write replaces them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "api_test_util.h"
#include "catalog/config_file.h"
#include "testing/providers.h"

namespace wsync::api_test {
namespace {

class ApiWarehouseConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteCustomers(server_.warehouse_dir() + "/shop.db", 3);
    outside_ = std::make_unique<testing::TempDir>();
    WriteCustomers(outside_->File("tenant1.db"), 3);
    ASSERT_EQ(attacker_.Post("/data-models", CustomersModel("customers")).status, 201);
  }

  // Creates connection `id` on `path` and verifies it; returns the verify answer.
  HttpResult Probe(const std::string& id, const std::string& path) {
    HttpResult created = attacker_.Post("/connections", SqliteConnection(id, path));
    EXPECT_EQ(created.status, 201) << created.text;
    return attacker_.Post("/connections/" + id + "/verify");
  }

  void ExpectRefused(const std::string& id, const std::string& path) {
    HttpResult r = Probe(id, path);
    EXPECT_EQ(r.status, 422) << path << ": " << r.text;
    EXPECT_EQ(FirstError(r)["code"], "warehouse_rejected") << path;
    EXPECT_EQ(FirstError(r)["message"],
              "connection '" + id + "': SQLite database '" + path +
                  "' is not available: config.path must name an existing SQLite file under a "
                  "directory this server allows")
        << path;
    // A model cannot read through it either.
    HttpResult d = attacker_.Post("/data-models/customers/discover", {{"connection_id", id}});
    EXPECT_EQ(d.status, 422) << path << ": " << d.text;
  }

  TestServer server_{/*run_workers=*/0};
  Client attacker_{&server_, server_.Token(server_.NewCredential(2)), 2};
  std::unique_ptr<testing::TempDir> outside_;
};

TEST_F(ApiWarehouseConfinementTest, OnlyFilesUnderTheAllowedDirectoryOpen) {
  HttpResult ok = Probe("shop", server_.warehouse_dir() + "/shop.db");
  EXPECT_EQ(ok.status, 200) << ok.text;
  HttpResult d = attacker_.Post("/data-models/customers/discover", {{"connection_id", "shop"}});
  EXPECT_EQ(d.status, 200) << d.text;
  EXPECT_EQ(d.body["sample_rows"].size(), 3u);
}

TEST_F(ApiWarehouseConfinementTest, TheServersDatabaseIsRefusedByEveryPath) {
  const std::string db = server_.data_dir() + "/wsync.db";
  ExpectRefused("abs", db);
  ExpectRefused("key", server_.data_dir() + "/secret.key");
  ExpectRefused("dots", server_.warehouse_dir() + "/data/../data/wsync.db");
  ExpectRefused("cwd", "/proc/self/cwd/wsync.db");
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(server_.data_dir());
  ExpectRefused("relative", "wsync.db");
  ExpectRefused("cwd2", "/proc/self/cwd/wsync.db");
  std::filesystem::current_path(cwd);
  // The server (in this process) holds wsync.db open: each /proc/self/fd/N naming it.
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    std::filesystem::path target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.string().starts_with(db)) {
      ExpectRefused("fd" + entry.path().filename().string(), entry.path().string());
      ++found;
    }
  }
  EXPECT_GE(found, 1);
}

TEST_F(ApiWarehouseConfinementTest, OtherTenantsAndHostFilesLookMissing) {
  ExpectRefused("tenant1", outside_->File("tenant1.db"));
  ExpectRefused("shadow", "/etc/shadow");
  ExpectRefused("missing", "/etc/no-such-file");
  ExpectRefused("missing2", server_.warehouse_dir() + "/missing.db");
  ExpectRefused("dir", server_.warehouse_dir());
  std::filesystem::create_symlink(outside_->File("tenant1.db"),
                                  server_.warehouse_dir() + "/link.db");
  ExpectRefused("link", server_.warehouse_dir() + "/link.db");
  const std::string fifo = server_.warehouse_dir() + "/fifo.db";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  ExpectRefused("fifo", fifo);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(ApiWarehouseConfinementTest, AnOperatorsConnectionIsTrustedUntilAnApiWrite) {
  const std::string path = outside_->File("tenant1.db");
  {
    auto session = server_.OpenSession();
    catalog::Catalog* catalog = session.ok() ? (*session)->catalog() : nullptr;
    ASSERT_TRUE(catalog);
    json config = {{"connections", {SqliteConnection("ops", path)}}};
    ASSERT_TRUE(catalog::ApplyConfig(catalog, 2, config, "cli").ok());
  }
  HttpResult got = attacker_.Get("/connections/ops");
  EXPECT_EQ(got.body["trusted"], true) << got.text;
  EXPECT_EQ(attacker_.Post("/connections/ops/verify").status, 200);
  // A client cannot keep (or claim) the mark: the PUT clears it and the path is confined.
  json body = SqliteConnection("ops", path);
  body["trusted"] = true;
  HttpResult put = attacker_.Put("/connections/ops", body);
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_FALSE(put.body.contains("trusted")) << put.text;
  HttpResult verify = attacker_.Post("/connections/ops/verify");
  EXPECT_EQ(verify.status, 422) << verify.text;
  EXPECT_NE(FirstError(verify)["message"].get<std::string>().find("is not available"),
            std::string::npos);
  body["id"] = "claims";
  HttpResult claims = attacker_.Post("/connections", body);
  ASSERT_EQ(claims.status, 201) << claims.text;
  EXPECT_FALSE(claims.body.contains("trusted")) << claims.text;
  EXPECT_EQ(attacker_.Post("/connections/claims/verify").status, 422);
}

TEST_F(ApiWarehouseConfinementTest, ModelsRunLockedDownAndUnderTheStatementTimeout) {
  json conn = SqliteConnection("shop", server_.warehouse_dir() + "/shop.db");
  conn["config"]["statement_timeout_s"] = 1;
  ASSERT_EQ(attacker_.Post("/connections", conn).status, 201);
  json ptr = {{"id", "ptr"}, {"sql_query", "SELECT hex(fts3_tokenizer('simple')) AS ptr"}};
  ASSERT_EQ(attacker_.Post("/data-models", ptr).status, 201);
  HttpResult leak = attacker_.Post("/data-models/ptr/discover", {{"connection_id", "shop"}});
  EXPECT_EQ(leak.status, 422) << leak.text;
  EXPECT_NE(FirstError(leak)["message"].get<std::string>().find("the function 'fts3_tokenizer'"),
            std::string::npos)
      << leak.text;
  json endless = {{"id", "inf"},
                  {"sql_query",
                   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                   "SELECT count(*) AS customer_id FROM c"}};
  ASSERT_EQ(attacker_.Post("/data-models", endless).status, 201);
  auto start = std::chrono::steady_clock::now();
  HttpResult stuck = attacker_.Post("/data-models/inf/discover", {{"connection_id", "shop"}});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(stuck.status, 502) << stuck.text;
  EXPECT_NE(FirstError(stuck)["message"].get<std::string>().find(
                "the data model ran longer than its 1 s statement timeout"),
            std::string::npos)
      << stuck.text;
  // The server still answers.
  EXPECT_EQ(server_.Request("GET", "/healthz", "").status, 200);
}

}  // namespace
}  // namespace wsync::api_test

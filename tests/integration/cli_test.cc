// The wsync binary as a user runs it: `wsync run --config FILE` with its exit codes (SPEC §10:
// 0 succeeded, 1 run failed, 2 bad input) and `wsync demo`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/sqlite/sqlite_db.h"
#include "testing/temp_dir.h"

namespace wsync::testing {
namespace {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result Wsync(const std::string& args) {
  std::string cmd = std::string(WSYNC_BINARY) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Db::Open(dir_.File("warehouse.db"));
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TABLE customers (customer_id INTEGER, email TEXT, plan TEXT);"
                           "INSERT INTO customers VALUES (1, 'a@x.com', 'pro'), "
                           "(2, 'b@x.com', 'free'), (NULL, NULL, 'nobody');")
                    .ok());
  }

  // Writes a YAML config whose model is `sql` and returns its path.
  std::string Config(const std::string& sql, const std::string& warehouse = "warehouse.db",
                     const std::string& extra = "") {
    std::string path = dir_.File("sync.yaml");
    std::ofstream(path) << "connections:\n"
                           "  - id: wh\n"
                           "    service_provider: sqlite\n"
                           "    config:\n"
                           "      path: "
                        << dir_.File(warehouse)
                        << "\n"
                           "data_models:\n"
                           "  - id: customers\n"
                           "    sql_query: \""
                        << sql << "\"\n"
                        << extra
                        << "pipelines:\n"
                           "  - id: customers-to-profiles\n"
                           "    pipeline_type: user_attributes\n"
                           "    connection_id: wh\n"
                           "    data_model_id: customers\n"
                           "    environment: production\n";
    return path;
  }

  TempDir dir_;
};

TEST_F(CliTest, RunSucceedsWithRowErrors) {
  Result r = Wsync("run --config " + Config("SELECT * FROM customers") + " --data-dir " +
                   dir_.File("data"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("run 1 of pipeline 'customers-to-profiles': succeeded"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("records: 3 extracted, 2 mapped, 0 unchanged, 0 skipped, 1 failed"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("profiles: 2 created, 0 updated"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("row 3 [no_identity]"), std::string::npos) << r.output;

  // The same file again: same profiles, every row unchanged.
  r = Wsync("run --config " + dir_.File("sync.yaml") + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("records: 3 extracted, 2 mapped, 2 unchanged"), std::string::npos)
      << r.output;
}

TEST_F(CliTest, ChangingTheIteratorTypeBetweenRunsStartsOver) {
  // customer_id read first as an integer iterator, then as unix seconds.
  auto run = [&](const std::string& type) {
    std::string path = Config("SELECT * FROM customers");
    std::ofstream(path, std::ios::app)
        << "    sync_mode: {type: incremental, iterator: customer_id, "
           "iterator_data_type: "
        << type << "}\n";
    return Wsync("run --config " + path + " --data-dir " + dir_.File("data"));
  };
  Result r = run("integer");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("records: 2 extracted"), std::string::npos) << r.output;
  r = run("timestamp_unixtime_s");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("run 2 of pipeline 'customers-to-profiles': succeeded"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("records: 2 extracted"), std::string::npos) << r.output;
  r = run("timestamp");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("run 3 of pipeline 'customers-to-profiles': succeeded"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("records: 2 extracted"), std::string::npos) << r.output;
}

TEST_F(CliTest, RefusedSqlIsBadInput) {
  Result r =
      Wsync("run --config " + Config("DELETE FROM customers") + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("data_models[0] ('customers')"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'DELETE'"), std::string::npos) << r.output;
}

TEST_F(CliTest, UnknownMappingSourceIsBadInput) {
  std::string ft =
      "field_transformations:\n"
      "  - id: ft\n"
      "    destination_type: user_attributes\n"
      "    mappings:\n"
      "      - {mapping_type: column, source: emial, destination: user_identities.email}\n";
  std::string path = Config("SELECT * FROM customers", "warehouse.db", ft);
  std::ofstream(path, std::ios::app) << "    field_transformation_id: ft\n";
  Result r = Wsync("run --config " + path + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("'emial'"), std::string::npos) << r.output;
}

TEST_F(CliTest, UnreachableWarehouseFailsTheRun) {
  Result r = Wsync("run --config " + Config("SELECT * FROM customers", "missing.db") +
                   " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
}

TEST_F(CliTest, MalformedConfigIsBadInput) {
  std::string path = dir_.File("bad.yaml");
  std::ofstream(path) << "connections:\n  - id: [unclosed\n";
  Result r = Wsync("run --config " + path + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("line "), std::string::npos) << r.output;
  r = Wsync("run --config " + dir_.File("nope.yaml") + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read config file"), std::string::npos) << r.output;
}

TEST_F(CliTest, DemoSyncsTheSampleWarehouse) {
  Result r = Wsync("demo --data-dir " + dir_.File("demo"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(
      r.output.find("records: 10003 extracted, 10000 mapped, 0 unchanged, 0 skipped, 3 failed"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"email\": \"customer1@example.com\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(dir_.File("demo") + "/wsync.db"), std::string::npos) << r.output;
}

TEST_F(CliTest, CredentialsCreateListRevoke) {
  std::string data = " --data-dir " + dir_.File("data") + " --workspace 7";
  Result created = Wsync("credentials create" + data);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  nlohmann::json cred = nlohmann::json::parse(created.output);
  std::string id = cred["client_id"];
  EXPECT_FALSE(cred["client_secret"].get<std::string>().empty());

  Result listed = Wsync("credentials list" + data);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  nlohmann::json list = nlohmann::json::parse(listed.output);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["client_id"], id);
  EXPECT_TRUE(list[0]["revoked_at"].is_null());
  // The secret is shown once, at creation, and never stored in clear.
  EXPECT_EQ(listed.output.find(cred["client_secret"].get<std::string>()), std::string::npos);

  Result revoked = Wsync("credentials revoke --client-id " + id + data);
  EXPECT_EQ(revoked.exit_code, 0) << revoked.output;
  list = nlohmann::json::parse(Wsync("credentials list" + data).output);
  EXPECT_FALSE(list[0]["revoked_at"].is_null());
  // Another workspace's credential cannot be revoked from here.
  Result other = Wsync("credentials revoke --client-id " + id + " --data-dir " + dir_.File("data") +
                       " --workspace 8");
  EXPECT_NE(other.exit_code, 0) << other.output;
}

// SPEC §1: --store (or WSYNC_STORE) names the database by URL; --data-dir DIR means
// sqlite:///DIR/wsync.db, so both reach the same deployment.
TEST_F(CliTest, StoreUrlNamesTheDatabase) {
  const std::string store = "sqlite://" + dir_.File("state") + "/deployment.db";
  Result created = Wsync("credentials create --store " + store + " --workspace 7");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_TRUE(std::filesystem::exists(dir_.File("state") + "/deployment.db"));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("state") + "/secret.key"));
  const std::string id = nlohmann::json::parse(created.output)["client_id"];
  Result listed = Wsync("credentials list --workspace 7 --store " + store);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(nlohmann::json::parse(listed.output)[0]["client_id"], id);
  // The same database reached through the environment variable.
  std::string cmd =
      "WSYNC_STORE=" + store + " " + std::string(WSYNC_BINARY) + " credentials list --workspace 7";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0);
  EXPECT_EQ(nlohmann::json::parse(out)[0]["client_id"], id);
  // --data-dir DIR is sqlite:///DIR/wsync.db: a run there and a --store run share a database.
  const std::string config = Config("SELECT * FROM customers");
  ASSERT_EQ(Wsync("run --config " + config + " --data-dir " + dir_.File("data")).exit_code, 0);
  Result again =
      Wsync("run --config " + config + " --store sqlite://" + dir_.File("data") + "/wsync.db");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("2 unchanged"), std::string::npos) << again.output;
  // Two places, an unknown scheme, a backend this build lacks: bad input, no password echoed.
  EXPECT_EQ(
      Wsync("credentials list --workspace 7 --store " + store + " --data-dir " + dir_.File("other"))
          .exit_code,
      2);
  Result pg = Wsync("credentials list --workspace 7 --store postgresql://u:hunter2@127.0.0.1/db");
  EXPECT_EQ(pg.exit_code, 2);
  EXPECT_EQ(pg.output.find("hunter2"), std::string::npos) << pg.output;
  EXPECT_EQ(Wsync("credentials list --workspace 7 --store mysql://x").exit_code, 2);
}

// F17: a workspace id beyond int64 is refused, not saturated to 9223372036854775807.
TEST_F(CliTest, OutOfRangeWorkspaceIsBadInput) {
  const std::string data = " --data-dir " + dir_.File("data");
  Result r = Wsync("credentials create --workspace 99999999999999999999" + data);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--workspace"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("at most 9223372036854775807"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("client_secret"), std::string::npos) << r.output;
  for (const char* bad : {"0", "-3", "12abc"}) {
    r = Wsync(std::string("run --workspace ") + bad + " --config " +
              Config("SELECT * FROM customers") + data);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    r = Wsync(std::string("apply --workspace ") + bad + " --config " + dir_.File("sync.yaml") +
              data);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
  }
}

// F16: the data directory and the database (with its WAL) are the owner's only.
TEST_F(CliTest, DataDirAndDatabaseAreOwnerOnly) {
  namespace fs = std::filesystem;
  Result r = Wsync("run --config " + Config("SELECT * FROM customers") + " --data-dir " +
                   dir_.File("data"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(fs::status(dir_.File("data")).permissions() & fs::perms::all, fs::perms::owner_all);
  const auto owner_rw = fs::perms::owner_read | fs::perms::owner_write;
  for (const char* file : {"wsync.db", "wsync.db-wal", "wsync.db-shm"}) {
    const std::string path = dir_.File("data") + "/" + file;
    if (std::string(file) != "wsync.db" && !fs::exists(path)) continue;
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, owner_rw) << file;
  }
}

// B10: a start date without a time column is refused when the config file is applied.
TEST_F(CliTest, SyncStartDateWithoutTimeColumnIsBadInput) {
  std::string path = Config("SELECT * FROM customers");
  std::ofstream(path, std::ios::app) << "    sync_start_date: '2024-01-01T00:00:00Z'\n";
  Result r = Wsync("run --config " + path + " --data-dir " + dir_.File("data"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("pipelines[0] ('customers-to-profiles')"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sync_start_date"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("timestamp_field"), std::string::npos) << r.output;
}

// Issue 15: two `wsync run` processes on one data directory at once both succeed.
TEST_F(CliTest, TwoRunProcessesOnOneDataDirBothSucceed) {
  auto db = db::Db::Open(dir_.File("big.db"));
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TABLE customers (customer_id INTEGER, email TEXT, plan TEXT);"
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 20000) INSERT INTO customers SELECT i, 'c' || i || "
                         "'@x.com', 'pro' FROM n;")
                  .ok());
  // Two workspaces: the runs share the database file, not profiles.
  const std::string config = Config("SELECT * FROM customers", "big.db");
  std::vector<FILE*> pipes;
  for (const char* workspace : {"1", "2"}) {
    std::string cmd = std::string(WSYNC_BINARY) + " run --config " + config + " --workspace " +
                      workspace + " --data-dir " + dir_.File("data") + " 2>&1";
    pipes.push_back(popen(cmd.c_str(), "r"));
  }
  for (FILE* pipe : pipes) {
    std::string output;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
    int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
    EXPECT_NE(output.find("records: 20000 extracted, 20000 mapped"), std::string::npos) << output;
  }
}

}  // namespace
}  // namespace wsync::testing

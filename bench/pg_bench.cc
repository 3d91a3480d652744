// PostgreSQL warehouse benchmark (`make bench-pg`, issue 11). In one run over a 1,000,000-row
// table of the same shape as sync_bench's (customer_id, email and 8 attributes of mixed types):
//   copy  — the model copied out raw with COPY (model) TO STDOUT through libpq: the baseline,
//           what the server and the wire can deliver;
//   scan  — the model streamed through the postgres connector into typed batches (its default,
//           COPY extraction; the cursor Redshift uses is measured and printed too);
//   sync  — a full sync from PostgreSQL into a fresh embedded store;
//   sqlite_sync — the same rows synced from a SQLite warehouse, for the "the warehouse is never
//           the bottleneck" target.
// Peak RSS is read after the scan (VmHWM), before anything else grows the process.
//
// Usage: pg_bench HOST:PORT [ROWS [scan]]   (the server of scripts/pg-test.sh; bench/pg_bench.sh
// starts one). With "scan", only copy and scan run (the memory check on a large table). Last
// line, machine-readable:
//   copy_rows_per_s=N scan_rows_per_s=N sync_rows_per_s=N sqlite_sync_rows_per_s=N
#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/engine.h"
#include "catalog/config_file.h"
#include "storage/sqlite/sqlite_db.h"
#include "sync/run_executor.h"
#include "sync/run_spec.h"
#include "warehouse/postgres/postgres_connector.h"

namespace {

using wsync::core::Status;
using Clock = std::chrono::steady_clock;

constexpr const char* kModel =
    "SELECT customer_id, email, plan, country, lifetime_value, orders, is_vip, signup_date, "
    "last_seen, score FROM customers";
constexpr const char* kPassword = "wsync-test-pw";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "bench: %s: %s\n", what, detail.c_str());
  std::exit(1);
}

PGconn* Connect(const std::string& host, int port) {
  std::string conninfo = "host=" + host + " port=" + std::to_string(port) +
                         " dbname=wsync_test user=wsync sslmode=disable password=" + kPassword;
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) Fail("connect", PQerrorMessage(conn));
  return conn;
}

void Exec(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
    Fail("sql", PQresultErrorMessage(r));
  }
  PQclear(r);
}

void MakePgWarehouse(PGconn* conn, long rows) {
  Exec(conn,
       "DROP TABLE IF EXISTS customers; CREATE TABLE customers (customer_id bigint, email text, "
       "plan text, country text, lifetime_value float8, orders int4, is_vip bool, "
       "signup_date date, last_seen timestamptz, score numeric); "
       "INSERT INTO customers SELECT i, 'user' || i || '@example.com', "
       "CASE i % 4 WHEN 0 THEN 'free' WHEN 1 THEN 'starter' WHEN 2 THEN 'pro' ELSE "
       "'enterprise' END, CASE i % 3 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' ELSE 'FR' END, "
       "(i % 100000) / 100.0, i % 50, i % 2 = 1, DATE '2020-01-01' + (i % 1500)::int, "
       "to_timestamp(1700000000 + i), (i % 1000) + 0.5 FROM generate_series(1, " +
           std::to_string(rows) + ") AS i");
  Exec(conn, "VACUUM ANALYZE customers");
}

void MakeSqliteWarehouse(const std::string& path, long rows) {
  auto db = wsync::db::Db::Open(path);
  Check(db.status(), "open warehouse");
  Check(
      (*db)->Exec(
          "CREATE TABLE customers (customer_id INTEGER, email TEXT, plan TEXT, country TEXT, "
          "lifetime_value REAL, orders INTEGER, is_vip BOOLEAN, signup_date DATE, "
          "last_seen TIMESTAMP, score NUMERIC);"
          "INSERT INTO customers WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
          "WHERE i < " +
          std::to_string(rows) +
          ") SELECT i, 'user' || i || '@example.com', "
          "CASE i % 4 WHEN 0 THEN 'free' WHEN 1 THEN 'starter' WHEN 2 THEN 'pro' ELSE "
          "'enterprise' END, CASE i % 3 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' ELSE 'FR' END, "
          "(i % 100000) / 100.0, i % 50, i % 2, date('2020-01-01', '+' || (i % 1500) || ' days'), "
          "strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i, 'unixepoch'), (i % 1000) + 0.5 "
          "FROM n;"),
      "fill warehouse");
}

// COPY (model) TO STDOUT, every byte read, rows counted.
double CopyRowsPerSecond(PGconn* conn, long rows) {
  auto start = Clock::now();
  PGresult* r = PQexec(conn, (std::string("COPY (") + kModel + ") TO STDOUT").c_str());
  if (PQresultStatus(r) != PGRES_COPY_OUT) Fail("copy", PQresultErrorMessage(r));
  PQclear(r);
  long copied = 0;
  size_t bytes = 0;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn, &buf, 0);
    if (n < 0) break;
    bytes += static_cast<size_t>(n);
    ++copied;
    PQfreemem(buf);
  }
  r = PQgetResult(conn);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) Fail("copy", PQresultErrorMessage(r));
  PQclear(r);
  double s = Seconds(start);
  if (copied != rows) Fail("copy", "copied " + std::to_string(copied) + " rows");
  return rows / s;
}

double SyncRowsPerSecond(const std::string& dir, const nlohmann::json& connection, long rows) {
  auto engine = wsync::app::Engine::Open(dir, wsync::core::SystemClock::Default());
  Check(engine.status(), "engine");
  auto session = (*engine)->NewSession();
  Check(session.status(), "session");
  wsync::catalog::Catalog* catalog = (*session)->catalog();
  nlohmann::json config = {{"connections", {connection}},
                           {"data_models", {{{"id", "customers"}, {"sql_query", kModel}}}},
                           {"pipelines",
                            {{{"id", "bench"},
                              {"pipeline_type", "user_attributes"},
                              {"connection_id", connection["id"]},
                              {"data_model_id", "customers"},
                              {"environment", "production"}}}}};
  Check(wsync::catalog::ApplyConfig(catalog, 1, config, "bench").status(), "config");
  auto run = wsync::sync::CreateRun(catalog, 1, "bench", wsync::catalog::RunType::kManual,
                                    wsync::core::SystemClock::Default()->NowMicros());
  Check(run.status(), "create run");
  wsync::sync::RunExecutor executor((*engine)->executor_deps(), session->get());
  auto start = Clock::now();
  Check(executor.Execute(1, run->run_id), "sync");
  double s = Seconds(start);
  auto done = catalog->GetRun(1, run->run_id);
  Check(done.status(), "run");
  if (done->counters.profiles_created != rows) {
    Fail("sync", "created " + std::to_string(done->counters.profiles_created) + " profiles");
  }
  return rows / s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]).find(':') == std::string::npos) {
    std::fprintf(stderr, "usage: pg_bench HOST:PORT [ROWS]\n");
    return 2;
  }
  const std::string address = argv[1];
  const std::string host = address.substr(0, address.rfind(':'));
  const int port = std::atoi(address.c_str() + address.rfind(':') + 1);
  const long rows = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  const bool scan_only = argc > 3 && std::string(argv[3]) == "scan";

  char tmpl[] = "/tmp/wsync-pg-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  PGconn* conn = Connect(host, port);
  MakePgWarehouse(conn, rows);
  // Warm the server's cache so the first measurement is not the only one reading from disk.
  Exec(conn, std::string("SELECT count(*) FROM (") + kModel + ") AS m");
  const double copy = CopyRowsPerSecond(conn, rows);
  PQfinish(conn);

  nlohmann::json pg_config = {
      {"host", host},    {"port", port},          {"database", "wsync_test"},
      {"user", "wsync"}, {"password", kPassword}, {"sslmode", "disable"}};
  // The connector both ways: cursor (what runs use) and COPY extraction, each into typed batches.
  const auto scan_with = [&](wsync::warehouse::PgExtraction extraction) {
    auto connector = wsync::warehouse::NewPostgresConnector(pg_config, {.trusted = true}, nullptr,
                                                            false, extraction);
    Check(connector.status(), "connector");
    wsync::warehouse::Query query;
    query.model_sql = kModel;
    auto start = Clock::now();
    auto stream = (*connector)->Execute(query);
    Check(stream.status(), "scan");
    wsync::core::RowBatch batch;
    long scanned = 0;
    for (;;) {
      auto more = (*stream)->Next(&batch);
      Check(more.status(), "scan");
      if (!*more) break;
      scanned += static_cast<long>(batch.rows.size());
    }
    double rate = rows / Seconds(start);
    if (scanned != rows) Fail("scan", "scanned " + std::to_string(scanned) + " rows");
    return rate;
  };
  // The default (COPY extraction) first, so the peak RSS read after it is its own.
  const double scan = scan_with(wsync::warehouse::PgExtraction::kCopy);
  const long scan_rss_mb = PeakRssKb() / 1024;
  const double cursor_scan = scan_with(wsync::warehouse::PgExtraction::kCursor);
  std::printf("connector scan: COPY extraction %.0f rows/s, cursor (Redshift's way) %.0f rows/s\n",
              scan, cursor_scan);
  if (scan_only) {
    std::filesystem::remove_all(dir);
    std::printf(
        "rows=%ld copy_rows_per_s=%.0f scan_rows_per_s=%.0f scan/copy=%.3f "
        "peak_rss_mb=%ld\n",
        rows, copy, scan, scan / copy, scan_rss_mb);
    return 0;
  }

  const double sync = SyncRowsPerSecond(
      dir + "/pg-data", {{"id", "wh"}, {"service_provider", "postgres"}, {"config", pg_config}},
      rows);
  const std::string sqlite_path = dir + "/warehouse.db";
  MakeSqliteWarehouse(sqlite_path, rows);
  const double sqlite_sync = SyncRowsPerSecond(
      dir + "/sqlite-data",
      {{"id", "wh"}, {"service_provider", "sqlite"}, {"config", {{"path", sqlite_path}}}}, rows);
  std::filesystem::remove_all(dir);

  std::printf("%10s %14s %14s %14s %16s %14s\n", "rows", "copy rows/s", "scan rows/s",
              "sync rows/s", "sqlite sync/s", "scan RSS MB");
  std::printf("%10ld %14.0f %14.0f %14.0f %16.0f %14ld\n", rows, copy, scan, sync, sqlite_sync,
              scan_rss_mb);
  std::printf("scan/copy=%.3f sync/sqlite_sync=%.3f\n", scan / copy, sync / sqlite_sync);
  std::printf(
      "copy_rows_per_s=%.0f scan_rows_per_s=%.0f sync_rows_per_s=%.0f "
      "sqlite_sync_rows_per_s=%.0f\n",
      copy, scan, sync, sqlite_sync);
  return 0;
}

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

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "app/sample_data.h"
#include "bench_util.h"
#include "warehouse/postgres/postgres_connector.h"

namespace {

using wsync::app::kBenchModel;
using wsync::bench::Check;
using wsync::bench::Clock;
using wsync::bench::Fail;
using wsync::bench::Seconds;

constexpr const char* kPassword = "wsync-test-pw";

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
  Exec(conn, wsync::app::BenchWarehousePostgresSql(rows));
  Exec(conn, "VACUUM ANALYZE customers");
}

// COPY (model) TO STDOUT, every byte read, rows counted.
double CopyRowsPerSecond(PGconn* conn, long rows) {
  auto start = Clock::now();
  PGresult* r = PQexec(conn, (std::string("COPY (") + kBenchModel + ") TO STDOUT").c_str());
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
  wsync::bench::BenchPipeline pipeline(dir, connection);
  double seconds = 0;
  const wsync::core::RunCounters done = pipeline.Run(&seconds);
  if (done.profiles_created != rows) {
    Fail("sync", "created " + std::to_string(done.profiles_created) + " profiles");
  }
  return rows / seconds;
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
  Exec(conn, std::string("SELECT count(*) FROM (") + kBenchModel + ") AS m");
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
    auto start = Clock::now();
    const long scanned = wsync::bench::ScanRows(connector->get());
    double rate = rows / Seconds(start);
    if (scanned != rows) Fail("scan", "scanned " + std::to_string(scanned) + " rows");
    return rate;
  };
  // The default (COPY extraction) first, so the peak RSS read after it is its own.
  const double scan = scan_with(wsync::warehouse::PgExtraction::kCopy);
  const long scan_rss_mb = wsync::bench::PeakRssKb() / 1024;
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
  Check(wsync::app::WriteBenchWarehouse(sqlite_path, rows), "fill warehouse");
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

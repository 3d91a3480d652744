// End-to-end sync benchmark (issue: foundation). Builds an N-row SQLite warehouse (customer_id,
// email and 8 attributes of mixed types), measures in the same process a plain scan of the
// model through the connector (the baseline: the warehouse side alone) and a full sync into a
// fresh embedded store, and reports rows/s, their ratio and peak memory. Then it syncs the
// unchanged table again (full-sync change detection: every row unchanged, nothing applied) and
// reports both durations. Each size runs in a child process so peak RSS belongs to it alone.
//
// Usage: sync_bench [ROWS ...]   (default: 1000000 3000000)
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/engine.h"
#include "catalog/config_file.h"
#include "storage/sqlite/sqlite_db.h"
#include "sync/run_executor.h"
#include "sync/run_spec.h"
#include "warehouse/sqlite/sqlite_connector.h"

namespace {

using wsync::core::Status;
using Clock = std::chrono::steady_clock;

constexpr const char* kModel =
    "SELECT customer_id, email, plan, country, lifetime_value, orders, is_vip, signup_date, "
    "last_seen, score FROM customers";

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

void MakeWarehouse(const std::string& path, long rows) {
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

// One size, in a child process: prints one result line to `out_fd`.
void RunSize(long rows, int out_fd) {
  char tmpl[] = "/tmp/wsync-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string warehouse = dir + "/warehouse.db";
  MakeWarehouse(warehouse, rows);

  // Baseline: the same query streamed through the connector, nothing else.
  // The operator's own file: trusted, as a config file's connection is.
  auto connector = wsync::warehouse::NewSqliteConnector({{"path", warehouse}}, {.trusted = true});
  Check(connector.status(), "connector");
  wsync::warehouse::Query query;
  query.model_sql = kModel;
  auto start = Clock::now();
  auto stream = (*connector)->Execute(query);
  Check(stream.status(), "scan");
  wsync::core::RowBatch batch;
  long scanned = 0;
  while (true) {
    auto more = (*stream)->Next(&batch);
    Check(more.status(), "scan");
    if (!*more) break;
    scanned += static_cast<long>(batch.rows.size());
  }
  double scan_s = Seconds(start);

  auto engine = wsync::app::Engine::Open(dir + "/data", wsync::core::SystemClock::Default());
  Check(engine.status(), "engine");
  auto session = (*engine)->NewSession();
  Check(session.status(), "session");
  wsync::catalog::Catalog* catalog = (*session)->catalog();
  nlohmann::json config = {
      {"connections",
       {{{"id", "wh"}, {"service_provider", "sqlite"}, {"config", {{"path", warehouse}}}}}},
      {"data_models", {{{"id", "customers"}, {"sql_query", kModel}}}},
      {"pipelines",
       {{{"id", "bench"},
         {"pipeline_type", "user_attributes"},
         {"connection_id", "wh"},
         {"data_model_id", "customers"},
         {"environment", "production"}}}}};
  Check(wsync::catalog::ApplyConfig(catalog, 1, config, "bench").status(), "config");
  auto run = wsync::sync::CreateRun(catalog, 1, "bench", wsync::catalog::RunType::kManual,
                                    wsync::core::SystemClock::Default()->NowMicros());
  Check(run.status(), "create run");
  wsync::sync::RunExecutor executor((*engine)->executor_deps(), session->get());
  start = Clock::now();
  Check(executor.Execute(1, run->run_id), "sync");
  double sync_s = Seconds(start);
  auto done = catalog->GetRun(1, run->run_id);
  Check(done.status(), "run");
  if (done->counters.profiles_created != rows || scanned != rows) {
    std::fprintf(stderr, "bench: expected %ld rows, scanned %ld, created %lld profiles\n", rows,
                 scanned, static_cast<long long>(done->counters.profiles_created));
    std::exit(1);
  }
  // Change detection: the same full sync again over unchanged data applies nothing.
  auto rerun = wsync::sync::CreateRun(catalog, 1, "bench", wsync::catalog::RunType::kManual,
                                      wsync::core::SystemClock::Default()->NowMicros());
  Check(rerun.status(), "create rerun");
  start = Clock::now();
  Check(executor.Execute(1, rerun->run_id), "rerun");
  double rerun_s = Seconds(start);
  auto again = catalog->GetRun(1, rerun->run_id);
  if (again->counters.records_unchanged != rows || again->counters.profiles_updated != 0) {
    std::fprintf(stderr, "bench: the rerun applied rows (%lld unchanged)\n",
                 static_cast<long long>(again->counters.records_unchanged));
    std::exit(1);
  }
  std::string line = std::to_string(rows) + " " + std::to_string(rows / sync_s) + " " +
                     std::to_string(rows / scan_s) + " " + std::to_string(PeakRssKb() / 1024) +
                     " " + std::to_string(sync_s) + " " + std::to_string(rerun_s) + "\n";
  if (write(out_fd, line.data(), line.size()) < 0) std::exit(1);
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atol(argv[i]));
  if (sizes.empty()) sizes = {1'000'000, 3'000'000};
  std::printf("%10s %14s %14s %7s %12s %10s %10s\n", "rows", "sync rows/s", "scan rows/s", "ratio",
              "peak RSS MB", "sync s", "rerun s");
  double first_sync = 0, first_scan = 0;
  long max_rss = 0;
  for (long rows : sizes) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      RunSize(rows, fds[1]);
      _exit(0);
    }
    close(fds[1]);
    char buf[256] = {};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    long r = 0, rss = 0;
    double sync = 0, scan = 0, sync_s = 0, rerun_s = 0;
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        std::sscanf(buf, "%ld %lf %lf %ld %lf %lf", &r, &sync, &scan, &rss, &sync_s, &rerun_s) !=
            6) {
      std::fprintf(stderr, "bench: the %ld-row run failed\n", rows);
      return 1;
    }
    std::printf("%10ld %14.0f %14.0f %7.3f %12ld %10.1f %10.1f\n", rows, sync, scan, sync / scan,
                rss, sync_s, rerun_s);
    if (first_sync == 0) {
      first_sync = sync;
      first_scan = scan;
    }
    max_rss = std::max(max_rss, rss);
  }
  std::printf("sync_rows_per_s=%.0f scan_rows_per_s=%.0f ratio=%.3f peak_rss_mb=%ld\n", first_sync,
              first_scan, first_sync / first_scan, max_rss);
  return 0;
}

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

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "app/sample_data.h"
#include "bench_util.h"
#include "warehouse/sqlite/sqlite_connector.h"

namespace {

using wsync::bench::Check;
using wsync::bench::Clock;
using wsync::bench::Seconds;

// One size, in a child process: prints one result line to `out_fd`.
void RunSize(long rows, int out_fd) {
  char tmpl[] = "/tmp/wsync-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string warehouse = dir + "/warehouse.db";
  Check(wsync::app::WriteBenchWarehouse(warehouse, rows), "fill warehouse");

  // Baseline: the same query streamed through the connector, nothing else.
  // The operator's own file: trusted, as a config file's connection is.
  auto connector = wsync::warehouse::NewSqliteConnector({{"path", warehouse}}, {.trusted = true});
  Check(connector.status(), "connector");
  auto start = Clock::now();
  const long scanned = wsync::bench::ScanRows(connector->get());
  double scan_s = Seconds(start);

  wsync::bench::BenchPipeline pipeline(
      dir + "/data",
      {{"id", "wh"}, {"service_provider", "sqlite"}, {"config", {{"path", warehouse}}}});
  double sync_s = 0;
  const wsync::core::RunCounters done = pipeline.Run(&sync_s);
  if (done.profiles_created != rows || scanned != rows) {
    std::fprintf(stderr, "bench: expected %ld rows, scanned %ld, created %lld profiles\n", rows,
                 scanned, static_cast<long long>(done.profiles_created));
    std::exit(1);
  }
  // Change detection: the same full sync again over unchanged data applies nothing.
  double rerun_s = 0;
  const wsync::core::RunCounters again = pipeline.Run(&rerun_s);
  if (again.records_unchanged != rows || again.profiles_updated != 0) {
    std::fprintf(stderr, "bench: the rerun applied rows (%lld unchanged)\n",
                 static_cast<long long>(again.records_unchanged));
    std::exit(1);
  }
  std::string line = std::to_string(rows) + " " + std::to_string(rows / sync_s) + " " +
                     std::to_string(rows / scan_s) + " " +
                     std::to_string(wsync::bench::PeakRssKb() / 1024) + " " +
                     std::to_string(sync_s) + " " + std::to_string(rerun_s) + "\n";
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

// What the end-to-end benchmarks (sync_bench, pg_bench) share: timing, peak memory, failing
// loudly, and a fresh engine with one pipeline that syncs app::kBenchModel from a connection.
// Benchmarks are single-threaded drivers; nothing here is meant for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/engine.h"
#include "core/run_counters.h"
#include "core/status.h"
#include "storage/backend.h"
#include "sync/run_executor.h"
#include "warehouse/connector.h"

namespace wsync::bench {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since);
// The process's peak resident memory so far (VmHWM), in KiB.
long PeakRssKb();
// Prints "bench: <what>: <detail>" and exits 1.
[[noreturn]] void Fail(const std::string& what, const std::string& detail);
// Fails when `s` is not ok.
void Check(const core::Status& s, const std::string& what);

// Streams app::kBenchModel through `connector` into typed batches, as an extraction does, with
// nothing after it; the number of rows read.
long ScanRows(warehouse::Connector* connector);

// An engine over a new data directory whose catalog holds `connection` (a config file's
// connection object with an "id"), data model app::kBenchModel and pipeline "bench" (user
// attributes, production).
class BenchPipeline {
 public:
  BenchPipeline(const std::string& data_dir, const nlohmann::json& connection);

  // Runs the pipeline once, to its end: its counters and, in *seconds, how long it took.
  core::RunCounters Run(double* seconds);

 private:
  std::unique_ptr<app::Engine> engine_;
  std::unique_ptr<storage::Session> session_;
  std::unique_ptr<sync::RunExecutor> executor_;
};

}  // namespace wsync::bench

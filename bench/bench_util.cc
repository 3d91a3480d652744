#include "bench_util.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "app/sample_data.h"
#include "catalog/config_file.h"
#include "sync/run_spec.h"

namespace wsync::bench {

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

void Fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "bench: %s: %s\n", what.c_str(), detail.c_str());
  std::exit(1);
}

void Check(const core::Status& s, const std::string& what) {
  if (!s.ok()) Fail(what, s.ToString());
}

long ScanRows(warehouse::Connector* connector) {
  warehouse::Query query;
  query.model_sql = app::kBenchModel;
  auto stream = connector->Execute(query);
  Check(stream.status(), "scan");
  core::RowBatch batch;
  long scanned = 0;
  for (;;) {
    auto more = (*stream)->Next(&batch);
    Check(more.status(), "scan");
    if (!*more) break;
    scanned += static_cast<long>(batch.rows.size());
  }
  return scanned;
}

BenchPipeline::BenchPipeline(const std::string& data_dir, const nlohmann::json& connection) {
  auto engine = app::Engine::Open(data_dir, core::SystemClock::Default());
  Check(engine.status(), "engine");
  engine_ = std::move(*engine);
  auto session = engine_->NewSession();
  Check(session.status(), "session");
  session_ = std::move(*session);
  nlohmann::json config = {
      {"connections", {connection}},
      {"data_models", {{{"id", "customers"}, {"sql_query", app::kBenchModel}}}},
      {"pipelines",
       {{{"id", "bench"},
         {"pipeline_type", "user_attributes"},
         {"connection_id", connection["id"]},
         {"data_model_id", "customers"},
         {"environment", "production"}}}}};
  Check(catalog::ApplyConfig(session_->catalog(), 1, config, "bench").status(), "config");
  executor_ = std::make_unique<sync::RunExecutor>(engine_->executor_deps(), session_.get());
}

core::RunCounters BenchPipeline::Run(double* seconds) {
  catalog::Catalog* catalog = session_->catalog();
  auto run = sync::CreateRun(catalog, 1, "bench", catalog::RunType::kManual,
                             core::SystemClock::Default()->NowMicros());
  Check(run.status(), "create run");
  auto start = Clock::now();
  Check(executor_->Execute(1, run->run_id), "sync");
  *seconds = Seconds(start);
  auto done = catalog->GetRun(1, run->run_id);
  Check(done.status(), "run");
  return done->counters;
}

}  // namespace wsync::bench

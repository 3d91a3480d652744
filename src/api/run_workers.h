// RunWorkers: the server's run queue. Worker threads take queued runs from the catalog (oldest
// first), never two non-historical runs of one pipeline at once (historical runs may overlap),
// and execute each with sync::RunExecutor on the worker's own catalog and store connections.
// Each running run has a stop flag: Cancel sets it to kCancelled, Shutdown to kInterrupted,
// and the executor stops at its next batch boundary.
//
// Threads: Notify, Cancel and Shutdown may be called from any thread. One process per database
// executes runs (runs found `running` at start-up are from a dead process; see
// RecoverInterruptedRuns).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "sync/engine.h"
#include "sync/run_executor.h"

namespace wsync::api {

// Marks every run left `running` by a previous process failed with error "interrupted".
// Returns how many it marked.
core::StatusOr<int> RecoverInterruptedRuns(catalog::Catalog* catalog, int64_t now);

class RunWorkers {
 public:
  RunWorkers(const sync::Engine* engine, int threads, int64_t poll_ms = 200);
  ~RunWorkers();

  void Start();
  // Wakes an idle worker (a run was just queued).
  void Notify();
  // Cancels run `run_id` of `workspace_id`: a queued run not yet taken becomes `cancelled` at
  // once (returns "cancelled"); a run a worker holds gets its stop flag set (returns
  // "cancelling"). FailedPrecondition when the run has finished or runs elsewhere.
  core::StatusOr<std::string> Cancel(catalog::Catalog* catalog, int64_t workspace_id,
                                     int64_t run_id);
  // Stops taking runs, interrupts running ones at their next batch boundary, joins the workers.
  void Shutdown();

 private:
  struct Claim {
    int64_t workspace_id = 0;
    std::string pipeline_id;
    bool historical = false;
    std::shared_ptr<std::atomic<sync::StopReason>> stop;
  };
  void Loop();
  // Picks and claims the next run this process may start; false when none.
  bool ClaimNext(catalog::Catalog* catalog, int64_t* workspace_id, int64_t* run_id,
                 std::shared_ptr<std::atomic<sync::StopReason>>* stop);

  const sync::Engine* engine_;
  const int threads_;
  const int64_t poll_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool notified_ = false;
  // (workspace id, run id) → claim, while a worker holds the run. Run ids count per workspace,
  // so the same run id names a different run in each workspace.
  std::map<std::pair<int64_t, int64_t>, Claim> claimed_;
  std::vector<std::thread> workers_;
};

}  // namespace wsync::api

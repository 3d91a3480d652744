// RunWorkers: a process's run queue. Worker threads take queued runs from the catalog (oldest
// first; a workspace never holds every worker, so one tenant cannot starve another), never two
// non-historical runs of one pipeline at once (historical runs may overlap), and execute each
// with sync::RunExecutor on the worker's own catalog and store connections. Several processes
// may share one deployment: the executor claims a run by compare-and-set with a lease the
// LeaseKeeper renews, so each run runs once; a run the process holds stops within moments on
// Cancel (from this process or, through the database, another) or Shutdown.
//
// Threads: Notify, Cancel and Shutdown may be called from any thread.
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
#include "runner/lease_keeper.h"
#include "sync/deployment.h"
#include "sync/run_executor.h"

namespace wsync::runner {

class RunWorkers {
 public:
  // `leases` (outliving the workers) renews the runs they hold.
  RunWorkers(const sync::Deployment* deployment, LeaseKeeper* leases, int threads,
             int64_t poll_ms = 200);
  ~RunWorkers();

  void Start();
  // Wakes an idle worker (a run was just queued).
  void Notify();
  // Cancels run `run_id` of `workspace_id`: a queued run becomes `cancelled` at once (returns
  // true); a running one — here, or in another process through the database — stops within
  // moments and ends `cancelled` (returns false). FailedPrecondition when the run has finished.
  core::StatusOr<bool> Cancel(catalog::Catalog* catalog, int64_t workspace_id, int64_t run_id);
  // Stops taking runs, interrupts running ones at their next batch boundary, joins the workers.
  void Shutdown();

 private:
  struct Claim {
    int64_t workspace_id = 0;
    std::string pipeline_id;
    bool historical = false;
    std::shared_ptr<sync::RunStop> stop;
  };
  void Loop();
  // Picks and claims the next run this process may start; false when none.
  bool ClaimNext(catalog::Catalog* catalog, int64_t* workspace_id, int64_t* run_id,
                 std::shared_ptr<sync::RunStop>* stop);

  const sync::Deployment* deployment_;
  LeaseKeeper* leases_;
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

}  // namespace wsync::runner

// LeaseKeeper: keeps this process's run leases alive (SPEC §10: several processes share one
// deployment; runs are claimed by lease). A run is claimed by compare-and-set with a lease
// (Catalog::ClaimRun); while it runs, this thread renews every lease the process holds each
// `renew_every`, and stops the runs whose cancel another process asked for. A keeper that also
// `expires` ends the runs of holders that are gone (lease expired, or a dead process of this
// host: see lease_owner.h) as failed with error "interrupted" — the one recovery rule; the
// pipeline's next run reads their rows again (what they committed stays).
//
// Lease times are wall-clock (the clock injected into runs may be a test's fake clock); hosts
// sharing a deployment must agree on the time to well within the lease.
//
// A run this process holds that a renewal no longer finds was ended by another process (its
// lease ran out while this one could not renew, e.g. stalled): it is stopped as interrupted.
//
// Threads: Hold, Release and Tick may be called from any thread; the keeper's own thread uses
// its own storage session.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/time.h"
#include "storage/backend.h"
#include "sync/run_executor.h"

namespace wsync::runner {

struct LeaseOptions {
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds renew_every{1'000};
  bool expire_others = true;  // `wsync serve` recovers others' runs; `wsync run` only renews
};

class LeaseKeeper {
 public:
  LeaseKeeper(std::unique_ptr<storage::Session> session, const core::Clock* run_clock,
              LeaseOptions options);
  ~LeaseKeeper();  // stops the thread

  void Start();
  // The lease a new claim gets, from now (wall clock, microseconds).
  int64_t LeaseUntil() const;
  const std::string& owner() const;
  // While held, a cancel asked through the database reaches `stop`.
  void Hold(int64_t workspace_id, int64_t run_id, std::shared_ptr<sync::RunStop> stop);
  void Release(int64_t workspace_id, int64_t run_id);
  // One renewal and, when configured, one expiry pass now (start-up, tests).
  core::Status Tick();

 private:
  void Loop();

  std::unique_ptr<storage::Session> session_;
  catalog::Catalog* catalog_;  // the session's
  const core::Clock* run_clock_;
  const LeaseOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  struct Held {
    std::shared_ptr<sync::RunStop> stop;
    std::chrono::steady_clock::time_point since;
  };
  std::map<std::pair<int64_t, int64_t>, Held> held_;
  std::mutex tick_mu_;  // one Tick at a time on the keeper's connection
  std::thread thread_;
};

}  // namespace wsync::runner

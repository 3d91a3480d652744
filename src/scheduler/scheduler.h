// Scheduler: turns the due slots of active pipelines into queued runs (SPEC §5). Each Tick
// looks at every active or paused pipeline: an active one that is due and not busy gets one run
// for its latest missed slot (missed slots coalesce; the slot is the run's logical_date); a
// paused one has its last slot moved up to now, so slots missed while paused are not caught up
// after resume. Time comes from the Clock, so tests tick a FakeClock.
//
// Not thread-safe: one thread (the server's scheduler loop) owns a Scheduler and its catalog.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/time.h"
#include "sync/deployment.h"

namespace wsync::scheduler {

class Scheduler {
 public:
  Scheduler(catalog::Catalog* catalog, const core::Clock* clock)
      : catalog_(catalog), clock_(clock) {}

  // One pass; returns the runs it queued. A pipeline it cannot serve (its body or schedule
  // cannot be read — validated when saved, so only after a bad manual edit —, or its run could
  // not be queued for a reason other than another run or process being first) is skipped and
  // named in problems().
  core::StatusOr<std::vector<catalog::Run>> Tick();
  // What the last Tick skipped, one message per pipeline: "workspace W pipeline P: why".
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void Skip(const catalog::LivePipeline& p, const core::Status& why);
  catalog::Catalog* catalog_;
  const core::Clock* clock_;
  std::vector<std::string> problems_;
};

// Runs Scheduler::Tick every `tick_ms` on its own thread with its own storage session, and
// calls `on_queued` when a tick queued runs (the server wakes its workers). A failed tick and
// each skipped pipeline are logged as errors when they first appear (not again every tick),
// and a recovery is logged once. Start and Stop from
// one thread; Stop is idempotent and joins.
class SchedulerLoop {
 public:
  SchedulerLoop(const sync::Deployment* deployment, int64_t tick_ms,
                std::function<void()> on_queued)
      : deployment_(deployment), tick_ms_(tick_ms), on_queued_(std::move(on_queued)) {}
  ~SchedulerLoop() { Stop(); }

  core::Status Start();
  void Stop();

 private:
  const sync::Deployment* deployment_;
  const int64_t tick_ms_;
  std::function<void()> on_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wsync::scheduler

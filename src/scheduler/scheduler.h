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
#include "sync/engine.h"

namespace wsync::scheduler {

class Scheduler {
 public:
  Scheduler(catalog::Catalog* catalog, const core::Clock* clock)
      : catalog_(catalog), clock_(clock) {}

  // One pass; returns the runs it queued. A pipeline whose schedule cannot be read is skipped
  // (its body was validated when saved, so this only happens after a bad manual edit).
  core::StatusOr<std::vector<catalog::Run>> Tick();

 private:
  catalog::Catalog* catalog_;
  const core::Clock* clock_;
};

// Runs Scheduler::Tick every `tick_ms` on its own thread with its own catalog connection, and
// calls `on_queued` when a tick queued runs (the server wakes its workers). Start and Stop from
// one thread; Stop is idempotent and joins.
class SchedulerLoop {
 public:
  SchedulerLoop(const sync::Engine* engine, int64_t tick_ms, std::function<void()> on_queued)
      : engine_(engine), tick_ms_(tick_ms), on_queued_(std::move(on_queued)) {}
  ~SchedulerLoop() { Stop(); }

  core::Status Start();
  void Stop();

 private:
  const sync::Engine* engine_;
  const int64_t tick_ms_;
  std::function<void()> on_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wsync::scheduler

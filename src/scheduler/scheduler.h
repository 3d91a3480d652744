// Scheduler: turns the due slots of active pipelines into queued runs (SPEC §5). Each Tick
// looks at every active or paused pipeline: an active one that is due and not busy gets one run
// for its latest missed slot (missed slots coalesce; the slot is the run's logical_date); a
// paused one has its last slot moved up to now, so slots missed while paused are not caught up
// after resume. Time comes from the Clock, so tests tick a FakeClock.
//
// Not thread-safe: one thread (the server's scheduler loop) owns a Scheduler and its catalog.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/time.h"

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

}  // namespace wsync::scheduler

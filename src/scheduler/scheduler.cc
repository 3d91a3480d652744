#include "scheduler/scheduler.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/log.h"
#include "scheduler/schedule.h"
#include "sync/run_spec.h"

namespace wsync::scheduler {

void Scheduler::Skip(const catalog::LivePipeline& p, const core::Status& why) {
  problems_.push_back("workspace " + std::to_string(p.workspace_id) + " pipeline '" +
                      p.pipeline_id + "': " + why.ToString());
}

core::StatusOr<std::vector<catalog::Run>> Scheduler::Tick() {
  problems_.clear();
  const int64_t now = clock_->NowMicros();
  std::vector<catalog::Run> queued;
  ASSIGN_OR_RETURN(std::vector<catalog::LivePipeline> live, catalog_->LivePipelines());
  for (const catalog::LivePipeline& p : live) {
    if (!p.state.activated_at) continue;
    core::StatusOr<catalog::Resource> pipeline =
        catalog_->Get(p.workspace_id, catalog::Kind::kPipeline, p.pipeline_id);
    if (!pipeline.ok()) {
      Skip(p, pipeline.status());
      continue;
    }
    core::StatusOr<Schedule> schedule =
        ParseSchedule(pipeline->body.value("schedule", nlohmann::json()));
    if (!schedule.ok()) {
      Skip(p, schedule.status().Annotate("its schedule cannot be read"));
      continue;
    }
    const int64_t anchor = AnchorFor(*schedule, *p.state.activated_at);
    if (p.state.state == catalog::Lifecycle::kPaused) {
      std::optional<int64_t> latest = LatestSlotAtOrBefore(*schedule, anchor, now);
      if (latest && (!p.state.last_slot || *latest > *p.state.last_slot)) {
        RETURN_IF_ERROR(catalog_->SetLastSlot(p.workspace_id, p.pipeline_id, *latest));
      }
      continue;
    }
    std::optional<int64_t> due = DueSlot(*schedule, anchor, p.state.last_slot, now);
    if (!due) continue;
    ASSIGN_OR_RETURN(auto busy, catalog_->ActiveRuns(p.workspace_id, p.pipeline_id, false));
    if (!busy.empty()) continue;  // still due next tick: coalesced into one later run
    const catalog::RunType run_type = schedule->type == ScheduleType::kOnce
                                          ? catalog::RunType::kOnce
                                          : catalog::RunType::kScheduled;
    core::StatusOr<catalog::Run> run =
        sync::CreateRun(catalog_, p.workspace_id, p.pipeline_id, run_type, now, due);
    if (!run.ok()) {
      // Another run of the pipeline, or another process queuing this slot, came first: the
      // database refused the second (AlreadyExists / FailedPrecondition). Anything else is news.
      const core::StatusCode code = run.status().code();
      if (code != core::StatusCode::kAlreadyExists &&
          code != core::StatusCode::kFailedPrecondition) {
        Skip(p, run.status().Annotate("its run could not be queued"));
      }
      continue;
    }
    RETURN_IF_ERROR(catalog_->SetLastSlot(p.workspace_id, p.pipeline_id, *due));
    queued.push_back(std::move(*run));
  }
  return queued;
}

core::Status SchedulerLoop::Start() {
  ASSIGN_OR_RETURN(std::shared_ptr<storage::Session> session, deployment_->NewSession());
  thread_ = std::thread([this, session] {
    Scheduler scheduler(session->catalog(), deployment_->clock());
    std::string last_error;
    std::set<std::string> reported;
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      core::StatusOr<std::vector<catalog::Run>> queued = scheduler.Tick();
      if (!queued.ok()) {
        if (queued.status().ToString() != last_error) {
          last_error = queued.status().ToString();
          core::LogError("scheduler: a tick failed (retried every tick): " + last_error);
        }
      } else if (!last_error.empty()) {
        last_error.clear();
        core::LogInfo("scheduler: ticks succeed again");
      }
      std::set<std::string> now(scheduler.problems().begin(), scheduler.problems().end());
      for (const std::string& problem : now) {
        if (!reported.contains(problem)) core::LogError("scheduler: skipped " + problem);
      }
      reported = std::move(now);
      if (queued.ok() && !queued->empty() && on_queued_) on_queued_();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(tick_ms_), [this] { return stopping_; });
    }
  });
  return core::Status::Ok();
}

void SchedulerLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace wsync::scheduler

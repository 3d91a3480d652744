#include "runner/run_workers.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/log.h"

namespace wsync::runner {

RunWorkers::RunWorkers(const sync::Deployment* deployment, LeaseKeeper* leases, int threads,
                       int64_t poll_ms)
    : deployment_(deployment), leases_(leases), threads_(threads), poll_ms_(poll_ms) {}

RunWorkers::~RunWorkers() { Shutdown(); }

void RunWorkers::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < threads_; ++i) workers_.emplace_back([this] { Loop(); });
}

void RunWorkers::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

core::StatusOr<bool> RunWorkers::Cancel(catalog::Catalog* catalog, int64_t workspace_id,
                                        int64_t run_id) {
  // Under the lock no worker can claim the run between our read and our write.
  std::lock_guard<std::mutex> lock(mu_);
  auto it = claimed_.find({workspace_id, run_id});
  if (it != claimed_.end()) {
    it->second.stop->Request(sync::StopReason::kCancelled);
    return false;
  }
  // Queued (claimed by no one) or held by another process: the database decides, by
  // compare-and-set, so a claim racing this cancel either never runs or stops at once.
  return catalog->RequestCancel(workspace_id, run_id, deployment_->clock()->NowMicros());
}

void RunWorkers::Shutdown() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [id, claim] : claimed_) claim.stop->Request(sync::StopReason::kInterrupted);
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (std::thread& t : workers) t.join();
}

bool RunWorkers::ClaimNext(catalog::Catalog* catalog, int64_t* workspace_id, int64_t* run_id,
                           std::shared_ptr<sync::RunStop>* stop) {
  core::StatusOr<std::vector<catalog::Run>> runs = catalog->UnfinishedRuns();
  if (!runs.ok()) {
    core::LogError("run queue: " + runs.status().ToString());
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  // Pipelines with a non-historical run in flight (here or, after a crash, marked running).
  std::set<std::pair<int64_t, std::string>> busy;
  for (const auto& [id, claim] : claimed_) {
    if (!claim.historical) busy.insert({claim.workspace_id, claim.pipeline_id});
  }
  for (const catalog::Run& run : *runs) {
    if (run.state == catalog::RunState::kRunning && run.run_type != catalog::RunType::kHistorical) {
      busy.insert({run.workspace_id, run.pipeline_id});
    }
  }
  // Fairness between tenants: a workspace never holds every worker (with two or more), and the
  // queued run of the workspace running the fewest runs here goes first (oldest among equals),
  // so one tenant's stuck runs cannot starve another's queue.
  std::map<int64_t, int> held;
  for (const auto& [id, claim] : claimed_) ++held[claim.workspace_id];
  const int per_workspace = std::max(1, threads_ - 1);
  std::vector<const catalog::Run*> candidates;
  for (const catalog::Run& run : *runs) {
    if (run.state != catalog::RunState::kQueued ||
        claimed_.contains({run.workspace_id, run.run_id})) {
      continue;
    }
    const bool historical = run.run_type == catalog::RunType::kHistorical;
    if (!historical && busy.contains({run.workspace_id, run.pipeline_id})) continue;
    if (held[run.workspace_id] >= per_workspace) continue;
    candidates.push_back(&run);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](const auto* a, const auto* b) {
    return held[a->workspace_id] < held[b->workspace_id];
  });
  // The claim itself is the database's compare-and-set: another process may take a candidate
  // first, and then the next one is tried.
  for (const catalog::Run* pick : candidates) {
    const catalog::Run& run = *pick;
    core::StatusOr<bool> claimed =
        catalog->ClaimRun(run.workspace_id, run.run_id, leases_->owner(),
                          deployment_->clock()->NowMicros(), leases_->LeaseUntil());
    if (!claimed.ok()) {
      core::LogError("run queue: " + claimed.status().ToString());
      return false;
    }
    if (!*claimed) continue;
    const bool historical = run.run_type == catalog::RunType::kHistorical;
    auto flag = std::make_shared<sync::RunStop>();
    claimed_[{run.workspace_id, run.run_id}] =
        Claim{run.workspace_id, run.pipeline_id, historical, flag};
    *workspace_id = run.workspace_id;
    *run_id = run.run_id;
    leases_->Hold(run.workspace_id, run.run_id, flag);
    *stop = std::move(flag);
    return true;
  }
  return false;
}

void RunWorkers::Loop() {
  core::StatusOr<std::unique_ptr<storage::Session>> session = deployment_->NewSession();
  if (!session.ok()) {
    core::LogError("run worker cannot open the database: " + session.status().ToString());
    return;
  }
  catalog::Catalog* catalog = (*session)->catalog();
  sync::ExecutorDeps deps = deployment_->executor_deps();
  deps.lease_owner = leases_->owner();
  deps.lease_until = [this] { return leases_->LeaseUntil(); };
  sync::RunExecutor executor(deps, session->get());
  while (true) {
    int64_t workspace_id = 0;
    int64_t run_id = 0;
    std::shared_ptr<sync::RunStop> stop;
    if (ClaimNext(catalog, &workspace_id, &run_id, &stop)) {
      const std::string name =
          "run " + std::to_string(run_id) + " of workspace " + std::to_string(workspace_id);
      core::LogInfo(name + " started");
      core::Status s;
      try {
        s = executor.Execute(workspace_id, run_id, stop.get());
      } catch (const std::exception& e) {
        s = core::Internal(std::string("run crashed: ") + e.what());
        core::Status recorded =
            catalog->SetRunState(workspace_id, run_id, catalog::RunState::kFailed, s.message(),
                                 deployment_->clock()->NowMicros());
        if (!recorded.ok()) {
          core::LogError(name + ": cannot record the crash: " + recorded.ToString());
        }
        auto crashed = catalog->GetRun(workspace_id, run_id);
        if (crashed.ok() && crashed->run_type != catalog::RunType::kHistorical) {
          core::Status faulted = catalog->SetHealth(
              workspace_id, crashed->pipeline_id, catalog::Health::kFaulted,
              nlohmann::json::array(
                  {{{"code", "internal"}, {"message", s.message()}, {"run_id", run_id}}}));
          if (!faulted.ok()) {
            core::LogError(name + ": cannot mark its pipeline faulted: " + faulted.ToString());
          }
        }
      }
      auto done = catalog->GetRun(workspace_id, run_id);
      core::LogInfo(name + " ended: " + (done.ok() ? std::string(Name(done->state)) : "?") +
                    (s.ok() ? "" : " (" + s.message() + ")"));
      leases_->Release(workspace_id, run_id);
      std::lock_guard<std::mutex> lock(mu_);
      claimed_.erase({workspace_id, run_id});
      continue;  // look for more work at once
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_),
                 [this] { return stopping_ || notified_; });
    notified_ = false;
    if (stopping_) return;
  }
}

}  // namespace wsync::runner

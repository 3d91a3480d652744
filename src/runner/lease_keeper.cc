#include "runner/lease_keeper.h"

#include <set>

#include "core/log.h"
#include "runner/lease_owner.h"

namespace wsync::runner {

namespace {

int64_t WallMicros() { return core::SystemClock::Default()->NowMicros(); }

}  // namespace

LeaseKeeper::LeaseKeeper(std::unique_ptr<storage::Session> session, const core::Clock* run_clock,
                         LeaseOptions options)
    : session_(std::move(session)),
      catalog_(session_->catalog()),
      run_clock_(run_clock),
      options_(options) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

int64_t LeaseKeeper::LeaseUntil() const {
  return WallMicros() +
         std::chrono::duration_cast<std::chrono::microseconds>(options_.lease).count();
}

const std::string& LeaseKeeper::owner() const { return ThisProcessOwner(); }

void LeaseKeeper::Hold(int64_t workspace_id, int64_t run_id, std::shared_ptr<sync::RunStop> stop) {
  std::lock_guard<std::mutex> lock(mu_);
  held_[{workspace_id, run_id}] = Held{std::move(stop), std::chrono::steady_clock::now()};
}

void LeaseKeeper::Release(int64_t workspace_id, int64_t run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase({workspace_id, run_id});
}

core::Status LeaseKeeper::Tick() {
  std::lock_guard<std::mutex> tick(tick_mu_);
  const auto renewal_start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto renewed, catalog_->RenewLeases(owner(), LeaseUntil()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::pair<int64_t, int64_t>> still_held;
    for (const auto& lease : renewed) {
      still_held.insert({lease.workspace_id, lease.run_id});
      auto it = held_.find({lease.workspace_id, lease.run_id});
      if (it != held_.end() && lease.cancel_requested) {
        it->second.stop->Request(sync::StopReason::kCancelled);
      }
    }
    // Held since before this renewal began, yet not renewed: another process ended it.
    for (const auto& [key, held] : held_) {
      if (held.since < renewal_start && !still_held.contains(key)) {
        held.stop->Request(sync::StopReason::kInterrupted);
      }
    }
  }
  if (!options_.expire_others) return core::Status::Ok();
  return catalog_->ExpireLeases(WallMicros(), run_clock_->NowMicros(), OwnerIsDead).status();
}

void LeaseKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    core::Status s = Tick();
    if (!s.ok()) core::LogError("run leases: " + s.ToString());
    lock.lock();
    cv_.wait_for(lock, options_.renew_every, [this] { return stopping_; });
  }
}

}  // namespace wsync::runner

#include "runner/lease_keeper.h"

#include "core/log.h"
#include "runner/lease_owner.h"

namespace wsync::runner {

namespace {

int64_t WallMicros() { return core::SystemClock::Default()->NowMicros(); }

}  // namespace

LeaseKeeper::LeaseKeeper(std::unique_ptr<catalog::Catalog> catalog, const core::Clock* run_clock,
                         LeaseOptions options)
    : catalog_(std::move(catalog)), run_clock_(run_clock), options_(options) {}

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
  held_[{workspace_id, run_id}] = std::move(stop);
}

void LeaseKeeper::Release(int64_t workspace_id, int64_t run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  held_.erase({workspace_id, run_id});
}

core::Status LeaseKeeper::Tick() {
  std::lock_guard<std::mutex> tick(tick_mu_);
  ASSIGN_OR_RETURN(auto cancelled, catalog_->RenewLeases(owner(), LeaseUntil()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& key : cancelled) {
      auto it = held_.find(key);
      if (it != held_.end()) it->second->Request(sync::StopReason::kCancelled);
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

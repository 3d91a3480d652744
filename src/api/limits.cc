#include "api/limits.h"

#include <algorithm>
#include <chrono>

namespace wsync::api {

KeyedRateLimiter::KeyedRateLimiter(int burst, int64_t refill_micros, size_t max_keys)
    : burst_(std::max(1, burst)),
      refill_micros_(std::max<int64_t>(1, refill_micros)),
      max_keys_(std::max<size_t>(1, max_keys)) {}

double KeyedRateLimiter::Refilled(const Bucket& b, int64_t now) const {
  const double gained =
      static_cast<double>(std::max<int64_t>(0, now - b.at)) / static_cast<double>(refill_micros_);
  return std::min(static_cast<double>(burst_), b.tokens + gained);
}

void KeyedRateLimiter::PruneLocked(int64_t now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = Refilled(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

int64_t KeyedRateLimiter::Take(const std::string& key, int64_t now_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) PruneLocked(now_micros);
    it = buckets_.emplace(key, Bucket{static_cast<double>(burst_), now_micros}).first;
  }
  Bucket& b = it->second;
  b.tokens = Refilled(b, now_micros);
  b.at = std::max(b.at, now_micros);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait_micros = (1.0 - b.tokens) * static_cast<double>(refill_micros_);
  return std::max<int64_t>(1, static_cast<int64_t>(wait_micros / 1e6 + 0.999999));
}

bool KeyedRateLimiter::WouldAllow(const std::string& key, int64_t now_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  return it == buckets_.end() || Refilled(it->second, now_micros) >= 1.0;
}

bool Semaphore::Acquire(int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return permits_ > 0; })) {
    return false;
  }
  --permits_;
  return true;
}

void Semaphore::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++permits_;
  }
  cv_.notify_one();
}

bool WorkspaceGate::TryEnter(int64_t workspace_id) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = active_[workspace_id];
  if (n >= per_workspace_) return false;
  ++n;
  return true;
}

void WorkspaceGate::Leave(int64_t workspace_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(workspace_id);
  if (it != active_.end() && --it->second <= 0) active_.erase(it);
}

}  // namespace wsync::api

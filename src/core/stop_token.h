// StopToken: ends long work early — a run's cancel or shutdown, a discover's short deadline.
// The owner may Cancel() from any thread; the worker polls Check() (cheap: one atomic load and,
// with a deadline, one clock read). Warehouse connectors poll it while a statement runs (SQLite:
// a progress handler), not only between batches, so a stuck statement stops within moments.
//
// Threads: Cancel, cancelled and Check are thread-safe. set_deadline is called before the
// token is shared.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "core/status.h"

namespace wsync::core {

class StopToken {
 public:
  using Clock = std::chrono::steady_clock;

  StopToken() = default;
  StopToken(const StopToken&) = delete;
  StopToken& operator=(const StopToken&) = delete;

  void Cancel(std::string reason = "cancelled") {
    // The reason is written once, before the flag, and read only after the flag is seen.
    bool expected = false;
    if (reason_set_.compare_exchange_strong(expected, true)) reason_ = std::move(reason);
    cancelled_.store(true, std::memory_order_release);
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  void set_timeout(std::chrono::milliseconds timeout) { deadline_ = Clock::now() + timeout; }
  std::optional<Clock::time_point> deadline() const { return deadline_; }

  // Ok, Cancelled (with the reason given to Cancel) or DeadlineExceeded.
  Status Check() const {
    if (cancelled()) return Cancelled(reason_);
    if (deadline_ && Clock::now() >= *deadline_) {
      return DeadlineExceeded("the statement ran past its time limit");
    }
    return Status::Ok();
  }

 private:
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> reason_set_{false};
  std::string reason_ = "cancelled";
  std::optional<Clock::time_point> deadline_;
};

}  // namespace wsync::core

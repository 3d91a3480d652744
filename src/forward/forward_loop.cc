#include "forward/forward_loop.h"

#include "core/log.h"

namespace wsync::forward {

ForwardLoop::ForwardLoop(
    std::function<core::StatusOr<std::unique_ptr<storage::Session>>()> new_session,
    ForwarderDeps deps, ForwarderOptions options, int64_t poll_ms)
    : new_session_(std::move(new_session)),
      forwarder_(std::move(deps), options),
      poll_ms_(poll_ms) {}

core::Status ForwardLoop::Start() {
  ASSIGN_OR_RETURN(session_, new_session_());
  thread_ = std::thread([this] { Run(); });
  return core::Status::Ok();
}

void ForwardLoop::Notify() {
  std::lock_guard lock(mu_);
  notified_ = true;
  cv_.notify_one();
}

void ForwardLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  stop_.Cancel("the server is shutting down");
  if (thread_.joinable()) thread_.join();
}

void ForwardLoop::Run() {
  std::string last_error;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_),
                   [this] { return stopping_ || notified_; });
      if (stopping_) return;
      notified_ = false;
    }
    core::Status s;
    try {
      s = forwarder_.DrainAll(session_.get(), &stop_);
    } catch (const std::exception& e) {
      s = core::Internal(std::string("forwarding crashed: ") + e.what());
    }
    // A failure is logged when it first appears, not once a poll.
    if (!s.ok() && s.message() != last_error) core::LogError("forwarding: " + s.message());
    last_error = s.ok() ? "" : s.message();
  }
}

}  // namespace wsync::forward

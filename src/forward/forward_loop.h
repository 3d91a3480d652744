// ForwardLoop: the server's forwarding thread. Every `poll_ms` (sooner after Notify) it drains
// every pipeline whose outbox holds entries (Forwarder::DrainAll), on a session of its own, so
// forwarding never holds up a run: syncing and sending overlap, and an output that is down
// only grows its backlog. Stop ends the wait and any retry sleep or request in flight.
//
// Threads: Start, Notify and Stop from any thread; the loop runs on its own.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/stop_token.h"
#include "forward/forwarder.h"
#include "storage/backend.h"

namespace wsync::forward {

class ForwardLoop {
 public:
  ForwardLoop(std::function<core::StatusOr<std::unique_ptr<storage::Session>>()> new_session,
              ForwarderDeps deps, ForwarderOptions options, int64_t poll_ms);
  ~ForwardLoop() { Stop(); }

  core::Status Start();
  void Notify();
  void Stop();

 private:
  void Run();

  std::function<core::StatusOr<std::unique_ptr<storage::Session>>()> new_session_;
  Forwarder forwarder_;
  const int64_t poll_ms_;
  std::unique_ptr<storage::Session> session_;
  core::StopToken stop_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wsync::forward

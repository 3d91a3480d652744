// RunExecutor: executes one run (SPEC §5, §7) as a composition of stages:
//   1. plan the window (sync/window.h: start date, mark, bounds, lookback; pure, around the one
//      MaxIterator question to the warehouse),
//   2. extract+map on a thread of its own (sync/extract_stage.h) into a bounded queue,
//   3. apply on the calling thread (sync/apply_stage.h): each batch is resolved and written with
//      its checkpoint (counters, row errors, and with the last batch the incremental mark) in one
//      store transaction, so a crash never loses or double-applies a batch,
//   4. after each commit, ExecutorDeps::on_batch_applied: outputs and progress attach there.
// It also retries retryable failures before the first applied batch and records the outcome.
//
// One RunExecutor may run many runs, one at a time per instance. A RunStop may be requested
// from any thread; the run then ends within moments, without applying another batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/stop_token.h"
#include "core/time.h"
#include "profiles/profile_store.h"
#include "storage/backend.h"
#include "sync/apply_stage.h"
#include "sync/run_spec.h"
#include "warehouse/registry.h"

namespace wsync::sync {

struct ExecutorDeps {
  const core::Clock* clock = core::SystemClock::Default();
  const warehouse::Registry* registry = nullptr;
  // Turns a stored connection config (secrets sealed) into one a connector can use.
  std::function<core::StatusOr<nlohmann::json>(int64_t workspace_id, const catalog::Connection&)>
      reveal_config;
  size_t batch_rows = 10'000;
  int max_attempts = 3;            // for retryable warehouse failures
  int64_t retry_backoff_ms = 500;  // doubled after each attempt
  // Called on the executing thread after each committed batch, with what it wrote and the run's
  // counters so far: where forwarding outputs (SPEC §11) and progress reporting attach. Views
  // valid during the call only.
  std::function<void(const AppliedBatch& batch)> on_batch_applied;
  // Called on the executing thread after each committed batch, after on_batch_applied (tests
  // hold or break a run here).
  std::function<void(int64_t run_id)> after_batch;
  // Who claims the runs this executor runs, and until when (wall-clock micros); a keeper
  // renews the lease while the run goes (runner/lease_keeper.h). Default: 30 s from now.
  std::string lease_owner;
  std::function<int64_t()> lease_until;
};

enum class StopReason { kNone, kCancelled, kInterrupted };

// Asks a run to stop early, from any thread. The first reason given is kept, and the token
// the run's warehouse connector polls is cancelled, so a statement that is running (discovery,
// the iterator's bound, the extraction itself) ends within moments, not at the next batch.
class RunStop {
 public:
  void Request(StopReason reason) {
    StopReason none = StopReason::kNone;
    reason_.compare_exchange_strong(none, reason);
    token_.Cancel(reason == StopReason::kCancelled ? "the run was cancelled"
                                                   : "the server is shutting down");
  }
  StopReason reason() const { return reason_.load(); }
  const core::StopToken& token() const { return token_; }

 private:
  std::atomic<StopReason> reason_{StopReason::kNone};
  core::StopToken token_;
};

class RunExecutor {
 public:
  // `session` (its catalog and store) outlives the executor.
  RunExecutor(ExecutorDeps deps, storage::Session* session);

  // Runs a queued run to its end and records the outcome in the catalog. The returned status is
  // the run's failure, if any (already recorded); row errors do not fail a run.
  core::Status Execute(int64_t workspace_id, int64_t run_id, const RunStop* stop = nullptr);

 private:
  core::Status RunOnce(const catalog::Run& run, const RunSpec& spec, const RunStop* stop,
                       StopReason* stopped, bool* applied);
  ExecutorDeps deps_;
  storage::Session* session_;
  catalog::Catalog* catalog_;  // session_->catalog()
};

}  // namespace wsync::sync

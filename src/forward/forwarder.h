// Forwarder: drains pipelines' outboxes (storage/outbox.h) to their outputs (SPEC §11), each
// output in order. HTTP outputs get mParticle's bulk format — JSON arrays of at most 100
// batches and 256 KB a request, up to `max_in_flight` requests at once, optional gzip, headers
// or basic auth — through an HttpTransport (warehouse/http/http_transport.h) that keeps the
// egress rule of SPEC §12. Answers 5xx, 429 and 408, and no answer at all, are retried with
// exponential backoff and jitter, honouring Retry-After; an output delivers a prefix of its
// entries and moves its cursor past it in one transaction, so after a lost answer the same
// batches go again, byte for byte (same source_request_id and message ids).
//
// An output that keeps failing is PAUSED, never dropped: after its `max_attempts` (the
// output's, else the options') consecutive failures, or at once on an answer that a retry
// cannot change (another 4xx), the failure is recorded with `paused_until` and the drain moves
// on; syncing goes on, the backlog waits in the outbox and the next drain after the pause tries
// again. The API shows each output's backlog, failures and last error.
//
// Draining a pipeline is claimed by lease in the database, so of several processes one sends
// a pipeline's entries at a time.
//
// Threads: Drain and DrainAll from one thread per Forwarder (requests in flight run on threads
// of their own); the transport is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/stop_token.h"
#include "core/time.h"
#include "forward/outputs.h"
#include "storage/backend.h"
#include "warehouse/http/http_transport.h"

namespace wsync::forward {

struct ForwarderOptions {
  size_t max_batches_per_request = 100;
  size_t max_request_bytes = 256 * 1024;
  int max_in_flight = 4;
  int max_attempts = 5;  // an output's max_attempts overrides it
  int64_t backoff_ms = 500;
  int64_t max_backoff_ms = 30'000;
  int64_t pause_ms = 60'000;
  int64_t request_timeout_ms = 30'000;
  int64_t lease_ms = 30'000;
};

struct ForwarderDeps {
  const core::Clock* clock = core::SystemClock::Default();
  // Sends HTTP outputs' requests; null makes every HTTP output fail (and pause).
  warehouse::HttpTransport* http = nullptr;
  FileRules files;
  // The pipeline's outputs with their secrets opened (catalog::RevealOutputs).
  std::function<core::StatusOr<nlohmann::json>(int64_t workspace_id, const std::string& pipeline_id,
                                               const nlohmann::json& outputs)>
      reveal_outputs;
  // Waits between attempts (tests record instead); returns early when `stop` is cancelled.
  std::function<void(std::chrono::milliseconds, const core::StopToken* stop)> sleep;
  std::string owner = "forwarder";  // the drain lease's holder (HOST:PID:NONCE in a server)
  uint64_t jitter_seed = 0;         // 0: from the clock
};

class Forwarder {
 public:
  Forwarder(ForwarderDeps deps, ForwarderOptions options);

  // Drains every pipeline that has entries. Errors of one pipeline are logged and do not stop
  // the others; the status is the first one.
  core::Status DrainAll(storage::Session* session, const core::StopToken* stop);
  // Drains one pipeline's outbox to each of its outputs. False when another drainer holds it.
  core::StatusOr<bool> Drain(storage::Session* session, int64_t workspace_id,
                             const std::string& pipeline_id, const core::StopToken* stop);

 private:
  core::Status DrainOutput(storage::Session* session, int64_t workspace_id,
                           const std::string& pipeline_id, const OutputSpec& output,
                           const core::StopToken* stop);
  double Jitter();

  ForwarderDeps deps_;
  ForwarderOptions options_;
  uint64_t rng_;
};

// One bulk request of entries [first, last] (indices into the entries given to
// BuildRequests): the JSON array of their bodies.
struct BulkRequest {
  size_t first = 0;
  size_t last = 0;
  std::string body;
};
// Splits entries into bulk bodies of at most `max_batches` batches and `max_bytes` bytes (a
// batch larger than that alone goes alone).
std::vector<BulkRequest> BuildRequests(const std::vector<storage::OutboxEntry>& entries,
                                       size_t max_batches, size_t max_bytes);

// The gzip member of `data`.
std::string Gzip(const std::string& data);

}  // namespace wsync::forward

// Outbox: what a pipeline's runs have to forward to its outputs (SPEC §11), written in the same
// session transaction as the batch it comes from (the apply stage calls Enqueue inside
// Session::Transaction), so a crash never loses a batch to forward and never records one that
// was not applied. A forwarder drains it per output, in order: each output has a cursor (the
// last entry it delivered), its consecutive failures, last error and pause; an entry every
// output delivered is pruned. Entries are rendered batches (forward/batch_format.h): a resend
// after a lost answer sends the same bytes, so the receiver can deduplicate by
// source_request_id and message ids.
//
// Draining one pipeline is claimed by lease (ClaimDrain, compare-and-set in the database) so two
// processes never send one pipeline's entries at once, out of order.
//
// Threads: one instance per session, used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace wsync::storage {

struct OutboxItem {
  int64_t run_id = 0;
  int64_t mpid = 0;  // the profile it describes: erasing the profile drops it
  std::string body;  // one rendered batch
};

struct OutboxEntry {
  int64_t seq = 0;  // increasing in commit order
  int64_t run_id = 0;
  int64_t mpid = 0;
  std::string body;
};

// One output's progress through a pipeline's outbox.
struct OutputProgress {
  int64_t delivered_seq = 0;  // every entry up to it was delivered
  int64_t delivered_total = 0;
  int64_t failures = 0;  // consecutive failed attempts at the next entry
  std::optional<std::string> last_error;
  std::optional<int64_t> last_error_at;
  std::optional<int64_t> paused_until;  // set when the attempts ran out: retried after it
  int64_t backlog = 0;                  // entries after delivered_seq
};

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Appends `items` in order. Call inside the batch's transaction.
  virtual core::Status Enqueue(int64_t workspace_id, const std::string& pipeline_id,
                               const std::vector<OutboxItem>& items, int64_t now) = 0;
  // Entries after `after_seq`, oldest first, at most `limit`.
  virtual core::StatusOr<std::vector<OutboxEntry>> Pending(int64_t workspace_id,
                                                           const std::string& pipeline_id,
                                                           int64_t after_seq, size_t limit) = 0;
  // The output's progress (zeros for an output that has delivered nothing yet).
  virtual core::StatusOr<OutputProgress> Progress(int64_t workspace_id,
                                                  const std::string& pipeline_id,
                                                  const std::string& output_key) = 0;
  // Records that the output delivered every entry through `through_seq` (`delivered` of them
  // now, by run: each run's batches_forwarded grows by its count), and clears its failures.
  virtual core::Status MarkDelivered(int64_t workspace_id, const std::string& pipeline_id,
                                     const std::string& output_key, int64_t through_seq,
                                     const std::vector<std::pair<int64_t, int64_t>>& per_run) = 0;
  // Counts one failed attempt and keeps `error` (no secret, no answer body) as the last error;
  // `paused_until` pauses the output.
  virtual core::Status RecordFailure(int64_t workspace_id, const std::string& pipeline_id,
                                     const std::string& output_key, const std::string& error,
                                     int64_t now, std::optional<int64_t> paused_until) = 0;
  // Deletes the entries every one of `output_keys` delivered (all of them when none is left)
  // and the progress of outputs no longer listed.
  virtual core::Status Prune(int64_t workspace_id, const std::string& pipeline_id,
                             const std::vector<std::string>& output_keys) = 0;
  // The (workspace, pipeline) pairs that hold entries.
  virtual core::StatusOr<std::vector<std::pair<int64_t, std::string>>> PipelinesWithEntries() = 0;
  // Claims draining the pipeline for `owner` until `until` (wall-clock micros): true when it
  // was free, expired or already `owner`'s (then extended).
  virtual core::StatusOr<bool> ClaimDrain(int64_t workspace_id, const std::string& pipeline_id,
                                          const std::string& owner, int64_t now, int64_t until) = 0;
  virtual core::Status ReleaseDrain(int64_t workspace_id, const std::string& pipeline_id,
                                    const std::string& owner) = 0;
};

}  // namespace wsync::storage

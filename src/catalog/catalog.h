// Catalog: the control plane's records per workspace — resources (connections, data models,
// field transformations, pipelines) with audit fields, each pipeline's lifecycle state and
// incremental mark, runs with their counters, and row errors. Bodies are validated by
// definitions.h before they are stored. Implementations: storage/ (one per backend).
// One instance per thread (each owns a database connection).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/definitions.h"
#include "core/run_counters.h"
#include "core/status.h"
#include "mapping/record.h"

namespace wsync::catalog {

struct Audit {
  int64_t created_on = 0;
  std::string created_by;
  int64_t last_modified_on = 0;
  std::string last_modified_by;
};

struct Resource {
  int64_t workspace_id = 0;
  Kind kind = Kind::kConnection;
  std::string id;
  nlohmann::json body;  // canonical body, secrets as stored
  int64_t version = 1;
  Audit audit;
};

struct Page {
  int64_t page = 1;
  int64_t page_size = 50;
};

struct ResourcePage {
  std::vector<Resource> items;
  int64_t total = 0;
};

// The typed states below are parsed from their names once, where the catalog reads its rows,
// and named again only where they are stored or shown (the API's JSON): `Name(value)` gives the
// stored name, `Parse<Enum>(name)` the value or nullopt for a name it does not know.

// A pipeline's lifecycle (SPEC §5): a draft is activated; an active pipeline pauses and resumes.
enum class Lifecycle { kDraft, kActive, kPaused };
std::string_view Name(Lifecycle lifecycle);  // "draft", "active", "paused"
std::optional<Lifecycle> ParseLifecycle(std::string_view name);

// Whether the last run of a pipeline, or the last verify of a connection, went well.
enum class Health { kHealthy, kFaulted };
std::string_view Name(Health health);  // "healthy", "faulted"
std::optional<Health> ParseHealth(std::string_view name);

// The outcome of a connection's last verify.
enum class VerifyState { kUnverified, kVerified, kFailed };
std::string_view Name(VerifyState state);  // "unverified", "verified", "failed"
std::optional<VerifyState> ParseVerifyState(std::string_view name);

// What queued a run: the schedule (interval or once), an operator, or a sync start date (the
// historical load of S <= ts < activation, which may overlap the pipeline's other runs).
enum class RunType { kScheduled, kManual, kOnce, kHistorical };
std::string_view Name(RunType type);  // "scheduled", "manual", "once", "historical"
std::optional<RunType> ParseRunType(std::string_view name);

enum class RunState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
// "queued", "running", "succeeded", "failed", "cancelled"
std::string_view Name(RunState state);
std::optional<RunState> ParseRunState(std::string_view name);
// Queued or running: the run still holds its pipeline.
bool IsUnfinished(RunState state);

struct PipelineState {
  Lifecycle state = Lifecycle::kDraft;
  Health status = Health::kHealthy;
  nlohmann::json errors = nlohmann::json::array();
  std::optional<std::string> high_water_mark;  // JSON value text
  std::optional<int64_t> activated_at;
  std::optional<int64_t> last_slot;  // the latest schedule slot already run
};

// The outcome of the last `verify` of a connection (SPEC §8 connection state/status/errors).
struct ConnectionState {
  VerifyState state = VerifyState::kUnverified;
  Health status = Health::kHealthy;
  nlohmann::json errors = nlohmann::json::array();
  std::optional<int64_t> verified_at;
};

struct LivePipeline {
  int64_t workspace_id = 0;
  std::string pipeline_id;
  PipelineState state;
};

// A run is named by (workspace_id, run_id): run ids count each workspace's runs from 1, so a
// client never learns of another workspace's runs (security finding F18).
struct Run {
  int64_t run_id = 0;  // SPEC §7 pipeline_run_id; assigned by CreateRun
  int64_t workspace_id = 0;
  std::string pipeline_id;
  RunType run_type = RunType::kManual;
  RunState state = RunState::kQueued;
  std::optional<int64_t> logical_date;
  std::optional<std::string> range_start;
  std::optional<std::string> range_end;
  int64_t created_at = 0;
  std::optional<int64_t> started_at;
  std::optional<int64_t> ended_at;
  core::RunCounters counters;
  std::optional<std::string> error;
  nlohmann::json spec = nlohmann::json::object();  // the versions the run started with
  std::optional<std::string> lease_owner;          // the process holding a running run (runner/)
};

// A run's progress after one applied batch: absolute counters, the batch's new row errors and,
// with the last batch, the pipeline's new incremental mark. RecordCheckpoint writes it in the
// batch's own transaction (storage::Session::Transaction), so the batch's data and its
// checkpoint commit together or not at all. `counters.batches_forwarded` is not written: the
// forwarder counts deliveries itself (storage::Outbox::MarkDelivered), while the run goes and
// after it.
struct RunCheckpoint {
  int64_t run_id = 0;
  std::string pipeline_id;
  core::RunCounters counters;
  std::vector<mapping::RowError> row_errors;   // new errors to keep (the first 1000 per run)
  int64_t row_error_seq = 0;                   // sequence number of the first of them
  std::optional<std::string> high_water_mark;  // JSON value; set with the last batch only
};

struct RunFilter {
  std::optional<int64_t> from;  // created_at >= from
  std::optional<int64_t> to;    // created_at < to
};

// A lifecycle transition (activate, pause, resume, resync).
struct StateChange {
  std::vector<Lifecycle> from;          // states the pipeline must be in
  std::optional<Lifecycle> to;          // the new state; none keeps it (resync)
  std::optional<int64_t> activated_at;  // written when set
  bool reset_mark = false;              // resync: clears the incremental mark
  // Refuse when a non-historical run is queued or running (resync must not race a checkpoint).
  bool require_idle = false;
  std::optional<Run> run;  // queued in the same transaction when the change applies
};

struct StateChangeResult {
  bool applied = false;
  Lifecycle state = Lifecycle::kDraft;  // the state found (before the change)
  std::optional<Run> busy_run;          // the run that refused a require_idle change
  std::optional<Run> run;               // the queued StateChange::run
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // Create fails with AlreadyExists when the id is taken; Replace with NotFound when absent.
  virtual core::StatusOr<Resource> Create(int64_t workspace_id, Kind kind, nlohmann::json body,
                                          const std::string& actor) = 0;
  virtual core::StatusOr<Resource> Replace(int64_t workspace_id, Kind kind, const std::string& id,
                                           nlohmann::json body, const std::string& actor) = 0;
  virtual core::StatusOr<Resource> Get(int64_t workspace_id, Kind kind, const std::string& id) = 0;
  virtual core::StatusOr<ResourcePage> List(int64_t workspace_id, Kind kind, Page page) = 0;
  // FailedPrecondition with reason kInUse when a pipeline still refers to it.
  virtual core::Status Delete(int64_t workspace_id, Kind kind, const std::string& id) = 0;
  // Marks a connection as written by the operator's config file (Connection::trusted) without
  // a new version; the next Create or Replace clears the mark. NotFound when absent.
  virtual core::Status MarkConnectionTrusted(int64_t workspace_id,
                                             const std::string& connection_id) = 0;

  virtual core::StatusOr<PipelineState> GetState(int64_t workspace_id,
                                                 const std::string& pipeline_id) = 0;
  // One lifecycle transition as an atomic compare-and-set (see StateChange): applied only when
  // the pipeline is in one of `from`, all in one write transaction. Never writes health, slots
  // or the incremental mark (the executor owns it), except `reset_mark`. NotFound when absent.
  virtual core::StatusOr<StateChangeResult> ChangeState(int64_t workspace_id,
                                                        const std::string& pipeline_id,
                                                        const StateChange& change) = 0;
  // Narrow updates for the executor and the scheduler: they never overwrite a lifecycle change
  // (pause, resume) that an API call made meanwhile.
  virtual core::Status SetHealth(int64_t workspace_id, const std::string& pipeline_id,
                                 Health status, const nlohmann::json& errors) = 0;
  virtual core::Status SetLastSlot(int64_t workspace_id, const std::string& pipeline_id,
                                   int64_t slot) = 0;
  // Active and paused pipelines of every workspace, for the scheduler.
  virtual core::StatusOr<std::vector<LivePipeline>> LivePipelines() = 0;

  // A connection never verified reads as the default state.
  virtual core::StatusOr<ConnectionState> GetConnectionState(int64_t workspace_id,
                                                             const std::string& connection_id) = 0;
  virtual core::Status PutConnectionState(int64_t workspace_id, const std::string& connection_id,
                                          const ConnectionState& state) = 0;

  // Queues `run` under its workspace's next run id (`run.run_id` is ignored).
  virtual core::StatusOr<Run> CreateRun(const Run& run) = 0;
  virtual core::StatusOr<Run> GetRun(int64_t workspace_id, int64_t run_id) = 0;
  virtual core::StatusOr<std::vector<Run>> ListRuns(int64_t workspace_id,
                                                    const std::string& pipeline_id,
                                                    const RunFilter& filter, Page page,
                                                    int64_t* total) = 0;
  // Queued or running runs; historical ones included only when asked.
  virtual core::StatusOr<std::vector<Run>> ActiveRuns(int64_t workspace_id,
                                                      const std::string& pipeline_id,
                                                      bool include_historical) = 0;
  // Every queued or running run of every workspace, oldest first (start-up recovery, the
  // worker queue).
  virtual core::StatusOr<std::vector<Run>> UnfinishedRuns() = 0;
  // Moves a run to `state`, stamping started_at / ended_at; counters are the store's job.
  virtual core::Status SetRunState(int64_t workspace_id, int64_t run_id, RunState state,
                                   std::optional<std::string> error, int64_t now) = 0;
  // Writes a run's checkpoint (see RunCheckpoint) in the caller's transaction when one is open.
  // NotFound when the run is not one of the workspace's.
  virtual core::Status RecordCheckpoint(int64_t workspace_id, const RunCheckpoint& checkpoint) = 0;
  virtual core::StatusOr<std::vector<mapping::RowError>> RowErrors(int64_t workspace_id,
                                                                   int64_t run_id, Page page,
                                                                   int64_t* total) = 0;

  // Run claims (SPEC §10; runner/lease_keeper.h). Lease times are wall-clock microseconds.
  // Takes a queued run for `owner` by compare-and-set: true when it moved queued → running
  // with a lease until `lease_until`; false when it was no longer queued (another worker or
  // process took it, or it was cancelled).
  virtual core::StatusOr<bool> ClaimRun(int64_t workspace_id, int64_t run_id,
                                        const std::string& owner, int64_t now,
                                        int64_t lease_until) = 0;
  // Extends every lease `owner` still holds to `lease_until` and returns those runs, each with
  // whether another process asked to cancel it (RequestCancel). A run the owner thinks it holds
  // and that is missing here was ended by another process (its lease had run out).
  struct RenewedLease {
    int64_t workspace_id = 0;
    int64_t run_id = 0;
    bool cancel_requested = false;
  };
  virtual core::StatusOr<std::vector<RenewedLease>> RenewLeases(const std::string& owner,
                                                                int64_t lease_until) = 0;
  // Cancels a run whatever process holds it, by compare-and-set: a queued run becomes
  // `cancelled` at `now` (returns true); a running one is flagged for its holder, which stops
  // it at its next renewal (returns false). FailedPrecondition when it has finished.
  virtual core::StatusOr<bool> RequestCancel(int64_t workspace_id, int64_t run_id, int64_t now) = 0;
  // Ends the runs whose holder is gone — lease expired before `lease_now`, no holder recorded
  // (older versions), or `dead(owner)` — as failed with error "interrupted", each by
  // compare-and-set on its holder, at `now` (run clock). Returns how many it ended.
  virtual core::StatusOr<int> ExpireLeases(int64_t lease_now, int64_t now,
                                           const std::function<bool(const std::string&)>& dead) = 0;
};

}  // namespace wsync::catalog

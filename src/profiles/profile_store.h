// ProfileStore: the durable home of profiles (identities, attributes, events), the identity
// index and full-sync fingerprints. The Resolver decides what changes; the store only loads and
// writes, in batches. Implementations: storage/ (one per backend). One instance per thread: the
// executor opens its own session.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/run_counters.h"
#include "core/status.h"
#include "core/value.h"
#include "mapping/record.h"

namespace wsync::profiles {

// Profiles live per (workspace, environment): development never touches production.
struct Scope {
  int64_t workspace_id = 0;
  std::string environment;
};

struct StoredAttribute {
  core::Value value;
  bool removed = false;  // a tombstone: keeps the source time so older writes cannot revive it
  int64_t source_time = 0;
  std::string pipeline_id;
  int64_t run_id = 0;
  int64_t updated_at = 0;
  bool operator==(const StoredAttribute&) const = default;
};

struct Profile {
  int64_t mpid = 0;
  std::string environment;
  std::map<std::string, std::string> identities;  // type name → normalised value (user + device)
  std::map<std::string, StoredAttribute> attributes;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t updated_run = 0;  // the last run that changed it: counts each profile once per run
};

struct StoredEvent {
  std::string dedup_key;  // "m:<source_message_id>" or "f:<pipeline>:<event hash>"
  int64_t mpid = 0;
  std::string body;  // JSON of the event
  std::optional<int64_t> timestamp_ms;
  std::string pipeline_id;
  int64_t run_id = 0;
  int64_t created_at = 0;
};

struct IdentityRef {
  std::string type;  // type name
  std::string value;
  bool operator==(const IdentityRef&) const = default;
};

struct IdentityRefHash {
  size_t operator()(const IdentityRef& r) const {
    return std::hash<std::string>()(r.type) * 31 + std::hash<std::string>()(r.value);
  }
};

// A full sync's memory of an applied row: unchanged rows are skipped on the next run. It names
// the profile the row resolved to, so erasing that profile forgets the row (it syncs again).
struct RowFingerprint {
  std::string row_key;
  uint64_t hash = 0;
  int64_t mpid = 0;
};

// What one batch changed on one profile, for forwarding (SPEC §11 forwards only what changed).
struct ProfileDelta {
  int64_t mpid = 0;
  bool identities = false;              // an identity was added or replaced
  std::vector<std::string> attributes;  // names written or removed (a removal is a tombstone)
};

// Everything one batch changes, applied atomically (with the run's checkpoint, in the session's
// transaction).
struct ChangeSet {
  std::vector<const Profile*> profiles;  // new or changed, full state
  std::vector<IdentityRef> identity_deletes;
  std::vector<std::pair<IdentityRef, int64_t>> identity_inserts;
  std::vector<StoredEvent> events;
  std::vector<RowFingerprint> fingerprints;
  std::string pipeline_id;  // whose rows `fingerprints` are
  // Per changed profile, in the order of first change; not written by the store (outputs read
  // it). `profiles` holds the full state of each.
  std::vector<ProfileDelta> deltas;
};

struct ProfilePage {
  std::vector<Profile> items;
  int64_t total = 0;
};

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;

  // One batch's identity lookups: the profiles owning any of `keys`.
  virtual core::StatusOr<std::unordered_map<IdentityRef, int64_t, IdentityRefHash>>
  LookupIdentities(const Scope& scope, const std::vector<IdentityRef>& keys) = 0;
  // Profiles by mpid within the scope; missing ones are absent from the result.
  virtual core::StatusOr<std::unordered_map<int64_t, Profile>> LoadProfiles(
      const Scope& scope, const std::vector<int64_t>& mpids) = 0;
  // Which of `keys` are already stored events.
  virtual core::StatusOr<std::unordered_set<std::string>> ExistingEvents(
      const Scope& scope, const std::vector<std::string>& keys) = 0;
  // Stored fingerprints of the pipeline's row keys.
  virtual core::StatusOr<std::unordered_map<std::string, uint64_t>> LookupFingerprints(
      int64_t workspace_id, const std::string& pipeline_id,
      const std::vector<std::string>& row_keys) = 0;
  virtual core::Status ClearFingerprints(int64_t workspace_id, const std::string& pipeline_id) = 0;

  // Reserves `count` new mpids for this store's every workspace: [first, first + count), never
  // handed out again, above a random gap. Call it inside the batch's transaction so a rolled back
  // batch claims nothing.
  virtual core::StatusOr<int64_t> ClaimMpids(int64_t count) = 0;

  // Runs `fn` in one write transaction (rolled back when it fails). The executor resolves and
  // applies each batch inside one, so concurrent runs on the same profiles (a historical run
  // beside a scheduled one) see each other's batches whole: rows resolve as if one at a time.
  virtual core::Status Transaction(const std::function<core::Status()>& fn) = 0;
  // Writes the change set in one transaction (the caller's, when open: the run's checkpoint,
  // catalog::Catalog::RecordCheckpoint, joins it there). A profile whose mpid is held in another
  // workspace or environment fails the whole batch.
  virtual core::Status Apply(const Scope& scope, const ChangeSet& changes) = 0;

  // Profile API.
  virtual core::StatusOr<Profile> Get(int64_t workspace_id, int64_t mpid) = 0;
  virtual core::StatusOr<ProfilePage> List(int64_t workspace_id,
                                           const std::optional<std::string>& environment,
                                           const std::optional<IdentityRef>& identity, int64_t page,
                                           int64_t page_size) = 0;
  virtual core::StatusOr<std::vector<StoredEvent>> Events(int64_t workspace_id, int64_t mpid,
                                                          int64_t limit) = 0;
  // Erasure: removes the profile, its identities, events and the fingerprints of the rows that
  // resolved to it, so a full sync re-creates it while the warehouse still holds those rows.
  virtual core::Status Erase(int64_t workspace_id, int64_t mpid) = 0;
};

}  // namespace wsync::profiles

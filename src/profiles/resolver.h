// Resolver: identity resolution (SPEC §6). For each batch it looks up every identity the batch
// carries in one store call, loads the matching profiles, then resolves the rows one at a time
// in extraction order against that in-memory view — so two new rows with the same identity in
// one batch make one profile — and returns the batch's ChangeSet for the store to apply.
//
// One Resolver serves one run: it claims the mpids of its new profiles from the store (one range
// per batch that creates any, unique across workspaces), and those ranges tell the profiles it
// created from those it updated (distinct counts in small memory). A preview claims nothing.
// Not thread-safe; the executor drives it from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "mapping/record.h"
#include "profiles/profile_store.h"

namespace wsync::profiles {

enum class InputProtection { kCreateAndUpdate, kUpdateOnly, kReadOnly };

struct ResolverOptions {
  Scope scope;
  InputProtection protection = InputProtection::kCreateAndUpdate;
  std::string pipeline_id;
  int64_t run_id = 0;
  // Resolves without writing: new profiles get provisional negative mpids, none is claimed.
  bool preview = false;
};

struct ResolveInput {
  const mapping::Record* record = nullptr;
  int64_t row_number = 0;
  std::string row_key;      // names the row in errors
  uint64_t event_hash = 0;  // event dedup without a source_message_id (sync::EventHash)
  int64_t source_time = 0;  // micros: timestamp field, else iterator, else run start
};

enum class Outcome { kApplied, kSkipped, kFailed };

struct ResolveResult {
  Outcome outcome = Outcome::kApplied;
  int64_t mpid = 0;         // the profile the row resolved to (0 when none)
  bool changed = false;     // the row changed its profile
  mapping::RowError error;  // when kFailed
};

struct BatchResult {
  std::vector<ResolveResult> rows;  // one per input, same order
  ChangeSet changes;                // points into the resolver; valid until the next batch
  int64_t identity_conflicts = 0;   // rows that met an identity conflict
  int64_t profiles_created = 0;     // new distinct profiles this batch
  int64_t profiles_updated = 0;     // newly counted distinct updated profiles
  int64_t events_created = 0;
};

class Resolver {
 public:
  Resolver(ProfileStore* store, ResolverOptions options, int64_t now_micros);

  core::Status ResolveBatch(const std::vector<ResolveInput>& inputs, BatchResult* out);
  // The updated profile of a resolved row (for outputs), or nullptr.
  const Profile* Working(int64_t mpid) const;

 private:
  ResolveResult ResolveOne(const ResolveInput& input,
                           const std::unordered_set<std::string>& seen_events, BatchResult* out);
  // A new profile's mpid; claims a range for the rest of the batch when needed.
  core::StatusOr<int64_t> NewMpid();
  bool CreatedHere(int64_t mpid) const;
  bool ApplyIdentities(const mapping::Record& record, Profile* profile, bool* conflict);
  // True when a value changed; `refreshed` when only a source time moved forward.
  bool ApplyAttributes(const ResolveInput& input, Profile* profile, bool* refreshed,
                       std::vector<std::string>* changed_names);
  ProfileDelta& DeltaOf(int64_t mpid, BatchResult* out);

  ProfileStore* store_;
  ResolverOptions options_;
  int64_t now_;
  // The batch's claimed mpids are [next_mpid_, claim_end_); this run's new profiles are the
  // used part of each claimed range, in claim order (so sorted).
  int64_t next_mpid_ = 0;
  int64_t claim_end_ = 0;
  std::vector<std::pair<int64_t, int64_t>> created_;
  int64_t provisional_ = 0;    // preview: the last provisional mpid handed out
  size_t rows_left_ = 0;       // rows of the batch from the one being resolved on
  core::Status claim_status_;  // a failed claim fails the batch
  // Per batch: the profiles in play, the identity index overlay, and the keys as stored.
  std::unordered_map<int64_t, Profile> working_;
  struct IndexEntry {
    int64_t mpid = 0;         // the owner now; 0: removed from its profile in this batch
    int64_t stored_mpid = 0;  // the owner in the store when the batch began; 0: none
  };
  std::unordered_map<IdentityRef, IndexEntry, IdentityRefHash> index_;
  std::unordered_set<int64_t> dirty_;
  std::unordered_set<std::string> batch_events_;
  std::unordered_map<int64_t, size_t> delta_index_;  // mpid → its entry in changes.deltas
};

}  // namespace wsync::profiles

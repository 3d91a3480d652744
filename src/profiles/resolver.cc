#include "profiles/resolver.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "mapping/identity_types.h"

namespace wsync::profiles {

namespace {

IdentityRef RefOf(const mapping::Identity& id) {
  return IdentityRef{std::string(mapping::IdentityTypeAt(id.type).name), id.value};
}

std::optional<int64_t> ParseMpid(const std::string& text) {
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string EventDedupKey(const mapping::Event& e, const std::string& pipeline_id,
                          uint64_t event_hash) {
  if (!e.source_message_id.empty()) return "m:" + e.source_message_id;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(event_hash));
  return "f:" + pipeline_id + ":" + buf;
}

std::string EventBody(const mapping::Event& e) {
  std::string out = "{\"event_type\":";
  core::AppendJsonString(e.event_type, &out);
  auto field = [&](const char* name, const std::string& v) {
    if (v.empty()) return;
    out += ",\"";
    out += name;
    out += "\":";
    core::AppendJsonString(v, &out);
  };
  field("event_name", e.event_name);
  field("custom_event_type", e.custom_event_type);
  field("source_message_id", e.source_message_id);
  field("screen_name", e.screen_name);
  if (e.timestamp_ms) out += ",\"timestamp_unixtime_ms\":" + std::to_string(*e.timestamp_ms);
  // `raw`: a member of JSON text already canonical (a commerce event's products).
  auto object = [&](const char* name, const auto& pairs, const char* raw_name,
                    const std::string& raw) {
    if (pairs.empty() && raw.empty()) return;
    out += ",\"";
    out += name;
    out += "\":{";
    bool first = true;
    for (const auto& [k, v] : pairs) {
      if (!first) out += ',';
      first = false;
      core::AppendJsonString(k, &out);
      out += ':';
      v.AppendJson(&out);
    }
    if (!raw.empty()) {
      if (!first) out += ',';
      out += '"';
      out += raw_name;
      out += "\":";
      out += raw;
    }
    out += '}';
  };
  object("custom_attributes", e.custom_attributes, "", "");
  object("product_action", e.product_action, "products", e.products);
  out += '}';
  return out;
}

}  // namespace

Resolver::Resolver(ProfileStore* store, ResolverOptions options, int64_t now_micros)
    : store_(store), options_(std::move(options)), now_(now_micros) {}

const Profile* Resolver::Working(int64_t mpid) const {
  auto it = working_.find(mpid);
  return it == working_.end() ? nullptr : &it->second;
}

core::StatusOr<int64_t> Resolver::NewMpid() {
  if (options_.preview) return --provisional_;
  // One claim per batch, sized for every row left: the claim commits or rolls back with the
  // batch, and consecutive mpids append to the store's B-tree instead of landing on random pages.
  if (next_mpid_ == claim_end_) {
    const int64_t count = static_cast<int64_t>(std::max<size_t>(rows_left_, 1));
    ASSIGN_OR_RETURN(next_mpid_, store_->ClaimMpids(count));
    claim_end_ = next_mpid_ + count;
    created_.emplace_back(next_mpid_, next_mpid_);
  }
  created_.back().second = next_mpid_ + 1;
  return next_mpid_++;
}

bool Resolver::CreatedHere(int64_t mpid) const {
  if (mpid < 0) return true;  // provisional
  auto it = std::upper_bound(created_.begin(), created_.end(), std::make_pair(mpid, INT64_MAX));
  return it != created_.begin() && mpid < std::prev(it)->second;
}

core::Status Resolver::ResolveBatch(const std::vector<ResolveInput>& inputs, BatchResult* out) {
  *out = BatchResult();
  working_.clear();
  index_.clear();
  next_mpid_ = claim_end_ = 0;  // an unused rest of the last claim is dropped
  dirty_.clear();
  batch_events_.clear();
  delta_index_.clear();

  // One lookup for every identity in the batch, then one load of every profile they name.
  std::vector<IdentityRef> keys;
  std::vector<int64_t> mpids;
  std::vector<std::string> event_keys;
  for (const ResolveInput& in : inputs) {
    for (const mapping::Identity& id : in.record->identities) {
      if (id.type == 0) {
        if (auto m = ParseMpid(id.value)) mpids.push_back(*m);
        continue;
      }
      keys.push_back(RefOf(id));  // a repeated key is just looked up twice
    }
    if (in.record->event) {
      event_keys.push_back(EventDedupKey(*in.record->event, options_.pipeline_id, in.event_hash));
    }
  }
  ASSIGN_OR_RETURN(auto found, store_->LookupIdentities(options_.scope, keys));
  for (auto& [ref, mpid] : found) {
    mpids.push_back(mpid);
    index_.emplace(ref, IndexEntry{mpid, mpid});
  }
  std::sort(mpids.begin(), mpids.end());
  mpids.erase(std::unique(mpids.begin(), mpids.end()), mpids.end());
  ASSIGN_OR_RETURN(working_, store_->LoadProfiles(options_.scope, mpids));
  for (const auto& [mpid, profile] : working_) {
    for (const auto& [type, value] : profile.identities) {
      index_.emplace(IdentityRef{type, value}, IndexEntry{mpid, mpid});
    }
  }
  std::unordered_set<std::string> seen_events;
  if (!event_keys.empty()) {
    ASSIGN_OR_RETURN(seen_events, store_->ExistingEvents(options_.scope, event_keys));
  }

  out->rows.reserve(inputs.size());
  claim_status_ = core::Status::Ok();
  for (size_t i = 0; i < inputs.size(); ++i) {
    rows_left_ = inputs.size() - i;
    out->rows.push_back(ResolveOne(inputs[i], seen_events, out));
    if (!claim_status_.ok()) return claim_status_;
  }

  // The identity index changes: compare each touched key's final owner with its owner at load
  // time. A key can move between profiles inside one batch (A drops old@x, then new customer B
  // takes it): its row is then deleted and inserted again (the store applies deletes first).
  for (const auto& [ref, entry] : index_) {
    if (entry.mpid == entry.stored_mpid) continue;
    if (entry.stored_mpid != 0) out->changes.identity_deletes.push_back(ref);
    if (entry.mpid != 0) out->changes.identity_inserts.emplace_back(ref, entry.mpid);
  }
  for (int64_t mpid : dirty_) out->changes.profiles.push_back(&working_.at(mpid));
  return core::Status::Ok();
}

ResolveResult Resolver::ResolveOne(const ResolveInput& input,
                                   const std::unordered_set<std::string>& seen_events,
                                   BatchResult* out) {
  const mapping::Record& record = *input.record;
  ResolveResult result;
  auto fail = [&](mapping::RowErrorCode code, std::string column, std::string message) {
    result.outcome = Outcome::kFailed;
    result.error = mapping::RowError{input.row_number, input.row_key, std::move(column), code,
                                     std::move(message)};
    return result;
  };

  // Steps 1–2: the first identity type (in priority order) that matches a profile picks it,
  // unless that profile holds a different value for a higher-priority type the row carries.
  int64_t matched = 0;
  bool conflict = false;
  for (size_t i = 0; i < record.identities.size() && matched == 0 && !conflict; ++i) {
    const mapping::Identity& id = record.identities[i];
    if (id.type == 0) {
      std::optional<int64_t> mpid = ParseMpid(id.value);
      if (!mpid || !working_.contains(*mpid)) {
        return fail(mapping::RowErrorCode::kUnknownMpid, "mpid",
                    "mpid " + id.value + " does not name a profile in environment '" +
                        options_.scope.environment + "'");
      }
      matched = *mpid;
      break;
    }
    auto it = index_.find(RefOf(id));
    if (it == index_.end() || it->second.mpid == 0) continue;
    const Profile& candidate = working_.at(it->second.mpid);
    for (size_t j = 0; j < i; ++j) {
      const mapping::Identity& higher = record.identities[j];
      auto held = candidate.identities.find(std::string(mapping::IdentityTypeAt(higher.type).name));
      if (held != candidate.identities.end() && held->second != higher.value) conflict = true;
    }
    if (!conflict) matched = it->second.mpid;
  }

  const bool read_only = options_.protection == InputProtection::kReadOnly;
  if (matched == 0 && (read_only || options_.protection == InputProtection::kUpdateOnly)) {
    if (conflict) ++out->identity_conflicts;
    result.outcome = Outcome::kSkipped;
    return result;
  }
  if (read_only) {
    result.outcome = Outcome::kSkipped;
    result.mpid = matched;
    return result;
  }
  if (matched == 0) {
    // Step 3: a new profile.
    core::StatusOr<int64_t> mpid = NewMpid();
    if (!mpid.ok()) {
      claim_status_ = mpid.status();  // fails the batch
      result.outcome = Outcome::kSkipped;
      return result;
    }
    matched = *mpid;
    Profile& p = working_[matched];
    p.mpid = matched;
    p.environment = options_.scope.environment;
    p.created_at = now_;
    p.updated_at = now_;
    ++out->profiles_created;
    dirty_.insert(matched);
  }
  Profile& profile = working_.at(matched);
  result.mpid = matched;

  // Step 4: identities, attributes, the event.
  const bool identities_changed = ApplyIdentities(record, &profile, &conflict);
  bool changed = identities_changed;
  bool refreshed = false;
  std::vector<std::string> changed_names;
  changed |= ApplyAttributes(input, &profile, &refreshed, &changed_names);
  if (refreshed) dirty_.insert(matched);
  if (identities_changed || !changed_names.empty()) {
    ProfileDelta& delta = DeltaOf(matched, out);
    delta.identities |= identities_changed;
    for (std::string& name : changed_names) {
      if (std::find(delta.attributes.begin(), delta.attributes.end(), name) ==
          delta.attributes.end()) {
        delta.attributes.push_back(std::move(name));
      }
    }
  }
  if (record.event) {
    std::string key = EventDedupKey(*record.event, options_.pipeline_id, input.event_hash);
    if (!seen_events.contains(key) && batch_events_.insert(key).second) {
      StoredEvent e;
      e.dedup_key = std::move(key);
      e.mpid = matched;
      e.body = EventBody(*record.event);
      e.timestamp_ms = record.event->timestamp_ms;
      e.pipeline_id = options_.pipeline_id;
      e.run_id = options_.run_id;
      e.created_at = now_;
      out->changes.events.push_back(std::move(e));
      DeltaOf(matched, out);
      ++out->events_created;
      changed = true;
    }
  }
  if (conflict) ++out->identity_conflicts;
  if (changed) {
    profile.updated_at = now_;
    dirty_.insert(matched);
    // Distinct counts without remembering every profile: this run's new mpids form one range
    // per claiming batch, and a profile carries the last run that updated it.
    if (!CreatedHere(matched) && profile.updated_run != options_.run_id) ++out->profiles_updated;
    profile.updated_run = options_.run_id;
  }
  result.changed = changed;
  return result;
}

bool Resolver::ApplyIdentities(const mapping::Record& record, Profile* profile, bool* conflict) {
  bool changed = false;
  for (const mapping::Identity& id : record.identities) {
    if (id.type == 0) continue;
    IdentityRef ref = RefOf(id);
    auto owner = index_.find(ref);
    if (owner != index_.end() && owner->second.mpid != 0) {
      // Owned by another profile: it stays where it is (profiles are never merged silently).
      if (owner->second.mpid != profile->mpid) *conflict = true;
      continue;
    }
    auto held = profile->identities.find(ref.type);
    if (held != profile->identities.end()) {
      index_[IdentityRef{ref.type, held->second}].mpid = 0;  // the old value goes: emails change
      held->second = ref.value;
    } else {
      profile->identities.emplace(ref.type, ref.value);
    }
    index_[std::move(ref)].mpid = profile->mpid;
    changed = true;
  }
  return changed;
}

ProfileDelta& Resolver::DeltaOf(int64_t mpid, BatchResult* out) {
  auto [it, inserted] = delta_index_.emplace(mpid, out->changes.deltas.size());
  if (inserted) out->changes.deltas.push_back(ProfileDelta{mpid, false, {}});
  return out->changes.deltas[it->second];
}

bool Resolver::ApplyAttributes(const ResolveInput& input, Profile* profile, bool* refreshed,
                               std::vector<std::string>* changed_names) {
  bool changed = false;
  for (const mapping::Attribute& a : input.record->attributes) {
    auto it = profile->attributes.find(a.name);
    if (it != profile->attributes.end()) {
      StoredAttribute& s = it->second;
      if (s.source_time > input.source_time) continue;  // never let older data win
      if (a.value.is_null() ? s.removed : (!s.removed && s.value == a.value)) {
        // Re-confirmed: the value now dates from the newer source time, so a write from before
        // it cannot replace it. The profile is written but not counted as updated.
        if (s.source_time < input.source_time) {
          s.source_time = input.source_time;
          *refreshed = true;
        }
        continue;
      }
    } else if (a.value.is_null()) {
      continue;  // removing what is not there changes nothing
    }
    StoredAttribute& s = profile->attributes[a.name];
    s.value = a.value;
    s.removed = a.value.is_null();
    s.source_time = input.source_time;
    s.pipeline_id = options_.pipeline_id;
    s.run_id = options_.run_id;
    s.updated_at = now_;
    changed_names->push_back(a.name);
    changed = true;
  }
  return changed;
}

}  // namespace wsync::profiles

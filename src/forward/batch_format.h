// mParticle's server-to-server batch shape (SPEC §11): what one applied batch forwards, one
// batch per changed profile — `environment`, `mpid` (a JSON integer), `source_request_id`,
// `user_identities`, `device_info` / `mp_deviceid`, the attributes the batch wrote
// (`user_attributes`) or removed (`deleted_user_attributes`) and, for events pipelines, the
// events it stored. Rendered once, when the batch is applied, and kept in the outbox, so a
// resend after a lost answer carries the same source_request_id and message ids.
//
// Where mParticle's schema is narrower than what the store holds: a source_message_id that is
// not a UUID is sent as a UUIDv5 of (pipeline id, value) and an event without one as a UUIDv5
// of (pipeline id, its dedup key); device identities the schema types as UUIDs are sent only
// when they are UUIDs (the store keeps them all); a custom_event_type `attribution` (not in the
// schema's custom_event list) is sent as `other`; array values of event attributes are sent as
// their JSON text.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/profile_store.h"
#include "storage/outbox.h"

namespace wsync::forward {

struct BatchSource {
  int64_t workspace_id = 0;
  std::string pipeline_id;
  std::string environment;
  int64_t run_id = 0;
  int64_t batch_number = 0;  // the run's applied batches so far (names source_request_id)
};

// One outbox item per profile the change set changed, in the order of first change.
std::vector<storage::OutboxItem> RenderBatches(const profiles::ChangeSet& changes,
                                               const BatchSource& source);

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in hex digits of either case.
bool IsUuid(std::string_view text);
// The name-based UUID (RFC 4122 version 5, SHA-1) of `name` in `name_space` (a UUID's text).
std::string UuidV5(std::string_view name_space, std::string_view name);
// The message id an event of `pipeline_id` is forwarded with: its source_message_id when that
// is a UUID, else a UUIDv5 of (pipeline id, the value).
std::string MessageId(std::string_view pipeline_id, std::string_view value);

}  // namespace wsync::forward

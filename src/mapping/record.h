// What one mapped warehouse row says about one user: its identities, attribute writes and at
// most one event. Produced by the Mapper, consumed by the Resolver. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value.h"

namespace wsync::mapping {

struct Identity {
  int type = 0;       // priority index into IdentityTypes()
  std::string value;  // normalised
};

struct Attribute {
  std::string name;
  core::Value value;  // Null: remove the attribute (null_values: remove)
};

struct Event {
  std::string event_type;  // custom_event, screen_view, commerce_event, ...
  std::string event_name;
  std::string custom_event_type;  // for custom_event
  std::optional<int64_t> timestamp_ms;
  std::string source_message_id;
  std::string screen_name;
  std::vector<std::pair<std::string, core::Value>> custom_attributes;
  std::vector<std::pair<std::string, core::Value>> product_action;  // action, transaction_id, ...
  // A commerce event's products: a JSON array of product objects in canonical form (from a
  // products column, or one product's columns); empty when the event has none.
  std::string products;
};

struct Record {
  std::vector<Identity> identities;  // sorted by priority, one per type
  std::vector<Attribute> attributes;
  std::optional<Event> event;
  std::optional<int64_t> source_time;  // micros; from timestamp_field / iterator when mapped
};

// Why a row was not applied. Named (Name) as stored with the row error and shown by the API;
// ParseRowErrorCode reads a stored name back.
enum class RowErrorCode {
  kInvalidRow,        // the row does not have the model's columns
  kNoIdentity,        // no identity column holds a value
  kInvalidValue,      // a value the destination cannot take (an mpid, an event's type or name)
  kInvalidUtf8,       // text that is not UTF-8
  kBinaryValue,       // bytes where text or a number belongs
  kInvalidNumber,     // NaN or infinity
  kInvalidTimestamp,  // a date or time outside the years 1..9999, or a bad event time
  kLimitExceeded,     // too long, too many attributes, ...
  kInvalidIterator,   // an iterator value that does not parse as the iterator's type
  kUnknownMpid,       // an mpid no profile has
};
std::string_view Name(RowErrorCode code);  // "invalid_row", "no_identity", ...
std::optional<RowErrorCode> ParseRowErrorCode(std::string_view name);

// A row that was not applied (SPEC §7). `row` counts from 1 within the run.
struct RowError {
  int64_t row = 0;
  std::string key;     // the row's key (primary key or best identity) when known
  std::string column;  // the offending column, or empty
  RowErrorCode code = RowErrorCode::kInvalidRow;
  std::string message;
};

}  // namespace wsync::mapping

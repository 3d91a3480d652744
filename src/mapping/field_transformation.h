// Field transformations (SPEC §4): their JSON form, the stand-alone validation done when one is
// saved, and the model used by the Mapper. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wsync::mapping {

enum class DestinationType { kUserAttributes, kEventBatch };
enum class MappingType { kColumn, kStatic, kIgnore };

struct Mapping {
  MappingType mapping_type = MappingType::kColumn;
  std::string source;       // column name, or "$unmapped"
  std::string destination;  // "user_identities.email", "user_attributes.*", ...
  nlohmann::json value;     // for static
  std::string value_type;   // string | number | boolean, for static
};

struct FieldTransformation {
  std::string id;
  std::string name;
  DestinationType destination_type = DestinationType::kUserAttributes;
  std::vector<Mapping> mappings;
};

// Parses the API body. Unknown keys and wrong JSON types are InvalidArgument with a detail
// naming the field ("mappings[1].value_type").
core::StatusOr<FieldTransformation> ParseFieldTransformation(const nlohmann::json& body);
nlohmann::json ToJson(const FieldTransformation& ft);

// Stage-one checks (no columns needed): known destinations and identity types, one mapping per
// destination, static values of their type, the event rules. Every error names its mapping.
core::Status Validate(const FieldTransformation& ft);

// A destination string taken apart. Shared by Validate and the Mapper so both read
// destinations the same way.
enum class DestinationKind {
  kMpid,
  kUserIdentity,    // identity = priority index
  kDeviceIdentity,  // identity = priority index
  kAttribute,       // name
  kAllAttributes,   // user_attributes.*
  kEventType,
  kEventName,
  kCustomEventType,
  kEventTimestampMs,
  kSourceMessageId,
  kScreenName,
  kCustomAttribute,      // name
  kAllCustomAttributes,  // events.custom_attributes.*
  kProductAction,        // name = action | transaction_id | total_amount | products
  kProduct,              // name = a field of the one product (id, name, price, ...)
};

struct Destination {
  DestinationKind kind = DestinationKind::kAttribute;
  int identity = -1;
  std::string name;
  // Unique per target ("user_identities.customer_id" for "user_identities.CustomerID").
  std::string key;
};

// Parses `text` as a destination of a `type` transformation; on failure returns false and sets
// `error` to a message part such as "unknown identity type 'emial'".
bool ParseDestination(std::string_view text, DestinationType type, Destination* out,
                      std::string* error);

// The custom_event_type values mParticle accepts (SPEC §4).
bool IsCustomEventType(std::string_view value);
// The event types an events pipeline writes and forwards: custom_event, screen_view,
// commerce_event.
bool IsEventType(std::string_view value);
// mParticle's product actions (product_action.action of a commerce_event).
bool IsProductAction(std::string_view value);
// The fields of one product (events.product_action.product.<field>); `numeric` tells the
// fields mParticle takes as numbers (price, quantity, position, total_product_amount).
bool IsProductField(std::string_view field, bool* numeric);

}  // namespace wsync::mapping

#include "mapping/field_transformation.h"

#include <map>
#include <utility>

#include "mapping/identity_types.h"

namespace wsync::mapping {
namespace {

using core::FieldError;
using nlohmann::json;

constexpr std::string_view kUnmapped = "$unmapped";

std::string Index(std::string_view prefix, size_t i) {
  return std::string(prefix) + "[" + std::to_string(i) + "]";
}

// "must be a string, got number": names both sides so a UI can show it beside the field.
std::string WrongType(std::string_view want, const json& got) {
  return "must be " + std::string(want) + ", got " + got.type_name();
}

// Reads an optional string member; JSON null counts as absent.
void ReadString(const json& value, const std::string& path, std::string* out,
                std::vector<FieldError>* errors) {
  if (value.is_null()) return;
  if (!value.is_string()) {
    errors->push_back({path, WrongType("a string", value)});
    return;
  }
  *out = value.get<std::string>();
}

bool IsAuditField(std::string_view key) {
  return key == "created_on" || key == "created_by" || key == "last_modified_on" ||
         key == "last_modified_by";
}

Mapping ParseMapping(const json& body, const std::string& path, std::vector<FieldError>* errors) {
  Mapping m;
  bool has_type = false;
  for (const auto& [key, value] : body.items()) {
    std::string field = path + "." + key;
    if (key == "mapping_type") {
      if (value.is_null()) continue;
      if (!value.is_string()) {
        errors->push_back({field, WrongType("a string", value)});
        has_type = true;
        continue;
      }
      has_type = true;
      const std::string& t = value.get_ref<const std::string&>();
      if (t == "column") {
        m.mapping_type = MappingType::kColumn;
      } else if (t == "static") {
        m.mapping_type = MappingType::kStatic;
      } else if (t == "ignore") {
        m.mapping_type = MappingType::kIgnore;
      } else {
        errors->push_back({field, "must be one of column, static, ignore (got '" + t + "')"});
      }
    } else if (key == "source") {
      ReadString(value, field, &m.source, errors);
    } else if (key == "destination") {
      ReadString(value, field, &m.destination, errors);
    } else if (key == "value") {
      m.value = value;
    } else if (key == "value_type") {
      ReadString(value, field, &m.value_type, errors);
    } else {
      errors->push_back(core::UnknownField(field));
    }
  }
  if (!has_type) errors->push_back({path + ".mapping_type", "is required"});
  return m;
}

std::string_view MappingTypeName(MappingType t) {
  switch (t) {
    case MappingType::kColumn:
      return "column";
    case MappingType::kStatic:
      return "static";
    case MappingType::kIgnore:
      return "ignore";
  }
  return "column";
}

// "mapping 2 (column 'emial' → user_identities.emial)": how every error names its mapping.
std::string Describe(size_t i, const Mapping& m) {
  std::string text = "mapping " + std::to_string(i) + " (";
  switch (m.mapping_type) {
    case MappingType::kColumn:
      text += "column '" + m.source + "'";
      break;
    case MappingType::kStatic:
      text += "static ";
      text += m.value.is_string() ? "'" + m.value.get<std::string>() + "'" : m.value.dump();
      break;
    case MappingType::kIgnore:
      text += "ignore column '" + m.source + "'";
      break;
  }
  if (!m.destination.empty()) text += " → " + m.destination;
  return text + ")";
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ParseIdentity(std::string_view type_name, bool device, Destination* out, std::string* error) {
  const IdentityType* type = FindIdentityType(type_name);
  if (type == nullptr) {
    *error = "unknown identity type '" + std::string(type_name) + "'";
    return false;
  }
  if (type->priority == 0) {
    *error = "mpid is not a user identity here; use the destination 'mpid'";
    return false;
  }
  if (type->device != device) {
    *error = "'" + std::string(type->name) + "' is a " + (type->device ? "device" : "user") +
             " identity; use " + (type->device ? "device_info." : "user_identities.") +
             std::string(type->name);
    return false;
  }
  out->kind = device ? DestinationKind::kDeviceIdentity : DestinationKind::kUserIdentity;
  out->identity = type->priority;
  out->key = (device ? "device_info." : "user_identities.") + std::string(type->name);
  return true;
}

}  // namespace

bool IsCustomEventType(std::string_view value) {
  static constexpr std::string_view kTypes[] = {
      "attribution", "location",    "media",        "navigation",      "search",
      "social",      "transaction", "user_content", "user_preference", "other"};
  for (std::string_view t : kTypes) {
    if (t == value) return true;
  }
  return false;
}

bool IsEventType(std::string_view value) {
  return value == "custom_event" || value == "screen_view" || value == "commerce_event";
}

bool IsProductAction(std::string_view value) {
  static constexpr std::string_view kActions[] = {
      "add_to_cart", "remove_from_cart", "checkout", "checkout_option", "click",
      "view_detail", "purchase",         "refund",   "add_to_wishlist", "remove_from_wish_list"};
  for (std::string_view a : kActions) {
    if (a == value) return true;
  }
  return false;
}

bool IsProductField(std::string_view field, bool* numeric) {
  static constexpr std::pair<std::string_view, bool> kFields[] = {
      {"id", false},      {"name", false},
      {"brand", false},   {"category", false},
      {"variant", false}, {"coupon_code", false},
      {"position", true}, {"price", true},
      {"quantity", true}, {"total_product_amount", true}};
  for (const auto& [name, is_numeric] : kFields) {
    if (name == field) {
      if (numeric != nullptr) *numeric = is_numeric;
      return true;
    }
  }
  return false;
}

bool ParseDestination(std::string_view text, DestinationType type, Destination* out,
                      std::string* error) {
  *out = Destination{};
  out->key = std::string(text);
  if (text == "mpid") {
    out->kind = DestinationKind::kMpid;
    out->identity = 0;
    return true;
  }
  if (StartsWith(text, "user_identities.")) {
    return ParseIdentity(text.substr(16), false, out, error);
  }
  if (StartsWith(text, "device_info.")) {
    return ParseIdentity(text.substr(12), true, out, error);
  }
  if (StartsWith(text, "user_attributes.")) {
    std::string_view name = text.substr(16);
    if (name.empty()) {
      *error = "an attribute name is required after 'user_attributes.'";
      return false;
    }
    out->kind = name == "*" ? DestinationKind::kAllAttributes : DestinationKind::kAttribute;
    out->name = std::string(name);
    return true;
  }
  if (StartsWith(text, "events.")) {
    if (type != DestinationType::kEventBatch) {
      *error = "events destinations need destination_type event_batch";
      return false;
    }
    std::string_view rest = text.substr(7);
    static const std::pair<std::string_view, DestinationKind> kFields[] = {
        {"event_type", DestinationKind::kEventType},
        {"event_name", DestinationKind::kEventName},
        {"custom_event_type", DestinationKind::kCustomEventType},
        {"timestamp_unixtime_ms", DestinationKind::kEventTimestampMs},
        {"source_message_id", DestinationKind::kSourceMessageId},
        {"screen_name", DestinationKind::kScreenName}};
    for (const auto& [name, kind] : kFields) {
      if (rest == name) {
        out->kind = kind;
        return true;
      }
    }
    if (StartsWith(rest, "custom_attributes.")) {
      std::string_view name = rest.substr(18);
      if (name.empty()) {
        *error = "an attribute name is required after 'events.custom_attributes.'";
        return false;
      }
      out->kind =
          name == "*" ? DestinationKind::kAllCustomAttributes : DestinationKind::kCustomAttribute;
      out->name = std::string(name);
      return true;
    }
    if (StartsWith(rest, "product_action.product.")) {
      std::string_view name = rest.substr(23);
      if (!IsProductField(name, nullptr)) {
        *error = "unknown product field '" + std::string(name) +
                 "' (expected id, name, brand, category, variant, coupon_code, position, price, "
                 "quantity or total_product_amount)";
        return false;
      }
      out->kind = DestinationKind::kProduct;
      out->name = std::string(name);
      return true;
    }
    if (StartsWith(rest, "product_action.")) {
      std::string_view name = rest.substr(15);
      if (name != "action" && name != "transaction_id" && name != "total_amount" &&
          name != "products") {
        *error = "unknown product_action field '" + std::string(name) +
                 "' (expected action, transaction_id, total_amount or products)";
        return false;
      }
      out->kind = DestinationKind::kProductAction;
      out->name = std::string(name);
      return true;
    }
    *error = "unknown event destination '" + std::string(text) + "'";
    return false;
  }
  *error = "unknown destination '" + std::string(text) +
           "' (expected mpid, user_identities.<type>, device_info.<type>, "
           "user_attributes.<name>" +
           (type == DestinationType::kEventBatch ? std::string(" or events.<field>") : "") + ")";
  return false;
}

core::StatusOr<FieldTransformation> ParseFieldTransformation(const json& body) {
  try {
    if (!body.is_object()) {
      return core::Status::InvalidField(
          "", "a field transformation must be a JSON object, got " + std::string(body.type_name()));
    }
    FieldTransformation ft;
    std::vector<FieldError> errors;
    bool has_destination_type = false;
    bool has_mappings = false;
    for (const auto& [key, value] : body.items()) {
      if (key == "id") {
        ReadString(value, "id", &ft.id, &errors);
      } else if (key == "name") {
        ReadString(value, "name", &ft.name, &errors);
      } else if (key == "destination_type") {
        has_destination_type = true;
        if (!value.is_string()) {
          errors.push_back({"destination_type", WrongType("a string", value)});
        } else if (value == "user_attributes") {
          ft.destination_type = DestinationType::kUserAttributes;
        } else if (value == "event_batch") {
          ft.destination_type = DestinationType::kEventBatch;
        } else {
          errors.push_back({"destination_type", "must be user_attributes or event_batch (got '" +
                                                    value.get<std::string>() + "')"});
        }
      } else if (key == "mappings") {
        has_mappings = true;
        if (!value.is_array()) {
          errors.push_back({"mappings", WrongType("an array", value)});
          continue;
        }
        for (size_t i = 0; i < value.size(); ++i) {
          std::string path = Index("mappings", i);
          if (!value[i].is_object()) {
            errors.push_back({path, WrongType("an object", value[i])});
            continue;
          }
          ft.mappings.push_back(ParseMapping(value[i], path, &errors));
        }
      } else if (!IsAuditField(key)) {
        errors.push_back(core::UnknownField(key));
      }
    }
    if (!has_destination_type) {
      errors.push_back({"destination_type", "is required (user_attributes or event_batch)"});
    }
    if (!has_mappings) errors.push_back({"mappings", "is required"});
    if (!errors.empty()) return core::Status::FromFieldErrors(std::move(errors));
    return ft;
  } catch (const std::exception& e) {
    // Defensive: the checks above should leave nlohmann nothing to throw about.
    return core::InvalidArgument(std::string("field transformation: ") + e.what());
  }
}

json ToJson(const FieldTransformation& ft) {
  json out = json::object();
  out["id"] = ft.id;
  out["name"] = ft.name;
  out["destination_type"] =
      ft.destination_type == DestinationType::kEventBatch ? "event_batch" : "user_attributes";
  json mappings = json::array();
  for (const Mapping& m : ft.mappings) {
    json j = json::object();
    j["mapping_type"] = MappingTypeName(m.mapping_type);
    if (!m.source.empty()) j["source"] = m.source;
    if (!m.destination.empty()) j["destination"] = m.destination;
    if (m.mapping_type == MappingType::kStatic) j["value"] = m.value;
    if (!m.value_type.empty()) j["value_type"] = m.value_type;
    mappings.push_back(std::move(j));
  }
  out["mappings"] = std::move(mappings);
  return out;
}

core::Status Validate(const FieldTransformation& ft) {
  std::vector<FieldError> errors;
  const bool events = ft.destination_type == DestinationType::kEventBatch;
  if (ft.mappings.empty()) errors.push_back({"mappings", "at least one mapping is required"});

  std::map<std::string, size_t> seen;  // destination key → first mapping using it
  // Event mappings by kind, for the cross-mapping rules below.
  std::map<DestinationKind, size_t> event_fields;
  int product_column = -1;    // the first mapping to events.product_action.product.<field>
  int products_mapping = -1;  // the mapping to events.product_action.products
  bool has_action = false;

  for (size_t i = 0; i < ft.mappings.size(); ++i) {
    const Mapping& m = ft.mappings[i];
    const std::string path = Index("mappings", i);
    auto add = [&](std::string field, std::string_view message) {
      errors.push_back({std::move(field), Describe(i, m) + ": " + std::string(message)});
    };
    const bool unmapped = m.source == kUnmapped;

    switch (m.mapping_type) {
      case MappingType::kColumn:
        if (m.source.empty()) add(path + ".source", "a column mapping needs a source column");
        if (m.destination.empty()) {
          add(path + ".destination", "a column mapping needs a destination");
        }
        break;
      case MappingType::kIgnore:
        if (m.source.empty()) add(path + ".source", "an ignore mapping needs a source column");
        if (unmapped) add(path + ".source", "$unmapped cannot be ignored");
        if (!m.destination.empty()) {
          add(path + ".destination", "an ignore mapping takes no destination");
        }
        break;
      case MappingType::kStatic:
        if (!m.source.empty()) add(path + ".source", "a static mapping takes no source");
        if (m.destination.empty()) {
          add(path + ".destination", "a static mapping needs a destination");
        }
        if (m.value_type == "string") {
          if (!m.value.is_string()) add(path + ".value", "value must be a string");
        } else if (m.value_type == "number") {
          if (!m.value.is_number()) add(path + ".value", "value must be a number");
        } else if (m.value_type == "boolean") {
          if (!m.value.is_boolean()) add(path + ".value", "value must be a boolean");
        } else if (m.value_type.empty()) {
          add(path + ".value_type", "a static mapping needs value_type string, number or boolean");
        } else {
          add(path + ".value_type",
              "value_type must be string, number or boolean, not '" + m.value_type + "'");
        }
        break;
    }
    if (m.destination.empty()) continue;

    Destination dest;
    std::string error;
    if (!ParseDestination(m.destination, ft.destination_type, &dest, &error)) {
      add(path + ".destination", error);
      continue;
    }
    const bool wildcard = dest.kind == DestinationKind::kAllAttributes ||
                          dest.kind == DestinationKind::kAllCustomAttributes;
    if (wildcard && (!unmapped || m.mapping_type != MappingType::kColumn)) {
      add(path + ".source", m.destination + " takes only the column mapping of source $unmapped");
    } else if (unmapped && !wildcard) {
      add(path + ".destination", std::string("$unmapped maps only to user_attributes.*") +
                                     (events ? " or events.custom_attributes.*" : ""));
    }
    if (auto [it, inserted] = seen.emplace(dest.key, i); !inserted) {
      add(path + ".destination", "destination " + dest.key + " is already mapped by mapping " +
                                     std::to_string(it->second));
      continue;
    }
    if (dest.kind == DestinationKind::kMpid && m.mapping_type == MappingType::kStatic &&
        !m.value.is_number_integer()) {
      add(path + ".value", "a static mpid must be an integer number");
    }
    if (dest.kind == DestinationKind::kEventTimestampMs && m.mapping_type == MappingType::kStatic &&
        m.value_type != "number") {
      add(path + ".value_type", "events.timestamp_unixtime_ms takes a number");
    }
    if (dest.kind == DestinationKind::kEventType && m.mapping_type == MappingType::kStatic &&
        m.value.is_string() && !IsEventType(m.value.get<std::string>())) {
      add(path + ".value", "event_type must be custom_event, screen_view or commerce_event");
    }
    if (dest.kind == DestinationKind::kProductAction && dest.name == "action" &&
        m.mapping_type == MappingType::kStatic && m.value.is_string() &&
        !IsProductAction(m.value.get<std::string>())) {
      add(path + ".value",
          "product_action.action must be one of add_to_cart, remove_from_cart, checkout, "
          "checkout_option, click, view_detail, purchase, refund, add_to_wishlist, "
          "remove_from_wish_list");
    }
    if (dest.kind == DestinationKind::kProductAction && dest.name == "products" &&
        m.mapping_type == MappingType::kStatic) {
      add(path + ".mapping_type", "events.product_action.products takes a column");
    }
    if (dest.kind == DestinationKind::kProduct) {
      if (product_column < 0) product_column = static_cast<int>(i);
    } else if (dest.kind == DestinationKind::kProductAction && dest.name == "products") {
      products_mapping = static_cast<int>(i);
    } else if (dest.kind == DestinationKind::kProductAction && dest.name == "action") {
      has_action = true;
    }
    if (dest.kind == DestinationKind::kCustomEventType && m.mapping_type == MappingType::kStatic &&
        m.value.is_string() && !IsCustomEventType(m.value.get<std::string>())) {
      add(path + ".value",
          "custom_event_type must be one of attribution, location, media, navigation, search, "
          "social, transaction, user_content, user_preference, other");
    }
    event_fields.emplace(dest.kind, i);
  }

  if (product_column >= 0 && products_mapping >= 0) {
    errors.push_back({Index("mappings", static_cast<size_t>(product_column)),
                      Describe(static_cast<size_t>(product_column),
                               ft.mappings[static_cast<size_t>(product_column)]) +
                          ": products come from events.product_action.products (mapping " +
                          std::to_string(products_mapping) +
                          ") or from one product's columns, not both"});
  }
  if (events) {
    auto type_it = event_fields.find(DestinationKind::kEventType);
    if (type_it == event_fields.end()) {
      errors.push_back({"mappings", "an event_batch needs a mapping to events.event_type"});
    } else {
      size_t i = type_it->second;
      const Mapping& m = ft.mappings[i];
      if (m.mapping_type == MappingType::kStatic && m.value.is_string()) {
        const std::string type = m.value.get<std::string>();
        auto require = [&](DestinationKind kind, std::string_view name) {
          if (event_fields.count(kind) == 0) {
            errors.push_back(
                {Index("mappings", i),
                 Describe(i, m) + ": a " + type + " needs a mapping to " + std::string(name)});
          }
        };
        if (type == "custom_event") {
          require(DestinationKind::kEventName, "events.event_name");
          require(DestinationKind::kCustomEventType, "events.custom_event_type");
        } else if (type == "screen_view") {
          require(DestinationKind::kScreenName, "events.screen_name");
        } else if (type == "commerce_event" && !has_action) {
          errors.push_back(
              {Index("mappings", i),
               Describe(i, m) +
                   ": a commerce_event needs a mapping to events.product_action.action"});
        }
      }
    }
  }
  return core::Status::FromFieldErrors(std::move(errors));
}

}  // namespace wsync::mapping

#include "profiles/profile_codec.h"

#include "core/time.h"

namespace wsync::profiles {

std::string EncodeIdentities(const std::map<std::string, std::string>& identities) {
  std::string out = "{";
  for (const auto& [type, value] : identities) {
    if (out.size() > 1) out.push_back(',');
    core::AppendJsonString(type, &out);
    out.push_back(':');
    core::AppendJsonString(value, &out);
  }
  out.push_back('}');
  return out;
}

namespace {

// Provenance is what makes attribute documents large, and one row writes the same provenance
// to all its attributes: version 2 stores each distinct tuple once and refers to it by index.
struct Provenance {
  const StoredAttribute* first;
  bool Same(const StoredAttribute& a) const {
    return a.source_time == first->source_time && a.run_id == first->run_id &&
           a.updated_at == first->updated_at && a.pipeline_id == first->pipeline_id;
  }
};

std::string_view TypeTag(core::Type type) {
  switch (type) {
    case core::Type::kDecimal:
    case core::Type::kDate:
    case core::Type::kTimestamp:
    case core::Type::kDouble:
      // JSON alone does not tell these apart from strings or integers.
      return core::TypeName(type);
    default:
      return {};
  }
}

}  // namespace

std::string EncodeAttributes(const std::map<std::string, StoredAttribute>& attributes) {
  std::vector<Provenance> provenance;
  std::string body;
  body.reserve(attributes.size() * 24);
  for (const auto& [name, a] : attributes) {
    size_t index = 0;
    while (index < provenance.size() && !provenance[index].Same(a)) ++index;
    if (index == provenance.size()) provenance.push_back(Provenance{&a});
    if (!body.empty()) body.push_back(',');
    core::AppendJsonString(name, &body);
    body.append(":[");
    if (!a.removed) {
      if (a.value.type() == core::Type::kDecimal) {
        core::AppendJsonString(a.value.decimal_value(), &body);  // keeps every digit
      } else {
        a.value.AppendJson(&body);
      }
      body.push_back(',');
    }
    body.append(std::to_string(index));
    if (std::string_view tag = a.removed ? "" : TypeTag(a.value.type()); !tag.empty()) {
      body.append(",\"");
      body.append(tag);
      body.push_back('"');
    }
    body.push_back(']');
  }
  std::string out = "{\"v\":2,\"m\":[";
  out.reserve(body.size() + 64 * provenance.size() + 24);
  for (size_t i = 0; i < provenance.size(); ++i) {
    const StoredAttribute& a = *provenance[i].first;
    if (i > 0) out.push_back(',');
    out.push_back('[');
    out.append(std::to_string(a.source_time));
    out.push_back(',');
    core::AppendJsonString(a.pipeline_id, &out);
    out.push_back(',');
    out.append(std::to_string(a.run_id));
    out.push_back(',');
    out.append(std::to_string(a.updated_at));
    out.push_back(']');
  }
  out.append("],\"a\":{");
  out.append(body);
  out.append("}}");
  return out;
}

core::Value ValueFromJson(const nlohmann::json& j) {
  if (j.is_boolean()) return core::Value::Bool(j.get<bool>());
  if (j.is_number_integer()) return core::Value::Int64(j.get<int64_t>());
  if (j.is_number_float()) return core::Value::Double(j.get<double>());
  if (j.is_string()) return core::Value::String(j.get<std::string>());
  if (j.is_array()) {
    std::vector<core::Value> items;
    for (const auto& e : j) items.push_back(ValueFromJson(e));
    return core::Value::Array(std::move(items));
  }
  if (j.is_object()) return core::Value::String(j.dump());
  return core::Value::Null();
}

core::Value ValueFromJson(const nlohmann::json& j, core::Type type) {
  switch (type) {
    case core::Type::kDecimal:
      return core::Value::Dec(j.is_string() ? j.get<std::string>() : j.dump());
    case core::Type::kDate:
      if (j.is_string()) {
        if (auto d = core::ParseDate(j.get<std::string>())) return core::Value::DateValue(*d);
      }
      break;
    case core::Type::kTimestamp:
      if (j.is_string()) {
        if (auto t = core::ParseTimestamp(j.get<std::string>())) {
          return core::Value::TimestampValue(*t);
        }
      }
      break;
    case core::Type::kDouble:
      if (j.is_number()) return core::Value::Double(j.get<double>());
      break;
    default:
      break;
  }
  return ValueFromJson(j);
}

core::Status DecodeIdentities(std::string_view text, std::map<std::string, std::string>* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return core::Internal("stored profile identities are not a JSON object");
  out->clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_string()) (*out)[it.key()] = it->get<std::string>();
  }
  return core::Status::Ok();
}

namespace {

core::Value TypedValue(const nlohmann::json& v, const nlohmann::json* tag) {
  core::Type type = core::Type::kNull;
  if (tag != nullptr && tag->is_string() && core::ParseTypeName(tag->get<std::string>(), &type)) {
    return ValueFromJson(v, type);
  }
  return ValueFromJson(v);
}

// Version 2 (see EncodeAttributes): "name": [value, m] | [value, m, "type"] | [m] (removed).
core::Status DecodeV2(const nlohmann::json& j, std::map<std::string, StoredAttribute>* out) {
  auto prov_it = j.find("m");
  auto attrs_it = j.find("a");
  if (prov_it == j.end() || attrs_it == j.end() || !prov_it->is_array() || !attrs_it->is_object()) {
    return core::Internal("stored profile attributes: malformed version 2 document");
  }
  const nlohmann::json& prov = *prov_it;
  const nlohmann::json& attrs = *attrs_it;
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    const nlohmann::json& a = *it;
    if (!a.is_array() || a.empty() || a.size() > 3) continue;
    StoredAttribute attr;
    attr.removed = a.size() == 1;
    const nlohmann::json& m = attr.removed ? a[0] : a[1];
    if (!m.is_number_unsigned() || m.get<size_t>() >= prov.size()) {
      return core::Internal("stored profile attributes: bad provenance index");
    }
    if (!attr.removed) attr.value = TypedValue(a[0], a.size() == 3 ? &a[2] : nullptr);
    const nlohmann::json& p = prov[m.get<size_t>()];
    if (!p.is_array() || p.size() != 4 || !p[0].is_number_integer() || !p[1].is_string() ||
        !p[2].is_number_integer() || !p[3].is_number_integer()) {
      return core::Internal("stored profile attributes: malformed provenance");
    }
    attr.source_time = p[0].get<int64_t>();
    attr.pipeline_id = p[1].get<std::string>();
    attr.run_id = p[2].get<int64_t>();
    attr.updated_at = p[3].get<int64_t>();
    (*out)[it.key()] = std::move(attr);
  }
  return core::Status::Ok();
}

// Reads optional field `key` of `a` into `out` when it has the type of `out`; false when it is
// present with another type (json::value would throw instead).
bool Field(const nlohmann::json& a, const char* key, int64_t* out) {
  auto it = a.find(key);
  if (it == a.end()) return true;
  if (!it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}

bool Field(const nlohmann::json& a, const char* key, std::string* out) {
  auto it = a.find(key);
  if (it == a.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

// Version 1: "name": {"v": value, "t": "type", "s": …, "p": …, "r": …, "u": …, "x": 1}.
core::Status DecodeV1(const nlohmann::json& j, std::map<std::string, StoredAttribute>* out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const nlohmann::json& a = *it;
    if (!a.is_object()) continue;
    StoredAttribute attr;
    auto tag = a.find("t");
    auto v = a.find("v");
    attr.value =
        v == a.end() ? core::Value::Null() : TypedValue(*v, tag == a.end() ? nullptr : &*tag);
    attr.removed = a.contains("x");
    if (!Field(a, "s", &attr.source_time) || !Field(a, "p", &attr.pipeline_id) ||
        !Field(a, "r", &attr.run_id) || !Field(a, "u", &attr.updated_at)) {
      return core::Internal("stored profile attributes: malformed version 1 attribute '" +
                            it.key() + "'");
    }
    (*out)[it.key()] = std::move(attr);
  }
  return core::Status::Ok();
}

}  // namespace

core::Status DecodeAttributes(std::string_view text, std::map<std::string, StoredAttribute>* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return core::Internal("stored profile attributes are not a JSON object");
  out->clear();
  // A version 1 attribute named "v" holds an object, never a number.
  auto version = j.find("v");
  if (version != j.end() && version->is_number()) {
    if (*version != 2) return core::Internal("stored profile attributes: unknown version");
    return DecodeV2(j, out);
  }
  return DecodeV1(j, out);
}

}  // namespace wsync::profiles

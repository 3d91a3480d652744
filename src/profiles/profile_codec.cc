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

std::string EncodeAttributes(const std::map<std::string, StoredAttribute>& attributes) {
  std::string out = "{";
  for (const auto& [name, a] : attributes) {
    if (out.size() > 1) out.push_back(',');
    core::AppendJsonString(name, &out);
    out.append(":{\"v\":");
    a.value.AppendJson(&out);
    switch (a.value.type()) {
      case core::Type::kDecimal:
      case core::Type::kDate:
      case core::Type::kTimestamp:
      case core::Type::kDouble:
        // JSON alone does not tell these apart from strings or integers.
        out.append(",\"t\":\"");
        out.append(core::TypeName(a.value.type()));
        out.push_back('"');
        break;
      default:
        break;
    }
    out.append(",\"s\":");
    out.append(std::to_string(a.source_time));
    out.append(",\"p\":");
    core::AppendJsonString(a.pipeline_id, &out);
    out.append(",\"r\":");
    out.append(std::to_string(a.run_id));
    out.append(",\"u\":");
    out.append(std::to_string(a.updated_at));
    if (a.removed) out.append(",\"x\":1");
    out.push_back('}');
  }
  out.push_back('}');
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

core::Status DecodeAttributes(std::string_view text, std::map<std::string, StoredAttribute>* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return core::Internal("stored profile attributes are not a JSON object");
  out->clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const nlohmann::json& a = *it;
    if (!a.is_object()) continue;
    StoredAttribute attr;
    const nlohmann::json& v = a.contains("v") ? a["v"] : nlohmann::json();
    core::Type type = core::Type::kNull;
    if (a.contains("t")) {
      core::ParseTypeName(a.value("t", "null"), &type);
      attr.value = ValueFromJson(v, type);
    } else {
      attr.value = ValueFromJson(v);
    }
    attr.removed = a.contains("x");
    attr.source_time = a.value("s", int64_t{0});
    attr.pipeline_id = a.value("p", "");
    attr.run_id = a.value("r", int64_t{0});
    attr.updated_at = a.value("u", int64_t{0});
    (*out)[it.key()] = std::move(attr);
  }
  return core::Status::Ok();
}

}  // namespace wsync::profiles

#include "forward/batch_format.h"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "mapping/identity_types.h"

namespace wsync::forward {

namespace {

using nlohmann::json;

// RFC 4122's namespace for URLs; wsync's pipeline namespaces are names in it.
constexpr std::string_view kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The device identities mParticle's schema types as UUIDs.
bool IsUuidDeviceField(std::string_view type) {
  return type == "ios_advertising_id" || type == "ios_idfv" || type == "android_advertising_id" ||
         type == "roku_advertising_id" || type == "roku_publisher_id" ||
         type == "fire_advertising_id" || type == "mp_deviceid";
}

// A stored value as JSON (decimals that do not fit a double are strings already).
json ValueJson(const core::Value& v) { return json::parse(v.ToJson(), nullptr, false, true); }

// Event attribute values are scalars in mParticle's schema: arrays and objects go as JSON text.
json Scalar(const json& v) {
  if (v.is_array() || v.is_object()) return v.dump(-1, ' ', false, json::error_handler_t::replace);
  return v;
}

json RenderEvent(const profiles::StoredEvent& stored, std::string_view pipeline_id) {
  json body = json::parse(stored.body, nullptr, false);
  if (!body.is_object()) return nullptr;
  const std::string type = body.value("event_type", "");
  json data = json::object();
  if (stored.timestamp_ms) data["timestamp_unixtime_ms"] = *stored.timestamp_ms;
  const std::string message = body.value("source_message_id", "");
  data["source_message_id"] =
      message.empty() ? UuidV5(UuidV5(kUrlNamespace, "wsync:pipeline:" + std::string(pipeline_id)),
                               stored.dedup_key)
                      : MessageId(pipeline_id, message);
  if (auto it = body.find("custom_attributes"); it != body.end() && it->is_object()) {
    json attributes = json::object();
    for (auto a = it->begin(); a != it->end(); ++a) {
      if (!a->is_null()) attributes[a.key()] = Scalar(*a);
    }
    data["custom_attributes"] = std::move(attributes);
  }
  if (type == "custom_event") {
    data["event_name"] = body.value("event_name", "");
    std::string kind = body.value("custom_event_type", "other");
    if (kind == "attribution") kind = "other";
    data["custom_event_type"] = kind;
  } else if (type == "screen_view") {
    data["screen_name"] = body.value("screen_name", "");
  } else if (type == "commerce_event") {
    if (body.contains("event_name")) data["event_name"] = body["event_name"];
    json action = json::object();
    if (auto it = body.find("product_action"); it != body.end() && it->is_object()) {
      for (auto f = it->begin(); f != it->end(); ++f) {
        if (f.key() == "transaction_id" && !f->is_string()) {
          action["transaction_id"] = f->dump();
        } else {
          action[f.key()] = *f;
        }
      }
    }
    data["product_action"] = std::move(action);
  }
  return json{{"event_type", type}, {"data", std::move(data)}};
}

}  // namespace

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else if (HexDigit(text[i]) < 0) {
      return false;
    }
  }
  return true;
}

std::string UuidV5(std::string_view name_space, std::string_view name) {
  std::string input;
  for (size_t i = 0; i + 1 < name_space.size(); ++i) {
    if (name_space[i] == '-') continue;
    input += static_cast<char>(HexDigit(name_space[i]) * 16 + HexDigit(name_space[i + 1]));
    ++i;
  }
  input.append(name);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  std::string out;
  char hex[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof hex, "%02x", digest[static_cast<size_t>(i)]);
    out += hex;
  }
  return out;
}

std::string MessageId(std::string_view pipeline_id, std::string_view value) {
  if (IsUuid(value)) return std::string(value);
  return UuidV5(UuidV5(kUrlNamespace, "wsync:pipeline:" + std::string(pipeline_id)), value);
}

std::vector<storage::OutboxItem> RenderBatches(const profiles::ChangeSet& changes,
                                               const BatchSource& source) {
  std::unordered_map<int64_t, const profiles::Profile*> profiles;
  for (const profiles::Profile* p : changes.profiles) profiles.emplace(p->mpid, p);
  std::unordered_map<int64_t, std::vector<const profiles::StoredEvent*>> events;
  for (const profiles::StoredEvent& e : changes.events) events[e.mpid].push_back(&e);

  const std::string request_space =
      UuidV5(kUrlNamespace,
             "wsync:requests:" + std::to_string(source.workspace_id) + ":" + source.pipeline_id);
  std::vector<storage::OutboxItem> out;
  for (const profiles::ProfileDelta& delta : changes.deltas) {
    auto found = profiles.find(delta.mpid);
    if (found == profiles.end()) continue;
    const profiles::Profile& profile = *found->second;
    json batch = {
        {"environment", source.environment},
        {"mpid", profile.mpid},
        {"source_request_id", UuidV5(request_space, std::to_string(source.run_id) + ":" +
                                                        std::to_string(source.batch_number) + ":" +
                                                        std::to_string(profile.mpid))}};
    json identities = json::object();
    json device = json::object();
    for (const auto& [type, value] : profile.identities) {
      const mapping::IdentityType* t = mapping::FindIdentityType(type);
      if (t == nullptr || t->priority == 0) continue;
      if (!t->device) {
        identities[type] = value;
      } else if (IsUuidDeviceField(type) && !IsUuid(value)) {
        continue;  // the schema takes only UUIDs there; the store keeps the value
      } else if (type == "mp_deviceid") {
        batch["mp_deviceid"] = value;
      } else {
        device[type] = value;
      }
    }
    if (!identities.empty()) batch["user_identities"] = std::move(identities);
    if (!device.empty()) batch["device_info"] = std::move(device);
    json attributes = json::object();
    json deleted = json::array();
    for (const std::string& name : delta.attributes) {
      auto it = profile.attributes.find(name);
      if (it == profile.attributes.end()) continue;
      if (it->second.removed) {
        deleted.push_back(name);
      } else {
        attributes[name] = ValueJson(it->second.value);
      }
    }
    if (!attributes.empty()) batch["user_attributes"] = std::move(attributes);
    if (!deleted.empty()) batch["deleted_user_attributes"] = std::move(deleted);
    if (auto it = events.find(profile.mpid); it != events.end()) {
      json list = json::array();
      for (const profiles::StoredEvent* e : it->second) {
        json rendered = RenderEvent(*e, source.pipeline_id);
        if (!rendered.is_null()) list.push_back(std::move(rendered));
      }
      batch["events"] = std::move(list);
    }
    out.push_back(
        {source.run_id, profile.mpid, batch.dump(-1, ' ', false, json::error_handler_t::replace)});
  }
  return out;
}

}  // namespace wsync::forward

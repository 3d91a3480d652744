#include "catalog/secrets.h"

namespace wsync::catalog {

using nlohmann::json;

namespace {

core::StatusOr<json> OpenValue(const json& stored, const core::SecretBox* box,
                               const std::string& key) {
  if (!stored.is_string() || !core::SecretBox::IsSealed(stored.get<std::string>())) return stored;
  if (box == nullptr) {
    return core::FailedPrecondition("config." + key +
                                    " is sealed but this process has no secret key");
  }
  core::StatusOr<std::string> text = box->Open(stored.get<std::string>());
  if (!text.ok()) return text.status().Annotate("config." + key);
  json value = json::parse(*text, nullptr, false);
  if (value.is_discarded()) return core::Internal("config." + key + " opened to unreadable text");
  return value;
}

}  // namespace

core::Status SealSecrets(const std::string& provider, json* config, const json* old_config,
                         const core::SecretBox* box) {
  if (!config->is_object()) return core::Status::Ok();
  for (const std::string& key : SecretKeys(provider)) {
    if (!config->contains(key) || (*config)[key].is_null()) continue;
    json& value = (*config)[key];
    const json* old = old_config && old_config->is_object() && old_config->contains(key) &&
                              !(*old_config)[key].is_null()
                          ? &(*old_config)[key]
                          : nullptr;
    if (value == kSecretMask) {
      if (old == nullptr) {
        return core::Status::InvalidField(
            "config." + key,
            "\"********\" stands for the stored secret, but none is stored; send the secret");
      }
      value = *old;
      continue;
    }
    if (value.is_string() && core::SecretBox::IsSealed(value.get<std::string>())) continue;
    if (box == nullptr) continue;
    if (old != nullptr) {
      core::StatusOr<json> previous = OpenValue(*old, box, key);
      if (previous.ok() && *previous == value) {
        value = *old;
        continue;
      }
    }
    value = box->Seal(value.dump());
  }
  return core::Status::Ok();
}

core::StatusOr<json> RevealConfig(const Connection& connection, const core::SecretBox* box) {
  json config = connection.config;
  if (!config.is_object()) return config;
  for (const std::string& key : SecretKeys(connection.service_provider)) {
    if (!config.contains(key)) continue;
    ASSIGN_OR_RETURN(config[key], OpenValue(config[key], box, key));
  }
  return config;
}

json MaskSecrets(const std::string& provider, json config) {
  if (!config.is_object()) return config;
  for (const std::string& key : SecretKeys(provider)) {
    if (config.contains(key) && !config[key].is_null()) config[key] = kSecretMask;
  }
  return config;
}

}  // namespace wsync::catalog

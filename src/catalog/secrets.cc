#include "catalog/secrets.h"

#include <algorithm>
#include <cctype>
#include <functional>

namespace wsync::catalog {

using nlohmann::json;

namespace {

using core::SecretBox;

bool IsSealedValue(const json& v) {
  return v.is_string() && SecretBox::IsSealed(v.get_ref<const std::string&>());
}

// `stored` opened when it is sealed; plain values (stored without a key) are returned as they are.
core::StatusOr<json> OpenValue(const json& stored, const SecretBox* box, const std::string& field,
                               const std::string& context) {
  if (!IsSealedValue(stored)) return stored;
  if (box == nullptr) {
    return core::FailedPrecondition(field + " is sealed but this process has no secret key");
  }
  core::StatusOr<std::string> text = box->Open(stored.get<std::string>(), context);
  if (!text.ok()) return text.status().Annotate(field);
  json value = json::parse(*text, nullptr, false);
  if (value.is_discarded()) return core::Internal(field + " opened to unreadable text");
  return value;
}

// A stored value brought to the current form: v1 values (no context) and values stored without
// a key are sealed for `context`. A value that does not open is kept (revealing it reports why).
void Reseal(json* value, const SecretBox* box, const std::string& field,
            const std::string& context) {
  if (box == nullptr) return;
  if (value->is_string() && SecretBox::IsCurrent(value->get_ref<const std::string&>())) return;
  core::StatusOr<json> plain = OpenValue(*value, box, field, context);
  if (plain.ok()) *value = box->Seal(plain->dump(), context);
}

// One secret value for storage; `old` is the stored value of the same field, if any.
core::Status SealValue(json* value, const json* old, const SecretBox* box, const std::string& field,
                       const std::string& context) {
  if (*value == kSecretMask) {
    if (old == nullptr) {
      return core::Status::InvalidField(
          field, "\"********\" stands for the stored secret, but none is stored; send the secret");
    }
    *value = *old;
    Reseal(value, box, field, context);
    return core::Status::Ok();
  }
  if (IsSealedValue(*value)) {
    return core::Status::InvalidField(
        field,
        "must be the secret itself: values starting with 'sealed:' are written by the "
        "server only");
  }
  if (box == nullptr) return core::Status::Ok();
  if (old != nullptr && old->is_string() && SecretBox::IsCurrent(old->get<std::string>())) {
    core::StatusOr<json> previous = OpenValue(*old, box, field, context);
    if (previous.ok() && *previous == *value) {
      *value = *old;
      return core::Status::Ok();
    }
  }
  *value = box->Seal(value->dump(), context);
  return core::Status::Ok();
}

const json* Member(const json* object, const std::string& key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  if (it == object->end() || it->is_null()) return nullptr;
  return &*it;
}

// Calls `f(value, old, field, binding)` for every secret set in `outputs`; `binding` names the
// field without the output's position (the context key).
core::Status ForEachOutputSecret(
    json* outputs, const json* old_outputs,
    const std::function<core::Status(json*, const json*, const std::string&, const std::string&)>&
        f) {
  if (outputs == nullptr || !outputs->is_array()) return core::Status::Ok();
  for (size_t i = 0; i < outputs->size(); ++i) {
    json& output = (*outputs)[i];
    if (!output.is_object()) continue;
    const json* old = old_outputs && old_outputs->is_array() && i < old_outputs->size()
                          ? &(*old_outputs)[i]
                          : nullptr;
    std::string at = "outputs[" + std::to_string(i) + "]";
    if (auto it = output.find("basic_auth"); it != output.end() && it->is_object()) {
      if (auto pw = it->find("password"); pw != it->end() && !pw->is_null()) {
        RETURN_IF_ERROR(f(&*pw, Member(Member(old, "basic_auth"), "password"),
                          at + ".basic_auth.password", "outputs.basic_auth.password"));
      }
    }
    if (auto it = output.find("headers"); it != output.end() && it->is_object()) {
      for (auto h = it->begin(); h != it->end(); ++h) {
        if (!IsSecretHeader(h.key()) || h->is_null()) continue;
        std::string lower = h.key();
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        RETURN_IF_ERROR(f(&*h, Member(Member(old, "headers"), h.key()), at + ".headers." + h.key(),
                          "outputs.headers." + lower));
      }
    }
  }
  return core::Status::Ok();
}

}  // namespace

std::string SecretScope::Context(std::string_view key) const {
  // Fields joined by NUL: none of them can contain one (ids are slugs, keys are field names).
  std::string out = "wsync-secret";
  out += '\0';
  out += std::to_string(workspace_id);
  out += '\0';
  out += KindName(kind);
  out += '\0';
  out += id;
  out += '\0';
  out += key;
  return out;
}

core::Status SealSecrets(const warehouse::Registry& providers, const std::string& provider,
                         const SecretScope& scope, json* config, const json* old_config,
                         const SecretBox* box) {
  if (!config->is_object()) return core::Status::Ok();
  for (const std::string& key : providers.SecretKeys(provider)) {
    if (!config->contains(key) || (*config)[key].is_null()) continue;
    std::string field = "config." + key;
    RETURN_IF_ERROR(
        SealValue(&(*config)[key], Member(old_config, key), box, field, scope.Context(field)));
  }
  return core::Status::Ok();
}

core::StatusOr<json> RevealConfig(const warehouse::Registry& providers,
                                  const Connection& connection, int64_t workspace_id,
                                  const SecretBox* box) {
  json config = connection.config;
  if (!config.is_object()) return config;
  SecretScope scope{workspace_id, Kind::kConnection, connection.id};
  for (const std::string& key : providers.SecretKeys(connection.service_provider)) {
    if (!config.contains(key)) continue;
    std::string field = "config." + key;
    ASSIGN_OR_RETURN(config[key], OpenValue(config[key], box, field, scope.Context(field)));
  }
  return config;
}

json MaskSecrets(const warehouse::Registry& providers, const std::string& provider, json config) {
  if (!config.is_object()) return config;
  for (const std::string& key : providers.SecretKeys(provider)) {
    if (config.contains(key) && !config[key].is_null()) config[key] = kSecretMask;
  }
  return config;
}

bool IsSecretHeader(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (std::string_view word : {"auth", "token", "secret", "key", "password", "passwd", "cookie",
                                "signature", "credential", "session"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

core::Status SealOutputSecrets(const SecretScope& scope, json* outputs, const json* old_outputs,
                               const SecretBox* box) {
  return ForEachOutputSecret(
      outputs, old_outputs,
      [&](json* value, const json* old, const std::string& field, const std::string& binding) {
        return SealValue(value, old, box, field, scope.Context(binding));
      });
}

core::StatusOr<json> RevealOutputs(const SecretScope& scope, json outputs, const SecretBox* box) {
  RETURN_IF_ERROR(ForEachOutputSecret(&outputs, nullptr,
                                      [&](json* value, const json*, const std::string& field,
                                          const std::string& binding) -> core::Status {
                                        ASSIGN_OR_RETURN(*value, OpenValue(*value, box, field,
                                                                           scope.Context(binding)));
                                        return core::Status::Ok();
                                      }));
  return outputs;
}

json MaskOutputSecrets(json outputs) {
  (void)ForEachOutputSecret(&outputs, nullptr,
                            [](json* value, const json*, const std::string&, const std::string&) {
                              *value = kSecretMask;
                              return core::Status::Ok();
                            });
  return outputs;
}

}  // namespace wsync::catalog

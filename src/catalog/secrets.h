// Secrets at rest (SPEC §2 keys marked *, §8 "write-only", §12): connection secrets and pipeline
// output credentials are sealed before they are stored, masked as "********" whenever a
// resource leaves the server, and revealed only for the code that needs them. A sealed value
// holds the JSON text of the original value, so non-string secrets (a service-account key
// object) round-trip. Each is sealed with its SecretScope's context as associated data, so it
// opens only in the workspace, resource and key it was written for: a ciphertext copied to
// another workspace or resource does not open. Clients can never submit sealed values.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "catalog/definitions.h"
#include "core/secret_box.h"
#include "core/status.h"
#include "warehouse/registry.h"

namespace wsync::catalog {

inline constexpr std::string_view kSecretMask = "********";

// Where a secret is stored: the workspace and the resource that holds it.
struct SecretScope {
  int64_t workspace_id = 0;
  Kind kind = Kind::kConnection;
  std::string id;
  // The associated data of the value at `key` (e.g. "config.password").
  std::string Context(std::string_view key) const;
};

// Prepares `config` for storage: "********" takes the value from `old_config` (InvalidArgument
// naming the key when there is none), a sealed value from the client is refused
// (InvalidArgument naming the key), a value equal to the stored one keeps its stored sealed form
// (so re-applying a config file changes nothing), other values — and stored values still in
// the v1 form — are sealed with `box` for `scope`. Without a box secrets are stored as given
// (tests and tools without a key).
// Which config keys are secrets is the provider's ProviderInfo in `providers` (none for a
// provider it does not know).
core::Status SealSecrets(const warehouse::Registry& providers, const std::string& provider,
                         const SecretScope& scope, nlohmann::json* config,
                         const nlohmann::json* old_config, const core::SecretBox* box);

// The config with sealed values opened, for a connector. FailedPrecondition when a value does
// not open (the key changed, or the value was sealed for another workspace or connection); the
// message names the key, never the value.
core::StatusOr<nlohmann::json> RevealConfig(const warehouse::Registry& providers,
                                            const Connection& connection, int64_t workspace_id,
                                            const core::SecretBox* box);

// The config with every secret key that is set replaced by "********".
nlohmann::json MaskSecrets(const warehouse::Registry& providers, const std::string& provider,
                           nlohmann::json config);

// Pipeline outputs (SPEC §11): `basic_auth.password` and the values of credential-like headers
// (IsSecretHeader) are secrets. An output's "********" takes the value of the same field of the
// stored output at the same position.
bool IsSecretHeader(std::string_view name);
core::Status SealOutputSecrets(const SecretScope& scope, nlohmann::json* outputs,
                               const nlohmann::json* old_outputs, const core::SecretBox* box);
core::StatusOr<nlohmann::json> RevealOutputs(const SecretScope& scope, nlohmann::json outputs,
                                             const core::SecretBox* box);
nlohmann::json MaskOutputSecrets(nlohmann::json outputs);

}  // namespace wsync::catalog

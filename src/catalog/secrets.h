// Connection secrets (SPEC §2 keys marked *, §8 "write-only"): sealed before they are stored,
// masked as "********" whenever a connection leaves the server, and revealed only for the
// connector that needs them. A sealed value holds the JSON text of the original value, so
// non-string secrets (a service-account key object) round-trip. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "catalog/definitions.h"
#include "core/secret_box.h"
#include "core/status.h"

namespace wsync::catalog {

inline constexpr std::string_view kSecretMask = "********";

// Prepares `config` for storage: "********" takes the value from `old_config` (InvalidArgument
// naming the key when there is none), a value equal to the stored one keeps its stored sealed
// form (so re-applying a config file changes nothing), other values are sealed with `box`.
// Without a box secrets are stored as given (tests and tools without a key).
core::Status SealSecrets(const std::string& provider, nlohmann::json* config,
                         const nlohmann::json* old_config, const core::SecretBox* box);

// The config with sealed values opened, for a connector. FailedPrecondition when a value does
// not open (the key changed); the message names the key, never the value.
core::StatusOr<nlohmann::json> RevealConfig(const Connection& connection,
                                            const core::SecretBox* box);

// The config with every secret key that is set replaced by "********".
nlohmann::json MaskSecrets(const std::string& provider, nlohmann::json config);

}  // namespace wsync::catalog

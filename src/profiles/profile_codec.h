// The stored text form of a profile's identities and attributes (JSON documents in the
// profile's row). Written by hand for speed on the hot path; read with nlohmann. Pure functions.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "profiles/profile_store.h"

namespace wsync::profiles {

std::string EncodeIdentities(const std::map<std::string, std::string>& identities);
std::string EncodeAttributes(const std::map<std::string, StoredAttribute>& attributes);
core::Status DecodeIdentities(std::string_view text, std::map<std::string, std::string>* out);
core::Status DecodeAttributes(std::string_view text, std::map<std::string, StoredAttribute>* out);

// A Value from its JSON form and type name (as written by Value::AppendJson).
core::Value ValueFromJson(const nlohmann::json& j, core::Type type);
// A Value from untyped JSON (arrays of scalars, static mapping values).
core::Value ValueFromJson(const nlohmann::json& j);

}  // namespace wsync::profiles

// Syncs kept as files (SPEC §10): a YAML or JSON document {connections: [], data_models: [],
// field_transformations: [], pipelines: []} holding the API's bodies. ApplyConfig creates or
// replaces each resource (in dependency order) and reports what changed. Its connections are
// marked trusted (the operator wrote the file; SPEC §12), which any later API write clears.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"

namespace wsync::catalog {

// Reads FILE as YAML (JSON is YAML too); InvalidArgument naming the file and line on a syntax
// error, or on a top-level key other than the four lists.
core::StatusOr<nlohmann::json> LoadConfigFile(const std::string& path);
// The same for text already read; `path` only names it in messages. Never throws.
core::StatusOr<nlohmann::json> ParseConfigText(const std::string& text, const std::string& path);

struct AppliedChange {
  Kind kind;
  std::string id;
  std::string action;  // created | updated | unchanged
};

// Every body must carry its id. Stops at the first invalid body (earlier ones stay applied);
// the error's message names the list entry ("pipelines[0]").
core::StatusOr<std::vector<AppliedChange>> ApplyConfig(Catalog* catalog, int64_t workspace_id,
                                                       const nlohmann::json& config,
                                                       const std::string& actor);

}  // namespace wsync::catalog

// The catalog's resources as typed values (SPEC §3–5), parsed and validated from their API
// bodies. Parsing is strict: unknown fields and wrong JSON types are InvalidArgument with a
// detail naming the field; read-only fields (state, status, audit, ...) are accepted and
// ignored. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "mapping/mapper.h"
#include "profiles/resolver.h"
#include "warehouse/connector.h"
#include "warehouse/registry.h"

namespace wsync::catalog {

enum class Kind { kConnection, kDataModel, kFieldTransformation, kPipeline };
std::string_view KindName(Kind kind);        // "connection", ...
std::string_view KindCollection(Kind kind);  // "connections", "data-models", ...

// Letters, digits, '_' and '-', 1–64 characters.
bool IsSlug(std::string_view id);

struct Connection {
  std::string id;
  std::string name;
  std::string service_provider;
  nlohmann::json config = nlohmann::json::object();
  // Written by an operator's config file (`wsync run` / `apply`), so its SQLite path is not
  // confined to `--sqlite-dir`. Read-only: set only by Catalog::MarkConnectionTrusted;
  // Canonicalize drops it, so every API create or update clears it.
  bool trusted = false;
};

struct DataModel {
  std::string id;
  std::string name;
  std::string sql_query;  // as checked by CheckReadOnlySql
  std::optional<std::string> timestamp_field;
  // What an INTEGER timestamp_field counts (B8): "seconds" (default) or "milliseconds".
  mapping::TimestampUnit timestamp_unit = mapping::TimestampUnit::kSeconds;
  std::vector<std::string> primary_key;
};

struct SyncMode {
  bool incremental = false;
  std::string iterator;
  std::string iterator_data_type;  // as given ("timestamp_ltz" stays)
  warehouse::IteratorType iterator_type = warehouse::IteratorType::kTimestamp;
  int64_t lookback = 0;
};

struct Pipeline {
  std::string id;
  std::string name;
  mapping::PipelineType pipeline_type = mapping::PipelineType::kUserAttributes;
  std::string connection_id;
  std::string data_model_id;
  std::optional<std::string> field_transformation_id;
  std::string environment;
  profiles::InputProtection input_protection = profiles::InputProtection::kCreateAndUpdate;
  SyncMode sync_mode;
  nlohmann::json schedule = nlohmann::json{{"type", "on_demand"}};
  std::optional<int64_t> sync_start_date;
  bool skip_nulls = false;
  nlohmann::json outputs = nlohmann::json::array();
};

// A connection's service_provider must be one `providers` knows (a connector may not exist yet:
// see warehouse/builtin_providers.h), and its config must hold the provider's required fields
// with their types; other config keys are the connector's to check when it is created.
core::StatusOr<Connection> ParseConnection(const nlohmann::json& body,
                                           const warehouse::Registry& providers);
// Reads a connection body the catalog stored (validated against the providers when it was
// written): the same parse without asking which providers exist.
core::StatusOr<Connection> ParseStoredConnection(const nlohmann::json& body);
core::StatusOr<DataModel> ParseDataModel(const nlohmann::json& body);
core::StatusOr<Pipeline> ParsePipeline(const nlohmann::json& body);

nlohmann::json ToJson(const Connection& c);
nlohmann::json ToJson(const DataModel& m);
nlohmann::json ToJson(const Pipeline& p);

// A sync start date needs a time column (SPEC §5): the model's timestamp_field, or else an
// incremental sync's timestamp or date iterator. InvalidField("sync_start_date") otherwise.
// Shared by the API (create, update, activate) and config files.
core::Status CheckSyncStartDate(const Pipeline& pipeline, const DataModel& model);

// The pipeline's mapper against the model's columns as discovered (stage-two validation):
// the field transformation when it has one, else the default mapping.
core::StatusOr<mapping::Mapper> CompileMapper(
    const Pipeline& pipeline, const DataModel& model,
    const std::optional<mapping::FieldTransformation>& field_transformation,
    const std::vector<core::Column>& columns);

// Parses any kind and returns its canonical JSON body (defaults filled in), id included.
// `providers` validate connections.
core::StatusOr<nlohmann::json> Canonicalize(Kind kind, const nlohmann::json& body,
                                            const warehouse::Registry& providers);

}  // namespace wsync::catalog

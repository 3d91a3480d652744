#include "catalog/config_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace wsync::catalog {

namespace {

using nlohmann::json;

// Deepest nesting a config file value may have: the API's request limit (api::kMaxJsonDepth),
// so what a file loads could also have been sent over the API.
constexpr int kMaxConfigDepth = 64;

struct TooDeep {};

// YAML scalars arrive untyped: keep quoted ones strings, read the rest as JSON would. Throws
// TooDeep past kMaxConfigDepth (yaml-cpp itself stops at 2000, deeper than we want to copy).
json ToJson(const YAML::Node& node, int depth = 0) {
  if (node.IsSequence() || node.IsMap()) {
    if (++depth > kMaxConfigDepth) throw TooDeep{};
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(ToJson(item, depth));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = ToJson(kv.second, depth);
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true" || text == "True") return true;
      if (text == "false" || text == "False") return false;
      if (text == "null" || text == "~") return nullptr;
      json number = json::parse(text, nullptr, false);
      if (number.is_number()) return number;
      return text;
    }
    default:
      return nullptr;
  }
}

// B10: refused before it is written, like the API does. Bodies that do not parse are left to
// Create/Replace, which name the error.
core::Status CheckPipelineStartDate(Catalog* catalog, int64_t workspace_id, const json& body) {
  core::StatusOr<Pipeline> pipeline = ParsePipeline(body);
  if (!pipeline.ok() || !pipeline->sync_start_date) return core::Status::Ok();
  core::StatusOr<Resource> model =
      catalog->Get(workspace_id, Kind::kDataModel, pipeline->data_model_id);
  if (!model.ok()) return core::Status::Ok();
  core::StatusOr<DataModel> parsed = ParseDataModel(model->body);
  if (!parsed.ok()) return core::Status::Ok();
  return CheckSyncStartDate(*pipeline, *parsed);
}

constexpr std::pair<const char*, Kind> kLists[] = {
    {"connections", Kind::kConnection},
    {"data_models", Kind::kDataModel},
    {"field_transformations", Kind::kFieldTransformation},
    {"pipelines", Kind::kPipeline},
};

}  // namespace

core::StatusOr<json> ParseConfigText(const std::string& text, const std::string& path) {
  json config;
  try {
    config = ToJson(YAML::Load(text));
  } catch (const TooDeep&) {
    return core::InvalidArgument("config file '" + path + "' nests values more than " +
                                 std::to_string(kMaxConfigDepth) + " levels deep");
  } catch (const YAML::Exception& e) {
    return core::InvalidArgument("config file '" + path + "' line " +
                                 std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!config.is_object()) {
    return core::InvalidArgument("config file '" + path +
                                 "' must be a mapping with connections, data_models, "
                                 "field_transformations and pipelines");
  }
  for (auto it = config.begin(); it != config.end(); ++it) {
    bool known = false;
    for (const auto& [name, kind] : kLists) known |= it.key() == name;
    if (!known) {
      return core::InvalidArgument("config file '" + path + "': unknown key '" + it.key() +
                                   "' (expected connections, data_models, "
                                   "field_transformations, pipelines)");
    }
    if (!it->is_array()) {
      return core::InvalidArgument("config file '" + path + "': '" + it.key() + "' must be a list");
    }
  }
  return config;
}

core::StatusOr<json> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::InvalidArgument("cannot read config file '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseConfigText(buffer.str(), path);
}

core::StatusOr<std::vector<AppliedChange>> ApplyConfig(Catalog* catalog, int64_t workspace_id,
                                                       const json& config,
                                                       const std::string& actor) {
  std::vector<AppliedChange> changes;
  for (const auto& [name, kind] : kLists) {
    if (!config.contains(name)) continue;
    int index = 0;
    for (const json& body : config[name]) {
      std::string where = std::string(name) + "[" + std::to_string(index++) + "]";
      if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) {
        return core::Status::InvalidField(where + ".id", "is required in a config file");
      }
      std::string id = body["id"].get<std::string>();
      if (kind == Kind::kPipeline) {
        RETURN_IF_ERROR(CheckPipelineStartDate(catalog, workspace_id, body)
                            .Annotate(where + " ('" + id + "')"));
      }
      core::StatusOr<Resource> existing = catalog->Get(workspace_id, kind, id);
      core::StatusOr<Resource> written = existing.ok()
                                             ? catalog->Replace(workspace_id, kind, id, body, actor)
                                             : catalog->Create(workspace_id, kind, body, actor);
      if (!written.ok()) return written.status().Annotate(where + " ('" + id + "')");
      if (kind == Kind::kConnection) {
        // The operator wrote this file: its SQLite paths are not confined to --sqlite-dir.
        RETURN_IF_ERROR(catalog->MarkConnectionTrusted(workspace_id, id));
        written = catalog->Get(workspace_id, kind, id);
        if (!written.ok()) return written.status().Annotate(where + " ('" + id + "')");
      }
      std::string action = "created";
      if (existing.ok()) action = existing->body == written->body ? "unchanged" : "updated";
      changes.push_back({kind, id, action});
    }
  }
  return changes;
}

}  // namespace wsync::catalog

#include "catalog/definitions.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.h"
#include "scheduler/schedule.h"
#include "warehouse/sql_guard.h"

namespace wsync::catalog {

namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> kReadOnlyFields = {
    "state",      "status",           "errors",           "high_water_mark", "created_on",
    "created_by", "last_modified_on", "last_modified_by", "latest_run"};

// Reads fields of one JSON object, collecting every problem instead of stopping at the first.
class FieldReader {
 public:
  FieldReader(const json& body, std::string prefix = "") : body_(body), prefix_(std::move(prefix)) {
    if (!body_.is_object()) errors_.push_back({prefix_, "must be a JSON object"});
  }

  std::optional<std::string> String(const std::string& key, bool required) {
    known_.insert(key);
    if (!body_.is_object() || !body_.contains(key) || body_[key].is_null()) {
      if (required) Error(key, "is required");
      return std::nullopt;
    }
    if (!body_[key].is_string()) {
      Error(key, "must be a string");
      return std::nullopt;
    }
    return body_[key].get<std::string>();
  }

  const json* Any(const std::string& key) {
    known_.insert(key);
    if (!body_.is_object() || !body_.contains(key) || body_[key].is_null()) return nullptr;
    return &body_[key];
  }

  void Error(const std::string& key, std::string message) {
    errors_.push_back({Path(key), std::move(message)});
  }
  void Add(std::vector<core::FieldError> errors) {
    for (auto& e : errors) errors_.push_back(std::move(e));
  }
  std::string Path(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

  core::Status Finish() {
    if (body_.is_object()) {
      for (auto it = body_.begin(); it != body_.end(); ++it) {
        if (!known_.contains(it.key()) && !kReadOnlyFields.contains(it.key())) {
          errors_.push_back(core::UnknownField(Path(it.key())));
        }
      }
    }
    return core::Status::FromFieldErrors(std::move(errors_));
  }

 private:
  const json& body_;
  std::string prefix_;
  std::set<std::string> known_;
  std::vector<core::FieldError> errors_;
};

void ReadId(FieldReader* r, std::string* id) {
  if (auto v = r->String("id", false)) {
    if (!IsSlug(*v)) {
      r->Error("id", "must be 1–64 letters, digits, '_' or '-'");
    } else {
      *id = *v;
    }
  }
}

template <typename Enum>
bool ReadEnum(FieldReader* r, const std::string& key, bool required,
              std::initializer_list<std::pair<const char*, Enum>> choices, Enum* out) {
  std::optional<std::string> v = r->String(key, required);
  if (!v) return false;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (*v == name) {
      *out = value;
      return true;
    }
    names += names.empty() ? "" : ", ";
    names += name;
  }
  r->Error(key, "must be one of " + names + " (got '" + *v + "')");
  return false;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kConnection:
      return "connection";
    case Kind::kDataModel:
      return "data model";
    case Kind::kFieldTransformation:
      return "field transformation";
    case Kind::kPipeline:
      return "pipeline";
  }
  return "";
}

std::string_view KindCollection(Kind kind) {
  switch (kind) {
    case Kind::kConnection:
      return "connections";
    case Kind::kDataModel:
      return "data-models";
    case Kind::kFieldTransformation:
      return "field-transformations";
    case Kind::kPipeline:
      return "pipelines";
  }
  return "";
}

bool IsSlug(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

namespace {

// `providers` null: a stored body, whose provider was checked when it was written.
core::StatusOr<Connection> ReadConnection(const json& body, const warehouse::Registry* providers) {
  FieldReader r(body);
  Connection c;
  ReadId(&r, &c.id);
  c.name = r.String("name", false).value_or("");
  const warehouse::ProviderInfo* provider = nullptr;
  if (auto p = r.String("service_provider", true)) {
    if (providers != nullptr) provider = providers->Find(*p);
    if (providers != nullptr && provider == nullptr) {
      std::string names;
      for (const warehouse::ProviderInfo* known : providers->providers()) {
        names += names.empty() ? "" : ", ";
        names += known->name;
      }
      r.Error("service_provider", "must be one of " + names + " (got '" + *p + "')");
    }
    c.service_provider = *p;
  }
  if (const json* config = r.Any("config")) {
    if (!config->is_object()) {
      r.Error("config", "must be a JSON object");
    } else {
      c.config = *config;
    }
  }
  if (const json* trusted = r.Any("trusted")) {
    if (!trusted->is_boolean()) {
      r.Error("trusted", "must be a boolean");
    } else {
      c.trusted = trusted->get<bool>();
    }
  }
  if (provider != nullptr) {
    for (const warehouse::ConfigField& field : provider->config) {
      if (!field.required) continue;
      auto value = c.config.find(field.name);
      if (value == c.config.end()) {
        r.Error("config." + field.name, "is required for a " + provider->name + " connection");
      } else if (!warehouse::ConfigValueHasType(*value, field.type)) {
        r.Error("config." + field.name,
                "must be " + std::string(warehouse::DescribeConfigType(field.type)));
      }
    }
  }
  RETURN_IF_ERROR(r.Finish());
  return c;
}

}  // namespace

core::StatusOr<Connection> ParseConnection(const json& body, const warehouse::Registry& providers) {
  return ReadConnection(body, &providers);
}

core::StatusOr<Connection> ParseStoredConnection(const json& body) {
  return ReadConnection(body, nullptr);
}

core::StatusOr<DataModel> ParseDataModel(const json& body) {
  FieldReader r(body);
  DataModel m;
  ReadId(&r, &m.id);
  m.name = r.String("name", false).value_or("");
  if (auto type = r.String("type", false); type && *type != "sql") {
    r.Error("type", "must be 'sql'");
  }
  if (auto sql = r.String("sql_query", true)) {
    core::StatusOr<std::string> checked = warehouse::CheckReadOnlySql(*sql);
    if (checked.ok()) {
      m.sql_query = *checked;
    } else {
      r.Error("sql_query", checked.status().message());
    }
  }
  m.timestamp_field = r.String("timestamp_field", false);
  if (auto unit = r.String("timestamp_unit", false);
      unit && !mapping::ParseTimestampUnit(*unit, &m.timestamp_unit)) {
    r.Error("timestamp_unit", "must be 'seconds' or 'milliseconds'");
  }
  if (const json* pk = r.Any("primary_key")) {
    if (!pk->is_array()) {
      r.Error("primary_key", "must be a list of column names");
    } else {
      for (const json& col : *pk) {
        if (!col.is_string() || col.get<std::string>().empty()) {
          r.Error("primary_key", "must be a list of column names");
          break;
        }
        m.primary_key.push_back(col.get<std::string>());
      }
    }
  }
  RETURN_IF_ERROR(r.Finish());
  return m;
}

namespace {

// RFC 9110 token characters: what a header name may hold.
bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// One output of SPEC §11: {type: "http", url, headers, basic_auth, gzip, max_attempts} or
// {type: "jsonl", path}. Secret fields may hold the stored sealed form (re-reading a stored
// pipeline); SealOutputSecrets refuses that form from clients.
std::vector<core::FieldError> ReadOutput(const json& output, const std::string& at) {
  FieldReader o(output, at);
  std::string type;
  ReadEnum(&o, "type", true, {{"http", std::string("http")}, {"jsonl", std::string("jsonl")}},
           &type);
  if (type == "http") {
    if (auto url = o.String("url", true)) {
      if (!url->starts_with("https://") && !url->starts_with("http://")) {
        o.Error("url", "must be an http:// or https:// URL");
      } else if (url->find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string::npos) {
        o.Error("url", "must not contain blanks or control characters");
      }
    }
    if (const json* headers = o.Any("headers")) {
      if (!headers->is_object()) {
        o.Error("headers", "must be an object of header names to strings");
      } else {
        for (auto it = headers->begin(); it != headers->end(); ++it) {
          if (!IsHeaderName(it.key())) {
            o.Error("headers." + it.key(), "is not a valid header name");
          } else if (!it->is_string()) {
            o.Error("headers." + it.key(), "must be a string");
          } else if (it->get_ref<const std::string&>().find_first_of(
                         std::string_view("\r\n\0", 3)) != std::string::npos) {
            o.Error("headers." + it.key(), "must not contain line breaks");
          }
        }
      }
    }
    if (const json* auth = o.Any("basic_auth")) {
      FieldReader b(*auth, o.Path("basic_auth"));
      b.String("username", true);
      b.String("password", true);
      o.Add(b.Finish().details());
    }
    if (const json* gzip = o.Any("gzip"); gzip && !gzip->is_boolean()) {
      o.Error("gzip", "must be true or false");
    }
    if (const json* attempts = o.Any("max_attempts")) {
      if (!attempts->is_number_integer() || attempts->get<int64_t>() < 1 ||
          attempts->get<int64_t>() > 20) {
        o.Error("max_attempts", "must be an integer from 1 to 20");
      }
    }
  } else if (type == "jsonl") {
    if (auto path = o.String("path", true)) {
      // Relative to the operator's --output-dir; never above it.
      bool bad = path->empty() || path->starts_with("/") || path->find('\0') != std::string::npos;
      for (size_t start = 0; !bad && start <= path->size();) {
        size_t end = path->find('/', start);
        if (end == std::string::npos) end = path->size();
        bad = path->compare(start, end - start, "..") == 0;
        start = end + 1;
      }
      if (bad) o.Error("path", "must be a relative path inside the output directory, without '..'");
    }
  } else if (output.is_object()) {
    // Unknown or missing type: its other fields cannot be judged.
    for (auto it = output.begin(); it != output.end(); ++it) o.Any(it.key());
  }
  return o.Finish().details();
}

}  // namespace

core::StatusOr<Pipeline> ParsePipeline(const json& body) {
  using mapping::PipelineType;
  using profiles::InputProtection;
  FieldReader r(body);
  Pipeline p;
  ReadId(&r, &p.id);
  p.name = r.String("name", false).value_or("");
  ReadEnum(&r, "pipeline_type", true,
           {{"user_attributes", PipelineType::kUserAttributes}, {"events", PipelineType::kEvents}},
           &p.pipeline_type);
  p.connection_id = r.String("connection_id", true).value_or("");
  p.data_model_id = r.String("data_model_id", true).value_or("");
  p.field_transformation_id = r.String("field_transformation_id", false);
  if (p.pipeline_type == PipelineType::kEvents && !p.field_transformation_id) {
    r.Error("field_transformation_id", "is required for an events pipeline");
  }
  if (!ReadEnum(
          &r, "environment", true,
          {{"development", std::string("development")}, {"production", std::string("production")}},
          &p.environment)) {
    p.environment.clear();
  }
  ReadEnum(&r, "input_protection", false,
           {{"create_and_update", InputProtection::kCreateAndUpdate},
            {"update_only", InputProtection::kUpdateOnly},
            {"read_only", InputProtection::kReadOnly}},
           &p.input_protection);
  bool skip = false;
  if (ReadEnum(&r, "null_values", false, {{"remove", false}, {"skip", true}}, &skip)) {
    p.skip_nulls = skip;
  }
  if (const json* mode = r.Any("sync_mode")) {
    FieldReader m(*mode, "sync_mode");
    ReadEnum(&m, "type", true, {{"full", false}, {"incremental", true}}, &p.sync_mode.incremental);
    auto iterator = m.String("iterator", p.sync_mode.incremental);
    auto type = m.String("iterator_data_type", p.sync_mode.incremental);
    if (const json* lookback = m.Any("lookback")) {
      if (!lookback->is_number_integer() || lookback->get<int64_t>() < 0) {
        m.Error("lookback", "must be a non-negative integer");
      } else {
        p.sync_mode.lookback = lookback->get<int64_t>();
      }
    }
    if (p.sync_mode.incremental) {
      p.sync_mode.iterator = iterator.value_or("");
      p.sync_mode.iterator_data_type = type.value_or("");
      if (type && !warehouse::ParseIteratorType(*type, &p.sync_mode.iterator_type)) {
        m.Error("iterator_data_type",
                "must be one of timestamp, date, datetime, timestamp_unixtime_ms, "
                "timestamp_unixtime_s, integer, timestamp_ltz, timestamp_ntz, timestamp_tz (got '" +
                    *type + "')");
      }
    } else if (iterator || type) {
      m.Error("iterator", "is only used by an incremental sync");
    }
    core::Status s = m.Finish();
    r.Add(s.details());
  }
  if (const json* schedule = r.Any("schedule")) {
    core::StatusOr<scheduler::Schedule> parsed = scheduler::ParseSchedule(*schedule);
    if (parsed.ok()) {
      p.schedule = scheduler::ToJson(*parsed);
    } else {
      r.Add(parsed.status().details().empty()
                ? std::vector<core::FieldError>{{"schedule", parsed.status().message()}}
                : parsed.status().details());
    }
  }
  if (auto start = r.String("sync_start_date", false)) {
    p.sync_start_date = core::ParseTimestamp(*start);
    if (!p.sync_start_date) r.Error("sync_start_date", "must be an RFC 3339 timestamp");
  }
  if (const json* outputs = r.Any("outputs")) {
    if (!outputs->is_array()) {
      r.Error("outputs", "must be a list");
    } else {
      for (size_t i = 0; i < outputs->size(); ++i) {
        r.Add(ReadOutput((*outputs)[i], "outputs[" + std::to_string(i) + "]"));
      }
      p.outputs = *outputs;
    }
  }
  RETURN_IF_ERROR(r.Finish());
  return p;
}

namespace {

// A body without an id (one not yet saved) canonicalizes without one: "" is not a valid id.
void DropEmptyId(json* j) {
  if ((*j)["id"].get_ref<const std::string&>().empty()) j->erase("id");
}

}  // namespace

json ToJson(const Connection& c) {
  json j = {{"id", c.id},
            {"name", c.name},
            {"service_provider", c.service_provider},
            {"config", c.config}};
  if (c.trusted) j["trusted"] = true;
  DropEmptyId(&j);
  return j;
}

json ToJson(const DataModel& m) {
  json j = {{"id", m.id},
            {"name", m.name},
            {"type", "sql"},
            {"sql_query", m.sql_query},
            {"primary_key", m.primary_key}};
  j["timestamp_field"] = m.timestamp_field ? json(*m.timestamp_field) : json();
  // Written only when not the default, so models saved before the field keep their settings
  // version (a changed unit does change it: source times change).
  if (m.timestamp_unit != mapping::TimestampUnit::kSeconds) {
    j["timestamp_unit"] = mapping::TimestampUnitName(m.timestamp_unit);
  }
  DropEmptyId(&j);
  return j;
}

json ToJson(const Pipeline& p) {
  static const char* kProtection[] = {"create_and_update", "update_only", "read_only"};
  json j = {
      {"id", p.id},
      {"name", p.name},
      {"pipeline_type",
       p.pipeline_type == mapping::PipelineType::kEvents ? "events" : "user_attributes"},
      {"connection_id", p.connection_id},
      {"data_model_id", p.data_model_id},
      {"environment", p.environment},
      {"input_protection", kProtection[static_cast<int>(p.input_protection)]},
      {"null_values", p.skip_nulls ? "skip" : "remove"},
      {"schedule", p.schedule},
      {"outputs", p.outputs},
  };
  j["field_transformation_id"] =
      p.field_transformation_id ? json(*p.field_transformation_id) : json();
  j["sync_start_date"] =
      p.sync_start_date ? json(core::FormatTimestamp(*p.sync_start_date)) : json();
  json mode = {{"type", p.sync_mode.incremental ? "incremental" : "full"}};
  if (p.sync_mode.incremental) {
    mode["iterator"] = p.sync_mode.iterator;
    mode["iterator_data_type"] = p.sync_mode.iterator_data_type;
    mode["lookback"] = p.sync_mode.lookback;
  }
  j["sync_mode"] = mode;
  DropEmptyId(&j);
  return j;
}

core::Status CheckSyncStartDate(const Pipeline& pipeline, const DataModel& model) {
  if (!pipeline.sync_start_date) return core::Status::Ok();
  if (model.timestamp_field && !model.timestamp_field->empty()) return core::Status::Ok();
  if (pipeline.sync_mode.incremental && !pipeline.sync_mode.iterator.empty() &&
      pipeline.sync_mode.iterator_type != warehouse::IteratorType::kInteger) {
    return core::Status::Ok();
  }
  return core::Status::InvalidField(
      "sync_start_date", "needs a time column: set timestamp_field on data model '" + model.id +
                             "', or use an incremental sync with a timestamp or date iterator");
}

core::StatusOr<mapping::Mapper> CompileMapper(
    const Pipeline& pipeline, const DataModel& model,
    const std::optional<mapping::FieldTransformation>& field_transformation,
    const std::vector<core::Column>& columns) {
  mapping::MapperOptions options;
  options.pipeline_type = pipeline.pipeline_type;
  options.skip_nulls = pipeline.skip_nulls;
  options.timestamp_field = model.timestamp_field;
  options.timestamp_unit = model.timestamp_unit;
  if (pipeline.sync_mode.incremental) options.iterator_column = pipeline.sync_mode.iterator;
  return mapping::Mapper::Compile(field_transformation ? &*field_transformation : nullptr, columns,
                                  options);
}

core::StatusOr<json> Canonicalize(Kind kind, const json& body,
                                  const warehouse::Registry& providers) {
  switch (kind) {
    case Kind::kConnection: {
      ASSIGN_OR_RETURN(Connection c, ParseConnection(body, providers));
      c.trusted = false;  // only an operator's config file marks a connection trusted
      return ToJson(c);
    }
    case Kind::kDataModel: {
      ASSIGN_OR_RETURN(DataModel m, ParseDataModel(body));
      return ToJson(m);
    }
    case Kind::kFieldTransformation: {
      ASSIGN_OR_RETURN(mapping::FieldTransformation ft, mapping::ParseFieldTransformation(body));
      RETURN_IF_ERROR(mapping::Validate(ft));
      return mapping::ToJson(ft);
    }
    case Kind::kPipeline: {
      ASSIGN_OR_RETURN(Pipeline p, ParsePipeline(body));
      return ToJson(p);
    }
  }
  return core::Internal("unknown resource kind");
}

}  // namespace wsync::catalog

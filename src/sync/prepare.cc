#include "sync/prepare.h"

#include <set>

#include "core/column_lookup.h"
#include "profiles/resolver.h"

namespace wsync::sync {

namespace {

using nlohmann::json;

// The index of `what` column `name` of `model`, or a field error on `field` saying what is
// wrong with it (core/column_lookup.h: missing, or ambiguous).
std::optional<int> FindModelColumn(const catalog::DataModel& model,
                                   const std::vector<core::Column>& columns,
                                   const std::string& name, const std::string& field,
                                   const std::string& what,
                                   std::vector<core::FieldError>* problems) {
  core::StatusOr<size_t> found = core::FindColumn(columns, name);
  if (found.ok()) return static_cast<int>(*found);
  const std::string column = what + " column '" + name + "'";
  if (found.status().code() == core::StatusCode::kNotFound) {
    problems->push_back(
        {field, column + " is not in the columns of data model '" + model.id + "'"});
  } else {
    problems->push_back(
        {field, column + " of data model '" + model.id + "': " + found.status().message()});
  }
  return std::nullopt;
}

// The mapper's field errors, each message saying whose mapping it is.
core::Status MappingError(const core::Status& status, const std::string& whose) {
  if (status.details().empty()) return status.Annotate(whose);
  std::vector<core::FieldError> details = status.details();
  for (core::FieldError& d : details) d.message = whose + ": " + d.message;
  core::Status out = core::Status::FromFieldErrors(std::move(details));
  return status.code() == core::StatusCode::kInvalidArgument ? out : status.Annotate(whose);
}

}  // namespace

core::StatusOr<RunSpec> SpecFor(catalog::Catalog* catalog, int64_t workspace_id,
                                const catalog::Pipeline& pipeline) {
  using catalog::Kind;
  std::vector<core::FieldError> missing;
  json j = {{"pipeline", catalog::ToJson(pipeline)}};
  auto fetch = [&](Kind kind, const std::string& id, const char* field, const char* key) {
    core::StatusOr<catalog::Resource> r = catalog->Get(workspace_id, kind, id);
    if (r.ok()) {
      j[key] = std::move(r->body);
    } else if (r.status().code() == core::StatusCode::kNotFound) {
      missing.push_back({field, std::string(catalog::KindName(kind)) + " '" + id +
                                    "' does not exist in workspace " +
                                    std::to_string(workspace_id)});
    } else {
      missing.push_back({"", r.status().message()});
    }
  };
  fetch(Kind::kConnection, pipeline.connection_id, "connection_id", "connection");
  fetch(Kind::kDataModel, pipeline.data_model_id, "data_model_id", "data_model");
  if (pipeline.field_transformation_id) {
    fetch(Kind::kFieldTransformation, *pipeline.field_transformation_id, "field_transformation_id",
          "field_transformation");
  }
  if (!missing.empty()) return core::Status::FromFieldErrors(std::move(missing));
  core::StatusOr<RunSpec> spec = RunSpecFromJson(j);
  if (!spec.ok()) return core::Internal("stored resources: " + spec.status().message());
  RETURN_IF_ERROR(catalog::CheckSyncStartDate(spec->pipeline, spec->model));
  return spec;
}

core::StatusOr<PreparedSync> Prepare(const RunSpec& spec, int64_t workspace_id,
                                     const WarehouseAccess& access) {
  const catalog::Pipeline& pipeline = spec.pipeline;
  const catalog::DataModel& model = spec.model;
  const std::string connection = "connection '" + spec.connection.id + "'";
  json config = spec.connection.config;
  if (access.reveal_config) {
    core::StatusOr<json> revealed = access.reveal_config(workspace_id, spec.connection);
    if (!revealed.ok()) return revealed.status().Annotate(connection);
    config = std::move(*revealed);
  }
  PreparedSync out;
  core::StatusOr<std::unique_ptr<warehouse::Connector>> connector =
      access.registry->Create(spec.connection.service_provider, config,
                              {.stop = access.stop, .trusted = spec.connection.trusted});
  if (!connector.ok()) return connector.status().Annotate(connection);
  out.connector = std::move(*connector);
  core::StatusOr<warehouse::Discovery> discovered = out.connector->Discover(model.sql_query, 0);
  if (!discovered.ok()) {
    return discovered.status().Annotate("data model '" + model.id + "' on " + connection);
  }
  out.columns = std::move(discovered->columns);

  std::vector<core::FieldError> problems;
  RowMapping& m = out.mapping;
  for (const std::string& pk : model.primary_key) {
    std::optional<int> i =
        FindModelColumn(model, out.columns, pk, "data_model_id", "primary key", &problems);
    if (i) m.primary_key.push_back(*i);
  }
  if (pipeline.sync_mode.incremental) {
    std::optional<int> i = FindModelColumn(model, out.columns, pipeline.sync_mode.iterator,
                                           "sync_mode.iterator", "iterator", &problems);
    if (i) m.iterator_column = *i;
  }
  if (!problems.empty()) return core::Status::FromFieldErrors(std::move(problems));

  core::StatusOr<mapping::Mapper> mapper =
      catalog::CompileMapper(pipeline, model, spec.field_transformation, out.columns);
  if (!mapper.ok()) {
    return MappingError(mapper.status(),
                        spec.field_transformation
                            ? "field transformation '" + spec.field_transformation->id + "'"
                            : "default mapping of data model '" + model.id + "'");
  }
  out.mapper = std::make_unique<mapping::Mapper>(std::move(*mapper));
  m.mapper = out.mapper.get();
  m.iterator_type = pipeline.sync_mode.iterator_type;
  m.iterator = pipeline.sync_mode.iterator;
  m.iterator_data_type = pipeline.sync_mode.iterator_data_type;
  m.settings_version = spec.settings_version;
  return out;
}

core::Status CheckPipeline(catalog::Catalog* catalog, int64_t workspace_id,
                           const catalog::Pipeline& pipeline, WarehouseAccess access) {
  core::StopToken deadline;  // outlives the prepared connector below
  deadline.set_timeout(warehouse::kInteractiveDeadline);
  if (access.stop == nullptr) access.stop = &deadline;
  ASSIGN_OR_RETURN(RunSpec spec, SpecFor(catalog, workspace_id, pipeline));
  return Prepare(spec, workspace_id, access).status();
}

core::StatusOr<PreviewResult> Preview(const RunSpec& spec, int64_t workspace_id,
                                      PreparedSync& prepared, profiles::ProfileStore* store,
                                      int64_t now, int64_t max_rows) {
  const catalog::Pipeline& p = spec.pipeline;
  warehouse::Query query;
  query.model_sql = spec.model.sql_query;
  query.limit = max_rows;
  query.batch_rows = static_cast<size_t>(max_rows);
  ASSIGN_OR_RETURN(std::unique_ptr<warehouse::RowStream> stream,
                   prepared.connector->Execute(query));
  core::RowBatch rows;
  core::RowBatch batch;
  while (static_cast<int64_t>(rows.rows.size()) < max_rows) {
    ASSIGN_OR_RETURN(bool more, stream->Next(&batch));
    if (!more) break;
    for (core::Row& row : batch.rows) rows.rows.push_back(std::move(row));
  }
  if (static_cast<int64_t>(rows.rows.size()) > max_rows) rows.rows.resize(max_rows);

  // The same mapping as a run's (extract_stage.h), at `now` as the run start.
  RowMapping mapping = prepared.mapping;
  mapping.run_start = now;
  int64_t row_number = 0;
  MappedBatch mapped = MapRows(mapping, rows, &row_number);
  RETURN_IF_ERROR(mapped.status);

  PreviewResult out;
  auto warn = [&](int64_t row, const std::string& text) {
    out.warnings.push_back("row " + std::to_string(row) + text);
  };
  std::vector<profiles::ResolveInput> inputs;
  for (MappedRow& r : mapped.rows) {
    if (r.failed) {
      warn(r.row, " [" + std::string(Name(r.error.code)) + "]: " + r.error.message);
      continue;
    }
    inputs.push_back({&r.record, r.row, r.key, r.event_hash, r.source_time});
  }
  // The resolver computes the change set; nothing here applies it, so the store is untouched.
  profiles::Resolver resolver(store,
                              {profiles::Scope{workspace_id, p.environment}, p.input_protection,
                               p.id, /*run_id=*/0, /*preview=*/true},
                              now);
  profiles::BatchResult result;
  RETURN_IF_ERROR(resolver.ResolveBatch(inputs, &result));
  std::set<int64_t> shown;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const profiles::ResolveResult& rr = result.rows[i];
    if (rr.outcome == profiles::Outcome::kFailed) {
      warn(inputs[i].row_number,
           " [" + std::string(Name(rr.error.code)) + "]: " + rr.error.message);
      continue;
    }
    if (rr.outcome == profiles::Outcome::kSkipped) {
      warn(inputs[i].row_number, ": skipped by input protection (no profile would change)");
      continue;
    }
    if (rr.mpid == 0 || !shown.insert(rr.mpid).second) continue;
    const profiles::Profile* after = resolver.Working(rr.mpid);
    if (after == nullptr) continue;
    PreviewProfile profile{std::nullopt, *after};
    core::StatusOr<profiles::Profile> before = store->Get(workspace_id, rr.mpid);
    if (before.ok()) {
      profile.before = std::move(*before);
    } else if (before.status().code() != core::StatusCode::kNotFound) {
      return before.status();
    }
    out.profiles.push_back(std::move(profile));
  }
  return out;
}

}  // namespace wsync::sync

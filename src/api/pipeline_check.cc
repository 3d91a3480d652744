#include "api/pipeline_check.h"

#include "catalog/secrets.h"
#include "core/column_lookup.h"

namespace wsync::api {

Response PrefixedErrorResponse(const core::Status& status, const std::string& prefix) {
  if (status.code() != core::StatusCode::kInvalidArgument) return ErrorResponse(status);
  if (status.details().empty()) return ErrorResponse(status.Annotate(prefix));
  // The field path stays the mapping's own ("mappings[0].source"); the message says whose.
  nlohmann::json errors = nlohmann::json::array();
  for (const core::FieldError& d : status.details()) {
    errors.push_back(
        {{"code", MapStatus(status.code(), d.reason).code},
         {"field", d.field.empty() ? nlohmann::json() : nlohmann::json(d.field)},
         {"message", prefix + ": " + (d.field.empty() ? "" : d.field + ": ") + d.message}});
  }
  return JsonResponse(400, {{"errors", errors}});
}

std::optional<Response> PreparePipeline(const Services& services, catalog::Catalog* catalog,
                                        int64_t workspace_id, const catalog::Pipeline& pipeline,
                                        PreparedPipeline* out) {
  using catalog::Kind;
  out->pipeline = pipeline;
  std::vector<core::FieldError> missing;
  auto fetch = [&](Kind kind, const std::string& id,
                   const char* field) -> std::optional<catalog::Resource> {
    core::StatusOr<catalog::Resource> r = catalog->Get(workspace_id, kind, id);
    if (r.ok()) return std::move(*r);
    if (r.status().code() == core::StatusCode::kNotFound) {
      missing.push_back({field, std::string(catalog::KindName(kind)) + " '" + id +
                                    "' does not exist in workspace " +
                                    std::to_string(workspace_id)});
    } else {
      missing.push_back({"", r.status().message()});
    }
    return std::nullopt;
  };
  auto connection = fetch(Kind::kConnection, pipeline.connection_id, "connection_id");
  auto model = fetch(Kind::kDataModel, pipeline.data_model_id, "data_model_id");
  std::optional<catalog::Resource> ft;
  if (pipeline.field_transformation_id) {
    ft = fetch(Kind::kFieldTransformation, *pipeline.field_transformation_id,
               "field_transformation_id");
  }
  if (!missing.empty()) return ErrorResponse(core::Status::FromFieldErrors(missing));

  core::StatusOr<catalog::Connection> conn = catalog::ParseStoredConnection(connection->body);
  core::StatusOr<catalog::DataModel> dm = catalog::ParseDataModel(model->body);
  if (!conn.ok())
    return ErrorResponse(core::Internal("stored connection: " + conn.status().message()));
  if (!dm.ok()) return ErrorResponse(core::Internal("stored data model: " + dm.status().message()));
  out->model = *dm;
  core::Status start_date = catalog::CheckSyncStartDate(pipeline, *dm);
  if (!start_date.ok()) return ErrorResponse(start_date);
  if (ft) {
    core::StatusOr<mapping::FieldTransformation> parsed =
        mapping::ParseFieldTransformation(ft->body);
    if (!parsed.ok()) {
      return ErrorResponse(
          core::Internal("stored field transformation: " + parsed.status().message()));
    }
    out->field_transformation = std::move(*parsed);
  }

  out->stop = std::make_unique<core::StopToken>();
  out->stop->set_timeout(warehouse::kInteractiveDeadline);
  core::StatusOr<nlohmann::json> config = services.deployment->RevealConfig(workspace_id, *conn);
  if (!config.ok()) return ErrorResponse(config.status().Annotate("connection '" + conn->id + "'"));
  core::StatusOr<std::unique_ptr<warehouse::Connector>> connector =
      services.deployment->registry().Create(conn->service_provider, *config,
                                             {.stop = out->stop.get(), .trusted = conn->trusted});
  if (!connector.ok()) {
    return ErrorResponse(connector.status().Annotate("connection '" + conn->id + "'"));
  }
  out->connector = std::move(*connector);
  core::StatusOr<warehouse::Discovery> discovered = out->connector->Discover(dm->sql_query, 0);
  if (!discovered.ok()) {
    return ErrorResponse(discovered.status().Annotate("data model '" + dm->id +
                                                      "' on connection '" + conn->id + "'"));
  }
  out->columns = discovered->columns;

  std::vector<core::FieldError> problems;
  if (pipeline.sync_mode.incremental) {
    core::StatusOr<size_t> found = core::FindColumn(out->columns, pipeline.sync_mode.iterator);
    if (found.status().code() == core::StatusCode::kNotFound) {
      problems.push_back({"sync_mode.iterator", "data model '" + dm->id + "' has no column '" +
                                                    pipeline.sync_mode.iterator + "'"});
    } else if (!found.ok()) {
      problems.push_back(
          {"sync_mode.iterator", "data model '" + dm->id + "': " + found.status().message()});
    }
  }
  for (const std::string& pk : dm->primary_key) {
    core::StatusOr<size_t> found = core::FindColumn(out->columns, pk);
    if (found.status().code() == core::StatusCode::kNotFound) {
      problems.push_back({"data_model_id", "primary key column '" + pk + "' of data model '" +
                                               dm->id + "' is not in the model's columns"});
    } else if (!found.ok()) {
      problems.push_back({"data_model_id", "primary key of data model '" + dm->id +
                                               "': " + found.status().message()});
    }
  }
  if (!problems.empty()) return ErrorResponse(core::Status::FromFieldErrors(problems));

  core::StatusOr<mapping::Mapper> mapper =
      catalog::CompileMapper(pipeline, *dm, out->field_transformation, out->columns);
  if (!mapper.ok()) {
    std::string whose = out->field_transformation
                            ? "field transformation '" + out->field_transformation->id + "'"
                            : "default mapping of data model '" + dm->id + "'";
    return PrefixedErrorResponse(mapper.status(), whose);
  }
  out->mapper.emplace(std::move(*mapper));
  return std::nullopt;
}

}  // namespace wsync::api

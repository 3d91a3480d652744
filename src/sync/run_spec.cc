#include "sync/run_spec.h"

#include "core/time.h"

namespace wsync::sync {

using nlohmann::json;

uint64_t Fnv1a(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

// A resource's settings without what only names it.
json WithoutNames(json j) {
  if (j.is_object()) {
    j.erase("id");
    j.erase("name");
  }
  return j;
}

uint64_t SettingsVersion(const RunSpec& spec) {
  json p = catalog::ToJson(spec.pipeline);
  // What decides how a row lands in a profile; names and schedules do not.
  json settings = {{"pipeline_type", p["pipeline_type"]},
                   {"environment", p["environment"]},
                   {"input_protection", p["input_protection"]},
                   {"null_values", p["null_values"]},
                   {"sync_mode", p["sync_mode"]},
                   {"model", WithoutNames(catalog::ToJson(spec.model))},
                   {"mapping", spec.field_transformation
                                   ? WithoutNames(mapping::ToJson(*spec.field_transformation))
                                   : json()}};
  return Fnv1a(settings.dump());
}

}  // namespace

core::StatusOr<RunSpec> LoadRunSpec(catalog::Catalog* catalog, int64_t workspace_id,
                                    const std::string& pipeline_id) {
  using catalog::Kind;
  ASSIGN_OR_RETURN(catalog::Resource p, catalog->Get(workspace_id, Kind::kPipeline, pipeline_id));
  json j = {{"pipeline", p.body}};
  ASSIGN_OR_RETURN(catalog::Resource m,
                   catalog->Get(workspace_id, Kind::kDataModel, p.body["data_model_id"]));
  j["data_model"] = m.body;
  ASSIGN_OR_RETURN(catalog::Resource c,
                   catalog->Get(workspace_id, Kind::kConnection, p.body["connection_id"]));
  j["connection"] = c.body;
  if (p.body["field_transformation_id"].is_string()) {
    ASSIGN_OR_RETURN(catalog::Resource ft, catalog->Get(workspace_id, Kind::kFieldTransformation,
                                                        p.body["field_transformation_id"]));
    j["field_transformation"] = ft.body;
  }
  return RunSpecFromJson(j);
}

json ToJson(const RunSpec& spec) {
  json j = {{"pipeline", catalog::ToJson(spec.pipeline)},
            {"data_model", catalog::ToJson(spec.model)},
            {"connection", catalog::ToJson(spec.connection)}};
  if (spec.field_transformation) {
    j["field_transformation"] = mapping::ToJson(*spec.field_transformation);
  }
  return j;
}

core::StatusOr<RunSpec> RunSpecFromJson(const json& j) {
  if (!j.is_object() || !j.contains("pipeline") || !j.contains("data_model") ||
      !j.contains("connection")) {
    return core::Internal("run spec is incomplete");
  }
  RunSpec spec;
  ASSIGN_OR_RETURN(spec.pipeline, catalog::ParsePipeline(j["pipeline"]));
  ASSIGN_OR_RETURN(spec.model, catalog::ParseDataModel(j["data_model"]));
  ASSIGN_OR_RETURN(spec.connection, catalog::ParseStoredConnection(j["connection"]));
  if (j.contains("field_transformation") && !j["field_transformation"].is_null()) {
    ASSIGN_OR_RETURN(spec.field_transformation,
                     mapping::ParseFieldTransformation(j["field_transformation"]));
  }
  spec.settings_version = SettingsVersion(spec);
  return spec;
}

namespace {

core::Status Busy(catalog::Catalog* catalog, int64_t workspace_id, const std::string& pipeline_id) {
  ASSIGN_OR_RETURN(auto active, catalog->ActiveRuns(workspace_id, pipeline_id, false));
  if (active.empty()) return core::FailedPrecondition("pipeline '" + pipeline_id + "' is busy");
  return core::FailedPrecondition("pipeline '" + pipeline_id + "' is busy: run " +
                                  std::to_string(active.front().run_id) + " is " +
                                  std::string(Name(active.front().state)));
}

// The historical run of a pipeline activated at `activated_at`, when it has a start date.
std::optional<catalog::Run> HistoricalRun(const RunSpec& spec, int64_t workspace_id,
                                          const std::string& pipeline_id, int64_t activated_at,
                                          int64_t now) {
  if (!spec.pipeline.sync_start_date || *spec.pipeline.sync_start_date >= activated_at) {
    return std::nullopt;
  }
  catalog::Run run;
  run.workspace_id = workspace_id;
  run.pipeline_id = pipeline_id;
  run.run_type = catalog::RunType::kHistorical;
  run.created_at = now;
  run.range_start = core::FormatTimestamp(*spec.pipeline.sync_start_date);
  run.range_end = core::FormatTimestamp(activated_at);
  run.spec = ToJson(spec);
  return run;
}

}  // namespace

core::StatusOr<catalog::Run> CreateRun(catalog::Catalog* catalog, int64_t workspace_id,
                                       const std::string& pipeline_id, catalog::RunType run_type,
                                       int64_t now, std::optional<int64_t> logical_date) {
  if (run_type != catalog::RunType::kHistorical) {
    // A cheap early answer; the unique index runs_one_active is what guarantees it.
    ASSIGN_OR_RETURN(auto active, catalog->ActiveRuns(workspace_id, pipeline_id, false));
    if (!active.empty()) return Busy(catalog, workspace_id, pipeline_id);
  }
  ASSIGN_OR_RETURN(RunSpec spec, LoadRunSpec(catalog, workspace_id, pipeline_id));
  catalog::Run run;
  run.workspace_id = workspace_id;
  run.pipeline_id = pipeline_id;
  run.run_type = run_type;
  run.state = catalog::RunState::kQueued;
  run.created_at = now;
  run.logical_date = logical_date;
  run.spec = ToJson(spec);
  core::StatusOr<catalog::Run> created = catalog->CreateRun(run);
  if (created.status().code() == core::StatusCode::kFailedPrecondition) {
    return Busy(catalog, workspace_id, pipeline_id);
  }
  return created;
}

core::StatusOr<catalog::StateChangeResult> Activate(catalog::Catalog* catalog, int64_t workspace_id,
                                                    const std::string& pipeline_id, int64_t now) {
  ASSIGN_OR_RETURN(RunSpec spec, LoadRunSpec(catalog, workspace_id, pipeline_id));
  catalog::StateChange change;
  change.from = {catalog::Lifecycle::kDraft};
  change.to = catalog::Lifecycle::kActive;
  change.activated_at = now;
  change.run = HistoricalRun(spec, workspace_id, pipeline_id, now, now);
  return catalog->ChangeState(workspace_id, pipeline_id, change);
}

core::StatusOr<catalog::StateChangeResult> Resync(catalog::Catalog* catalog, int64_t workspace_id,
                                                  const std::string& pipeline_id, int64_t now) {
  ASSIGN_OR_RETURN(RunSpec spec, LoadRunSpec(catalog, workspace_id, pipeline_id));
  ASSIGN_OR_RETURN(catalog::PipelineState st, catalog->GetState(workspace_id, pipeline_id));
  catalog::StateChange change;
  change.from = {catalog::Lifecycle::kActive, catalog::Lifecycle::kPaused};
  change.require_idle = true;  // clearing under a running run would race its last checkpoint
  change.reset_mark = true;
  if (st.activated_at)
    change.run = HistoricalRun(spec, workspace_id, pipeline_id, *st.activated_at, now);
  return catalog->ChangeState(workspace_id, pipeline_id, change);
}

}  // namespace wsync::sync

// Pipeline actions (SPEC §5): activate, pause, resume, resync, trigger, preview, status; and
// the pipeline's runs: list, detail, row errors, cancel.
#include <charconv>
#include <map>

#include "api/handler_macros.h"
#include "api/handlers.h"
#include "core/time.h"
#include "forward/outputs.h"
#include "mapping/identity_types.h"
#include "scheduler/schedule.h"
#include "sync/prepare.h"
#include "sync/run_spec.h"

namespace wsync::api {

namespace {

using catalog::Kind;
using catalog::Lifecycle;
using nlohmann::json;

constexpr int64_t kPreviewRows = 10;

std::string Path(const std::string& suffix) { return std::string(kBase) + "/pipelines" + suffix; }

core::Status WrongState(const std::string& id, catalog::Lifecycle state, const std::string& action,
                        const std::string& needs) {
  return core::FailedPrecondition("pipeline '" + id + "' is " + std::string(Name(state)) + "; " +
                                  action + " needs " + needs);
}

// activate / pause / resume / resync: a compare-and-set of the state in the catalog, so of
// concurrent calls only one applies; the incremental mark is the executor's (resync clears it).
Response Transition(Services* services, RequestContext& ctx, const std::string& action,
                    const std::vector<catalog::Lifecycle>& from,
                    std::optional<catalog::Lifecycle> to) {
  const std::string& id = ctx.params["id"];
  const std::string first(Name(from[0]));
  const std::string needs = from.size() == 1
                                ? "a " + first + " pipeline"
                                : "an " + first + " or " + std::string(Name(from[1])) + " pipeline";
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  catalog::Catalog* catalog = lease.catalog();
  ASSIGN_OR_RESPOND(catalog::Resource r, catalog->Get(ctx.workspace_id, Kind::kPipeline, id));
  catalog::StateChangeResult result;
  if (action == "activate") {
    ASSIGN_OR_RESPOND(catalog::PipelineState st, catalog->GetState(ctx.workspace_id, id));
    if (st.state != catalog::Lifecycle::kDraft) {
      return ErrorResponse(WrongState(id, st.state, action, needs));
    }
    ASSIGN_OR_RESPOND(catalog::Pipeline p, catalog::ParsePipeline(r.body));
    RESPOND_IF_ERROR(sync::CheckPipeline(catalog, ctx.workspace_id, p,
                                         services->deployment->warehouse_access(nullptr)));
    ASSIGN_OR_RESPOND(result,
                      sync::Activate(catalog, ctx.workspace_id, id, services->clock->NowMicros()));
  } else if (action == "resync") {
    ASSIGN_OR_RESPOND(result,
                      sync::Resync(catalog, ctx.workspace_id, id, services->clock->NowMicros()));
  } else {
    catalog::StateChange change;
    change.from = from;
    change.to = to;
    ASSIGN_OR_RESPOND(result, catalog->ChangeState(ctx.workspace_id, id, change));
  }
  if (result.busy_run) {
    return ErrorResponse(core::FailedPrecondition(
        "pipeline '" + id + "' is busy: run " + std::to_string(result.busy_run->run_id) + " is " +
        std::string(Name(result.busy_run->state)) + "; resync after it ends or cancel it"));
  }
  if (!result.applied) return ErrorResponse(WrongState(id, result.state, action, needs));
  if (action == "resync") {
    RESPOND_IF_ERROR(lease.store()->ClearFingerprints(ctx.workspace_id, id));
  }
  // A sync start date loads S <= ts < activation in the background (SPEC §5), after activation
  // and again after a resync.
  if (result.run && services->workers) services->workers->Notify();
  ASSIGN_OR_RESPOND(json out, ResourceJson(catalog, services->deployment->registry(), r));
  return JsonResponse(200, std::move(out));
}

Response Trigger(Services* services, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  catalog::Catalog* catalog = lease.catalog();
  ASSIGN_OR_RESPOND(catalog::PipelineState st, catalog->GetState(ctx.workspace_id, id));
  if (st.state != catalog::Lifecycle::kActive && st.state != catalog::Lifecycle::kPaused) {
    return ErrorResponse(WrongState(id, st.state, "trigger", "an active or paused pipeline"));
  }
  ASSIGN_OR_RESPOND(catalog::Run run,
                    sync::CreateRun(catalog, ctx.workspace_id, id, catalog::RunType::kManual,
                                    services->clock->NowMicros()));
  if (services->workers) services->workers->Notify();
  return JsonResponse(202, {{"pipeline_run_id", run.run_id}, {"state", Name(run.state)}});
}

json AttributeMap(const profiles::Profile& p) {
  json out = json::object();
  for (const auto& [name, a] : p.attributes) {
    if (!a.removed) out[name] = json::parse(a.value.ToJson(), nullptr, false);
  }
  return out;
}

// What a row would change: identities and attributes, each {field, before, after}.
json Changes(const profiles::Profile* before, const profiles::Profile& after) {
  json changes = json::array();
  std::map<std::string, std::pair<json, json>> fields;
  if (before) {
    for (const auto& [type, value] : before->identities) fields["identities." + type].first = value;
    const json attributes = AttributeMap(*before);
    for (const auto& [name, v] : attributes.items()) fields["user_attributes." + name].first = v;
  }
  for (const auto& [type, value] : after.identities) fields["identities." + type].second = value;
  const json attributes = AttributeMap(after);
  for (const auto& [name, v] : attributes.items()) fields["user_attributes." + name].second = v;
  for (auto& [field, values] : fields) {
    if (values.first == values.second) continue;
    changes.push_back({{"field", field}, {"before", values.first}, {"after", values.second}});
  }
  return changes;
}

Response Preview(Services* services, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  catalog::Catalog* catalog = lease.catalog();
  ASSIGN_OR_RESPOND(catalog::Resource r, catalog->Get(ctx.workspace_id, Kind::kPipeline, id));
  ASSIGN_OR_RESPOND(catalog::PipelineState st, catalog->GetState(ctx.workspace_id, id));
  if (st.state != catalog::Lifecycle::kDraft && st.state != catalog::Lifecycle::kActive) {
    return ErrorResponse(WrongState(id, st.state, "preview", "a draft or active pipeline"));
  }
  ASSIGN_OR_RESPOND(catalog::Pipeline p, catalog::ParsePipeline(r.body));
  core::StopToken deadline;  // outlives the connector
  deadline.set_timeout(warehouse::kInteractiveDeadline);
  ASSIGN_OR_RESPOND(sync::RunSpec spec, sync::SpecFor(catalog, ctx.workspace_id, p));
  ASSIGN_OR_RESPOND(
      sync::PreparedSync prepared,
      sync::Prepare(spec, ctx.workspace_id, services->deployment->warehouse_access(&deadline)));
  ASSIGN_OR_RESPOND(sync::PreviewResult preview,
                    sync::Preview(spec, ctx.workspace_id, prepared, lease.store(),
                                  services->clock->NowMicros(), kPreviewRows));
  json profiles_out = json::array();
  for (const sync::PreviewProfile& shown : preview.profiles) {
    const profiles::Profile* before = shown.before ? &*shown.before : nullptr;
    json after_json = ProfileJson(shown.after, nullptr);
    // A new profile's mpid is only a draw of the resolver; a real run picks its own.
    if (!before) after_json["mpid"] = nullptr;
    profiles_out.push_back({{"before", before ? ProfileJson(*before, nullptr) : json()},
                            {"after", after_json},
                            {"changes", Changes(before, shown.after)}});
  }
  return JsonResponse(200, {{"profiles", profiles_out}, {"warnings", preview.warnings}});
}

core::StatusOr<std::optional<catalog::Run>> LatestRun(catalog::Catalog* catalog,
                                                      int64_t workspace_id, const std::string& id) {
  for (int64_t page = 1;; ++page) {
    int64_t total = 0;
    ASSIGN_OR_RETURN(auto runs, catalog->ListRuns(workspace_id, id, {}, {page, 100}, &total));
    for (catalog::Run& run : runs) {
      if (run.run_type != catalog::RunType::kHistorical) {
        return std::optional<catalog::Run>(std::move(run));
      }
    }
    if (page * 100 >= total) return std::optional<catalog::Run>();
  }
}

// When the scheduler next queues a run of an active pipeline: a slot already due (queued within
// a tick), else the first slot after `now`; null while draft or paused, for on_demand, and after
// a schedule's last slot.
json NextRunJson(const catalog::Resource& pipeline, const catalog::PipelineState& st, int64_t now) {
  if (st.state != catalog::Lifecycle::kActive || !st.activated_at) return nullptr;
  core::StatusOr<scheduler::Schedule> schedule =
      scheduler::ParseSchedule(pipeline.body.value("schedule", json()));
  if (!schedule.ok()) return nullptr;
  const int64_t anchor = scheduler::AnchorFor(*schedule, *st.activated_at);
  if (auto due = scheduler::DueSlot(*schedule, anchor, st.last_slot, now)) {
    return core::FormatTimestamp(*due);
  }
  std::optional<int64_t> next = scheduler::NextSlotAfter(*schedule, anchor, now);
  return next ? json(core::FormatTimestamp(*next)) : json();
}

Response Status(Services* services, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  catalog::Catalog* catalog = lease.catalog();
  ASSIGN_OR_RESPOND(catalog::Resource pipeline,
                    catalog->Get(ctx.workspace_id, Kind::kPipeline, id));
  ASSIGN_OR_RESPOND(catalog::PipelineState st, catalog->GetState(ctx.workspace_id, id));
  ASSIGN_OR_RESPOND(auto latest, LatestRun(catalog, ctx.workspace_id, id));
  // Each output's forwarding progress (SPEC §11): what waits in the outbox for it, what it
  // delivered, and why it last failed. Secrets never appear: an output is named by its type
  // and url or path.
  json outputs = json::array();
  ASSIGN_OR_RESPOND(std::vector<forward::OutputSpec> specs,
                    forward::ParseOutputs(pipeline.body.value("outputs", json::array())));
  for (const forward::OutputSpec& spec : specs) {
    ASSIGN_OR_RESPOND(storage::OutputProgress p,
                      lease.outbox()->Progress(ctx.workspace_id, id, spec.key));
    const bool paused = p.paused_until && *p.paused_until > services->clock->NowMicros();
    json o = {
        {"type", spec.type == forward::OutputType::kHttp ? "http" : "jsonl"},
        {"backlog", p.backlog},
        {"batches_delivered", p.delivered_total},
        {"state", paused ? "paused" : (p.failures > 0 ? "retrying" : "ok")},
        {"consecutive_failures", p.failures},
        {"last_error", p.last_error ? json(*p.last_error) : json()},
        {"last_error_at", p.last_error_at ? json(core::FormatTimestamp(*p.last_error_at)) : json()},
        {"paused_until", paused ? json(core::FormatTimestamp(*p.paused_until)) : json()}};
    if (spec.type == forward::OutputType::kHttp) {
      o["url"] = spec.url;
    } else {
      o["path"] = spec.path;
    }
    outputs.push_back(std::move(o));
  }
  return JsonResponse(200,
                      {{"pipeline_id", id},
                       {"state", Name(st.state)},
                       {"status", Name(st.status)},
                       {"errors", st.errors},
                       {"high_water_mark", MarkJson(st.high_water_mark)},
                       {"latest_run", latest ? RunJson(*latest) : json()},
                       {"next_run_at", NextRunJson(pipeline, st, services->clock->NowMicros())},
                       {"outputs", std::move(outputs)}});
}

Response ListRuns(Services* services, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  ASSIGN_OR_RESPOND(catalog::Page page, ParsePage(ctx));
  catalog::RunFilter filter;
  ASSIGN_OR_RESPOND(filter.from, ParseTimeParam(ctx, "from"));
  ASSIGN_OR_RESPOND(filter.to, ParseTimeParam(ctx, "to"));
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  RESPOND_IF_ERROR(lease.catalog()->Get(ctx.workspace_id, Kind::kPipeline, id).status());
  int64_t total = 0;
  ASSIGN_OR_RESPOND(auto runs,
                    lease.catalog()->ListRuns(ctx.workspace_id, id, filter, page, &total));
  json items = json::array();
  for (const catalog::Run& run : runs) items.push_back(RunJson(run));
  return JsonResponse(200, PageJson(std::move(items), page, total));
}

// The run named by the path, which must belong to the path's pipeline.
core::StatusOr<catalog::Run> PathRun(catalog::Catalog* catalog, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  const std::string& text = ctx.params["runId"];
  RETURN_IF_ERROR(catalog->Get(ctx.workspace_id, Kind::kPipeline, id).status());
  int64_t run_id = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), run_id);
  core::Status missing = core::NotFound("pipeline '" + id + "' has no run '" + text + "'");
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return missing;
  core::StatusOr<catalog::Run> run = catalog->GetRun(ctx.workspace_id, run_id);
  if (!run.ok() && run.status().code() == core::StatusCode::kNotFound) return missing;
  if (run.ok() && run->pipeline_id != id) return missing;
  return run;
}

Response GetRun(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(catalog::Run run, PathRun(lease.catalog(), ctx));
  return JsonResponse(200, RunJson(run));
}

Response RunErrors(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(catalog::Page page, ParsePage(ctx));
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(catalog::Run run, PathRun(lease.catalog(), ctx));
  int64_t total = 0;
  ASSIGN_OR_RESPOND(auto errors,
                    lease.catalog()->RowErrors(ctx.workspace_id, run.run_id, page, &total));
  json items = json::array();
  for (const mapping::RowError& e : errors) {
    items.push_back({{"row", e.row},
                     {"key", e.key},
                     {"column", e.column.empty() ? json() : json(e.column)},
                     {"code", Name(e.code)},
                     {"message", e.message}});
  }
  return JsonResponse(200, PageJson(std::move(items), page, total));
}

Response Cancel(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(catalog::Run run, PathRun(lease.catalog(), ctx));
  bool cancelled = false;
  if (services->workers) {
    ASSIGN_OR_RESPOND(cancelled,
                      services->workers->Cancel(lease.catalog(), ctx.workspace_id, run.run_id));
  } else {
    // This process runs nothing: the database tells the run's holder, whichever process.
    ASSIGN_OR_RESPOND(cancelled, lease.catalog()->RequestCancel(ctx.workspace_id, run.run_id,
                                                                services->clock->NowMicros()));
  }
  ASSIGN_OR_RESPOND(catalog::Run now, lease.catalog()->GetRun(ctx.workspace_id, run.run_id));
  // A running run stops within moments: 202 says the cancel is under way.
  return JsonResponse(cancelled ? 200 : 202, RunJson(now));
}

}  // namespace

void AddPipelineRoutes(Router* router, Services* services) {
  router->Add("POST", Path("/{id}/activate"), [services](RequestContext& ctx) {
    return Transition(services, ctx, "activate", {Lifecycle::kDraft}, Lifecycle::kActive);
  });
  router->Add("POST", Path("/{id}/pause"), [services](RequestContext& ctx) {
    return Transition(services, ctx, "pause", {Lifecycle::kActive}, Lifecycle::kPaused);
  });
  router->Add("POST", Path("/{id}/resume"), [services](RequestContext& ctx) {
    return Transition(services, ctx, "resume", {Lifecycle::kPaused}, Lifecycle::kActive);
  });
  router->Add("POST", Path("/{id}/resync"), [services](RequestContext& ctx) {
    return Transition(services, ctx, "resync", {Lifecycle::kActive, Lifecycle::kPaused},
                      std::nullopt);
  });
  router->Add("POST", Path("/{id}/trigger"),
              [services](RequestContext& ctx) { return Trigger(services, ctx); });
  router->Add("POST", Path("/{id}/preview"),
              [services](RequestContext& ctx) { return Preview(services, ctx); });
  router->Add("GET", Path("/{id}/status"),
              [services](RequestContext& ctx) { return Status(services, ctx); });
  router->Add("GET", Path("/{id}/runs"),
              [services](RequestContext& ctx) { return ListRuns(services, ctx); });
  router->Add("GET", Path("/{id}/runs/{runId}"),
              [services](RequestContext& ctx) { return GetRun(services, ctx); });
  router->Add("GET", Path("/{id}/runs/{runId}/errors"),
              [services](RequestContext& ctx) { return RunErrors(services, ctx); });
  router->Add("POST", Path("/{id}/runs/{runId}/cancel"),
              [services](RequestContext& ctx) { return Cancel(services, ctx); });
}

}  // namespace wsync::api

#include <charconv>

#include "api/handlers.h"
#include "api/request_checks.h"
#include "catalog/secrets.h"
#include "core/log.h"
#include "core/time.h"
#include "mapping/identity_types.h"

namespace wsync::api {

using nlohmann::json;

core::StatusOr<json> ParseJsonObject(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return core::InvalidArgument("the request body is empty; send a JSON object");
  }
  ASSIGN_OR_RETURN(json parsed, ParseBoundedJson(body));
  if (!parsed.is_object()) return core::InvalidArgument("the request body must be a JSON object");
  return parsed;
}

namespace {

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

json RunWarnings(const catalog::Run& run) {
  json warnings = json::array();
  if (run.counters.records_duplicate > 0) {
    warnings.push_back(std::to_string(run.counters.records_duplicate) +
                       " rows had the key of an earlier row of this run and were skipped (the "
                       "first row of each key is applied); give the data model a primary_key "
                       "that tells them apart, or order it so the row to keep comes first");
  }
  return warnings;
}

}  // namespace

core::StatusOr<catalog::Page> ParsePage(const RequestContext& ctx) {
  catalog::Page page;
  if (auto p = ctx.Query("page")) {
    auto v = ParseInt(*p);
    if (!v || *v < 1) return core::Status::InvalidField("page", "must be an integer from 1");
    page.page = *v;
  }
  if (auto p = ctx.Query("page_size")) {
    auto v = ParseInt(*p);
    if (!v || *v < 1 || *v > kMaxPageSize) {
      return core::Status::InvalidField("page_size", "must be an integer from 1 to 500");
    }
    page.page_size = *v;
  }
  if (page.page > (int64_t{1} << 40) / page.page_size) {
    return core::Status::InvalidField("page", "is too large");
  }
  return page;
}

core::StatusOr<std::optional<int64_t>> ParseTimeParam(const RequestContext& ctx,
                                                      const std::string& name) {
  auto text = ctx.Query(name);
  if (!text) return std::optional<int64_t>();
  auto t = core::ParseTimestamp(*text);
  if (!t) return core::Status::InvalidField(name, "must be an RFC 3339 timestamp");
  return std::optional<int64_t>(*t);
}

json PageJson(json items, const catalog::Page& page, int64_t total) {
  return {{"items", std::move(items)},
          {"page", page.page},
          {"page_size", page.page_size},
          {"total", total}};
}

void AddAudit(const catalog::Audit& audit, json* out) {
  (*out)["created_on"] = core::FormatTimestamp(audit.created_on);
  (*out)["created_by"] = audit.created_by;
  (*out)["last_modified_on"] = core::FormatTimestamp(audit.last_modified_on);
  (*out)["last_modified_by"] = audit.last_modified_by;
}

json OptTime(const std::optional<int64_t>& micros) {
  return micros ? json(core::FormatTimestamp(*micros)) : json();
}

json MarkJson(const std::optional<std::string>& mark) {
  if (!mark) return json();
  json v = json::parse(*mark, nullptr, false);
  return v.is_discarded() ? json(*mark) : v;
}

json RunJson(const catalog::Run& run) {
  const core::RunCounters& c = run.counters;
  return {{"pipeline_run_id", run.run_id},
          {"pipeline_id", run.pipeline_id},
          {"run_type", Name(run.run_type)},
          {"state", Name(run.state)},
          {"logical_date", OptTime(run.logical_date)},
          {"range_start", run.range_start ? json(*run.range_start) : json()},
          {"range_end", run.range_end ? json(*run.range_end) : json()},
          {"created_at", core::FormatTimestamp(run.created_at)},
          {"started_at", OptTime(run.started_at)},
          {"ended_at", OptTime(run.ended_at)},
          {"records_extracted", c.records_extracted},
          {"records_mapped", c.records_mapped},
          {"records_unchanged", c.records_unchanged},
          {"records_skipped", c.records_skipped},
          {"records_failed", c.records_failed},
          {"records_duplicate", c.records_duplicate},
          {"profiles_created", c.profiles_created},
          {"profiles_updated", c.profiles_updated},
          {"identity_conflicts", c.identity_conflicts},
          {"events_created", c.events_created},
          {"batches_forwarded", c.batches_forwarded},
          {"row_errors_total", c.row_errors_total},
          {"error", run.error ? json(*run.error) : json()},
          {"warnings", RunWarnings(run)}};
}

core::StatusOr<json> ResourceJson(catalog::Catalog* catalog, const warehouse::Registry& providers,
                                  const catalog::Resource& r) {
  json out = r.body;
  switch (r.kind) {
    case catalog::Kind::kConnection: {
      out["config"] = catalog::MaskSecrets(providers, out.value("service_provider", ""),
                                           out.value("config", json()));
      ASSIGN_OR_RETURN(catalog::ConnectionState st,
                       catalog->GetConnectionState(r.workspace_id, r.id));
      out["state"] = Name(st.state);
      out["status"] = Name(st.status);
      out["errors"] = st.errors;
      break;
    }
    case catalog::Kind::kPipeline: {
      out["outputs"] = catalog::MaskOutputSecrets(out.value("outputs", json::array()));
      ASSIGN_OR_RETURN(catalog::PipelineState st, catalog->GetState(r.workspace_id, r.id));
      out["state"] = Name(st.state);
      out["status"] = Name(st.status);
      out["errors"] = st.errors;
      out["high_water_mark"] = MarkJson(st.high_water_mark);
      break;
    }
    default:
      break;
  }
  AddAudit(r.audit, &out);
  return out;
}

json EventJson(const profiles::StoredEvent& e) {
  json out = json::parse(e.body, nullptr, false);
  if (!out.is_object()) out = json::object();
  out["pipeline_id"] = e.pipeline_id;
  out["pipeline_run_id"] = e.run_id;
  out["created_at"] = core::FormatTimestamp(e.created_at);
  return out;
}

json ProfileJson(const profiles::Profile& p, const std::vector<profiles::StoredEvent>* events) {
  json users = json::object();
  json devices = json::object();
  for (const auto& [type, value] : p.identities) {
    const mapping::IdentityType* t = mapping::FindIdentityType(type);
    (t != nullptr && t->device ? devices : users)[type] = value;
  }
  json attributes = json::object();
  json sources = json::object();
  for (const auto& [name, a] : p.attributes) {
    if (a.removed) continue;
    attributes[name] = json::parse(a.value.ToJson(), nullptr, false);
    sources[name] = {{"pipeline_id", a.pipeline_id},
                     {"run_id", a.run_id},
                     {"source_time", core::FormatTimestamp(a.source_time)},
                     {"updated_at", core::FormatTimestamp(a.updated_at)}};
  }
  json out = {{"mpid", std::to_string(p.mpid)},
              {"environment", p.environment},
              {"user_identities", users},
              {"device_identities", devices},
              {"user_attributes", attributes},
              {"attribute_sources", sources},
              {"created_at", core::FormatTimestamp(p.created_at)},
              {"updated_at", core::FormatTimestamp(p.updated_at)}};
  if (events != nullptr) {
    json list = json::array();
    for (const profiles::StoredEvent& e : *events) list.push_back(EventJson(e));
    out["events"] = list;
  }
  return out;
}

Response Guard(const std::function<Response()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    core::LogError("request handler failed: " + std::string(e.what()));
    return ErrorResponse(500, "internal", std::nullopt,
                         "internal error; the server log has the details");
  } catch (...) {
    core::LogError("request handler failed with an unknown exception");
    return ErrorResponse(500, "internal", std::nullopt,
                         "internal error; the server log has the details");
  }
}

}  // namespace wsync::api

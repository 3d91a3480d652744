// Connections, data models, field transformations and pipelines: create, list, get, replace,
// delete; connection verify; data model discover; the warehouse providers a connection may use.
#include <chrono>

#include "api/handler_macros.h"
#include "api/handlers.h"
#include "catalog/secrets.h"
#include "sync/prepare.h"
#include "warehouse/registry.h"

namespace wsync::api {

namespace {

using catalog::Kind;
using nlohmann::json;

std::string Path(Kind kind, const std::string& suffix = "") {
  return std::string(kBase) + "/" + std::string(catalog::KindCollection(kind)) + suffix;
}

// Pipelines are checked against their model before they are written (SPEC §4).
std::optional<Response> CheckBody(Services* services, catalog::Catalog* catalog, Kind kind,
                                  int64_t workspace_id, const json& body) {
  if (kind != Kind::kPipeline) return std::nullopt;
  core::StatusOr<catalog::Pipeline> p = catalog::ParsePipeline(body);
  if (!p.ok()) return ErrorResponse(p.status());
  core::Status checked = sync::CheckPipeline(catalog, workspace_id, *p,
                                             services->deployment->warehouse_access(nullptr));
  if (!checked.ok()) return ErrorResponse(checked);
  return std::nullopt;
}

core::StatusOr<catalog::ResourcePage> ListFiltered(catalog::Catalog* catalog, int64_t workspace_id,
                                                   Kind kind, const catalog::Page& page,
                                                   const std::string& provider) {
  // Workspaces hold few connections; filter the whole list, then cut the page.
  catalog::ResourcePage all;
  for (int64_t p = 1;; ++p) {
    ASSIGN_OR_RETURN(catalog::ResourcePage chunk,
                     catalog->List(workspace_id, kind, catalog::Page{p, kMaxPageSize}));
    for (catalog::Resource& r : chunk.items) {
      if (r.body.value("service_provider", "") == provider) all.items.push_back(std::move(r));
    }
    if (p * kMaxPageSize >= chunk.total) break;
  }
  catalog::ResourcePage out;
  out.total = static_cast<int64_t>(all.items.size());
  const int64_t begin = (page.page - 1) * page.page_size;
  for (int64_t i = begin; i < out.total && i < begin + page.page_size; ++i) {
    out.items.push_back(std::move(all.items[static_cast<size_t>(i)]));
  }
  return out;
}

void AddCrud(Router* router, Services* services, Kind kind) {
  router->Add("GET", Path(kind), [services, kind](RequestContext& ctx) {
    ASSIGN_OR_RESPOND(catalog::Page page, ParsePage(ctx));
    ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
    catalog::ResourcePage list;
    auto provider = ctx.Query("service_provider");
    if (kind == Kind::kConnection && provider) {
      ASSIGN_OR_RESPOND(list,
                        ListFiltered(lease.catalog(), ctx.workspace_id, kind, page, *provider));
    } else {
      ASSIGN_OR_RESPOND(list, lease.catalog()->List(ctx.workspace_id, kind, page));
    }
    json items = json::array();
    for (const catalog::Resource& r : list.items) {
      ASSIGN_OR_RESPOND(json item,
                        ResourceJson(lease.catalog(), services->deployment->registry(), r));
      items.push_back(std::move(item));
    }
    return JsonResponse(200, PageJson(std::move(items), page, list.total));
  });

  router->Add("POST", Path(kind), [services, kind](RequestContext& ctx) {
    ASSIGN_OR_RESPOND(json body, ParseJsonObject(ctx.body));
    RESPOND_IF_ERROR(catalog::Canonicalize(kind, body, services->deployment->registry()).status());
    ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
    if (auto error = CheckBody(services, lease.catalog(), kind, ctx.workspace_id, body)) {
      return std::move(*error);
    }
    ASSIGN_OR_RESPOND(
        catalog::Resource created,
        lease.catalog()->Create(ctx.workspace_id, kind, std::move(body), ctx.principal.client_id));
    ASSIGN_OR_RESPOND(json out,
                      ResourceJson(lease.catalog(), services->deployment->registry(), created));
    return JsonResponse(201, std::move(out));
  });

  router->Add("GET", Path(kind, "/{id}"), [services, kind](RequestContext& ctx) {
    ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
    ASSIGN_OR_RESPOND(catalog::Resource r,
                      lease.catalog()->Get(ctx.workspace_id, kind, ctx.params["id"]));
    ASSIGN_OR_RESPOND(json out, ResourceJson(lease.catalog(), services->deployment->registry(), r));
    return JsonResponse(200, std::move(out));
  });

  router->Add("PUT", Path(kind, "/{id}"), [services, kind](RequestContext& ctx) {
    ASSIGN_OR_RESPOND(json body, ParseJsonObject(ctx.body));
    const std::string& id = ctx.params["id"];
    ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
    ASSIGN_OR_RESPOND(catalog::Resource old, lease.catalog()->Get(ctx.workspace_id, kind, id));
    RESPOND_IF_ERROR(catalog::Canonicalize(kind, body, services->deployment->registry()).status());
    if (auto error = CheckBody(services, lease.catalog(), kind, ctx.workspace_id, body)) {
      return std::move(*error);
    }
    ASSIGN_OR_RESPOND(catalog::Resource updated,
                      lease.catalog()->Replace(ctx.workspace_id, kind, id, std::move(body),
                                               ctx.principal.client_id));
    if (kind == Kind::kConnection && updated.body != old.body) {
      // A verify of the old settings says nothing about the new ones.
      RESPOND_IF_ERROR(
          lease.catalog()->PutConnectionState(ctx.workspace_id, id, catalog::ConnectionState{}));
    }
    ASSIGN_OR_RESPOND(json out,
                      ResourceJson(lease.catalog(), services->deployment->registry(), updated));
    return JsonResponse(200, std::move(out));
  });

  router->Add("DELETE", Path(kind, "/{id}"), [services, kind](RequestContext& ctx) {
    ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
    const std::string& id = ctx.params["id"];
    // A pipeline's fingerprints (the store's) go with it, in the same transaction.
    RESPOND_IF_ERROR(lease.Transaction([&]() -> core::Status {
      RETURN_IF_ERROR(lease.catalog()->Delete(ctx.workspace_id, kind, id));
      if (kind != Kind::kPipeline) return core::Status::Ok();
      return lease.store()->ClearFingerprints(ctx.workspace_id, id);
    }));
    return JsonResponse(204, json());
  });
}

// `stop` (the caller's, outliving the connector) bounds the call by kInteractiveDeadline.
core::StatusOr<std::unique_ptr<warehouse::Connector>> ConnectorFor(
    Services* services, const catalog::Resource& resource, const core::StopToken* stop) {
  ASSIGN_OR_RETURN(catalog::Connection c, catalog::ParseStoredConnection(resource.body));
  ASSIGN_OR_RETURN(json config, services->deployment->RevealConfig(resource.workspace_id, c));
  core::StatusOr<std::unique_ptr<warehouse::Connector>> connector =
      services->deployment->registry().Create(c.service_provider, config,
                                              {.stop = stop, .trusted = c.trusted});
  if (!connector.ok()) return connector.status().Annotate("connection '" + c.id + "'");
  return connector;
}

Response Verify(Services* services, RequestContext& ctx) {
  const std::string& id = ctx.params["id"];
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(catalog::Resource r,
                    lease.catalog()->Get(ctx.workspace_id, Kind::kConnection, id));
  core::StopToken stop;
  stop.set_timeout(warehouse::kInteractiveDeadline);
  ASSIGN_OR_RESPOND(auto connector, ConnectorFor(services, r, &stop));
  auto start = std::chrono::steady_clock::now();
  core::Status s = connector->Verify();
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  catalog::ConnectionState state;
  state.verified_at = services->clock->NowMicros();
  Response out;
  if (s.ok()) {
    state.state = catalog::VerifyState::kVerified;
    out = JsonResponse(200, {{"ok", true}, {"latency_ms", latency}});
  } else {
    s = s.Annotate("connection '" + id + "'");
    out = ErrorResponse(s);
    state.state = catalog::VerifyState::kFailed;
    state.status = catalog::Health::kFaulted;
    state.errors = out.body["errors"];
  }
  RESPOND_IF_ERROR(lease.catalog()->PutConnectionState(ctx.workspace_id, id, state));
  return out;
}

Response Discover(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(json body, ParseJsonObject(ctx.body));
  std::vector<core::FieldError> errors;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "connection_id") errors.push_back(core::UnknownField(it.key()));
  }
  if (!body.contains("connection_id") || body["connection_id"].is_null()) {
    errors.push_back({"connection_id", "is required"});
  } else if (!body["connection_id"].is_string()) {
    errors.push_back({"connection_id", "must be a string"});
  }
  RESPOND_IF_ERROR(core::Status::FromFieldErrors(errors));
  const std::string connection_id = body["connection_id"];
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(catalog::Resource m,
                    lease.catalog()->Get(ctx.workspace_id, Kind::kDataModel, ctx.params["id"]));
  core::StatusOr<catalog::Resource> c =
      lease.catalog()->Get(ctx.workspace_id, Kind::kConnection, connection_id);
  if (c.status().code() == core::StatusCode::kNotFound) {
    return ErrorResponse(core::Status::InvalidField(
        "connection_id", "connection '" + connection_id + "' does not exist in workspace " +
                             std::to_string(ctx.workspace_id)));
  }
  RESPOND_IF_ERROR(c.status());
  core::StopToken stop;
  stop.set_timeout(warehouse::kInteractiveDeadline);
  ASSIGN_OR_RESPOND(auto connector, ConnectorFor(services, *c, &stop));
  core::StatusOr<warehouse::Discovery> d =
      connector->Discover(m.body.value("sql_query", ""), /*sample_rows=*/10);
  if (!d.ok()) {
    return ErrorResponse(
        d.status().Annotate("data model '" + m.id + "' on connection '" + connection_id + "'"));
  }
  json columns = json::array();
  for (const core::Column& col : d->columns) {
    columns.push_back(
        {{"name", col.name},
         {"type", core::TypeName(col.type)},
         {"inferred", col.inferred},
         {"mappable", col.type != core::Type::kBytes}});  // the mapper refuses binary data
  }
  json rows = json::array();
  for (const core::Row& row : d->sample_rows) {
    json obj = json::object();
    for (size_t i = 0; i < row.size() && i < d->columns.size(); ++i) {
      obj[d->columns[i].name] = json::parse(row[i].ToJson(), nullptr, false);
    }
    rows.push_back(std::move(obj));
  }
  return JsonResponse(200,
                      {{"columns", columns}, {"sample_rows", rows}, {"warnings", d->warnings}});
}

std::string_view ConfigTypeName(warehouse::ConfigType type) {
  switch (type) {
    case warehouse::ConfigType::kString:
      return "string";
    case warehouse::ConfigType::kInteger:
      return "integer";
    case warehouse::ConfigType::kBoolean:
      return "boolean";
    case warehouse::ConfigType::kJson:
      return "json";
  }
  return "string";
}

// The registry as data (what the UI builds its connection forms from): each provider's config
// fields with their types, which are required and which secret, and what its connector can do.
// `connectable` is false for a provider whose connections can be stored but not yet reached.
Response Providers(Services* services) {
  const warehouse::Registry& registry = services->deployment->registry();
  json items = json::array();
  for (const warehouse::ProviderInfo* info : registry.providers()) {
    json config = json::array();
    for (const warehouse::ConfigField& f : info->config) {
      config.push_back({{"name", f.name},
                        {"type", ConfigTypeName(f.type)},
                        {"required", f.required},
                        {"secret", f.secret}});
    }
    items.push_back({{"name", info->name},
                     {"dialect", info->dialect},
                     {"connectable", registry.HasConnector(info->name)},
                     {"config", std::move(config)},
                     {"capabilities",
                      {{"max_iterator", info->capabilities.max_iterator},
                       {"streaming", info->capabilities.streaming},
                       {"billed", info->capabilities.billed},
                       {"http", info->capabilities.http}}}});
  }
  const auto n = static_cast<int64_t>(items.size());
  return JsonResponse(200, PageJson(std::move(items), catalog::Page{1, n}, n));
}

}  // namespace

void AddResourceRoutes(Router* router, Services* services) {
  for (Kind kind :
       {Kind::kConnection, Kind::kDataModel, Kind::kFieldTransformation, Kind::kPipeline}) {
    AddCrud(router, services, kind);
  }
  router->Add("POST", Path(Kind::kConnection, "/{id}/verify"),
              [services](RequestContext& ctx) { return Verify(services, ctx); });
  router->Add("POST", Path(Kind::kDataModel, "/{id}/discover"),
              [services](RequestContext& ctx) { return Discover(services, ctx); });
  router->Add("GET", std::string(kBase) + "/providers",
              [services](RequestContext&) { return Providers(services); });
}

}  // namespace wsync::api

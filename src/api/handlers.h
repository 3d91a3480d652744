// The API's request handlers, one file per resource family, and the helpers they share:
// strict body parsing, paging, and the JSON shapes of SPEC §8 (audit fields as RFC 3339,
// secrets masked, pipeline state merged in). Each Add*Routes registers its routes on the
// router. Handlers lease their own connections per request, so they are thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/http_status.h"
#include "api/router.h"
#include "api/services.h"
#include "catalog/catalog.h"
#include "core/status.h"
#include "profiles/profile_store.h"

namespace wsync::api {

inline constexpr char kBase[] = "/platform/v2/workspaces/{workspaceId}";
inline constexpr size_t kMaxBodyBytes = 1 << 20;
inline constexpr int64_t kMaxPageSize = 500;

void AddResourceRoutes(Router* router, Services* services);
void AddPipelineRoutes(Router* router, Services* services);
void AddProfileRoutes(Router* router, Services* services);

// The request body as a JSON object. InvalidArgument naming the problem (empty, malformed with
// its position, not an object).
core::StatusOr<nlohmann::json> ParseJsonObject(const std::string& body);
// page (from 1) and page_size (1..500, default 50) from the query; bad values → InvalidArgument
// naming the parameter.
core::StatusOr<catalog::Page> ParsePage(const RequestContext& ctx);
// An optional RFC 3339 query parameter.
core::StatusOr<std::optional<int64_t>> ParseTimeParam(const RequestContext& ctx,
                                                      const std::string& name);

nlohmann::json PageJson(nlohmann::json items, const catalog::Page& page, int64_t total);
void AddAudit(const catalog::Audit& audit, nlohmann::json* out);
nlohmann::json OptTime(const std::optional<int64_t>& micros);
// A stored mark (JSON text) as a JSON value, null when absent.
nlohmann::json MarkJson(const std::optional<std::string>& mark);

nlohmann::json RunJson(const catalog::Run& run);
// A connection or pipeline with its read-only state; other kinds with their audit fields.
// Secrets are masked: `providers` say which config keys of a connection are secrets.
core::StatusOr<nlohmann::json> ResourceJson(catalog::Catalog* catalog,
                                            const warehouse::Registry& providers,
                                            const catalog::Resource& resource);
nlohmann::json ProfileJson(const profiles::Profile& profile,
                           const std::vector<profiles::StoredEvent>* events);
nlohmann::json EventJson(const profiles::StoredEvent& event);

// Runs `fn` and turns an escaping exception into a 500 (the catch-all at the top of a handler).
Response Guard(const std::function<Response()>& fn);

}  // namespace wsync::api

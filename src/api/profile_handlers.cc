// The Profile API (SPEC §8): list and look up profiles by identity, one profile with its latest
// events, its events paged, and erasure.
#include <charconv>

#include "api/handler_macros.h"
#include "api/handlers.h"
#include "mapping/identity_types.h"

namespace wsync::api {

namespace {

using nlohmann::json;

constexpr int64_t kProfileEvents = 50;
constexpr int64_t kMaxEventsListed = 10'000;

std::string Path(const std::string& suffix) { return std::string(kBase) + "/profiles" + suffix; }

core::StatusOr<int64_t> PathMpid(RequestContext& ctx) {
  const std::string& text = ctx.params["mpid"];
  int64_t mpid = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), mpid);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return core::Status::InvalidField("mpid",
                                      "must be a signed 64-bit integer (got '" + text + "')");
  }
  return mpid;
}

Response List(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(catalog::Page page, ParsePage(ctx));
  std::optional<std::string> environment = ctx.Query("environment");
  if (environment && *environment != "development" && *environment != "production") {
    return ErrorResponse(core::Status::InvalidField(
        "environment", "must be development or production (got '" + *environment + "')"));
  }
  std::optional<std::string> type = ctx.Query("identity_type");
  std::optional<std::string> value = ctx.Query("value");
  std::optional<profiles::IdentityRef> identity;
  if (type || value) {
    if (!type)
      return ErrorResponse(core::Status::InvalidField("identity_type",
                                                      "is required "
                                                      "with value"));
    if (!value)
      return ErrorResponse(core::Status::InvalidField("value",
                                                      "is required with "
                                                      "identity_type"));
    const mapping::IdentityType* t = mapping::FindIdentityType(*type);
    if (t == nullptr) {
      return ErrorResponse(core::Status::InvalidField(
          "identity_type", "unknown identity type '" + *type +
                               "' (for example email, "
                               "customer_id, mobile_number, ios_advertising_id)"));
    }
    identity = profiles::IdentityRef{std::string(t->name), mapping::NormalizeIdentity(*t, *value)};
  }
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(
      profiles::ProfilePage list,
      lease.store()->List(ctx.workspace_id, environment, identity, page.page, page.page_size));
  json items = json::array();
  for (const profiles::Profile& p : list.items) items.push_back(ProfileJson(p, nullptr));
  return JsonResponse(200, PageJson(std::move(items), page, list.total));
}

Response Get(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(int64_t mpid, PathMpid(ctx));
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(profiles::Profile p, lease.store()->Get(ctx.workspace_id, mpid));
  ASSIGN_OR_RESPOND(auto events, lease.store()->Events(ctx.workspace_id, mpid, kProfileEvents));
  return JsonResponse(200, ProfileJson(p, &events));
}

Response Events(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(int64_t mpid, PathMpid(ctx));
  ASSIGN_OR_RESPOND(catalog::Page page, ParsePage(ctx));
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  RESPOND_IF_ERROR(lease.store()->Get(ctx.workspace_id, mpid).status());
  // The store lists newest first with a limit; page within the newest kMaxEventsListed.
  const int64_t upto = std::min(page.page * page.page_size, kMaxEventsListed);
  ASSIGN_OR_RESPOND(auto events, lease.store()->Events(ctx.workspace_id, mpid, kMaxEventsListed));
  json items = json::array();
  for (int64_t i = (page.page - 1) * page.page_size;
       i < upto && i < static_cast<int64_t>(events.size()); ++i) {
    items.push_back(EventJson(events[static_cast<size_t>(i)]));
  }
  return JsonResponse(200, PageJson(std::move(items), page, static_cast<int64_t>(events.size())));
}

Response Erase(Services* services, RequestContext& ctx) {
  ASSIGN_OR_RESPOND(int64_t mpid, PathMpid(ctx));
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  RESPOND_IF_ERROR(lease.store()->Erase(ctx.workspace_id, mpid));
  return JsonResponse(204, json());
}

}  // namespace

void AddProfileRoutes(Router* router, Services* services) {
  router->Add("GET", Path(""), [services](RequestContext& ctx) { return List(services, ctx); });
  router->Add("GET", Path("/{mpid}"),
              [services](RequestContext& ctx) { return Get(services, ctx); });
  router->Add("GET", Path("/{mpid}/events"),
              [services](RequestContext& ctx) { return Events(services, ctx); });
  router->Add("DELETE", Path("/{mpid}"),
              [services](RequestContext& ctx) { return Erase(services, ctx); });
}

}  // namespace wsync::api

// Router: the API's table of routes — method + path pattern ("/platform/v2/workspaces/
// {workspaceId}/pipelines/{id}") → handler. Matching tells a path no route knows (404) from a
// known path asked with another method (405). The table is also what the OpenAPI test compares
// with the published document. Built once at start-up, then read-only: Find is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_status.h"
#include "storage/credential_store.h"

namespace wsync::api {

// Who is calling: set by the server from the bearer token before an authenticated handler runs.
using storage::Principal;

struct RequestContext {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // from the path pattern
  std::multimap<std::string, std::string> query;
  std::string body;
  std::string content_type;
  Principal principal;
  int64_t workspace_id = 0;  // the path's {workspaceId}, checked against the principal
  std::string remote_addr;   // the client's IP address (throttles key on it)

  // The first value of a query parameter.
  std::optional<std::string> Query(const std::string& name) const;
};

using Handler = std::function<Response(RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;
  bool authenticated = true;
  Handler handler;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, bool authenticated = true);

  struct Match {
    const Route* route = nullptr;               // set when found
    std::map<std::string, std::string> params;  // when found
    std::vector<std::string> allowed_methods;   // path known, method not: for 405's Allow
  };
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool MatchPattern(std::string_view pattern, std::string_view path,
                           std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace wsync::api

#include "api/router.h"

namespace wsync::api {

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  if (!path.empty() && path.front() == '/') start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> RequestContext::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

void Router::Add(std::string method, std::string pattern, Handler handler, bool authenticated) {
  routes_.push_back({std::move(method), std::move(pattern), authenticated, std::move(handler)});
}

bool Router::MatchPattern(std::string_view pattern, std::string_view path,
                          std::map<std::string, std::string>* params) {
  std::vector<std::string_view> want = Segments(pattern);
  std::vector<std::string_view> got = Segments(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    std::string_view w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) return false;
      found[std::string(w.substr(1, w.size() - 2))] = std::string(got[i]);
    } else if (w != got[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(route.pattern, path, &params)) continue;
    // HEAD is answered by the GET handler (the server drops the body).
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      match.route = &route;
      match.params = std::move(params);
      match.allowed_methods.clear();
      return match;
    }
    match.allowed_methods.push_back(route.method);
  }
  return match;
}

}  // namespace wsync::api

#include "api/server.h"

#include <httplib.h>
#include <strings.h>

#include <charconv>
#include <chrono>
#include <set>

#include "api/handler_macros.h"
#include "api/handlers.h"
#include "api/http_transport.h"
#include "api/limits.h"
#include "api/openapi_json.h"
#include "api/request_checks.h"
#include "core/log.h"
#include "runner/lease_owner.h"
#include "ui/assets.h"

namespace wsync::api {

namespace {

using nlohmann::json;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
               HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// application/x-www-form-urlencoded into a JSON object of strings (UTF-8 once decoded).
core::StatusOr<json> ParseForm(std::string_view body) {
  json out = json::object();
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = UrlDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
      RETURN_IF_ERROR(CheckRequestText("a form field name", key));
      RETURN_IF_ERROR(CheckRequestText("form field '" + key + "'", value));
      if (!out.contains(key)) out[key] = value;
    }
    start = end + 1;
  }
  return out;
}

Response TooManyRequests(const std::string& what, int64_t retry_after_seconds) {
  Response r = ErrorResponse(429, "too_many_requests", std::nullopt,
                             what + "; retry after " + std::to_string(retry_after_seconds) + " s");
  r.retry_after_seconds = retry_after_seconds;
  return r;
}

// Routes that open a warehouse connection (verify, discover, preview, and the pipeline checks
// of create, update and activate): bounded per workspace.
bool TouchesWarehouse(const Route& route) {
  auto ends = [&](std::string_view tail) { return route.pattern.ends_with(tail); };
  if (ends("/verify") || ends("/discover") || ends("/preview")) return true;
  if (route.pattern.find("/pipelines") == std::string::npos) return false;
  return (route.method == "POST" && (ends("/pipelines") || ends("/activate"))) ||
         (route.method == "PUT" && ends("/pipelines/{id}"));
}

Response Token(Services* services, RequestContext& ctx) {
  json body;
  if (ctx.content_type.starts_with("application/x-www-form-urlencoded")) {
    ASSIGN_OR_RESPOND(body, ParseForm(ctx.body));
  } else {
    ASSIGN_OR_RESPOND(body, ParseJsonObject(ctx.body));
  }
  std::vector<core::FieldError> errors;
  for (auto it = body.begin(); it != body.end(); ++it) {
    static const std::set<std::string> kKnown = {"client_id", "client_secret", "grant_type",
                                                 "audience", "scope"};
    if (!kKnown.contains(it.key())) errors.push_back(core::UnknownField(it.key()));
  }
  auto text = [&](const char* key) -> std::string {
    if (!body.contains(key) || body[key].is_null()) {
      errors.push_back({key, "is required"});
      return "";
    }
    if (!body[key].is_string()) {
      errors.push_back({key, "must be a string"});
      return "";
    }
    return body[key].get<std::string>();
  };
  std::string grant = text("grant_type");
  std::string client_id = text("client_id");
  std::string secret = text("client_secret");
  if (!grant.empty() && grant != "client_credentials") {
    errors.push_back({"grant_type", "must be client_credentials (got '" + grant + "')"});
  }
  RESPOND_IF_ERROR(core::Status::FromFieldErrors(errors));
  Throttles* throttles = services->throttles;
  if (throttles != nullptr) {
    // Secrets are 256-bit, so guessing is hopeless; these bound the CPU and memory (Argon2id,
    // 64 MiB per attempt) an unauthenticated caller can spend.
    const int64_t now = services->clock->NowMicros();
    if (int64_t wait = throttles->token_by_address.Take(ctx.remote_addr, now); wait > 0) {
      return TooManyRequests("too many token requests from this address", wait);
    }
    if (int64_t wait = throttles->token_by_client.Take(client_id, now); wait > 0) {
      return TooManyRequests("too many token requests for this client_id", wait);
    }
    if (!throttles->password_hashes.Acquire(throttles->password_hash_wait_ms)) {
      return TooManyRequests("too many token requests in progress", 1);
    }
  }
  struct ReleaseHash {
    Throttles* t;
    ~ReleaseHash() {
      if (t != nullptr) t->password_hashes.Release();
    }
  } release{throttles};
  ASSIGN_OR_RESPOND(auto lease, services->pool->Acquire());
  ASSIGN_OR_RESPOND(storage::IssuedToken token, lease.credentials()->IssueToken(client_id, secret));
  ctx.principal.client_id = client_id;  // for the access log
  return JsonResponse(200, {{"access_token", token.access_token},
                            {"expires_in", token.expires_in},
                            {"token_type", "Bearer"}});
}

Response Health(Services* services) {
  core::Status s;
  {
    core::StatusOr<SessionPool::Lease> lease = services->pool->Acquire();
    s = lease.ok() ? lease->credentials()->Ping() : lease.status();
  }
  if (s.ok()) return JsonResponse(200, {{"status", "ok"}, {"database", "ok"}});
  core::LogError("health check: " + s.ToString());
  json body = ErrorBody("internal", std::nullopt, "the database is not reachable");
  body["status"] = "unavailable";
  body["database"] = "unreachable";
  return JsonResponse(503, std::move(body));
}

std::string_view ErrorCodeForStatus(int status) {
  switch (status) {
    case 400:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 429:
      return "too_many_requests";
    default:
      return "internal";
  }
}

// Serialises `out` into `res`. Nothing thrown here may escape to cpp-httplib (it would answer
// with the exception text in a header): a failure is logged and answered 500 with a valid body.
void WriteResponse(const Response& out, httplib::Response* res) {
  try {
    res->status = out.status;
    if (out.www_authenticate) res->set_header("WWW-Authenticate", *out.www_authenticate);
    if (out.retry_after_seconds) {
      res->set_header("Retry-After", std::to_string(*out.retry_after_seconds));
    }
    for (const auto& [name, value] : out.headers) res->set_header(name, value);
    if (out.raw_body) {
      res->set_content(*out.raw_body, out.content_type);
    } else if (out.status != 204) {
      res->set_content(SafeDump(out.body), "application/json");
    }
  } catch (const std::exception& e) {
    core::LogError("writing a response failed: " + std::string(e.what()));
    res->headers.clear();
    res->status = 500;
    res->set_content(R"({"errors":[{"code":"internal","field":null,"message":"internal error; )"
                     R"(the server log has the details"}]})",
                     "application/json");
  }
}

}  // namespace

void AddAllRoutes(Router* router, Services* services) {
  router->Add(
      "POST", "/oauth/token", [services](RequestContext& ctx) { return Token(services, ctx); },
      /*authenticated=*/false);
  router->Add(
      "GET", "/healthz", [services](RequestContext&) { return Health(services); }, false);
  router->Add(
      "GET", "/platform/v2/openapi.json",
      [](RequestContext&) {
        Response r;
        r.raw_body = std::string(kOpenApiJson);
        return r;
      },
      false);
  AddResourceRoutes(router, services);
  AddPipelineRoutes(router, services);
  AddProfileRoutes(router, services);
}

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() { Stop(); }

core::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, std::unique_ptr<sync::Deployment> deployment) {
  std::unique_ptr<Server> server(new Server(options));
  server->deployment_ = std::move(deployment);
  {
    // Runs held by processes that are gone (a dead process of this host at once, others once
    // their lease expires) end failed with error "interrupted"; this process's leases renew.
    ASSIGN_OR_RETURN(std::unique_ptr<storage::Session> session, server->deployment_->NewSession());
    server->leases_ = std::make_unique<runner::LeaseKeeper>(
        std::move(session), options.clock,
        runner::LeaseOptions{.lease = std::chrono::milliseconds(options.lease_ms),
                             .renew_every = std::chrono::milliseconds(options.lease_renew_ms)});
    RETURN_IF_ERROR(server->leases_->Tick());
    server->leases_->Start();
  }
  server->pool_ = std::make_unique<SessionPool>(server->deployment_.get());
  server->throttles_ = std::unique_ptr<Throttles>(new Throttles{
      KeyedRateLimiter(options.token_burst_per_address, options.token_refill_ms_per_address * 1000),
      KeyedRateLimiter(options.token_burst_per_client, options.token_refill_ms_per_client * 1000),
      Semaphore(options.password_hash_concurrency), options.password_hash_wait_ms,
      WorkspaceGate(options.warehouse_requests_per_workspace)});
  server->services_ = Services{server->deployment_.get(), server->pool_.get(), nullptr,
                               options.clock, server->throttles_.get()};
  if (options.run_workers > 0) {
    server->workers_ =
        std::make_unique<runner::RunWorkers>(server->deployment_.get(), server->leases_.get(),
                                             options.run_workers, options.worker_poll_ms);
    server->services_.workers = server->workers_.get();
  }
  AddAllRoutes(&server->router_, &server->services_);

  auto http = std::make_unique<LimitedHttpServer>(TransportLimits{
      .min_threads = options.http_threads,
      .max_connections = options.max_connections,
      .header_timeout_ms = options.header_timeout_ms,
      .body_timeout_ms = options.body_timeout_ms,
      .keep_alive_ms = options.keep_alive_ms,
  });
  http->set_payload_max_length(kMaxBodyBytes);
  Server* self = server.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    self->Dispatch(&req, &res);
  };
  // cpp-httplib reads a POST/PUT/PATCH/DELETE without Content-Length until the connection
  // closes (and answers 400 after its read timeout). `curl -X POST URL` sends exactly that for
  // a bodiless action, so such requests are answered here, before any body is read.
  http->set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                             req.method == "DELETE";
    if (!body_method || req.has_header("Content-Length") ||
        req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    self->Dispatch(&req, &res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Every method reaches Dispatch, which routes by itself so it can tell 404 from 405. ("." of
  // std::regex does not match a newline, which a decoded path may hold.)
  const std::string any = R"([\s\S]*)";
  http->Get(any, handler);
  http->Post(any, handler);
  http->Put(any, handler);
  http->Delete(any, handler);
  http->Patch(any, handler);
  http->Options(any, handler);
  // An exception that escapes Dispatch (none should) is answered like one inside it, never with
  // cpp-httplib's EXCEPTION_WHAT header.
  http->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        core::LogError("request failed with an exception outside the handler");
        res.headers.clear();
        res.status = 500;
        res.set_content(SafeDump(ErrorBody("internal", std::nullopt,
                                           "internal error; the server log has the details")),
                        "application/json");
      });
  // Answers cpp-httplib produces itself (413 for a body over the limit, 400 for a malformed
  // request) get the API's error body too.
  http->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 413 ? "the request body is over 1 MiB"
                                                : "the HTTP request could not be handled";
        if (res.status == 414) message = "the request target is over 8 KiB";
        res.set_content(SafeDump(ErrorBody(ErrorCodeForStatus(res.status), std::nullopt, message)),
                        "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));

  int port = options.port == 0
                 ? http->bind_to_any_port(options.host)
                 : (http->bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0) {
    server->Stop();
    return core::Unavailable("cannot listen on " + options.host + ":" +
                             std::to_string(options.port) + " (address in use or not local?)");
  }
  server->port_ = port;
  server->http_ = std::move(http);
  server->listener_ = std::thread([self] { self->http_->listen_after_bind(); });
  // Stop() before the listener runs would be lost; wait until it does.
  for (int i = 0; i < 5000 && !server->http_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (server->workers_) server->workers_->Start();
  if (options.scheduler_tick_ms > 0) {
    runner::RunWorkers* workers = server->workers_.get();
    server->scheduler_ = std::make_unique<scheduler::SchedulerLoop>(
        server->deployment_.get(), options.scheduler_tick_ms, [workers] {
          if (workers) workers->Notify();
        });
    RETURN_IF_ERROR(server->scheduler_->Start());
  }
  if (options.forward_poll_ms > 0) {
    forward::ForwarderDeps deps = server->deployment_->forwarder_deps();
    deps.owner = runner::ThisProcessOwner();
    forward::ForwarderOptions forwarder = options.forwarder;
    forwarder.lease_ms = options.lease_ms;  // a dead server's drains free up like its runs
    sync::Deployment* deployment = server->deployment_.get();
    server->forwarder_ =
        std::make_unique<forward::ForwardLoop>([deployment] { return deployment->NewSession(); },
                                               std::move(deps), forwarder, options.forward_poll_ms);
    RETURN_IF_ERROR(server->forwarder_->Start());
  }
  core::LogInfo("serving " + server->deployment_->store().url + " on " + options.host + ":" +
                std::to_string(port));
  return server;
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (http_) http_->stop();
  if (listener_.joinable()) listener_.join();
  if (scheduler_) scheduler_->Stop();
  if (forwarder_) forwarder_->Stop();
  if (workers_) workers_->Shutdown();
  leases_.reset();
}

void Server::Dispatch(const void* request, void* response) {
  const auto& req = *static_cast<const httplib::Request*>(request);
  auto& res = *static_cast<httplib::Response*>(response);
  const auto start = std::chrono::steady_clock::now();
  RequestContext ctx;
  ctx.method = req.method;
  ctx.path = req.path;
  ctx.body = req.body;
  ctx.content_type = req.get_header_value("Content-Type");
  ctx.remote_addr = req.remote_addr;
  for (const auto& [k, v] : req.params) ctx.query.emplace(k, v);

  Response out = Guard([&]() -> Response {
    // Text that is not UTF-8 (or holds a NUL) never reaches a handler, the store or an answer.
    RESPOND_IF_ERROR(CheckRequestText("the request path", req.path));
    for (const auto& [k, v] : req.params) {
      RESPOND_IF_ERROR(CheckRequestText("a query parameter name", k));
      RESPOND_IF_ERROR(CheckRequestText("query parameter '" + k + "'", v));
    }
    RESPOND_IF_ERROR(CheckRequestText("the request body", req.body));
    if (req.body.size() > kMaxBodyBytes) {
      return ErrorResponse(413, "payload_too_large", std::nullopt,
                           "the request body is over 1 MiB");
    }
    // The web UI's files: static, no token (its data calls carry one), outside the API's table.
    if (req.method == "GET" || req.method == "HEAD") {
      if (const ui::Asset* asset = ui::FindAsset(req.path)) {
        Response r;
        r.raw_body = std::string(asset->bytes);
        r.content_type = std::string(asset->content_type);
        r.headers = ui::SecurityHeaders();
        return r;
      }
    }
    Router::Match match = router_.Find(req.method, req.path);
    if (match.route == nullptr) {
      if (!match.allowed_methods.empty()) {
        std::string allowed;
        for (const std::string& m : match.allowed_methods) {
          allowed += (allowed.empty() ? "" : ", ") + m;
        }
        res.set_header("Allow", allowed);
        return ErrorResponse(405, "method_not_allowed", std::nullopt,
                             req.method + " is not allowed on " + req.path + "; use " + allowed);
      }
      return ErrorResponse(404, "not_found", std::nullopt, "no such endpoint: " + req.path);
    }
    ctx.params = match.params;
    if (match.route->authenticated) {
      std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (auth.size() <= kBearer.size() ||
          strncasecmp(auth.c_str(), kBearer.data(), kBearer.size()) != 0) {
        return ErrorResponse(core::Unauthenticated(
            "send an access token: Authorization: Bearer <token> (from POST /oauth/token)"));
      }
      ASSIGN_OR_RESPOND(auto lease, pool_->Acquire());
      ASSIGN_OR_RESPOND(ctx.principal,
                        lease.credentials()->Authenticate(auth.substr(kBearer.size())));
    }
    if (auto it = ctx.params.find("workspaceId"); it != ctx.params.end()) {
      const std::string& text = it->second;
      int64_t ws = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), ws);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || ws <= 0) {
        return ErrorResponse(core::NotFound("workspace '" + text + "' not found"));
      }
      if (ws != ctx.principal.workspace_id) {
        return ErrorResponse(core::PermissionDenied("this credential belongs to workspace " +
                                                    std::to_string(ctx.principal.workspace_id) +
                                                    " and cannot reach workspace " + text));
      }
      ctx.workspace_id = ws;
    }
    WorkspaceGate* gate = nullptr;
    if (ctx.workspace_id > 0 && services_.throttles != nullptr && TouchesWarehouse(*match.route)) {
      gate = &services_.throttles->warehouse;
      if (!gate->TryEnter(ctx.workspace_id)) {
        return TooManyRequests("workspace " + std::to_string(ctx.workspace_id) + " already has " +
                                   std::to_string(gate->limit()) +
                                   " warehouse requests (verify, discover, preview, pipeline "
                                   "checks) in progress",
                               1);
      }
    }
    struct LeaveGate {
      WorkspaceGate* gate;
      int64_t ws;
      ~LeaveGate() {
        if (gate != nullptr) gate->Leave(ws);
      }
    } leave{gate, ctx.workspace_id};
    return match.route->handler(ctx);
  });

  WriteResponse(out, &res);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  // Path only: query strings may carry identity values. Never the Authorization header.
  core::LogInfo(req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                std::to_string(ms) + "ms" +
                (ctx.principal.client_id.empty() ? "" : " client=" + ctx.principal.client_id));
}

}  // namespace wsync::api

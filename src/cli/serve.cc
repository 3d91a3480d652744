#include "cli/serve.h"

#include <signal.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/server.h"
#include "app/engine.h"
#include "cli/commands.h"
#include "core/time.h"
#include "storage/credential_store.h"

namespace wsync::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

bool ParseListen(const std::string& text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = text.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  std::string p = text.substr(colon + 1);
  auto r = std::from_chars(p.data(), p.data() + p.size(), *port);
  return r.ec == std::errc() && r.ptr == p.data() + p.size() && *port >= 0 && *port <= 65535;
}

}  // namespace

int Serve(const ServeArgs& args) {
  api::ServerOptions options;
  core::StatusOr<storage::StoreLocation> store =
      storage::ChooseStore(args.store, args.data_dir, kDefaultDataDir);
  if (!store.ok()) {
    std::cerr << "wsync: " << store.status().message() << "\n";
    return kExitBadInput;
  }
  options.data_dir = store->data_dir;
  options.store = *store;
  options.run_workers = args.workers;
  options.lease_ms = int64_t{args.lease_seconds} * 1000;
  options.sqlite_dirs = args.sqlite_dirs;
  options.allow_networks = args.allow_networks;
  options.output_dirs = args.output_dirs;
  options.max_connections = args.max_connections;
  options.http_threads = args.http_threads;
  options.warehouse_requests_per_workspace = args.warehouse_requests_per_workspace;
  if (!ParseListen(args.listen, &options.host, &options.port)) {
    std::cerr << "wsync: --listen must be HOST:PORT (got '" << args.listen << "')\n";
    return kExitBadInput;
  }
  // Block the stop signals in every thread (threads inherit the mask) and take them with
  // sigwait below, so no handler runs in the middle of a request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  core::StatusOr<std::unique_ptr<api::Server>> server = app::StartServer(options);
  if (!server.ok()) {
    std::cerr << "wsync: " << server.status().message() << "\n";
    return server.status().code() == core::StatusCode::kInvalidArgument ? kExitBadInput
                                                                        : kExitFailed;
  }
  std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::printf("listening on http://%s:%d\n", host.c_str(), (*server)->port());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "%s INFO received %s: stopping intake, interrupting runs\n",
               core::FormatTimestamp(core::SystemClock::Default()->NowMicros()).c_str(),
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Stop();
  std::fprintf(stderr, "%s INFO stopped\n",
               core::FormatTimestamp(core::SystemClock::Default()->NowMicros()).c_str());
  return kExitOk;
}

int Credentials(const CredentialsArgs& args) {
  using nlohmann::json;
  if (args.workspace_id <= 0) {
    std::cerr << "wsync: --workspace must be a positive integer\n";
    return kExitBadInput;
  }
  auto engine = OpenEngine(args.store, args.data_dir);
  if (!engine.ok()) {
    std::cerr << "wsync: " << engine.status().message() << "\n";
    return kExitBadInput;
  }
  auto session = (*engine)->NewSession();
  if (!session.ok()) {
    std::cerr << "wsync: " << session.status().message() << "\n";
    return kExitFailed;
  }
  storage::CredentialStore* store = (*session)->credentials();
  if (args.action == "create") {
    auto cred = store->Create(args.workspace_id);
    if (!cred.ok()) {
      std::cerr << "wsync: " << cred.status().message() << "\n";
      return kExitFailed;
    }
    std::printf("%s\n",
                json({{"client_id", cred->client_id}, {"client_secret", cred->client_secret}})
                    .dump()
                    .c_str());
    return kExitOk;
  }
  if (args.action == "list") {
    auto list = store->List(args.workspace_id);
    if (!list.ok()) {
      std::cerr << "wsync: " << list.status().message() << "\n";
      return kExitFailed;
    }
    json out = json::array();
    for (const storage::CredentialInfo& c : *list) {
      out.push_back(
          {{"client_id", c.client_id},
           {"workspace_id", c.workspace_id},
           {"created_at", core::FormatTimestamp(c.created_at)},
           {"revoked_at", c.revoked_at ? json(core::FormatTimestamp(*c.revoked_at)) : json()}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (args.action == "revoke") {
    if (args.client_id.empty()) {
      std::cerr << "wsync: revoke needs --client-id\n";
      return kExitBadInput;
    }
    core::Status s = store->Revoke(args.workspace_id, args.client_id);
    if (!s.ok()) {
      std::cerr << "wsync: " << s.message() << "\n";
      return s.code() == core::StatusCode::kNotFound ? kExitBadInput : kExitFailed;
    }
    std::printf("%s\n", json({{"client_id", args.client_id}, {"revoked", true}}).dump().c_str());
    return kExitOk;
  }
  std::cerr << "wsync: credentials needs create, list or revoke\n";
  return kExitBadInput;
}

}  // namespace wsync::cli

// HttpTransport: the seam the REST warehouses (Snowflake SQL API, BigQuery jobs, Databricks
// statement execution) will send their requests through. Connectors get one in ConnectorDeps,
// so their tests can hand them a fake that answers with recorded request/response pairs, and
// the process shares one implementation that owns TLS, connection reuse and the egress rules of
// SPEC §12 (public addresses only, https, unless the operator allowed a network).
//
// Only the interface exists so far: this build has no REST connector and no implementation
// (ConnectorDeps::http is null in a running server). The implementation will wrap libcurl in
// warehouse/http/ so this header stays free of driver headers.
//
// Threads: implementations are thread-safe; connectors on several threads share one.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/stop_token.h"

namespace wsync::warehouse {

struct HttpRequest {
  std::string method = "GET";
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // The whole exchange, connect to last byte; a StopToken may end it sooner.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Answers longer than this fail with ResourceExhausted instead of growing without bound;
  // result pages are sized by the caller's request to fit.
  size_t max_response_bytes = 64u << 20;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and reads the whole answer. Any HTTP status is a response (the connector
  // maps 401/403/429/5xx to its own statuses); a status error means no usable answer:
  // Unavailable (unreachable, connection reset, an address the egress rules refuse — the
  // message never says what answers there), DeadlineExceeded (request.timeout), Cancelled or
  // DeadlineExceeded from `stop` (polled while the request is in flight; may be null),
  // ResourceExhausted (request.max_response_bytes).
  virtual core::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                            const core::StopToken* stop) = 0;
};

}  // namespace wsync::warehouse

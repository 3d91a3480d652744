// HttpTransport: the seam the REST warehouses (Snowflake SQL API, BigQuery jobs, Databricks
// statement execution) send their requests through. Connectors get one in ConnectorDeps, so
// their tests can hand them a fake that answers with recorded request/response pairs, and the
// process shares one implementation (CurlTransport, curl_transport.h) that owns TLS, timeouts,
// decompression and the egress rules of SPEC §12 (public addresses only, https, unless the
// operator allowed a network). Retries are the caller's choice: retry.h wraps a transport with
// backoff for 429 / 5xx. This header includes no driver header.
//
// Threads: implementations are thread-safe; connectors on several threads share one.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/stop_token.h"

namespace wsync::warehouse {

// Members have default initializers so designated initializers may leave any of them out.
struct HttpRequest {
  std::string method = "GET";
  std::string url{};  // http:// or https:// only
  // Header values may hold secrets (Authorization): no message or log line ever shows them.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  // The whole exchange, connect to last byte; a StopToken may end it sooner.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Establishing the connection (TCP and TLS); at most `timeout`.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(15)};
  // Answers longer than this fail with ResourceExhausted instead of growing without bound;
  // result pages are sized by the caller's request to fit.
  size_t max_response_bytes = 64u << 20;
  // The operator wrote the URL (ConnectorContext::trusted): the egress rule does not apply.
  bool trusted = false;
  // Where the URL came from, for messages ("config.base_url").
  std::string origin = "the warehouse URL";
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};  // names in lower case
  std::string body{};  // decoded (gzip, deflate, br) when the server compressed it

  // The first header named `name` (lower case); empty when absent.
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and reads the whole answer. Any HTTP status is a response (the connector
  // maps 401/403/429/5xx to its own statuses); a status error means no usable answer:
  // Unavailable (unreachable, connection reset, TLS failure — the message never says what
  // answers there), PermissionDenied with reason address_not_allowed (the egress rule refused
  // the address, or plain http outside an allowed network), InvalidArgument (a URL that does not
  // parse or is not http/https), DeadlineExceeded (request.timeout), Cancelled or
  // DeadlineExceeded from `stop` (polled while the request is in flight; may be null),
  // ResourceExhausted (request.max_response_bytes).
  virtual core::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                            const core::StopToken* stop) = 0;
};

}  // namespace wsync::warehouse

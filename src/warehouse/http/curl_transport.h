// CurlTransport: the process's HttpTransport (http_transport.h) over libcurl. Each Send is one
// exchange on its own easy handle, driven by a multi handle so the StopToken is looked at every
// few tens of milliseconds (and from the transfer's progress callback): a cancelled run ends its
// request within moments.
//
// What every request gets: TLS with peer and host verification (the system's CA store), the
// request's connect and total timeouts, any compression curl can decode (Accept-Encoding of all
// of gzip, deflate, br, zstd; bodies are handed over decoded), no redirects (a redirect could
// lead past the egress check), only the http and https protocols, and proxies from the usual
// environment variables (https_proxy, no_proxy, …; libcurl's default). The answer is read up
// to request.max_response_bytes, counted after decoding, so a compressed bomb cannot grow it.
//
// The egress rule (SPEC §12, egress.h): unless the request is trusted, the host is resolved
// here, every address it resolves to is checked against the NetworkPolicy, and the connection
// is pinned to those checked addresses with CURLOPT_RESOLVE, so a DNS answer that changes after
// the check (rebinding) is never used. Plain http is accepted only when every address is inside
// a network the operator allowed; anywhere else https is required. (Through a proxy the proxy
// resolves the name itself; the check on the addresses still applies before anything is sent.)
//
// Messages name the URL's scheme, host and port only — never a header (Authorization), a query
// string or a body.
//
// Threads: thread-safe; Send may run on many threads at once (no state is shared between
// requests besides the immutable policy).
#pragma once

#include <string>

#include "warehouse/egress.h"
#include "warehouse/http/http_transport.h"

namespace wsync::warehouse {

class CurlTransport : public HttpTransport {
 public:
  // `policy` (null: public addresses only) must outlive the transport.
  explicit CurlTransport(const NetworkPolicy* policy = nullptr, std::string user_agent = "wsync");

  core::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                    const core::StopToken* stop) override;

 private:
  const NetworkPolicy* policy_;
  std::string user_agent_;
};

}  // namespace wsync::warehouse

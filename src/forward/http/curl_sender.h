// CurlSender: the HttpTransport (warehouse/http/http_transport.h) forwarding outputs send
// through, over libcurl, keeping SPEC §12's egress rule: the URL's host is resolved once, every
// address it resolves to is checked against the NetworkPolicy, and curl is pinned to the
// checked addresses (CURLOPT_RESOLVE), so a DNS answer that changes between the check and the
// connect cannot reach another address. https is required; plain http only when every address
// lies in a network the operator allowed. Redirects are not followed. Refusals say only that
// the address is not allowed, never what answers there.
//
// A small sender of its own until the shared warehouse transport lands; the interface is the
// shared one, so outputs can move to it unchanged.
//
// Threads: Send is thread-safe (one curl easy handle per call).
#pragma once

#include "warehouse/egress.h"
#include "warehouse/http/http_transport.h"

namespace wsync::forward {

class CurlSender : public warehouse::HttpTransport {
 public:
  // `network` outlives the sender.
  explicit CurlSender(const warehouse::NetworkPolicy* network);
  core::StatusOr<warehouse::HttpResponse> Send(const warehouse::HttpRequest& request,
                                               const core::StopToken* stop) override;

 private:
  const warehouse::NetworkPolicy* network_;
};

}  // namespace wsync::forward

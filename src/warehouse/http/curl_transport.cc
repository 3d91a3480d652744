#include "warehouse/http/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

// How often the multi loop looks at the stop token while nothing happens on the socket.
constexpr int kPollMillis = 50;

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct EasyDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// The parts of a URL the transport checks; `host` without IPv6 brackets.
struct UrlParts {
  std::string scheme;
  std::string host;
  std::string port;
  bool literal = false;  // the host is an IP address: nothing to resolve
};

std::string Part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(u, part, &text, flags) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

core::StatusOr<UrlParts> ParseUrl(const HttpRequest& request) {
  std::unique_ptr<CURLU, CurlUrlDeleter> u(curl_url());
  if (u == nullptr) return core::ResourceExhausted("out of memory parsing a URL");
  const auto bad = [&](std::string why) {
    return core::InvalidArgument(request.origin + " is not a usable URL: " + why);
  };
  if (curl_url_set(u.get(), CURLUPART_URL, request.url.c_str(), 0) != CURLUE_OK) {
    return bad("it does not parse (write it as https://host[:port]/path)");
  }
  UrlParts p;
  p.scheme = Part(u.get(), CURLUPART_SCHEME);
  for (char& c : p.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (p.scheme != "https" && p.scheme != "http") return bad("only https:// (or http://) URLs are");
  if (!Part(u.get(), CURLUPART_USER).empty() || !Part(u.get(), CURLUPART_PASSWORD).empty()) {
    return bad("it holds a user name or password; credentials belong in the secret fields");
  }
  p.host = Part(u.get(), CURLUPART_HOST);
  if (p.host.size() >= 2 && p.host.front() == '[' && p.host.back() == ']') {
    p.host = p.host.substr(1, p.host.size() - 2);
    // A zone id ("fe80::1%eth0") names a local interface: never a warehouse.
    if (p.host.find('%') != std::string::npos) return bad("it names a link-local zone");
  }
  if (p.host.empty()) return bad("it has no host");
  p.port = Part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  IpAddress ignored;
  p.literal = IpAddress::Parse(p.host, &ignored);
  return p;
}

struct Exchange {
  const core::StopToken* stop = nullptr;
  size_t max_bytes = 0;
  bool too_large = false;
  bool stopped = false;
  HttpResponse response;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (x->response.body.size() + n > x->max_bytes) {
    x->too_large = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  x->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after 100 Continue or a proxy's CONNECT answer) starts a new header set.
  if (line.starts_with("HTTP/")) {
    x->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  x->response.headers.emplace_back(std::move(name), std::string(value));
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* x = static_cast<Exchange*>(user);
  if (x->stop != nullptr && !x->stop->Check().ok()) {
    x->stopped = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

std::string Millis(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

bool IsTlsFailure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

}  // namespace

CurlTransport::CurlTransport(const NetworkPolicy* policy, std::string user_agent)
    : policy_(policy), user_agent_(std::move(user_agent)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

core::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request,
                                                 const core::StopToken* stop) {
  if (stop != nullptr) RETURN_IF_ERROR(stop->Check());
  ASSIGN_OR_RETURN(UrlParts url, ParseUrl(request));
  const std::string where =
      request.origin + " (" + url.scheme + "://" +
      (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" + url.port +
      ")";

  SlistPtr resolve;
  if (!request.trusted) {
    static const NetworkPolicy kPublicOnly;
    const NetworkPolicy& policy = policy_ != nullptr ? *policy_ : kPublicOnly;
    ASSIGN_OR_RETURN(std::vector<IpAddress> addresses, policy.Resolve(url.host, request.origin));
    if (url.scheme == "http") {
      for (const IpAddress& a : addresses) {
        if (!policy.InAllowedNetwork(a)) {
          return WarehouseError(core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed,
                                request.origin + " '" + url.host +
                                    "' uses plain http, which is accepted only inside a network "
                                    "the operator allows (wsync serve --allow-network CIDR): use "
                                    "https");
        }
      }
    }
    if (!url.literal) {
      std::string entry = url.host + ":" + url.port + ":";
      for (size_t i = 0; i < addresses.size(); ++i) {
        const std::string a = addresses[i].ToString();
        entry += (i ? "," : "") + (addresses[i].is_v4() ? a : "[" + a + "]");
      }
      resolve.reset(curl_slist_append(nullptr, entry.c_str()));
    }
  }

  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (easy == nullptr || multi == nullptr) {
    return core::ResourceExhausted("out of memory starting an HTTP request");
  }
  SlistPtr headers;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  // No "Expect: 100-continue" round trip for large bodies.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));

  Exchange x;
  x.stop = stop;
  x.max_bytes = request.max_response_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  const auto timeout =
      std::max<std::chrono::milliseconds>(request.timeout, std::chrono::milliseconds(1));
  const auto connect_timeout = std::min(request.connect_timeout, timeout);
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  if (resolve != nullptr) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, &x);
  if (request.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
  } else if (request.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  curl_multi_add_handle(multi.get(), e);
  CURLcode result = CURLE_OK;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
      result = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) {
      int left = 0;
      for (CURLMsg* m; (m = curl_multi_info_read(multi.get(), &left)) != nullptr;) {
        if (m->msg == CURLMSG_DONE) result = m->data.result;
      }
      break;
    }
    if (stop != nullptr && !stop->Check().ok()) {
      x.stopped = true;
      result = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    curl_multi_poll(multi.get(), nullptr, 0, kPollMillis, nullptr);
  }
  curl_multi_remove_handle(multi.get(), e);

  if (x.stopped || result == CURLE_ABORTED_BY_CALLBACK) {
    if (stop != nullptr) RETURN_IF_ERROR(stop->Check());
    return core::Cancelled("the request to " + where + " was cancelled");
  }
  if (x.too_large) {
    return core::ResourceExhausted("the answer of " + where + " is larger than " +
                                   std::to_string(request.max_response_bytes) +
                                   " bytes, the limit of this request");
  }
  if (result != CURLE_OK) {
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(result);
    if (result == CURLE_OPERATION_TIMEDOUT) {
      curl_off_t connected = 0;
      curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connected);
      if (connected == 0) {
        return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                              where + " did not accept a connection within " +
                                  Millis(connect_timeout) +
                                  ": check the URL, and that this deployment may reach it");
      }
      return core::DeadlineExceeded(where + " did not answer within " + Millis(timeout));
    }
    if (IsTlsFailure(result)) {
      return WarehouseError(core::StatusCode::kFailedPrecondition, kReasonTlsRefused,
                            "the TLS connection to " + where + " failed: " + detail);
    }
    return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                          "could not reach " + where + ": " + detail);
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  x.response.status = static_cast<int>(status);
  return std::move(x.response);
}

}  // namespace wsync::warehouse

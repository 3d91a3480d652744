#include "forward/http/curl_sender.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>

namespace wsync::forward {

namespace {

struct Exchange {
  warehouse::HttpResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
  const core::StopToken* stop = nullptr;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t bytes = size * n;
  if (x->response.body.size() + bytes > x->max_bytes) {
    x->too_large = true;
    return 0;  // aborts the transfer
  }
  x->response.body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.pop_back();
    }
    x->response.headers.emplace_back(line.substr(0, colon), value);
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* x = static_cast<Exchange*>(user);
  return x->stop != nullptr && x->stop->cancelled() ? 1 : 0;
}

struct UrlParts {
  std::string scheme;
  std::string host;
  long port = 0;
};

core::StatusOr<UrlParts> ParseUrl(const std::string& url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return core::InvalidArgument("output url is not a valid URL");
  }
  UrlParts parts;
  char* text = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &text, 0) == CURLUE_OK) {
    parts.scheme = text;
    curl_free(text);
  }
  if (curl_url_get(u.get(), CURLUPART_HOST, &text, 0) == CURLUE_OK) {
    parts.host = text;
    curl_free(text);
  }
  if (curl_url_get(u.get(), CURLUPART_PORT, &text, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    parts.port = std::strtol(text, nullptr, 10);
    curl_free(text);
  }
  if (parts.host.size() > 2 && parts.host.front() == '[' && parts.host.back() == ']') {
    parts.host = parts.host.substr(1, parts.host.size() - 2);
  }
  if (parts.host.empty() || parts.port <= 0) {
    return core::InvalidArgument("output url has no host");
  }
  return parts;
}

}  // namespace

CurlSender::CurlSender(const warehouse::NetworkPolicy* network) : network_(network) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

core::StatusOr<warehouse::HttpResponse> CurlSender::Send(const warehouse::HttpRequest& request,
                                                         const core::StopToken* stop) {
  ASSIGN_OR_RETURN(UrlParts url, ParseUrl(request.url));
  if (url.scheme != "https" && url.scheme != "http") {
    return core::InvalidArgument("output url must be http:// or https://");
  }
  core::StatusOr<std::vector<warehouse::IpAddress>> addresses =
      network_->Resolve(url.host, "output url host");
  if (!addresses.ok()) return core::Unavailable(addresses.status().message());
  if (addresses->empty()) return core::Unavailable("output url host does not resolve");
  if (url.scheme == "http") {
    for (const warehouse::IpAddress& a : *addresses) {
      if (!network_->InAllowedNetwork(a)) {
        return core::Unavailable(
            "output url must use https: plain http is accepted only inside a network the "
            "operator allowed (serve --allow-network)");
      }
    }
  }
  // Pin the name to the checked addresses: curl connects to nothing else.
  std::string pinned = url.host + ":" + std::to_string(url.port) + ":";
  for (size_t i = 0; i < addresses->size(); ++i) {
    if (i > 0) pinned += ',';
    const std::string text = (*addresses)[i].ToString();
    pinned += (*addresses)[i].is_v4() ? text : "[" + text + "]";
  }

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return core::Internal("curl_easy_init failed");
  curl_slist* resolve = curl_slist_append(nullptr, pinned.c_str());
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");
  Exchange x;
  x.max_bytes = request.max_response_bytes;
  x.stop = stop;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(request.timeout.count(), 10'000)));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_slist_free_all(resolve);
  if (x.too_large) return core::ResourceExhausted("the output's answer is too large");
  if (rc == CURLE_ABORTED_BY_CALLBACK) return core::Cancelled("forwarding was stopped");
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return core::DeadlineExceeded("the output did not answer in time");
  if (rc != CURLE_OK) {
    return core::Unavailable(std::string("the output could not be reached (") +
                             curl_easy_strerror(rc) + ")");
  }
  x.response.status = static_cast<int>(status);
  return std::move(x.response);
}

}  // namespace wsync::forward

// CurlTransport against a cpp-httplib server on 127.0.0.1 (a random port): decoding, retries
// with Retry-After through SendWithRetry, timeouts, cancellation, the response bound and the
// egress rule.
#include "warehouse/http/curl_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "warehouse/http/retry.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using std::chrono::milliseconds;

std::string Gzip(const std::string& text) {
  std::string out;
  httplib::detail::gzip_compressor c;
  EXPECT_TRUE(c.compress(text.data(), text.size(), true, [&](const char* d, size_t n) {
    out.append(d, n);
    return true;
  }));
  return out;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits_;
      last_auth_ = req.get_header_value("Authorization");
      res.set_header("X-Answer", "42");
      res.set_content("hello " + req.get_header_value("X-Name"), "text/plain");
    });
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits_;
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Get("/gzip", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits_;
      accept_encoding_ = req.get_header_value("Accept-Encoding");
      res.set_header("Content-Encoding", "gzip");
      // Not a type cpp-httplib compresses by itself, so the body is gzip exactly once.
      res.set_content(Gzip(std::string(100'000, 'x') + "end"), "application/octet-stream");
    });
    server_.Get("/throttled", [this](const httplib::Request&, httplib::Response& res) {
      if (hits_++ == 0) {
        res.status = 429;
        res.set_header("Retry-After", "1");
        res.set_content("slow down", "text/plain");
        return;
      }
      res.set_content("ok", "text/plain");
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      for (int i = 0; i < 40 && !stopping_; ++i) std::this_thread::sleep_for(milliseconds(50));
      res.set_content("late", "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(10'000, 'b'), "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the listener runs would be lost (cpp-httplib 0.11 has no wait_until_ready).
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
    ASSERT_TRUE(NetworkPolicy::Allowing({"127.0.0.0/8"}).ok());
    loopback_ = *NetworkPolicy::Allowing({"127.0.0.0/8"});
  }
  void TearDown() override {
    stopping_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> hits_{0};
  std::atomic<bool> stopping_{false};
  std::string last_auth_;
  std::string accept_encoding_;
  NetworkPolicy loopback_;
};

TEST_F(CurlTransportTest, SendsHeadersAndReadsStatusHeadersAndBody) {
  CurlTransport t(&loopback_);
  auto r = t.Send(
      {.url = Url("/hello"), .headers = {{"X-Name", "wsync"}, {"Authorization", "Bearer tok"}}},
      nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello wsync");
  EXPECT_EQ(r->Header("x-answer"), "42");
  EXPECT_EQ(last_auth_, "Bearer tok");

  auto echoed = t.Send({.method = "POST",
                        .url = Url("/echo"),
                        .headers = {{"Content-Type", "application/octet-stream"}},
                        .body = std::string(3 << 20, 'p')},
                       nullptr);
  ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
  EXPECT_EQ(echoed->status, 200);
  EXPECT_TRUE(echoed->body == std::string(3 << 20, 'p'));
  auto missing = t.Send({.url = Url("/nowhere")}, nullptr);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(CurlTransportTest, GzipBodiesAreDecoded) {
  CurlTransport t(&loopback_);
  auto r = t.Send({.url = Url("/gzip")}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(accept_encoding_.find("gzip"), std::string::npos) << accept_encoding_;
  EXPECT_EQ(r->Header("content-encoding"), "gzip");
  EXPECT_EQ(r->body, std::string(100'000, 'x') + "end");
  // The bound counts decoded bytes: a small compressed body cannot expand past it.
  auto bounded = t.Send({.url = Url("/gzip"), .max_response_bytes = 50'000}, nullptr);
  EXPECT_EQ(bounded.status().code(), core::StatusCode::kResourceExhausted);
}

TEST_F(CurlTransportTest, RetriesA429AfterItsRetryAfter) {
  CurlTransport t(&loopback_);
  const auto start = std::chrono::steady_clock::now();
  auto r = SendWithRetry(&t, {.url = Url("/throttled")}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(hits_, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(CurlTransportTest, TimeoutEndsTheRequest) {
  CurlTransport t(&loopback_);
  const auto start = std::chrono::steady_clock::now();
  auto r = t.Send({.url = Url("/slow"), .timeout = milliseconds(300)}, nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(r.status().message(), "the warehouse URL (http://127.0.0.1:" + std::to_string(port_) +
                                      ") did not answer within 300 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
}

TEST_F(CurlTransportTest, CancellingTheStopTokenEndsTheRequestWithinMoments) {
  CurlTransport t(&loopback_);
  core::StopToken stop;
  std::thread canceller([&] {
    while (hits_ == 0) std::this_thread::sleep_for(milliseconds(5));
    stop.Cancel("run cancelled by the user");
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = t.Send({.url = Url("/slow")}, &stop);
  canceller.join();
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "run cancelled by the user");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(600));

  core::StopToken past;
  past.set_timeout(milliseconds(0));
  EXPECT_EQ(t.Send({.url = Url("/hello")}, &past).status().code(),
            core::StatusCode::kDeadlineExceeded);
}

TEST_F(CurlTransportTest, AnswersLargerThanTheLimitAreRefused) {
  CurlTransport t(&loopback_);
  auto r = t.Send({.url = Url("/big"), .max_response_bytes = 1000}, nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "the answer of the warehouse URL (http://127.0.0.1:" + std::to_string(port_) +
                ") is larger than 1000 bytes, the limit of this request");
  EXPECT_TRUE(t.Send({.url = Url("/big"), .max_response_bytes = 10'000}, nullptr).ok());
}

TEST_F(CurlTransportTest, EgressRuleRefusesLoopbackWithoutAnAllowRule) {
  CurlTransport t;  // public addresses only
  auto r = t.Send({.url = Url("/hello"), .origin = "config.base_url"}, nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kPermissionDenied);
  EXPECT_EQ(WarehouseReason(r.status()), kReasonAddressNotAllowed);
  EXPECT_EQ(r.status().message(),
            "config.base_url '127.0.0.1' is not an address this deployment may reach: only "
            "public addresses are, unless the operator allows a network (wsync serve "
            "--allow-network CIDR)");
  EXPECT_EQ(hits_, 0);
  // A trusted request (the operator's own config) is not checked.
  auto trusted = t.Send({.url = Url("/hello"), .trusted = true}, nullptr);
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(hits_, 1);
  // Plain http to a public address is refused before anything is sent: https is required.
  auto plain = t.Send({.url = "http://8.8.8.8/", .origin = "config.base_url"}, nullptr);
  EXPECT_EQ(plain.status().code(), core::StatusCode::kPermissionDenied);
  EXPECT_EQ(WarehouseReason(plain.status()), kReasonAddressNotAllowed);
  EXPECT_NE(plain.status().message().find("uses plain http"), std::string::npos);
}

TEST_F(CurlTransportTest, BadUrlsAreRefusedAndSecretsStayOutOfMessages) {
  CurlTransport t(&loopback_);
  for (const char* url : {"ftp://127.0.0.1/x", "not a url", "https://user:pw@127.0.0.1/"}) {
    auto r = t.Send({.url = url, .origin = "config.base_url"}, nullptr);
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument) << url;
    EXPECT_TRUE(r.status().message().starts_with("config.base_url is not a usable URL"))
        << r.status().message();
    EXPECT_EQ(r.status().message().find("pw"), std::string::npos);
  }
  // Nothing listens on port 1: unreachable, and the token is nowhere in the message.
  auto r = t.Send({.url = "http://127.0.0.1:1/api?token=QUERYSECRET",
                   .headers = {{"Authorization", "Bearer HEADERSECRET"}}},
                  nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(WarehouseReason(r.status()), kReasonUnreachable);
  EXPECT_EQ(r.status().message().find("SECRET"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace wsync::warehouse

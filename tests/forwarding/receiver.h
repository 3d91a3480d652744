// A real mParticle-like bulk endpoint on loopback for the forwarding tests: it answers each
// request by a script (202, 429 with Retry-After, 500, a stall longer than the client waits,
// or a dropped connection), then 202, and keeps every request body it read — also those whose
// answer the client never saw, the case a receiver deduplicates by message id. Test-only.
//
// Threads: requests are served on cpp-httplib's threads; every method is thread-safe.
#pragma once

#include <httplib.h>
#include <zlib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace wsync::testing {

class Receiver {
 public:
  enum class Answer { kAccept, kThrottle, kFail, kStall, kDrop };

  explicit Receiver(std::chrono::milliseconds stall = std::chrono::milliseconds(1500),
                    std::chrono::milliseconds delay = std::chrono::milliseconds(0))
      : stall_(stall), delay_(delay) {
    server_.Post("/bulk", [this](const httplib::Request& req, httplib::Response& res) {
      std::string body = req.body;
      // cpp-httplib may have inflated it already (when built with zlib).
      gzipped_ = req.get_header_value("Content-Encoding") == "gzip";
      if (body.size() >= 2 && body[0] == '\x1f' && body[1] == '\x8b') body = Gunzip(body);
      Answer answer = Answer::kAccept;
      {
        std::lock_guard lock(mu_);
        headers_ = req.headers;
        if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        }
        answers_.push_back(answer);
        if (answer == Answer::kAccept || answer == Answer::kStall || answer == Answer::kDrop) {
          bodies_.push_back(body);
          if (on_body_) on_body_(body);
        }
      }
      if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
      switch (answer) {
        case Answer::kAccept:
          res.status = 202;
          break;
        case Answer::kThrottle:
          res.status = 429;
          res.set_header("Retry-After", "1");
          break;
        case Answer::kFail:
          res.status = 500;
          break;
        case Answer::kStall:
          std::this_thread::sleep_for(stall_);
          res.status = 202;
          break;
        case Answer::kDrop:
          // A response cut short: the connection closes before the answer is whole.
          res.set_content_provider(100, "application/json",
                                   [](size_t, size_t, httplib::DataSink&) { return false; });
          break;
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  // Called (under the receiver's lock) with every body it reads.
  void OnBody(std::function<void(const std::string&)> f) {
    std::lock_guard lock(mu_);
    on_body_ = std::move(f);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/bulk"; }
  void Script(std::vector<Answer> answers) {
    std::lock_guard lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  std::vector<Answer> answers() {
    std::lock_guard lock(mu_);
    return answers_;
  }
  // Every request body it read, in arrival order.
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  // Every batch of those bodies.
  std::vector<nlohmann::json> batches() {
    std::vector<nlohmann::json> out;
    for (const std::string& body : bodies()) {
      for (nlohmann::json& b : nlohmann::json::parse(body)) out.push_back(std::move(b));
    }
    return out;
  }
  httplib::Headers last_headers() {
    std::lock_guard lock(mu_);
    return headers_;
  }

 private:
  static std::string Gunzip(const std::string& data) {
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    std::string out(1 << 24, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    return out;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  const std::chrono::milliseconds stall_;
  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::deque<Answer> script_;
  std::vector<Answer> answers_;
  std::vector<std::string> bodies_;
  httplib::Headers headers_;
  bool gzipped_ = false;
  std::function<void(const std::string&)> on_body_;
};

}  // namespace wsync::testing

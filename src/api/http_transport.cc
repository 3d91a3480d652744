#include "api/http_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"

namespace wsync::api {

namespace {

using Clock = std::chrono::steady_clock;

int64_t MsUntil(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
}

// Waits up to `ms` for `events` on `fd`; true when ready.
bool WaitFor(int fd, short events, int64_t ms) {
  if (ms < 0) ms = 0;
  pollfd p{fd, events, 0};
  while (true) {
    int r = ::poll(&p, 1, static_cast<int>(ms));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
               : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// One connection's byte stream. Reads fail once the current deadline has passed (or the
// header phase has read too many bytes), however slowly the bytes trickle in.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int fd, const TransportLimits& limits) : fd_(fd), limits_(limits) {}

  bool is_readable() const override {
    return begin_ < end_ || WaitFor(fd_, POLLIN, MsUntil(deadline_));
  }
  bool is_writable() const override { return WaitFor(fd_, POLLOUT, limits_.write_timeout_ms); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (MsUntil(deadline_) <= 0 || !WaitFor(fd_, POLLIN, MsUntil(deadline_))) {
        timed_out_ = true;
        return -1;
      }
      ssize_t n;
      do {
        n = ::recv(fd_, buf_, sizeof buf_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - begin_);
    if (in_headers_) {
      header_bytes_ += n;
      if (header_bytes_ > limits_.max_header_bytes) {
        timed_out_ = true;  // as good as: the connection is not worth keeping
        return -1;
      }
      // The blank line ending the headers starts the body's deadline (cpp-httplib reads the
      // header section byte by byte, so nothing past it has been taken yet).
      for (size_t i = 0; i < n && in_headers_; ++i) {
        tail_ = (tail_ << 8) | static_cast<unsigned char>(buf_[begin_ + i]);
        if ((tail_ & 0xffffffffu) == 0x0d0a0d0au) StartBody();
      }
    }
    std::copy(buf_ + begin_, buf_ + begin_ + n, ptr);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }

  bool buffered() const { return begin_ < end_; }
  // A read failed on a deadline or the header cap: close the connection after the answer.
  bool timed_out() const { return timed_out_; }

  // A new request: its headers are due within header_timeout_ms.
  void StartRequest() {
    in_headers_ = true;
    header_bytes_ = 0;
    tail_ = 0;
    deadline_ = Clock::now() + std::chrono::milliseconds(limits_.header_timeout_ms);
  }
  // Its headers are in: the body is due within body_timeout_ms.
  void StartBody() {
    in_headers_ = false;
    deadline_ = Clock::now() + std::chrono::milliseconds(limits_.body_timeout_ms);
  }

 private:
  int fd_;
  const TransportLimits& limits_;
  Clock::time_point deadline_ = Clock::now();
  bool in_headers_ = true;
  size_t header_bytes_ = 0;
  uint32_t tail_ = 0;  // the last four header bytes read
  bool timed_out_ = false;
  char buf_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

void AnswerBusyAndClose(int fd) {
  static constexpr char kBody[] =
      R"({"errors":[{"code":"unavailable","field":null,"message":"the server has too many )"
      R"(open connections; try again"}]})";
  std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(sizeof kBody - 1) + "\r\n\r\n" + kBody;
  if (WaitFor(fd, POLLOUT, 1000)) {
    ssize_t ignored = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
  }
  // Read what the client sent (briefly) so closing does not reset the answer away.
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  for (int i = 0; i < 4 && WaitFor(fd, POLLIN, 50); ++i) {
    if (::recv(fd, sink, sizeof sink, 0) <= 0) break;
  }
  ::close(fd);
}

class ElasticPool : public httplib::TaskQueue {
 public:
  ElasticPool(int min_threads, int max_threads)
      : min_(std::max(1, min_threads)), max_(std::max(min_, max_threads)) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < min_; ++i) SpawnLocked();
  }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked();
    jobs_.push_back(std::move(fn));
    if (idle_ < static_cast<int>(jobs_.size()) && static_cast<int>(threads_.size()) < max_) {
      SpawnLocked();
    }
    cv_.notify_one();
  }

  void shutdown() override {
    std::map<int, std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
      cv_.notify_all();
    }
    // Workers never remove themselves from threads_ (only ReapLocked does), so this takes all.
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& [id, t] : threads) t.join();
  }

 private:
  void SpawnLocked() {
    const int id = next_id_++;
    threads_.emplace(id, std::thread([this, id] { Work(id); }));
  }

  void ReapLocked() {
    for (int id : exited_) {
      auto it = threads_.find(id);
      if (it != threads_.end()) {
        it->second.join();
        threads_.erase(it);
      }
    }
    exited_.clear();
  }

  void Work(int id) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ++idle_;
      bool woke =
          cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !jobs_.empty() || shutdown_; });
      --idle_;
      if (jobs_.empty()) {
        if (shutdown_) return;
        if (!woke && static_cast<int>(threads_.size()) - static_cast<int>(exited_.size()) > min_) {
          exited_.push_back(id);
          return;
        }
        continue;
      }
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  const int min_;
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::map<int, std::thread> threads_;
  std::vector<int> exited_;
  int idle_ = 0;
  int next_id_ = 0;
  bool shutdown_ = false;
};

}  // namespace

LimitedHttpServer::LimitedHttpServer(TransportLimits limits) : limits_(limits) {
  const int threads = limits_.min_threads;
  // A few threads beyond the connection cap answer the connections over it with 503.
  const int max_threads = limits_.max_connections + 8;
  new_task_queue = [threads, max_threads] { return NewElasticPool(threads, max_threads); };
}

bool LimitedHttpServer::process_and_close_socket(socket_t sock) {
  if (active_.fetch_add(1) >= limits_.max_connections) {
    active_.fetch_sub(1);
    AnswerBusyAndClose(sock);
    return false;
  }
  DeadlineStream stream(sock, limits_);
  bool ok = true;
  bool closed = false;
  for (size_t served = 0; !closed && served < keep_alive_max_count_; ++served) {
    // Wait for the next request in short slices so Stop() is not held up by idle clients.
    auto idle_until = Clock::now() + std::chrono::milliseconds(limits_.keep_alive_ms);
    bool ready = stream.buffered();
    while (!ready && is_running() && MsUntil(idle_until) > 0) {
      ready = WaitFor(sock, POLLIN, std::min<int64_t>(100, MsUntil(idle_until)));
    }
    if (!ready || !is_running()) break;
    stream.StartRequest();
    const bool last = served + 1 == keep_alive_max_count_;
    // cpp-httplib calls the setup hook once the headers are parsed, before reading the body.
    ok = process_request(stream, last, closed, [&](httplib::Request&) { stream.StartBody(); });
    if (!ok || stream.timed_out()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  active_.fetch_sub(1);
  return ok;
}

httplib::TaskQueue* NewElasticPool(int min_threads, int max_threads) {
  return new ElasticPool(min_threads, max_threads);
}

}  // namespace wsync::api

// The HTTP transport under the API (SPEC §12 "every request is bounded"): cpp-httplib's server
// with its connection loop replaced so that a slow client cannot hold a thread for long.
//  - A request's request line and headers must arrive within `header_timeout_ms` of its first
//    byte, and at most `max_header_bytes`; its body within `body_timeout_ms` after the headers.
//    (cpp-httplib's own read timeout applies per read, so one byte a second kept a thread.)
//  - An idle keep-alive connection is closed after `keep_alive_ms`.
//  - At most `max_connections` connections are served at once; one more is answered
//    `503 unavailable` and closed.
//  - Connections run on an elastic pool: `min_threads` threads stay, more are started (up to
//    max_connections + a few for the 503 answers) while every thread is busy, so trickling
//    clients never queue a /healthz behind them.
//
// Threads: cpp-httplib calls process_and_close_socket on pool threads, one per connection.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace wsync::api {

struct TransportLimits {
  int min_threads = 32;
  int max_connections = 256;
  int64_t header_timeout_ms = 5000;
  int64_t body_timeout_ms = 10000;
  int64_t keep_alive_ms = 5000;
  int64_t write_timeout_ms = 10000;
  size_t max_header_bytes = 64 * 1024;
};

class LimitedHttpServer : public httplib::Server {
 public:
  explicit LimitedHttpServer(TransportLimits limits);

  int active_connections() const { return active_.load(); }

 private:
  bool process_and_close_socket(socket_t sock) override;

  TransportLimits limits_;
  std::atomic<int> active_{0};
};

// An httplib::TaskQueue whose thread count grows with demand up to `max_threads` and shrinks back
// to `min_threads` after idle periods.
httplib::TaskQueue* NewElasticPool(int min_threads, int max_threads);

}  // namespace wsync::api

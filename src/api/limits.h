// Throttles of the API (SPEC §12): token buckets for /oauth/token attempts (per client address
// and per client_id), a counting semaphore bounding concurrent password-hash (Argon2id)
// verifications, and a per-workspace gate on concurrent warehouse-touching requests (verify,
// discover, preview, pipeline checks). All thread-safe (one mutex each); times come from the
// caller so tests can drive them with a fake clock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace wsync::api {

// Token buckets keyed by a string: `burst` attempts at once, refilled at one per
// `refill_micros`. At most `max_keys` keys are remembered; when more arrive, keys whose bucket
// is full again are forgotten first (then all, which only ever errs toward allowing).
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(int burst, int64_t refill_micros, size_t max_keys = 10000);

  // 0 when an attempt is allowed (and counted); else the whole seconds (>= 1) until the next
  // one would be.
  int64_t Take(const std::string& key, int64_t now_micros);
  // Whether Take would allow an attempt now, without counting one.
  bool WouldAllow(const std::string& key, int64_t now_micros);

 private:
  struct Bucket {
    double tokens;
    int64_t at;
  };
  double Refilled(const Bucket& b, int64_t now) const;
  void PruneLocked(int64_t now);

  const int burst_;
  const int64_t refill_micros_;
  const size_t max_keys_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

// A counting semaphore with a bounded wait.
class Semaphore {
 public:
  explicit Semaphore(int permits) : permits_(permits) {}
  // True when a permit was taken within `wait_ms`.
  bool Acquire(int64_t wait_ms);
  void Release();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int permits_;
};

// At most `per_workspace` concurrent entries per workspace; never waits.
class WorkspaceGate {
 public:
  explicit WorkspaceGate(int per_workspace) : per_workspace_(per_workspace) {}
  bool TryEnter(int64_t workspace_id);
  void Leave(int64_t workspace_id);
  int limit() const { return per_workspace_; }

 private:
  const int per_workspace_;
  std::mutex mu_;
  std::map<int64_t, int> active_;
};

}  // namespace wsync::api

namespace wsync::api {

// The throttles one server shares between its requests (built from ServerOptions).
struct Throttles {
  KeyedRateLimiter token_by_address;  // /oauth/token attempts per client IP address
  KeyedRateLimiter token_by_client;   // ... per client_id
  Semaphore password_hashes;          // concurrent Argon2id verifications
  int64_t password_hash_wait_ms;      // how long an attempt waits for one before 429
  WorkspaceGate warehouse;            // concurrent warehouse-touching requests per workspace
};

}  // namespace wsync::api

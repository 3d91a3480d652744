#include "warehouse/http/retry.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

namespace wsync::warehouse {
namespace {

constexpr std::chrono::milliseconds kSleepSlice{50};

core::Status SleepUnlessStopped(std::chrono::milliseconds delay, const core::StopToken* stop) {
  const auto end = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (stop != nullptr) RETURN_IF_ERROR(stop->Check());
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return core::Status::Ok();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(end - now, kSleepSlice));
  }
}

double ThreadRandom() {
  thread_local std::mt19937_64 engine(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

const RetryEnv& SystemRetryEnv() {
  static const RetryEnv kEnv{SleepUnlessStopped, ThreadRandom};
  return kEnv;
}

bool IsRetryableHttpStatus(int status) {
  return status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

std::optional<std::chrono::milliseconds> RetryAfter(const HttpResponse& response) {
  const std::string value = response.Header("retry-after");
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  // Anything beyond a day is as good as "much later"; keeps the multiplication in range.
  return std::chrono::milliseconds(std::min<int64_t>(seconds, 86'400) * 1000);
}

std::chrono::milliseconds Backoff(const RetryPolicy& policy, int retry, double random) {
  int64_t delay = std::max<int64_t>(policy.initial_backoff.count(), 1);
  const int64_t cap = std::max<int64_t>(policy.max_backoff.count(), 1);
  for (int i = 1; i < retry && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  random = std::clamp(random, 0.0, 1.0);
  return std::chrono::milliseconds(delay / 2 +
                                   static_cast<int64_t>(static_cast<double>(delay / 2) * random));
}

core::StatusOr<HttpResponse> SendWithRetry(HttpTransport* transport, HttpRequest request,
                                           const core::StopToken* stop, const RetryPolicy& policy,
                                           const RetryEnv* env,
                                           const std::function<void(HttpRequest*)>& before_retry) {
  if (env == nullptr) env = &SystemRetryEnv();
  const int attempts = std::max(policy.max_attempts, 1);
  for (int attempt = 1;; ++attempt) {
    core::StatusOr<HttpResponse> r = transport->Send(request, stop);
    std::optional<std::chrono::milliseconds> wait;
    if (r.ok()) {
      if (!IsRetryableHttpStatus(r->status)) return r;
      wait = RetryAfter(*r);
      if (wait) wait = std::min(*wait, policy.max_retry_after);
    } else if (r.status().code() != core::StatusCode::kUnavailable) {
      return r;
    }
    if (attempt >= attempts) return r;
    if (!wait) wait = Backoff(policy, attempt, env->random());
    RETURN_IF_ERROR(env->sleep(*wait, stop));
    if (before_retry) before_retry(&request);
  }
}

}  // namespace wsync::warehouse

// Retries of one HTTP exchange, shared by the REST warehouses: a 429 or 5xx answer, or a
// transport failure that says the server could not be reached (Unavailable), is sent again
// after a backoff — exponential from `initial_backoff`, capped at `max_backoff`, with jitter
// (half the delay fixed, half random) so many clients do not come back in step — or after the
// server's `Retry-After` (seconds) when it gives one, capped at `max_retry_after`. At most
// `max_attempts` exchanges are made; then the last answer (a 429 / 5xx response the caller turns
// into its own status) or the last transport status is returned. Waits end early when the
// StopToken fires (its status is returned). Other failures (timeouts, cancellation, refused
// addresses, too-large answers) are returned at once: repeating them would not help.
//
// The wait and the jitter come from a RetryEnv so tests run without sleeping.
// Pure functions over their arguments; thread-safe when the env is.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "core/status.h"
#include "core/stop_token.h"
#include "warehouse/http/http_transport.h"

namespace wsync::warehouse {

struct RetryPolicy {
  int max_attempts = 5;  // exchanges in all, the first included
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(20)};
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};
};

struct RetryEnv {
  // Waits `delay` unless `stop` (may be null) fires first; returns stop's status then.
  std::function<core::Status(std::chrono::milliseconds delay, const core::StopToken* stop)> sleep;
  // A number in [0, 1).
  std::function<double()> random;
};

// Real sleeping (in slices that look at the stop token) and a thread-local random generator.
const RetryEnv& SystemRetryEnv();

// 429 and every 5xx but 501 (not implemented) and 505 (version not supported).
bool IsRetryableHttpStatus(int status);
// The Retry-After header in seconds (the HTTP-date form is ignored); nullopt when absent.
std::optional<std::chrono::milliseconds> RetryAfter(const HttpResponse& response);
// The wait before retry number `retry` (1 for the first retry): min(max_backoff,
// initial_backoff * 2^(retry-1)), of which the upper half is scaled by `random`.
std::chrono::milliseconds Backoff(const RetryPolicy& policy, int retry, double random);

// Sends `request` through `transport`, retrying as described above. `before_retry` (optional)
// may adjust the request before each retry (Snowflake marks a resubmitted statement
// retry=true). `env` null: SystemRetryEnv().
core::StatusOr<HttpResponse> SendWithRetry(
    HttpTransport* transport, HttpRequest request, const core::StopToken* stop,
    const RetryPolicy& policy = RetryPolicy(), const RetryEnv* env = nullptr,
    const std::function<void(HttpRequest*)>& before_retry = nullptr);

}  // namespace wsync::warehouse

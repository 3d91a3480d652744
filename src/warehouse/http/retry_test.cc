#include "warehouse/http/retry.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace wsync::warehouse {
namespace {

using std::chrono::milliseconds;

// Answers from a script, recording the requests.
class ScriptedTransport : public HttpTransport {
 public:
  std::deque<core::StatusOr<HttpResponse>> script;
  std::vector<HttpRequest> sent;
  core::StatusOr<HttpResponse> Send(const HttpRequest& request, const core::StopToken*) override {
    sent.push_back(request);
    core::StatusOr<HttpResponse> next = std::move(script.front());
    script.pop_front();
    return next;
  }
};

HttpResponse Answer(int status, std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  if (!retry_after.empty()) r.headers.emplace_back("retry-after", retry_after);
  return r;
}

class RetryTest : public ::testing::Test {
 protected:
  RetryEnv env_{[this](milliseconds d, const core::StopToken* stop) {
                  waits_.push_back(d);
                  return stop ? stop->Check() : core::Status::Ok();
                },
                [] { return 0.5; }};
  std::vector<milliseconds> waits_;
  ScriptedTransport t_;
};

TEST_F(RetryTest, BackoffDoublesUpToTheCapWithHalfOfItJittered) {
  RetryPolicy p{.initial_backoff = milliseconds(200), .max_backoff = milliseconds(1000)};
  EXPECT_EQ(Backoff(p, 1, 0.0), milliseconds(100));
  EXPECT_EQ(Backoff(p, 1, 1.0), milliseconds(200));
  EXPECT_EQ(Backoff(p, 2, 0.5), milliseconds(300));
  EXPECT_EQ(Backoff(p, 3, 0.0), milliseconds(400));
  EXPECT_EQ(Backoff(p, 4, 1.0), milliseconds(1000));
  EXPECT_EQ(Backoff(p, 60, 0.0), milliseconds(500));
}

TEST_F(RetryTest, RetryableStatusesAndRetryAfter) {
  for (int s : {429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableHttpStatus(s)) << s;
  for (int s : {200, 202, 400, 401, 403, 404, 408, 422, 501, 505}) {
    EXPECT_FALSE(IsRetryableHttpStatus(s)) << s;
  }
  EXPECT_EQ(RetryAfter(Answer(429, "7")), milliseconds(7000));
  EXPECT_EQ(RetryAfter(Answer(429)), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(429, "Wed, 21 Oct 2015 07:28:00 GMT")), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(429, "-1")), std::nullopt);
}

TEST_F(RetryTest, HonoursRetryAfterThenBacksOffAndMarksRetries) {
  t_.script.push_back(Answer(429, "3"));
  t_.script.push_back(Answer(503));
  t_.script.push_back(core::Unavailable("connection reset"));
  t_.script.push_back(Answer(200));
  int marked = 0;
  auto r = SendWithRetry(&t_, {.url = "https://x/"}, nullptr,
                         {.initial_backoff = milliseconds(100)}, &env_, [&](HttpRequest* req) {
                           ++marked;
                           req->url = "https://x/?retry=true";
                         });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(waits_,
            (std::vector<milliseconds>{milliseconds(3000), milliseconds(150), milliseconds(300)}));
  EXPECT_EQ(marked, 3);
  EXPECT_EQ(t_.sent.size(), 4u);
  EXPECT_EQ(t_.sent[0].url, "https://x/");
  EXPECT_EQ(t_.sent[3].url, "https://x/?retry=true");
}

TEST_F(RetryTest, GivesTheLastAnswerBackAfterMaxAttemptsAndCapsRetryAfter) {
  for (int i = 0; i < 3; ++i) t_.script.push_back(Answer(429, "3600"));
  auto r = SendWithRetry(&t_, {}, nullptr,
                         {.max_attempts = 3, .max_retry_after = milliseconds(5000)}, &env_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(t_.sent.size(), 3u);
  EXPECT_EQ(waits_, (std::vector<milliseconds>{milliseconds(5000), milliseconds(5000)}));
}

TEST_F(RetryTest, OtherFailuresAndAnswersAreNotRetried) {
  t_.script.push_back(core::DeadlineExceeded("slow"));
  EXPECT_EQ(SendWithRetry(&t_, {}, nullptr, {}, &env_).status().code(),
            core::StatusCode::kDeadlineExceeded);
  t_.script.push_back(Answer(401));
  EXPECT_EQ(SendWithRetry(&t_, {}, nullptr, {}, &env_)->status, 401);
  EXPECT_EQ(t_.sent.size(), 2u);
  EXPECT_TRUE(waits_.empty());
}

TEST_F(RetryTest, AStopDuringTheWaitEndsTheRetries) {
  core::StopToken stop;
  stop.Cancel("shutting down");
  t_.script.push_back(Answer(503));
  auto r = SendWithRetry(&t_, {}, &stop, {}, &env_);
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "shutting down");
  EXPECT_EQ(t_.sent.size(), 1u);
}

TEST_F(RetryTest, TheSystemSleepWakesUpWhenStopped) {
  core::StopToken stop;
  stop.Cancel();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(SystemRetryEnv().sleep(milliseconds(10'000), &stop).code(),
            core::StatusCode::kCancelled);
  EXPECT_TRUE(SystemRetryEnv().sleep(milliseconds(20), nullptr).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  const double r = SystemRetryEnv().random();
  EXPECT_GE(r, 0.0);
  EXPECT_LT(r, 1.0);
}

}  // namespace
}  // namespace wsync::warehouse

// The forwarder against a real SQLite outbox and a scripted HTTP transport: bulk limits, the
// retry policy, pausing, auth and gzip, and JSON-lines files confined to the allowed
// directories.
#include "forward/forwarder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "storage/backend.h"
#include "testing/providers.h"
#include "testing/temp_dir.h"

namespace wsync::forward {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

std::string Gunzip(const std::string& data) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(1 << 22, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

// Answers from a script (then 202), recording every request.
class ScriptedTransport : public warehouse::HttpTransport {
 public:
  struct Answer {
    int status = 202;
    std::vector<std::pair<std::string, std::string>> headers;
    bool drop = false;  // no answer at all
  };
  core::StatusOr<warehouse::HttpResponse> Send(const warehouse::HttpRequest& request,
                                               const core::StopToken*) override {
    std::lock_guard lock(mu_);
    requests.push_back(request);
    Answer a;
    if (!script.empty()) {
      a = script.front();
      script.pop_front();
    }
    if (a.drop) return core::Unavailable("the output could not be reached");
    return warehouse::HttpResponse{a.status, a.headers, ""};
  }
  static Answer Status(int status) { return {status, {}, false}; }
  static Answer Drop() { return {0, {}, true}; }
  std::deque<Answer> script;
  std::vector<warehouse::HttpRequest> requests;

 private:
  std::mutex mu_;
};

class ForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("data"));
    auto backend = storage::OpenBackend(storage::StoreInDataDir(dir_.File("data")));
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    auto session =
        backend_->NewSession({.clock = &clock_, .providers = &wsync::testing::BuiltinProviders()});
    ASSERT_TRUE(session.ok());
    session_ = std::move(*session);
    catalog::Catalog* c = session_->catalog();
    ASSERT_TRUE(
        c->Create(
             1, catalog::Kind::kConnection,
             {{"id", "c1"}, {"service_provider", "sqlite"}, {"config", {{"path", "/tmp/x.db"}}}},
             "t")
            .ok());
    ASSERT_TRUE(
        c->Create(1, catalog::Kind::kDataModel, {{"id", "m1"}, {"sql_query", "SELECT 1 AS a"}}, "t")
            .ok());
    std::filesystem::create_directories(dir_.File("out"));
  }

  void Pipeline(json outputs) {
    json body = {{"id", "p1"},
                 {"pipeline_type", "user_attributes"},
                 {"connection_id", "c1"},
                 {"data_model_id", "m1"},
                 {"environment", "production"},
                 {"outputs", std::move(outputs)}};
    auto created = session_->catalog()->Create(1, catalog::Kind::kPipeline, body, "t");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = "p1";
    run_id_ = session_->catalog()->CreateRun(run)->run_id;
  }

  // `n` batches of about `bytes` bytes each.
  void Enqueue(int n, size_t bytes = 40) {
    std::vector<storage::OutboxItem> items;
    for (int i = 0; i < n; ++i) {
      std::string body = "{\"mpid\":" + std::to_string(next_++) + ",\"pad\":\"";
      body += std::string(bytes > body.size() + 2 ? bytes - body.size() - 2 : 0, 'x');
      body += "\"}";
      items.push_back({run_id_, next_ - 1, body});
    }
    ASSERT_TRUE(session_->outbox()->Enqueue(1, "p1", items, 1).ok());
  }

  Forwarder Make(ForwarderOptions options = {}) {
    ForwarderDeps deps;
    deps.clock = &clock_;
    deps.http = &http_;
    deps.files = {{std::filesystem::canonical(dir_.File("out")).string()}, dir_.File("data")};
    deps.sleep = [this](std::chrono::milliseconds wait, const core::StopToken*) {
      sleeps_.push_back(wait.count());
      clock_.Advance(wait.count() * 1000);
    };
    deps.jitter_seed = 7;
    return Forwarder(deps, options);
  }

  storage::OutputProgress Progress(const std::string& key) {
    auto p = session_->outbox()->Progress(1, "p1", key);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : storage::OutputProgress{};
  }

  // The mpids each request carried, request by request.
  std::vector<std::vector<int64_t>> Sent() {
    std::vector<std::vector<int64_t>> out;
    for (const warehouse::HttpRequest& r : http_.requests) {
      std::vector<int64_t> ids;
      for (const json& b : json::parse(r.body)) ids.push_back(b["mpid"].get<int64_t>());
      out.push_back(std::move(ids));
    }
    // Requests in flight together may be recorded in any order.
    std::sort(out.begin(), out.end());
    return out;
  }

  wsync::testing::TempDir dir_;
  core::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<storage::Session> session_;
  ScriptedTransport http_;
  std::vector<int64_t> sleeps_;
  int64_t run_id_ = 0;
  int64_t next_ = 1;
};

TEST_F(ForwarderTest, BulkRequestsHoldAtMostAHundredBatchesAnd256KB) {
  Pipeline(json::array({{{"type", "http"}, {"url", "https://example.test/v2/bulkevents"}}}));
  Enqueue(250);
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  auto sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].size(), 100u);
  EXPECT_EQ(sent[1].size(), 100u);
  EXPECT_EQ(sent[2].size(), 50u);
  EXPECT_EQ(sent[0].front(), 1);
  EXPECT_EQ(sent[2].back(), 250);
  EXPECT_EQ(http_.requests[0].method, "POST");
  EXPECT_EQ(http_.requests[0].url, "https://example.test/v2/bulkevents");
  storage::OutputProgress p = Progress("http:https://example.test/v2/bulkevents");
  EXPECT_EQ(p.backlog, 0);
  EXPECT_EQ(p.delivered_total, 250);
  EXPECT_EQ(session_->catalog()->GetRun(1, run_id_)->counters.batches_forwarded, 250);
  EXPECT_TRUE(session_->outbox()->PipelinesWithEntries()->empty());  // pruned

  // By bytes: 10 KB batches, 25 to a request (26 would pass 256 KB).
  http_.requests.clear();
  Enqueue(30, 10 * 1024);
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  sent = Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].size(), 25u);
  EXPECT_EQ(sent[1].size(), 5u);
  EXPECT_LE(http_.requests[0].body.size(), 256u * 1024);
}

TEST_F(ForwarderTest, RetriesBackOffWithJitterAndHonourRetryAfter) {
  Pipeline(json::array({{{"type", "http"}, {"url", "https://example.test/bulk"}}}));
  Enqueue(3);
  using T = ScriptedTransport;
  http_.script = {T::Status(500),
                  {429, {{"Retry-After", "2"}}, false},
                  T::Drop(),
                  T::Status(503),
                  T::Status(202)};
  ASSERT_TRUE(Make({.backoff_ms = 100}).Drain(session_.get(), 1, "p1", nullptr).ok());
  ASSERT_EQ(http_.requests.size(), 5u);
  for (const auto& r : http_.requests) EXPECT_EQ(r.body, http_.requests[0].body);  // resent as is
  ASSERT_EQ(sleeps_.size(), 4u);
  EXPECT_GE(sleeps_[0], 50);  // 100 ms, jittered to [50 %, 100 %]
  EXPECT_LE(sleeps_[0], 100);
  EXPECT_EQ(sleeps_[1], 2000);  // Retry-After: 2
  EXPECT_GE(sleeps_[2], 150);   // the third failure: 400 ms jittered
  EXPECT_LE(sleeps_[2], 400);
  EXPECT_GE(sleeps_[3], 400);
  EXPECT_LE(sleeps_[3], 800);
  storage::OutputProgress p = Progress("http:https://example.test/bulk");
  EXPECT_EQ(p.backlog, 0);
  EXPECT_EQ(p.failures, 0);
  EXPECT_EQ(p.last_error, "the output answered HTTP 503");
}

TEST_F(ForwarderTest, AnOutputThatKeepsFailingPausesAndKeepsItsBacklog) {
  Pipeline(
      json::array({{{"type", "http"}, {"url", "https://example.test/bulk"}, {"max_attempts", 3}}}));
  Enqueue(2);
  http_.script = {ScriptedTransport::Status(500), ScriptedTransport::Status(500),
                  ScriptedTransport::Status(500)};
  ASSERT_TRUE(Make({.pause_ms = 60'000}).Drain(session_.get(), 1, "p1", nullptr).ok());
  EXPECT_EQ(http_.requests.size(), 3u);
  storage::OutputProgress p = Progress("http:https://example.test/bulk");
  EXPECT_EQ(p.failures, 3);
  EXPECT_EQ(p.backlog, 2);
  EXPECT_EQ(p.last_error, "the output answered HTTP 500");
  ASSERT_TRUE(p.paused_until.has_value());
  EXPECT_EQ(*p.paused_until, clock_.NowMicros() + 60'000'000);

  // Paused: a drain meanwhile sends nothing; after the pause the backlog goes, once.
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  EXPECT_EQ(http_.requests.size(), 3u);
  clock_.Advance(60'000'001);
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  EXPECT_EQ(http_.requests.size(), 4u);
  p = Progress("http:https://example.test/bulk");
  EXPECT_EQ(p.backlog, 0);
  EXPECT_EQ(p.failures, 0);
  EXPECT_EQ(p.paused_until, std::nullopt);
  EXPECT_EQ(session_->catalog()->GetRun(1, run_id_)->counters.batches_forwarded, 2);
}

TEST_F(ForwarderTest, AnAnswerARetryCannotChangePausesAtOnce) {
  Pipeline(json::array({{{"type", "http"}, {"url", "https://example.test/bulk"}}}));
  Enqueue(1);
  http_.script = {ScriptedTransport::Status(401)};
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  EXPECT_EQ(http_.requests.size(), 1u);
  storage::OutputProgress p = Progress("http:https://example.test/bulk");
  EXPECT_EQ(p.last_error, "the output answered HTTP 401 (not retried: a retry cannot change it)");
  EXPECT_TRUE(p.paused_until.has_value());
  EXPECT_EQ(p.backlog, 1);
}

TEST_F(ForwarderTest, HeadersBasicAuthAndGzip) {
  Pipeline(json::array({{{"type", "http"},
                         {"url", "https://example.test/bulk"},
                         {"headers", {{"X-Team", "growth"}}},
                         {"basic_auth", {{"username", "key"}, {"password", "secret"}}},
                         {"gzip", true}}}));
  Enqueue(2);
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  const auto& headers = http_.requests[0].headers;
  EXPECT_THAT(headers, ::testing::Contains(std::make_pair(std::string("Authorization"),
                                                          std::string("Basic a2V5OnNlY3JldA=="))));
  EXPECT_THAT(headers,
              ::testing::Contains(std::make_pair(std::string("X-Team"), std::string("growth"))));
  EXPECT_THAT(headers, ::testing::Contains(
                           std::make_pair(std::string("Content-Encoding"), std::string("gzip"))));
  json body = json::parse(Gunzip(http_.requests[0].body));
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[1]["mpid"], 2);
}

TEST_F(ForwarderTest, JsonLinesGoOnlyUnderTheAllowedDirectories) {
  std::filesystem::create_directories(dir_.File("out/sub"));
  std::filesystem::create_symlink(dir_.File("elsewhere.jsonl"), dir_.File("out/link.jsonl"));
  Pipeline(json::array({{{"type", "jsonl"}, {"path", "sub/batches.jsonl"}},
                        {{"type", "jsonl"}, {"path", "link.jsonl"}},
                        {{"type", "jsonl"}, {"path", "missing/x.jsonl"}}}));
  Enqueue(3);
  ASSERT_TRUE(Make().Drain(session_.get(), 1, "p1", nullptr).ok());
  std::ifstream in(dir_.File("out/sub/batches.jsonl"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  EXPECT_THAT(lines, ElementsAre(R"({"mpid":1,"pad":"xxxxxxxxxxxxxxxxxxxxx"})",
                                 R"({"mpid":2,"pad":"xxxxxxxxxxxxxxxxxxxxx"})",
                                 R"({"mpid":3,"pad":"xxxxxxxxxxxxxxxxxxxxx"})"));
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("out/sub/batches.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(Progress("jsonl:sub/batches.jsonl").backlog, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("elsewhere.jsonl")));
  EXPECT_EQ(Progress("jsonl:link.jsonl").last_error, "jsonl output 'link.jsonl': a symbolic link");
  EXPECT_EQ(Progress("jsonl:link.jsonl").backlog, 3);
  EXPECT_EQ(Progress("jsonl:missing/x.jsonl").last_error,
            "jsonl output 'missing/x.jsonl': its directory does not exist");

  FileRules rules{{std::filesystem::canonical(dir_.File("out")).string()}, dir_.File("out/sub")};
  std::vector<storage::OutboxEntry> entries = {{1, 1, 1, "{}"}};
  EXPECT_EQ(AppendLines(rules, "../escape.jsonl", entries).message(),
            "jsonl output '../escape.jsonl': not under an allowed output directory");
  EXPECT_EQ(
      AppendLines(rules, dir_.File("escape.jsonl"), entries).message(),
      "jsonl output '" + dir_.File("escape.jsonl") + "': not under an allowed output directory");
  EXPECT_EQ(AppendLines(rules, "sub/wsync.db", entries).message(),
            "jsonl output 'sub/wsync.db': the deployment's own files");
  EXPECT_EQ(AppendLines({{}, ""}, "x.jsonl", entries).message(),
            "jsonl output 'x.jsonl': this server allows no output directory (serve "
            "--output-dir DIR)");
}

TEST_F(ForwarderTest, OneDrainerAtATime) {
  Pipeline(json::array({{{"type", "http"}, {"url", "https://example.test/bulk"}}}));
  Enqueue(1);
  ASSERT_TRUE(*session_->outbox()->ClaimDrain(1, "p1", "other-process", clock_.NowMicros(),
                                              clock_.NowMicros() + 1'000'000));
  auto drained = Make().Drain(session_.get(), 1, "p1", nullptr);
  ASSERT_TRUE(drained.ok());
  EXPECT_FALSE(*drained);
  EXPECT_TRUE(http_.requests.empty());
}

}  // namespace
}  // namespace wsync::forward

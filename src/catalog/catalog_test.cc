#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wsync::catalog {
namespace {

// Each value's name (the stored and shown one, never to change) parses back to the value; a name
// in another case, with spaces or from another table is refused.
template <typename E>
void ExpectRoundTrip(const std::vector<std::pair<E, std::string>>& names,
                     std::optional<E> (*parse)(std::string_view)) {
  for (const auto& [value, name] : names) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Name(value), name);
    EXPECT_EQ(parse(name), value);
    std::string upper = name;
    upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
    EXPECT_EQ(parse(upper), std::nullopt);
    EXPECT_EQ(parse(" " + name), std::nullopt);
  }
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse("bogus"), std::nullopt);
}

TEST(CatalogStatesTest, Lifecycle) {
  ExpectRoundTrip<Lifecycle>({{Lifecycle::kDraft, "draft"},
                              {Lifecycle::kActive, "active"},
                              {Lifecycle::kPaused, "paused"}},
                             ParseLifecycle);
  EXPECT_EQ(ParseLifecycle("healthy"), std::nullopt);
}

TEST(CatalogStatesTest, Health) {
  ExpectRoundTrip<Health>({{Health::kHealthy, "healthy"}, {Health::kFaulted, "faulted"}},
                          ParseHealth);
  EXPECT_EQ(ParseHealth("active"), std::nullopt);
}

TEST(CatalogStatesTest, VerifyState) {
  ExpectRoundTrip<VerifyState>({{VerifyState::kUnverified, "unverified"},
                                {VerifyState::kVerified, "verified"},
                                {VerifyState::kFailed, "failed"}},
                               ParseVerifyState);
  EXPECT_EQ(ParseVerifyState("succeeded"), std::nullopt);
}

TEST(CatalogStatesTest, RunType) {
  ExpectRoundTrip<RunType>({{RunType::kScheduled, "scheduled"},
                            {RunType::kManual, "manual"},
                            {RunType::kOnce, "once"},
                            {RunType::kHistorical, "historical"}},
                           ParseRunType);
  EXPECT_EQ(ParseRunType("queued"), std::nullopt);
}

TEST(CatalogStatesTest, RunState) {
  ExpectRoundTrip<RunState>({{RunState::kQueued, "queued"},
                             {RunState::kRunning, "running"},
                             {RunState::kSucceeded, "succeeded"},
                             {RunState::kFailed, "failed"},
                             {RunState::kCancelled, "cancelled"}},
                            ParseRunState);
  EXPECT_EQ(ParseRunState("manual"), std::nullopt);
  EXPECT_TRUE(IsUnfinished(RunState::kQueued));
  EXPECT_TRUE(IsUnfinished(RunState::kRunning));
  EXPECT_FALSE(IsUnfinished(RunState::kSucceeded));
  EXPECT_FALSE(IsUnfinished(RunState::kFailed));
  EXPECT_FALSE(IsUnfinished(RunState::kCancelled));
}

TEST(CatalogStatesTest, DefaultsAreTheStatesOfSomethingNew) {
  EXPECT_EQ(PipelineState().state, Lifecycle::kDraft);
  EXPECT_EQ(PipelineState().status, Health::kHealthy);
  EXPECT_EQ(ConnectionState().state, VerifyState::kUnverified);
  EXPECT_EQ(ConnectionState().status, Health::kHealthy);
  EXPECT_EQ(catalog::Run().state, RunState::kQueued);
  EXPECT_EQ(catalog::Run().run_type, RunType::kManual);
}

}  // namespace
}  // namespace wsync::catalog

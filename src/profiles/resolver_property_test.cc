// Property: rows resolved in batches of random sizes leave the identity index equal to what the
// profile documents hold, and the same profiles as one row per batch (ResolverChecker).
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "storage/sqlite/resolver_check.h"
#include "testing/temp_dir.h"

namespace wsync::profiles {
namespace {

std::vector<uint8_t> RandomInput(std::mt19937_64* rng, size_t max_rows) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> rows(1, max_rows);
  std::vector<uint8_t> out(1 + 4 + 3 * rows(*rng));
  for (uint8_t& b : out) b = static_cast<uint8_t>(byte(*rng));
  return out;
}

TEST(ResolverPropertyTest, BatchesAgreeWithIndexAndOneRowPerBatch) {
  testing::TempDir dir;
  auto checker = ResolverChecker::Open(dir.File("w.db"));
  ASSERT_TRUE(checker.ok()) << checker.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  int iterations = 0;
  for (uint64_t seed : {1u, 2u, 3u, 42u, 1234u, 99991u}) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 40; ++i, ++iterations) {
      std::vector<uint8_t> bytes = RandomInput(&rng, 24);
      core::Status s = (*checker)->Check(DecodeCheckInput(bytes.data(), bytes.size()));
      ASSERT_TRUE(s.ok()) << "seed " << seed << " iteration " << i << ": " << s.ToString();
    }
    // Bounded: no new seed after two seconds (sanitizer builds on a busy machine).
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(2)) break;
  }
  EXPECT_GE(iterations, 40);
}

// The review's case as checker input: A holds old@x, then in one batch A moves to new@x and a new
// customer takes old@x.
TEST(ResolverPropertyTest, IdentityMovedInsideOneBatch) {
  testing::TempDir dir;
  auto checker = ResolverChecker::Open(dir.File("w.db"));
  ASSERT_TRUE(checker.ok());
  // k=2 sizes {1, 2}; rows: {customer_id0, email0}, {customer_id0, email1}, {customer_id1, email0}.
  const uint8_t bytes[] = {1, 0, 1, 3, 0, 1, 3, 1 << 2, 1, 3, 1, 1};
  core::Status s = (*checker)->Check(DecodeCheckInput(bytes, sizeof bytes));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace wsync::profiles

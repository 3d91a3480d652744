#include "warehouse/samples.h"

#include <gtest/gtest.h>

#include <string>

#include "warehouse/batcher.h"

namespace wsync::warehouse {
namespace {

using core::Value;

TEST(SamplesTest, ValuesAreCutAndMadeValid) {
  EXPECT_EQ(SampleValue(Value::String("short")).string_value(), "short");
  EXPECT_EQ(SampleValue(Value::Int64(5)).int64_value(), 5);
  std::string long_text(kSampleValueBytes + 10, 'a');
  EXPECT_EQ(SampleValue(Value::String(long_text)).string_value(),
            std::string(kSampleValueBytes, 'a') + std::string(kTruncatedMarker));
  // The cut backs up to a character boundary: "é" is two bytes.
  std::string accents = std::string(kSampleValueBytes - 1, 'a') + "é";
  EXPECT_EQ(SampleValue(Value::String(accents + "b")).string_value(),
            std::string(kSampleValueBytes - 1, 'a') + std::string(kTruncatedMarker));
  EXPECT_EQ(SampleValue(Value::String("a\xff")).string_value(), "a\xEF\xBF\xBD");
  Value blob = SampleValue(Value::BytesValue(std::string(kSampleValueBytes, 'x')));
  EXPECT_EQ(blob.bytes_value().size(), kSampleValueBytes / 2);
}

TEST(SamplesTest, KeeperStopsAtTheWantedRows) {
  SampleKeeper keeper(2);
  EXPECT_TRUE(keeper.wants_more());
  keeper.Offer({Value::Int64(1)});
  keeper.Offer({Value::Int64(2)});
  EXPECT_FALSE(keeper.wants_more());
  keeper.Offer({Value::Int64(3)});
  EXPECT_FALSE(keeper.budget_hit());
  EXPECT_EQ(keeper.BudgetWarning(), std::nullopt);
  auto rows = keeper.Take();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0].int64_value(), 2);
  EXPECT_FALSE(SampleKeeper(0).wants_more());
}

TEST(SamplesTest, KeeperStaysWithinTheBudget) {
  SampleKeeper keeper(1'000'000);
  // Each row: one value cut to kSampleValueBytes plus the marker.
  const std::string big(10 * kSampleValueBytes, 'z');
  const size_t row_bytes = ValueBytes(SampleValue(Value::String(big)));
  size_t offered = 0;
  while (keeper.wants_more()) {
    keeper.Offer({Value::String(big)});
    ++offered;
  }
  EXPECT_TRUE(keeper.budget_hit());
  const size_t kept = kSampleBytesBudget / row_bytes;
  EXPECT_EQ(offered, kept + 1);
  EXPECT_EQ(keeper.BudgetWarning(),
            "only " + std::to_string(kept) +
                " sample rows are shown: together they reach the 1 MB sample budget");
  EXPECT_EQ(keeper.Take().size(), kept);
}

}  // namespace
}  // namespace wsync::warehouse

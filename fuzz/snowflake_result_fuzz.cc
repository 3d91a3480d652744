// Fuzz target: the Snowflake SQL API answers (ResultPage::Parse, ReadStatementInfo) and the
// conversion of their values (ReadSnowflakeValue). The first byte picks a ResultSet or a
// partition's answer; for a partition the next byte picks the column kinds. Any input must give
// a status or rows without a crash, and every row read must be as wide as its columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "warehouse/snowflake/snowflake_result.h"
#include "warehouse/snowflake/snowflake_values.h"

using wsync::warehouse::ResultPage;
using wsync::warehouse::SnowflakeColumn;
using wsync::warehouse::SnowflakeKindOf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool with_meta = (data[0] & 1) != 0;
  static const char* kTypes[] = {"fixed", "real",          "text",         "boolean", "date",
                                 "time",  "timestamp_ntz", "timestamp_tz", "binary",  "variant"};
  std::vector<SnowflakeColumn> kinds;
  for (int i = 0; i < 3; ++i) {
    SnowflakeColumn c;
    c.type = kTypes[(data[1] >> i) % 10];
    c.kind = SnowflakeKindOf(c.type);
    c.scale = data[1] & 3;
    kinds.push_back(c);
  }
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  wsync::warehouse::ReadStatementInfo(body);
  for (const SnowflakeColumn& c : kinds) wsync::warehouse::ReadSnowflakeValue(c, body);

  auto page = ResultPage::Parse(body, with_meta);
  if (!page.ok()) return 0;
  const std::vector<SnowflakeColumn> columns = with_meta ? (*page)->meta().columns : kinds;
  wsync::core::Row row;
  for (;;) {
    auto more = (*page)->NextRow(columns, &row);
    if (!more.ok() || !*more) break;
    if (row.size() != columns.size()) std::abort();
  }
  return 0;
}

// Fuzz target: BigQuery's REST answers (BigQueryPage::Parse with its schema and rows,
// ReadBigQueryError) and the conversion of their values (ReadBigQueryScalar,
// ParseBigQuerySeconds). The first byte picks the kinds of three columns for pages without a
// schema (the columns are then REPEATED when its top bit is set). Any input must give a status
// or rows without a crash, and every row read must be as wide as its columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "warehouse/bigquery/bigquery_result.h"
#include "warehouse/bigquery/bigquery_values.h"

using wsync::warehouse::BigQueryField;
using wsync::warehouse::BigQueryKind;
using wsync::warehouse::BigQueryPage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::vector<BigQueryField> kinds;
  for (int i = 0; i < 3; ++i) {
    BigQueryField f;
    f.kind = static_cast<BigQueryKind>((data[0] >> i) % 13);
    f.repeated = (data[0] & 0x80) != 0;
    kinds.push_back(f);
  }
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  wsync::warehouse::ReadBigQueryError(body);
  int64_t micros = 0;
  wsync::warehouse::ParseBigQuerySeconds(body, &micros);
  for (const BigQueryField& f : kinds) wsync::warehouse::ReadBigQueryScalar(f.kind, body);

  auto page = BigQueryPage::Parse(body);
  if (!page.ok()) return 0;
  const std::vector<BigQueryField> fields = (*page)->has_schema() ? (*page)->schema() : kinds;
  wsync::core::Row row;
  for (;;) {
    auto more = (*page)->NextRow(fields, &row);
    if (!more.ok() || !*more) break;
    if (row.size() != fields.size()) std::abort();
  }
  return 0;
}

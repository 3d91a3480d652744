// Fuzz target: the Databricks SQL Statement Execution API answers (DatabricksPage::Parse of a
// StatementResponse or a ResultData, DatabricksPage::ParseRows of an external link's body,
// ReadDatabricksStatus) and the conversion of their values (ReadDatabricksValue). The first byte
// picks which answer the rest is read as; the second picks the column kinds used for ResultData
// and external rows. Any input must give a status or rows without a crash, and every row read
// must be as wide as its columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "warehouse/databricks/databricks_result.h"

using wsync::warehouse::DatabricksColumn;
using wsync::warehouse::DatabricksKindOf;
using wsync::warehouse::DatabricksPage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* kTypes[] = {"LONG",   "DOUBLE", "DECIMAL",   "BOOLEAN", "STRING",
                                 "BINARY", "DATE",   "TIMESTAMP", "ARRAY",   "NULL"};
  std::vector<DatabricksColumn> kinds;
  for (int i = 0; i < 3; ++i) {
    DatabricksColumn c;
    c.type_name = kTypes[(data[1] >> i) % 10];
    c.kind = DatabricksKindOf(c.type_name);
    c.precision = (data[1] & 1) != 0 ? 38 : 10;
    c.scale = data[1] & 3;
    kinds.push_back(c);
  }
  const std::string body(reinterpret_cast<const char*>(data) + 2, size - 2);
  wsync::warehouse::ReadDatabricksStatus(body);
  for (const DatabricksColumn& c : kinds) wsync::warehouse::ReadDatabricksValue(c, body);

  const int mode = data[0] % 3;
  auto page = mode == 2 ? DatabricksPage::ParseRows(body) : DatabricksPage::Parse(body, mode == 0);
  if (!page.ok()) return 0;
  const std::vector<DatabricksColumn> columns = mode == 0 ? (*page)->columns() : kinds;
  wsync::core::Row row;
  for (;;) {
    auto more = (*page)->NextRow(columns, &row);
    if (!more.ok() || !*more) break;
    if (row.size() != columns.size()) std::abort();
  }
  return 0;
}

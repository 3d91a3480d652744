// Fuzz target: CheckReadOnlySql in every dialect. Any input must give a verdict without a
// crash; an accepted statement must be accepted again as returned (the connector re-checks the
// stored text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "warehouse/sql_guard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  for (auto dialect :
       {wsync::warehouse::SqlDialect::kSqlite, wsync::warehouse::SqlDialect::kPostgres,
        wsync::warehouse::SqlDialect::kSnowflake}) {
    auto checked = wsync::warehouse::CheckReadOnlySql(sql, dialect);
    if (!checked.ok()) continue;
    auto again = wsync::warehouse::CheckReadOnlySql(*checked, dialect);
    if (!again.ok() || *again != *checked) std::abort();
  }
  return 0;
}

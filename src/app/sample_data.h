// A sample customer warehouse in SQLite, for `wsync demo` and the benchmark: customers with
// identities and attributes of mixed types, plus (when asked) a few deliberately bad rows.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace wsync::app {

struct SampleOptions {
  int64_t customers = 10'000;
  bool bad_rows = true;  // rows with no identity, an over-long value, a bad timestamp
};

// (Re)creates table `customers` in the SQLite file at `path`.
core::Status WriteSampleWarehouse(const std::string& path, const SampleOptions& options);

}  // namespace wsync::app

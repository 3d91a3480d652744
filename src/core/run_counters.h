// The counters of one run (SPEC §7). Shared by the catalog (run records), the profile store
// (which commits them with each batch) and the executor. A plain value.
#pragma once

#include <cstdint>

namespace wsync::core {

struct RunCounters {
  int64_t records_extracted = 0;
  int64_t records_mapped = 0;
  int64_t records_unchanged = 0;
  int64_t records_skipped = 0;
  int64_t records_failed = 0;
  int64_t records_duplicate = 0;  // of records_skipped: a full run's rows whose key came before
  int64_t profiles_created = 0;
  int64_t profiles_updated = 0;
  int64_t identity_conflicts = 0;
  int64_t events_created = 0;
  int64_t batches_forwarded = 0;
  int64_t row_errors_total = 0;

  // extracted = mapped + failed; mapped >= unchanged + skipped (the rest were applied).
  bool Consistent() const {
    return records_extracted == records_mapped + records_failed &&
           records_mapped >= records_unchanged + records_skipped &&
           records_failed == row_errors_total && records_duplicate <= records_skipped;
  }
};

}  // namespace wsync::core

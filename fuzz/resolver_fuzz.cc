// libFuzzer target: the resolver's batch property. The input decodes into rows over 3 identity
// types x 4 values and the batch sizes that cut them (profiles::DecodeCheckInput); the rows are
// resolved in those batches and one per batch, and any disagreement between the identity index,
// the profile documents and the one-row-per-batch result aborts (profiles::ResolverChecker).
// Links: wsync_profiles_check (which brings wsync_profiles, wsync_db, wsync_mapping, wsync_core).
// Single-threaded, as libFuzzer calls it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "storage/sqlite/resolver_check.h"
#include "testing/temp_dir.h"

namespace {

// The store grows by two workspaces per input; start a fresh one now and then.
constexpr int kInputsPerStore = 1000;

struct State {
  std::unique_ptr<wsync::testing::TempDir> dir;
  std::unique_ptr<wsync::profiles::ResolverChecker> checker;
  int inputs = 0;
};

wsync::profiles::ResolverChecker* Checker(State* s) {
  if (s->checker == nullptr || s->inputs++ >= kInputsPerStore) {
    s->checker.reset();
    s->dir = std::make_unique<wsync::testing::TempDir>();
    auto opened = wsync::profiles::ResolverChecker::Open(s->dir->File("fuzz.db"));
    if (!opened.ok()) {
      std::fprintf(stderr, "resolver_fuzz: %s\n", opened.status().ToString().c_str());
      std::abort();
    }
    s->checker = std::move(*opened);
    s->inputs = 1;
  }
  return s->checker.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State* state = new State();  // lives for the process: libFuzzer may exit from any input
  wsync::core::Status s = Checker(state)->Check(wsync::profiles::DecodeCheckInput(data, size));
  if (!s.ok()) {
    std::fprintf(stderr, "resolver_fuzz: %s\n", s.ToString().c_str());
    std::abort();
  }
  return 0;
}

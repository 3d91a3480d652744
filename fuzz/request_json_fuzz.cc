// Fuzz target: API request bodies. The first byte picks the resource kind; the rest is parsed as
// JSON and handed to Canonicalize (ParseConnection / ParseDataModel / ParsePipeline and the
// field-transformation parser). Any body must give a canonical body or an error, and a
// canonical body must canonicalize to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "catalog/definitions.h"
#include "warehouse/builtin_providers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  using wsync::catalog::Kind;
  constexpr Kind kKinds[] = {Kind::kConnection, Kind::kDataModel, Kind::kFieldTransformation,
                             Kind::kPipeline};
  Kind kind = kKinds[data[0] % 4];
  nlohmann::json body = nlohmann::json::parse(data + 1, data + size, nullptr, false);
  if (body.is_discarded()) return 0;
  // Every built-in provider, as a server registers them; built once.
  static const wsync::warehouse::Registry* const providers = [] {
    auto* r = new wsync::warehouse::Registry();
    wsync::warehouse::RegisterBuiltinProviders(r);
    return r;
  }();
  auto canonical = wsync::catalog::Canonicalize(kind, body, *providers);
  if (!canonical.ok()) return 0;
  auto again = wsync::catalog::Canonicalize(kind, *canonical, *providers);
  if (!again.ok() || *again != *canonical) std::abort();
  return 0;
}

// Fuzz target: the config-file parser (YAML or JSON text → the four resource lists). Any input
// must give a document or an InvalidArgument, never a crash or an escaping exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "catalog/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = wsync::catalog::ParseConfigText(text, "fuzz.yaml");
  if (config.ok()) {
    // Accepted documents are objects of lists (what ApplyConfig relies on).
    if (!config->is_object()) std::abort();
    for (const auto& [key, list] : config->items()) {
      if (!list.is_array()) std::abort();
    }
  } else if (config.status().code() != wsync::core::StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}

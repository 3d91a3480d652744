// Fuzz target: opening sealed strings (stored values an attacker may have edited). Open must
// refuse anything not sealed under the key, and Seal/Open must round-trip any plaintext.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/secret_box.h"

namespace {

const wsync::core::SecretBox& Box() {
  static const auto* box = [] {
    std::array<unsigned char, wsync::core::SecretBox::kKeyBytes> key{};
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i * 7 + 1);
    return new wsync::core::SecretBox(key);
  }();
  return *box;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& box = Box();
  // As a stored value, and with the sealed prefix forced so the base64/AEAD path is reached.
  (void)box.Open(input);
  (void)box.Open(std::string(wsync::core::SecretBox::kPrefix) + std::string(input));
  auto opened = box.Open(box.Seal(input));
  if (!opened.ok() || *opened != input) std::abort();
  return 0;
}

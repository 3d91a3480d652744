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
  constexpr std::string_view kContext = "wsync-secret/1/connection/c/config.password";
  // As a stored value, and with the sealed prefix forced so the base64/AEAD paths are reached.
  (void)box.Open(input, kContext);
  (void)box.Open(std::string(wsync::core::SecretBox::kPrefix) + std::string(input), kContext);
  // Any plaintext round-trips, under its own context only (the input as a second context).
  std::string sealed = box.Seal(input, kContext);
  auto opened = box.Open(sealed, kContext);
  if (!opened.ok() || *opened != input) std::abort();
  if (input != kContext && box.Open(sealed, input).ok()) std::abort();
  return 0;
}

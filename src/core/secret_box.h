// SecretBox: authenticated encryption of secrets at rest under one 32-byte key per deployment.
// A sealed value is the text "sealed:v2:<base64(nonce || ciphertext)>" (XChaCha20-Poly1305
// AEAD whose associated data is the caller's `context`, e.g. workspace, resource and key), so it
// can sit in a JSON document beside plain values, be told apart from them, and opens only under
// the context it was sealed for. "sealed:v1:" values (crypto_secretbox, no context) from older
// versions still open; nothing seals v1 any more. The key comes from env WSYNC_SECRET_KEY (64 hex
// digits or base64 of 32 bytes) or from DATA_DIR/secret.key, created with mode 0600 on first use.
//
// Immutable after construction; Seal and Open are thread-safe.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::core {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr std::string_view kPrefix = "sealed:";  // any version
  static constexpr std::string_view kPrefixV1 = "sealed:v1:";
  static constexpr std::string_view kPrefixV2 = "sealed:v2:";

  explicit SecretBox(const std::array<unsigned char, kKeyBytes>& key);
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // A key from text: 64 hex digits or base64 (standard or URL-safe) of 32 bytes.
  static StatusOr<std::unique_ptr<SecretBox>> FromKeyText(std::string_view text);
  // WSYNC_SECRET_KEY when set, else DATA_DIR/secret.key (created with a fresh random key and
  // mode 0600 when missing). Messages name where the key came from, never the key.
  static StatusOr<std::unique_ptr<SecretBox>> LoadOrCreate(const std::string& data_dir);

  // Any text that looks sealed, of any version (clients may not send such values).
  static bool IsSealed(std::string_view text) { return text.starts_with(kPrefix); }
  // Sealed in the current version (v2); a v1 value is resealed on its next write.
  static bool IsCurrent(std::string_view text) { return text.starts_with(kPrefixV2); }

  // A fresh nonce per call: sealing the same text twice gives different outputs. The value opens
  // only with the same `context`.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // InvalidArgument when `sealed` is not in a sealed form (or its payload is damaged);
  // FailedPrecondition when it does not open under this key and `context` (sealed with another
  // key, for another context, or altered). v1 values ignore `context`.
  StatusOr<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  std::array<unsigned char, kKeyBytes> key_;
};

}  // namespace wsync::core

// SecretBox: authenticated encryption of connection secrets at rest (libsodium crypto_secretbox,
// XSalsa20-Poly1305) under one 32-byte key per deployment. A sealed value is the text
// "sealed:v1:<base64(nonce || ciphertext)>", so it can sit in a JSON document beside plain
// values and be told apart from them. The key comes from env WSYNC_SECRET_KEY (64 hex digits or
// base64 of 32 bytes) or from DATA_DIR/secret.key, created with mode 0600 on first use.
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
  static constexpr std::string_view kPrefix = "sealed:v1:";

  explicit SecretBox(const std::array<unsigned char, kKeyBytes>& key);
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // A key from text: 64 hex digits or base64 (standard or URL-safe) of 32 bytes.
  static StatusOr<std::unique_ptr<SecretBox>> FromKeyText(std::string_view text);
  // WSYNC_SECRET_KEY when set, else DATA_DIR/secret.key (created with a fresh random key and
  // mode 0600 when missing). Messages name where the key came from, never the key.
  static StatusOr<std::unique_ptr<SecretBox>> LoadOrCreate(const std::string& data_dir);

  static bool IsSealed(std::string_view text) { return text.starts_with(kPrefix); }

  // A fresh nonce per call: sealing the same text twice gives different outputs.
  std::string Seal(std::string_view plaintext) const;
  // InvalidArgument when `sealed` is not in the sealed form; FailedPrecondition when it does
  // not open under this key (sealed with another key, or altered).
  StatusOr<std::string> Open(std::string_view sealed) const;

 private:
  std::array<unsigned char, kKeyBytes> key_;
};

}  // namespace wsync::core

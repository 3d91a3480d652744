// Test helper: a value in the "sealed:v1:" form earlier versions wrote (crypto_secretbox,
// XSalsa20-Poly1305, no associated data), for tests of reading and migrating stored secrets.
// Production code no longer seals v1. Link PkgConfig::SODIUM. Thread-safe.
#pragma once

#include <sodium.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace wsync::testing {

inline std::string SealV1(const std::array<unsigned char, 32>& key, std::string_view plaintext) {
  if (sodium_init() < 0) return "";
  std::vector<unsigned char> buf(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 plaintext.size());
  randombytes_buf(buf.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(buf.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        buf.data(), key.data());
  std::string b64(sodium_base64_ENCODED_LEN(buf.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), buf.data(), buf.size(), sodium_base64_VARIANT_ORIGINAL);
  return "sealed:v1:" + std::string(b64.c_str());
}

}  // namespace wsync::testing

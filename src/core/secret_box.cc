#include "core/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace wsync::core {

namespace {

bool SodiumReady() {
  // sodium_init is idempotent and thread-safe; < 0 means the library cannot work at all.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool DecodeKey(std::string_view text, std::array<unsigned char, SecretBox::kKeyBytes>* key) {
  size_t len = 0;
  if (text.size() == 2 * SecretBox::kKeyBytes &&
      sodium_hex2bin(key->data(), key->size(), text.data(), text.size(), nullptr, &len, nullptr) ==
          0 &&
      len == key->size()) {
    return true;
  }
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    std::array<unsigned char, SecretBox::kKeyBytes + 8> buf{};
    if (sodium_base642bin(buf.data(), buf.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          variant) == 0 &&
        len == SecretBox::kKeyBytes) {
      std::memcpy(key->data(), buf.data(), SecretBox::kKeyBytes);
      return true;
    }
  }
  return false;
}

}  // namespace

SecretBox::SecretBox(const std::array<unsigned char, kKeyBytes>& key) : key_(key) {}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

StatusOr<std::unique_ptr<SecretBox>> SecretBox::FromKeyText(std::string_view text) {
  if (!SodiumReady()) return Internal("libsodium failed to initialise");
  std::array<unsigned char, kKeyBytes> key{};
  if (!DecodeKey(Trim(text), &key)) {
    return InvalidArgument("a secret key must be 64 hex digits or the base64 form of 32 bytes");
  }
  auto box = std::make_unique<SecretBox>(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

StatusOr<std::unique_ptr<SecretBox>> SecretBox::LoadOrCreate(const std::string& data_dir) {
  if (!SodiumReady()) return Internal("libsodium failed to initialise");
  if (const char* env = std::getenv("WSYNC_SECRET_KEY"); env != nullptr && *env != '\0') {
    auto box = FromKeyText(env);
    if (!box.ok()) return box.status().Annotate("WSYNC_SECRET_KEY");
    return box;
  }
  const std::string path = data_dir + "/secret.key";
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    auto box = FromKeyText(text.str());
    if (!box.ok()) return box.status().Annotate("key file '" + path + "'");
    return box;
  }
  std::array<unsigned char, kKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  char hex[2 * kKeyBytes + 1];
  sodium_bin2hex(hex, sizeof hex, key.data(), key.size());
  // O_EXCL: two processes starting at once must not overwrite each other's key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreate(data_dir);
    return FailedPrecondition("cannot create key file '" + path + "': " + std::strerror(errno));
  }
  std::string line = std::string(hex) + "\n";
  sodium_memzero(hex, sizeof hex);
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  sodium_memzero(line.data(), line.size());
  if (!written) return FailedPrecondition("cannot write key file '" + path + "'");
  auto box = std::make_unique<SecretBox>(key);
  sodium_memzero(key.data(), key.size());
  return box;
}

namespace {

std::string Base64(const std::vector<unsigned char>& bytes) {
  std::string b64(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return b64;
}

// The payload after the prefix; empty when it is not base64 of at least `min_bytes`.
std::vector<unsigned char> Unbase64(std::string_view b64, size_t min_bytes) {
  // An empty vector's data() may be null, which sodium_base642bin must not get.
  if (b64.empty()) return {};
  std::vector<unsigned char> buf(b64.size());
  size_t len = 0;
  if (sodium_base642bin(buf.data(), buf.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < min_bytes) {
    return {};
  }
  buf.resize(len);
  return buf;
}

Status DoesNotOpen() {
  return FailedPrecondition(
      "a stored secret does not open with this deployment's key for this resource (was "
      "WSYNC_SECRET_KEY or secret.key changed, or was the value copied from another workspace "
      "or resource?); send the secret again");
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::vector<unsigned char> buf(kNonce + plaintext.size() +
                                 crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(buf.data(), kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(buf.data() + kNonce, &written, Bytes(plaintext),
                                             plaintext.size(), Bytes(context), context.size(),
                                             nullptr, buf.data(), key_.data());
  buf.resize(kNonce + written);
  return std::string(kPrefixV2) + Base64(buf);
}

StatusOr<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (sealed.starts_with(kPrefixV2)) {
    constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    std::vector<unsigned char> buf = Unbase64(sealed.substr(kPrefixV2.size()), kNonce + kTag);
    if (buf.empty()) return InvalidArgument("sealed value is damaged");
    std::string plain(buf.size() - kNonce - kTag, '\0');
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr, buf.data() + kNonce,
            buf.size() - kNonce, Bytes(context), context.size(), buf.data(), key_.data()) != 0) {
      return DoesNotOpen();
    }
    plain.resize(len);
    return plain;
  }
  if (sealed.starts_with(kPrefixV1)) {
    constexpr size_t kNonce = crypto_secretbox_NONCEBYTES;
    constexpr size_t kMac = crypto_secretbox_MACBYTES;
    std::vector<unsigned char> buf = Unbase64(sealed.substr(kPrefixV1.size()), kNonce + kMac);
    if (buf.empty()) return InvalidArgument("sealed value is damaged");
    std::string plain(buf.size() - kNonce - kMac, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                   buf.data() + kNonce, buf.size() - kNonce, buf.data(),
                                   key_.data()) != 0) {
      return DoesNotOpen();
    }
    return plain;
  }
  return InvalidArgument("value is not in the sealed form");
}

}  // namespace wsync::core

#include "warehouse/snowflake/snowflake_auth.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

namespace wsync::warehouse {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view bytes, bool url) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += rest == 2 ? std::string(1, kBase64[(v >> 6) & 63]) : "=";
    out += "=";
  }
  if (url) {
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    }
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A PEM text as users paste it: with real newlines, with "\n" escapes, or just the base64 body.
std::string NormalisePem(std::string_view pem) {
  std::string out;
  for (size_t i = 0; i < pem.size(); ++i) {
    if (pem[i] == '\\' && i + 1 < pem.size() && pem[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += pem[i];
    }
  }
  if (out.find("-----BEGIN") == std::string::npos) {
    std::string body;
    for (char c : out) {
      if (!std::isspace(static_cast<unsigned char>(c))) body += c;
    }
    out = "-----BEGIN PRIVATE KEY-----\n";
    for (size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
    out += "-----END PRIVATE KEY-----\n";
  }
  return out;
}

int NoPassword(char*, int, int, void*) { return -1; }

}  // namespace

std::string Base64Url(std::string_view bytes) { return Base64(bytes, true); }

std::string JwtAccountName(std::string_view account_identifier) {
  std::string_view a = account_identifier;
  if (size_t dot = a.find('.'); dot != std::string_view::npos) a = a.substr(0, dot);
  return Upper(a);
}

SnowflakeKeyPair::SnowflakeKeyPair(EVP_PKEY* key, std::string fingerprint)
    : key_(key), fingerprint_(std::move(fingerprint)) {}

SnowflakeKeyPair::~SnowflakeKeyPair() { EVP_PKEY_free(key_); }

core::StatusOr<std::unique_ptr<SnowflakeKeyPair>> SnowflakeKeyPair::Load(std::string_view pem) {
  const std::string text = NormalisePem(pem);
  if (text.find("ENCRYPTED") != std::string::npos) {
    return core::Status::InvalidField(
        "config.private_key",
        "is an encrypted key; give the unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)");
  }
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (bio == nullptr) return core::ResourceExhausted("out of memory reading a private key");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, NoPassword, nullptr);
  BIO_free(bio);
  ERR_clear_error();  // nothing of the key's text may reach a message through OpenSSL's queue
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return core::Status::InvalidField(
        "config.private_key",
        "is not an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- …, as openssl "
        "genrsa 2048 | openssl pkcs8 -topk8 -nocrypt writes it)");
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    EVP_PKEY_free(key);
    return core::Internal("could not encode the public key of config.private_key");
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  std::string fp =
      "SHA256:" + Base64(std::string_view(reinterpret_cast<char*>(digest), sizeof digest), false);
  return std::unique_ptr<SnowflakeKeyPair>(new SnowflakeKeyPair(key, std::move(fp)));
}

core::StatusOr<std::string> SnowflakeKeyPair::Jwt(std::string_view account_identifier,
                                                  std::string_view user, int64_t now_s,
                                                  int64_t lifetime_s) const {
  const std::string subject = JwtAccountName(account_identifier) + "." + Upper(user);
  const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json claims = {{"iss", subject + "." + fingerprint_},
                                 {"sub", subject},
                                 {"iat", now_s},
                                 {"exp", now_s + lifetime_s}};
  const std::string input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return core::ResourceExhausted("out of memory signing a token");
  size_t size = 0;
  std::vector<unsigned char> signature;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(ctx, signature.data(), &size,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (!ok) return core::Internal("could not sign the Snowflake key-pair token");
  return input + "." + Base64Url(std::string_view(reinterpret_cast<char*>(signature.data()), size));
}

}  // namespace wsync::warehouse

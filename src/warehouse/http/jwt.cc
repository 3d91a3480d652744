#include "warehouse/http/jwt.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <cctype>
#include <vector>

#include "warehouse/http/base64.h"

namespace wsync::warehouse {
namespace {

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

RsaPrivateKey::RsaPrivateKey(EVP_PKEY* key, std::string public_key_sha256)
    : key_(key), public_key_sha256_(std::move(public_key_sha256)) {}

RsaPrivateKey::~RsaPrivateKey() { EVP_PKEY_free(key_); }

core::StatusOr<std::unique_ptr<RsaPrivateKey>> RsaPrivateKey::Load(std::string_view pem,
                                                                   std::string_view field,
                                                                   std::string_view hint) {
  const std::string text = NormalisePem(pem);
  if (text.find("ENCRYPTED") != std::string::npos) {
    return core::Status::InvalidField(
        std::string(field),
        "is an encrypted key; give the unencrypted key (" + std::string(hint) + ")");
  }
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (bio == nullptr) return core::ResourceExhausted("out of memory reading a private key");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, NoPassword, nullptr);
  BIO_free(bio);
  ERR_clear_error();  // nothing of the key's text may reach a message through OpenSSL's queue
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    return core::Status::InvalidField(
        std::string(field), "is not an RSA private key in PEM form (" + std::string(hint) + ")");
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    EVP_PKEY_free(key);
    return core::Internal("could not encode the public key of " + std::string(field));
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return std::unique_ptr<RsaPrivateKey>(new RsaPrivateKey(
      key, Base64(std::string_view(reinterpret_cast<char*>(digest), sizeof digest))));
}

core::StatusOr<std::string> RsaPrivateKey::Sign(std::string_view input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return core::ResourceExhausted("out of memory signing a token");
  size_t size = 0;
  std::vector<unsigned char> signature;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, nullptr, &size, data, input.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(ctx, signature.data(), &size, data, input.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (!ok) return core::Internal("could not sign a token with the RSA key");
  return std::string(reinterpret_cast<char*>(signature.data()), size);
}

core::StatusOr<std::string> SignJwt(const RsaPrivateKey& key, nlohmann::json header,
                                    const nlohmann::json& claims) {
  if (!header.contains("alg")) header["alg"] = "RS256";
  if (!header.contains("typ")) header["typ"] = "JWT";
  const std::string input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());
  ASSIGN_OR_RETURN(std::string signature, key.Sign(input));
  return input + "." + Base64Url(signature);
}

}  // namespace wsync::warehouse

#include "warehouse/snowflake/snowflake_auth.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace wsync::warehouse {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string JwtAccountName(std::string_view account_identifier) {
  std::string_view a = account_identifier;
  if (size_t dot = a.find('.'); dot != std::string_view::npos) a = a.substr(0, dot);
  return Upper(a);
}

SnowflakeKeyPair::SnowflakeKeyPair(std::unique_ptr<RsaPrivateKey> key, std::string fingerprint)
    : key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}

SnowflakeKeyPair::~SnowflakeKeyPair() = default;

core::StatusOr<std::unique_ptr<SnowflakeKeyPair>> SnowflakeKeyPair::Load(std::string_view pem) {
  ASSIGN_OR_RETURN(std::unique_ptr<RsaPrivateKey> key,
                   RsaPrivateKey::Load(pem, "config.private_key",
                                       "-----BEGIN PRIVATE KEY----- …, as openssl genrsa 2048 | "
                                       "openssl pkcs8 -topk8 -nocrypt writes it"));
  std::string fp = "SHA256:" + key->public_key_sha256();
  return std::unique_ptr<SnowflakeKeyPair>(new SnowflakeKeyPair(std::move(key), std::move(fp)));
}

core::StatusOr<std::string> SnowflakeKeyPair::Jwt(std::string_view account_identifier,
                                                  std::string_view user, int64_t now_s,
                                                  int64_t lifetime_s) const {
  const std::string subject = JwtAccountName(account_identifier) + "." + Upper(user);
  const nlohmann::json claims = {{"iss", subject + "." + fingerprint_},
                                 {"sub", subject},
                                 {"iat", now_s},
                                 {"exp", now_s + lifetime_s}};
  return SignJwt(*key_, nlohmann::json::object(), claims);
}

}  // namespace wsync::warehouse

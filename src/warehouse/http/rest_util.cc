#include "warehouse/http/rest_util.h"

#include <cctype>

namespace wsync::warehouse {

core::StatusOr<std::string> OptionalConfigString(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return core::Status::InvalidField(std::string("config.") + key, "must be a string");
  }
  return it->get<std::string>();
}

core::StatusOr<std::string> NormalizeBaseUrl(std::string url, const char* key) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string scheme = url.substr(0, 8);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!scheme.starts_with("https://") && !scheme.starts_with("http://")) {
    return core::Status::InvalidField(std::string("config.") + key, "must start with https://");
  }
  return url;
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace wsync::warehouse

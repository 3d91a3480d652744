#include "ui/assets.h"

namespace wsync::ui {

const Asset* FindAsset(std::string_view url_path) {
  if (url_path == "/" || url_path == "/ui" || url_path == "/ui/") url_path = "/ui/index.html";
  for (const Asset& asset : AllAssets()) {
    if (asset.path == url_path) return &asset;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> SecurityHeaders() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"},
  };
}

}  // namespace wsync::ui

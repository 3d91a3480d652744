// Base64 as the REST warehouses use it: the standard alphabet with padding (BigQuery's BYTES
// values, key fingerprints) and the URL-safe one without padding (JWT segments).
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wsync::warehouse {

std::string Base64(std::string_view bytes);
// Base64url without padding.
std::string Base64Url(std::string_view bytes);
// Decodes standard base64 (padding optional, no blanks) into `out`; false, leaving `out`
// unspecified, when `text` is not base64.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace wsync::warehouse

#include "api/request_checks.h"

#include "core/utf8.h"

namespace wsync::api {

namespace {

using nlohmann::json;

// A SAX consumer that only tracks depth and remembers why parsing stopped.
class DepthCounter : public json::json_sax_t {
 public:
  explicit DepthCounter(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Leave(); }
  bool start_array(std::size_t) override { return Enter(); }
  bool end_array() override { return Leave(); }
  bool parse_error(std::size_t, const std::string&, const json::exception& e) override {
    // nlohmann's text starts with "[json.exception.parse_error.101] "; keep the useful part.
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    error_ = "malformed JSON body: " + core::ToValidUtf8(what);
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool Enter() {
    if (++depth_ <= max_depth_) return true;
    error_ = "the JSON body is nested more than " + std::to_string(max_depth_) + " levels deep";
    return false;
  }
  bool Leave() {
    --depth_;
    return true;
  }

  int max_depth_;
  int depth_ = 0;
  std::string error_;
};

}  // namespace

core::StatusOr<json> ParseBoundedJson(std::string_view text, int max_depth) {
  // nlohmann's lexer takes a NUL as the end of input, so bytes after one would be ignored.
  if (text.find('\0') != std::string_view::npos) {
    return core::InvalidArgument("the JSON body contains a NUL byte");
  }
  DepthCounter counter(max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text, &counter);
  } catch (const std::exception& e) {
    return core::InvalidArgument("malformed JSON body");
  }
  if (!ok) {
    return core::InvalidArgument(counter.error().empty() ? "malformed JSON body" : counter.error());
  }
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return core::InvalidArgument("malformed JSON body");
  return parsed;
}

core::Status CheckRequestText(std::string_view what, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return core::InvalidArgument(std::string(what) + " contains a NUL byte");
  }
  if (!core::IsValidUtf8(text)) {
    return core::InvalidArgument(std::string(what) + " is not valid UTF-8");
  }
  return core::Status();
}

std::string SafeDump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wsync::api

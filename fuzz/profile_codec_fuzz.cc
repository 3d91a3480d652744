// libFuzzer target: decoding stored profile documents (profiles::DecodeIdentities and
// DecodeAttributes, version 1 and 2). Any bytes must give a Status, never an exception or a
// crash; and what decodes must encode into a document that decodes again. The first byte picks
// the decoder, the rest is the document.
// Links: wsync_profiles (which brings wsync_mapping, wsync_core). Single-threaded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "profiles/profile_codec.h"

namespace {

[[noreturn]] void Fail(const char* what, const wsync::core::Status& s) {
  std::fprintf(stderr, "profile_codec_fuzz: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  // An exception escaping here is reported by libFuzzer as a crash.
  if (data[0] & 1) {
    std::map<std::string, std::string> ids;
    if (!wsync::profiles::DecodeIdentities(doc, &ids).ok()) return 0;
    std::map<std::string, std::string> again;
    wsync::core::Status s =
        wsync::profiles::DecodeIdentities(wsync::profiles::EncodeIdentities(ids), &again);
    if (!s.ok()) Fail("re-encoded identities do not decode", s);
    if (again != ids) Fail("identities changed on a round trip", s);
    return 0;
  }
  std::map<std::string, wsync::profiles::StoredAttribute> attrs;
  if (!wsync::profiles::DecodeAttributes(doc, &attrs).ok()) return 0;
  std::map<std::string, wsync::profiles::StoredAttribute> again;
  wsync::core::Status s =
      wsync::profiles::DecodeAttributes(wsync::profiles::EncodeAttributes(attrs), &again);
  if (!s.ok()) Fail("re-encoded attributes do not decode", s);
  if (again.size() != attrs.size()) Fail("attributes lost on a round trip", s);
  return 0;
}

#include "mapping/identity_types.h"

#include <cassert>

namespace wsync::mapping {
namespace {

std::vector<IdentityType> BuildTable() {
  // SPEC §4 order is the default resolution priority: do not reorder.
  static constexpr std::string_view kUser[] = {
      "mpid",          "customer_id",    "email",
      "mobile_number", "phone_number_2", "phone_number_3",
      "other",         "other_id_2",     "other_id_3",
      "other_id_4",    "other_id_5",     "other_id_6",
      "other_id_7",    "other_id_8",     "other_id_9",
      "other_id_10",   "facebook",       "facebook_custom_audience_id",
      "google",        "twitter",        "microsoft",
      "yahoo"};
  static constexpr std::string_view kDevice[] = {"ios_advertising_id",
                                                 "ios_idfv",
                                                 "android_advertising_id",
                                                 "android_uuid",
                                                 "push_token",
                                                 "amp_id",
                                                 "roku_advertising_id",
                                                 "roku_publisher_id",
                                                 "microsoft_advertising_id",
                                                 "microsoft_publisher_id",
                                                 "fire_advertising_id",
                                                 "mp_deviceid"};
  std::vector<IdentityType> table;
  for (std::string_view name : kUser) {
    table.push_back({name, static_cast<int>(table.size()), false});
  }
  for (std::string_view name : kDevice) {
    table.push_back({name, static_cast<int>(table.size()), true});
  }
  return table;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

const std::vector<IdentityType>& IdentityTypes() {
  static const std::vector<IdentityType> table = BuildTable();
  return table;
}

const IdentityType* FindIdentityType(std::string_view name) {
  if (EqualsIgnoreCase(name, "customerid")) return &IdentityTypes()[1];
  for (const IdentityType& type : IdentityTypes()) {
    if (EqualsIgnoreCase(name, type.name)) return &type;
  }
  return nullptr;
}

const IdentityType& IdentityTypeAt(int priority) {
  assert(priority >= 0 && static_cast<size_t>(priority) < IdentityTypes().size());
  return IdentityTypes()[static_cast<size_t>(priority)];
}

void NormalizeIdentityTo(const IdentityType& type, std::string_view raw, std::string* out) {
  size_t begin = 0;
  size_t end = raw.size();
  while (begin < end && IsSpace(raw[begin])) ++begin;
  while (end > begin && IsSpace(raw[end - 1])) --end;
  out->assign(raw.data() + begin, end - begin);
  // Email addresses match case-insensitively in practice; the other types are opaque ids.
  if (type.name == "email") {
    for (char& c : *out) c = Lower(c);
  }
}

std::string NormalizeIdentity(const IdentityType& type, std::string_view raw) {
  std::string out;
  NormalizeIdentityTo(type, raw, &out);
  return out;
}

}  // namespace wsync::mapping

#include "sync/fingerprint.h"

#include <cstdio>

#include "mapping/identity_types.h"
#include "sync/run_spec.h"

namespace wsync::sync {

namespace {

// Feeds values into a 64-bit FNV-1a: fixed-size values by their bytes, the rest by their text,
// each ended by a separator so adjacent fields cannot run into each other.
class Hasher {
 public:
  explicit Hasher(uint64_t seed) : h_(seed) {}

  template <typename T>
  void Bytes(const T& v) {
    h_ = Fnv1a(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), h_);
  }
  void Text(std::string_view s) {
    Bytes(s.size());
    h_ = Fnv1a(s, h_);
  }
  void Value(const core::Value& v) {
    Bytes(static_cast<char>(v.type()));
    switch (v.type()) {
      case core::Type::kNull:
        break;
      case core::Type::kBool:
        Bytes(v.bool_value());
        break;
      case core::Type::kInt64:
        Bytes(v.int64_value());
        break;
      case core::Type::kDouble:
        Bytes(v.double_value());
        break;
      case core::Type::kDate:
        Bytes(v.date_value());
        break;
      case core::Type::kTimestamp:
        Bytes(v.timestamp_value());
        break;
      default:
        Text(v.ToText());
    }
  }
  void Pairs(const std::vector<std::pair<std::string, core::Value>>& pairs) {
    Bytes(pairs.size());
    for (const auto& [name, value] : pairs) {
      Text(name);
      Value(value);
    }
  }
  void Identities(const std::vector<mapping::Identity>& ids) {
    Bytes(ids.size());
    for (const mapping::Identity& id : ids) {
      Bytes(id.type);
      Text(id.value);
    }
  }
  void Event(const mapping::Event& e) {
    Text(e.event_type);
    Text(e.event_name);
    Text(e.custom_event_type);
    Bytes(e.timestamp_ms.has_value());
    Bytes(e.timestamp_ms.value_or(0));
    Text(e.source_message_id);
    Text(e.screen_name);
    Pairs(e.custom_attributes);
    Pairs(e.product_action);
    Text(e.products);
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_;
};

constexpr uint64_t kEventSeed = 0x6576656e74ull;  // "event"

}  // namespace

std::string RowKey(const core::Row& row, const std::vector<int>& pk, const mapping::Record& record,
                   int64_t row_number) {
  const std::string numbered = "row " + std::to_string(row_number);
  if (!pk.empty()) {
    std::string key;
    for (int i : pk) {
      if (i < 0 || static_cast<size_t>(i) >= row.size()) return numbered;
      if (!key.empty()) key += '|';
      key += row[i].ToText();
    }
    return key;
  }
  if (record.identities.empty()) return numbered;
  const mapping::Identity& best = record.identities.front();
  std::string key = std::string(mapping::IdentityTypeAt(best.type).name) + ":" + best.value;
  if (record.event) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "#%016llx", static_cast<unsigned long long>(EventHash(record)));
    key += hex;
  }
  return key;
}

uint64_t RecordFingerprint(const mapping::Record& record, std::optional<int64_t> source_time,
                           uint64_t seed) {
  Hasher h(seed);
  h.Identities(record.identities);
  h.Bytes(record.attributes.size());
  for (const mapping::Attribute& a : record.attributes) {
    h.Text(a.name);
    h.Value(a.value);
  }
  h.Bytes(record.event.has_value());
  if (record.event) h.Event(*record.event);
  h.Bytes(source_time.has_value());
  h.Bytes(source_time.value_or(0));
  return h.value();
}

uint64_t EventHash(const mapping::Record& record) {
  if (!record.event) return 0;
  Hasher h(kEventSeed);
  h.Identities(record.identities);
  h.Event(*record.event);
  return h.value();
}

}  // namespace wsync::sync

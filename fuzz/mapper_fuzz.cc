// Fuzz target: random typed rows (ill-formed UTF-8, NaN and infinities, int64 extremes, dates and
// timestamps far outside years 1..9999, BLOBs, nested lists) through compiled mappings: the
// default mapping, a user_attributes field transformation with "$unmapped", and an events one.
// Checks the mapping boundary (mapper.h): a mapped record holds only valid UTF-8 and every value
// writes parseable JSON; a row error has a code and a short, valid UTF-8 message. Nothing throws.
// Links: wsync_mapping wsync_core (and nlohmann_json through them).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "core/utf8.h"
#include "core/value.h"
#include "mapping/field_transformation.h"
#include "mapping/mapper.h"

namespace {

using wsync::core::Type;
using wsync::core::Value;

// Reads the fuzzer's bytes front to back; zeros once they run out.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  template <typename T>
  T Raw() {
    T v{};
    unsigned char buf[sizeof(T)] = {};
    for (unsigned char& b : buf) b = Byte();
    std::memcpy(&v, buf, sizeof(T));
    return v;
  }
  std::string Text() {
    size_t n = Byte();
    if (n == 255) n = 5000 + Byte() * 16;  // now and then past the 4096-character limit
    std::string s;
    s.reserve(n);
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(pos_ < size_ ? Byte() : 'x'));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

int64_t Interesting(Input* in) {
  static constexpr int64_t kValues[] = {0,
                                        1,
                                        -1,
                                        std::numeric_limits<int64_t>::max(),
                                        std::numeric_limits<int64_t>::min(),
                                        1'700'000'000,
                                        1'700'000'000'123,
                                        253'402'300'799,
                                        253'402'300'800,
                                        -62'135'596'801,
                                        9'223'372'036'854};
  uint8_t pick = in->Byte();
  if (pick < std::size(kValues)) return kValues[pick];
  return in->Raw<int64_t>();
}

Value RandomValue(Input* in, int depth) {
  switch (in->Byte() % 11) {
    case 0:
      return Value::Null();
    case 1:
      return Value::Bool(in->Byte() & 1);
    case 2:
      return Value::Int64(Interesting(in));
    case 3: {
      uint8_t pick = in->Byte() % 5;
      if (pick == 0) return Value::Double(std::numeric_limits<double>::quiet_NaN());
      if (pick == 1) return Value::Double(std::numeric_limits<double>::infinity());
      if (pick == 2) return Value::Double(-std::numeric_limits<double>::infinity());
      return Value::Double(in->Raw<double>());
    }
    case 4:
      return Value::Dec(in->Text());
    case 5:
    case 6:
      return Value::String(in->Text());
    case 7:
      return Value::DateValue(in->Raw<int32_t>());
    case 8:
      return Value::TimestampValue(Interesting(in));
    case 9: {
      if (depth > 2) return Value::Null();
      std::vector<Value> items(in->Byte() % 4);
      for (Value& v : items) v = RandomValue(in, depth + 1);
      return Value::Array(std::move(items));
    }
    default:
      return Value::BytesValue(in->Text());
  }
}

void Require(bool ok) {
  if (!ok) std::abort();
}

void RequireJson(const Value& v) {
  std::string json = v.ToJson();
  Require(wsync::core::IsValidUtf8(json));
  Require(nlohmann::json::accept(json));
}

const std::vector<wsync::core::Column>& Columns() {
  static const std::vector<wsync::core::Column> columns = {
      {"email", Type::kString, false}, {"customer_id", Type::kInt64, false},
      {"ts", Type::kTimestamp, false}, {"plan", Type::kString, false},
      {"avatar", Type::kBytes, false}, {"score", Type::kDouble, false},
      {"kind", Type::kString, false},  {"at", Type::kInt64, false},
  };
  return columns;
}

wsync::mapping::FieldTransformation Ft(const char* text) {
  auto ft = wsync::mapping::ParseFieldTransformation(nlohmann::json::parse(text));
  Require(ft.ok());
  return *ft;
}

struct Mappers {
  std::vector<wsync::mapping::Mapper> all;
};

const Mappers& Compiled() {
  static const Mappers* mappers = [] {
    auto* m = new Mappers;
    using wsync::mapping::MapperOptions;
    using wsync::mapping::TimestampUnit;
    MapperOptions seconds;
    seconds.timestamp_field = "ts";
    MapperOptions millis;
    millis.timestamp_field = "at";
    millis.timestamp_unit = TimestampUnit::kMilliseconds;
    millis.skip_nulls = true;
    m->all.push_back(std::move(*wsync::mapping::Mapper::Compile(nullptr, Columns(), seconds)));
    m->all.push_back(std::move(*wsync::mapping::Mapper::Compile(nullptr, Columns(), millis)));
    static const auto users = Ft(R"({"destination_type": "user_attributes", "mappings": [
      {"mapping_type": "column", "source": "customer_id", "destination": "mpid"},
      {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
      {"mapping_type": "column", "source": "avatar", "destination": "user_attributes.avatar"},
      {"mapping_type": "column", "source": "$unmapped", "destination": "user_attributes.*"}]})");
    m->all.push_back(std::move(*wsync::mapping::Mapper::Compile(&users, Columns(), seconds)));
    static const auto events = Ft(R"({"destination_type": "event_batch", "mappings": [
      {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
      {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event",
       "value_type": "string"},
      {"mapping_type": "column", "source": "plan", "destination": "events.event_name"},
      {"mapping_type": "column", "source": "kind", "destination": "events.custom_event_type"},
      {"mapping_type": "column", "source": "at", "destination": "events.timestamp_unixtime_ms"},
      {"mapping_type": "column", "source": "score",
       "destination": "events.product_action.total_amount"},
      {"mapping_type": "column", "source": "$unmapped",
       "destination": "events.custom_attributes.*"}]})");
    MapperOptions event_options = seconds;
    event_options.pipeline_type = wsync::mapping::PipelineType::kEvents;
    m->all.push_back(
        std::move(*wsync::mapping::Mapper::Compile(&events, Columns(), event_options)));
    return m;
  }();
  return *mappers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const Mappers& mappers = Compiled();
  const wsync::mapping::Mapper& mapper = mappers.all[in.Byte() % mappers.all.size()];
  wsync::core::Row row(Columns().size());
  for (Value& v : row) v = RandomValue(&in, 0);
  // The JSON writer alone: any text becomes a parseable string.
  std::string quoted;
  wsync::core::AppendJsonString(std::string_view(reinterpret_cast<const char*>(data), size),
                                &quoted);
  Require(nlohmann::json::accept(quoted));

  wsync::mapping::Record record;
  wsync::mapping::RowError error;
  if (!mapper.Map(row, 1, &record, &error)) {
    Require(!Name(error.code).empty());
    Require(wsync::core::IsValidUtf8(error.message));
    Require(error.message.size() < 2048);  // never a whole cell
    return 0;
  }
  Require(!record.identities.empty());
  for (const auto& id : record.identities) Require(wsync::core::IsValidUtf8(id.value));
  for (const auto& a : record.attributes) {
    Require(wsync::core::IsValidUtf8(a.name));
    RequireJson(a.value);
  }
  if (record.source_time) Require(wsync::core::InTimestampRange(*record.source_time));
  if (record.event) {
    const auto& e = *record.event;
    for (const std::string* s : {&e.event_type, &e.event_name, &e.custom_event_type,
                                 &e.source_message_id, &e.screen_name}) {
      Require(wsync::core::IsValidUtf8(*s));
    }
    for (const auto& [name, value] : e.custom_attributes) RequireJson(value);
    for (const auto& [name, value] : e.product_action) RequireJson(value);
  }
  return 0;
}

#include "mapping/mapper.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "core/column_lookup.h"
#include "core/time.h"
#include "core/utf8.h"
#include "mapping/identity_types.h"

namespace wsync::mapping {

namespace {

using core::Type;
using core::Value;

constexpr std::string_view kUnmapped = "$unmapped";

// Where a mapped value comes from: a row cell, or a constant of a static mapping.
struct Source {
  int column = -1;
  Value constant;
  const Value& Get(const core::Row& row) const {
    return column >= 0 ? row[static_cast<size_t>(column)] : constant;
  }
};

struct IdentitySlot {
  Source source;
  int type = 0;
  std::string column_name;
};

struct NamedSlot {
  Source source;
  std::string name;  // attribute name, or product_action field
  std::string column_name;
  size_t name_chars = 0;
};

struct FieldSlot {
  bool set = false;
  Source source;
  std::string column_name;
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Characters, not bytes: limits are about what a user sees. Text was checked to be valid
// UTF-8 before it is counted.
using core::Utf8Chars;

// A cell as a message shows it: quoted and cut (a 1 MB value must not make a 1 MB message),
// without copying a long string first.
std::string Quoted(const Value& v) {
  if (v.type() == Type::kString) return core::QuoteForMessage(v.string_value());
  if (v.type() == Type::kBytes) return "binary data";
  return core::QuoteForMessage(v.ToText());
}

// " in column c", or nothing for a static value.
std::string InColumn(const std::string& column) {
  return column.empty() ? "" : " in column " + core::QuoteForMessage(column);
}

constexpr int kNoColumn = -1;

// Columns are found by the one rule of core/column_lookup.h: exact name, else the one match
// ignoring case; several matches by case are an error that names them.
struct ColumnRef {
  int index = kNoColumn;
  core::Status ambiguity;  // set when the name matches several columns by case
};

ColumnRef LookupColumn(const std::vector<core::Column>& columns, std::string_view name) {
  core::StatusOr<size_t> found = core::FindColumn(columns, name);
  if (found.ok()) return {static_cast<int>(*found), core::Status::Ok()};
  if (found.status().code() == core::StatusCode::kNotFound) return {};
  return {kNoColumn, found.status()};
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

// Names one close column, if any, rather than listing a model's hundred columns.
std::string Suggestion(const std::vector<core::Column>& columns, std::string_view name) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const core::Column& c : columns) {
    size_t d = EditDistance(c.name, name);
    if (d < best_distance) {
      best_distance = d;
      best = &c.name;
    }
  }
  return best ? "; did you mean '" + *best + "'?" : "";
}

Value ConstantValue(const nlohmann::json& v) {
  if (v.is_string()) return Value::String(v.get<std::string>());
  if (v.is_boolean()) return Value::Bool(v.get<bool>());
  if (v.is_number_integer() &&
      (!v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))) {
    return Value::Int64(v.get<int64_t>());
  }
  if (v.is_number()) return Value::Double(v.get<double>());
  return Value::Null();
}

// Writes the text of `v` into `out`, reusing its capacity for strings.
void AssignText(const Value& v, std::string* out) {
  if (v.type() == Type::kString) {
    out->assign(v.string_value());
  } else if (v.is_null()) {
    out->clear();
  } else {
    *out = v.ToText();
  }
}

bool ParseInt64(std::string_view text, int64_t* out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool IsIntegral(double d) {
  return std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18;
}

// A number for a field mParticle takes as a number: integers stay integers; numeric text is
// read (whole text, finite). False when `v` is no number.
bool NumberOf(const Value& v, nlohmann::json* out) {
  auto from_text = [&](std::string_view text) {
    int64_t i = 0;
    if (ParseInt64(text, &i)) {
      *out = i;
      return true;
    }
    std::string copy(text);
    char* end = nullptr;
    double d = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(d)) return false;
    *out = d;
    return true;
  };
  switch (v.type()) {
    case Type::kInt64:
      *out = v.int64_value();
      return true;
    case Type::kDouble:
      if (!std::isfinite(v.double_value())) return false;
      *out = v.double_value();
      return true;
    case Type::kDecimal:
      return from_text(v.decimal_value());
    case Type::kString:
      return from_text(v.string_value());
    default:
      return false;
  }
}

// The same for a JSON value read from a products column.
bool NumberOf(const nlohmann::json& j, nlohmann::json* out) {
  if (j.is_number()) {
    *out = j;
    return true;
  }
  return j.is_string() && NumberOf(Value::String(j.get<std::string>()), out);
}

// Text the way a product's string fields hold it.
std::string TextOf(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// Whether `text` nests arrays and objects at most `max` deep (outside strings): a cell parsed
// as JSON must not nest without bound (the parser recurses).
bool JsonDepthWithin(std::string_view text, int max) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

constexpr size_t kMaxProductsBytes = 64 * 1024;

}  // namespace

struct CompiledMapping {
  MapperOptions options;
  size_t num_columns = 0;
  std::vector<IdentitySlot> identities;  // stable-sorted by type priority
  std::vector<NamedSlot> attributes;
  bool events = false;
  FieldSlot event_type, event_name, custom_event_type, timestamp_ms, source_message_id, screen_name;
  std::vector<NamedSlot> custom_attributes;
  std::vector<NamedSlot> product_action;  // action, transaction_id, total_amount
  FieldSlot products;                     // a JSON array (or one object) of products
  std::vector<NamedSlot> product;         // one product's columns
  int timestamp_column = kNoColumn;
  int iterator_column = kNoColumn;
  int64_t units_per_second = 1;  // of an integer timestamp field
  std::string timestamp_column_name;
  std::string iterator_column_name;
  std::string no_identity_message;
};

namespace {

class RowMapper {
 public:
  RowMapper(const CompiledMapping& c, const core::Row& row, int64_t row_number, Record* out,
            RowError* error)
      : c_(c), row_(row), row_number_(row_number), out_(out), error_(error) {}

  bool Run() {
    if (row_.size() != c_.num_columns) {
      return Fail(RowErrorCode::kInvalidRow, "",
                  "row has " + std::to_string(row_.size()) + " values but the model has " +
                      std::to_string(c_.num_columns) + " columns");
    }
    if (!MapIdentities()) return false;
    if (!MapAttributes(c_.attributes, &out_->attributes)) return false;
    if (!MapSourceTime()) return false;
    if (c_.events) return MapEvent();
    out_->event.reset();
    return true;
  }

 private:
  bool Fail(RowErrorCode code, std::string column, std::string message) {
    error_->row = row_number_;
    error_->key.clear();
    if (identities_ > 0) {
      const Identity& best = out_->identities[0];
      error_->key = std::string(IdentityTypeAt(best.type).name) + ":" + best.value;
    }
    error_->column = std::move(column);
    error_->code = code;
    error_->message = std::move(message);
    return false;
  }

  // Mpid values are signed 64-bit integers; written back in canonical decimal.
  static bool MpidText(const Value& v, std::string* out) {
    int64_t id = 0;
    switch (v.type()) {
      case Type::kInt64:
        id = v.int64_value();
        break;
      case Type::kDouble:
        if (!IsIntegral(v.double_value())) return false;
        id = static_cast<int64_t>(v.double_value());
        break;
      case Type::kString: {
        std::string_view text = v.string_value();
        while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
        if (!ParseInt64(text, &id)) return false;
        break;
      }
      case Type::kDecimal:
        if (!ParseInt64(v.decimal_value(), &id)) return false;
        break;
      default:
        return false;
    }
    *out = std::to_string(id);
    return true;
  }

  bool MapIdentities() {
    std::vector<Identity>& ids = out_->identities;
    const IdentitySlot* bad_mpid = nullptr;
    size_t n = 0;
    for (const IdentitySlot& slot : c_.identities) {
      const Value& v = slot.source.Get(row_);
      if (v.is_null()) continue;
      // Slots are sorted by type: the first usable value of a type wins.
      if (n > 0 && ids[n - 1].type == slot.type) continue;
      identities_ = n;  // the key of a failing row is the best identity mapped so far
      if (!CheckCell(v, slot.column_name)) {
        ids.resize(n);
        return false;
      }
      if (n == ids.size()) ids.emplace_back();
      Identity& id = ids[n];
      id.type = slot.type;
      if (slot.type == 0) {
        if (!MpidText(v, &id.value)) {
          bad_mpid = &slot;
          continue;
        }
      } else if (v.type() == Type::kString) {
        NormalizeIdentityTo(IdentityTypeAt(slot.type), v.string_value(), &id.value);
      } else {
        NormalizeIdentityTo(IdentityTypeAt(slot.type), v.ToText(), &id.value);
      }
      if (id.value.empty()) continue;
      ++n;
    }
    ids.resize(n);
    identities_ = n;
    if (bad_mpid != nullptr) {
      return Fail(RowErrorCode::kInvalidValue, bad_mpid->column_name,
                  "mpid must be a 64-bit integer, got " + Quoted(bad_mpid->source.Get(row_)) +
                      InColumn(bad_mpid->column_name));
    }
    if (n == 0) return Fail(RowErrorCode::kNoIdentity, "", c_.no_identity_message);
    return true;
  }

  // The boundary check every mapped cell passes (see Mapper::Map).
  bool CheckCell(const Value& v, const std::string& column) {
    switch (v.type()) {
      case Type::kString:
        if (core::IsValidUtf8(v.string_value())) return true;
        return Fail(RowErrorCode::kInvalidUtf8, column,
                    "text" + InColumn(column) + " is not valid UTF-8 (" +
                        core::QuoteForMessage(v.string_value()) +
                        " shows the bad bytes as U+FFFD); convert it in the model's SQL");
      case Type::kDecimal:
        if (core::IsValidUtf8(v.decimal_value())) return true;
        return Fail(RowErrorCode::kInvalidUtf8, column,
                    "decimal" + InColumn(column) + " is not valid UTF-8");
      case Type::kBytes:
        return Fail(RowErrorCode::kBinaryValue, column,
                    "binary data (BLOB)" + InColumn(column) +
                        " cannot be an attribute or identity; select hex(column) or a text "
                        "column in the model's SQL");
      case Type::kDouble:
        if (std::isfinite(v.double_value())) return true;
        return Fail(RowErrorCode::kInvalidNumber, column,
                    "number" + InColumn(column) + " is " + v.ToText() +
                        "; only finite numbers can be stored");
      case Type::kDate:
        if (core::DateToMicros(v.date_value())) return true;
        return Fail(RowErrorCode::kInvalidTimestamp, column,
                    "date" + InColumn(column) + " is outside the years 1..9999");
      case Type::kTimestamp:
        if (core::InTimestampRange(v.timestamp_value())) return true;
        return Fail(RowErrorCode::kInvalidTimestamp, column,
                    "timestamp" + InColumn(column) + " is outside the years 1..9999");
      case Type::kArray:
        for (const Value& item : v.array_value()) {
          if (!CheckCell(item, column)) return false;
        }
        return true;
      case Type::kNull:
      case Type::kBool:
      case Type::kInt64:
        return true;
    }
    return true;
  }

  bool CheckValue(const NamedSlot& slot, const Value& v) {
    if (!CheckCell(v, slot.column_name)) return false;
    const Limits& limits = c_.options.limits;
    if (slot.name_chars > limits.max_name_chars) {
      return Fail(RowErrorCode::kLimitExceeded, slot.column_name,
                  "attribute name " + core::QuoteForMessage(slot.name, 64) + " has " +
                      std::to_string(slot.name_chars) + " characters, more than the limit of " +
                      std::to_string(limits.max_name_chars));
    }
    size_t chars = 0;
    if (v.type() == Type::kString) {
      // Bytes bound characters from above: count only when the bytes could be over.
      if (v.string_value().size() > limits.max_value_chars) chars = Utf8Chars(v.string_value());
    } else if (v.type() == Type::kArray) {
      if (v.array_value().size() > limits.max_list_entries) {
        return Fail(RowErrorCode::kLimitExceeded, slot.column_name,
                    "column '" + slot.column_name + "': list has " +
                        std::to_string(v.array_value().size()) +
                        " entries, more than the limit of " +
                        std::to_string(limits.max_list_entries));
      }
      chars = Utf8Chars(v.ToJson());
    } else if (v.type() == Type::kDecimal) {
      chars = v.decimal_value().size();
    }
    if (chars > limits.max_value_chars) {
      return Fail(RowErrorCode::kLimitExceeded, slot.column_name,
                  "column '" + slot.column_name + "': value has " + std::to_string(chars) +
                      " characters, more than the limit of " +
                      std::to_string(limits.max_value_chars));
    }
    return true;
  }

  bool MapAttributes(const std::vector<NamedSlot>& slots, std::vector<Attribute>* out) {
    size_t n = 0;
    for (const NamedSlot& slot : slots) {
      const Value& v = slot.source.Get(row_);
      if (v.is_null() && c_.options.skip_nulls) continue;
      if (!CheckValue(slot, v)) return false;
      if (n == out->size()) out->emplace_back();
      Attribute& a = (*out)[n++];
      a.name.assign(slot.name);
      a.value = v;
    }
    out->resize(n);
    return CheckCount(n, "attributes");
  }

  bool CheckCount(size_t n, std::string_view what) {
    if (n <= c_.options.limits.max_attributes) return true;
    return Fail(RowErrorCode::kLimitExceeded, "",
                "row has " + std::to_string(n) + " " + std::string(what) +
                    ", more than the limit of " + std::to_string(c_.options.limits.max_attributes));
  }

  // Event custom attributes: nulls say nothing about an event, so they are left out.
  bool MapPairs(const std::vector<NamedSlot>& slots, bool check_limits,
                std::vector<std::pair<std::string, Value>>* out) {
    size_t n = 0;
    for (const NamedSlot& slot : slots) {
      const Value& v = slot.source.Get(row_);
      if (v.is_null()) continue;
      if (check_limits ? !CheckValue(slot, v) : !CheckCell(v, slot.column_name)) return false;
      if (n == out->size()) out->emplace_back();
      auto& pair = (*out)[n++];
      pair.first.assign(slot.name);
      pair.second = v;
    }
    out->resize(n);
    return !check_limits || CheckCount(n, "event attributes");
  }

  bool BadSourceTime(const Value& v, std::string_view why) {
    return Fail(RowErrorCode::kInvalidTimestamp, c_.timestamp_column_name,
                "timestamp field " + core::QuoteForMessage(c_.timestamp_column_name) + ": " +
                    Quoted(v) + " " + std::string(why));
  }

  bool MapSourceTime() {
    out_->source_time.reset();
    if (c_.timestamp_column >= 0) {
      const Value& v = row_[static_cast<size_t>(c_.timestamp_column)];
      std::optional<int64_t> micros;
      switch (v.type()) {
        case Type::kNull:
          return true;
        case Type::kTimestamp:
          micros = v.timestamp_value();
          break;
        case Type::kDate:
          micros = core::DateToMicros(v.date_value());
          break;
        case Type::kInt64:
          micros = core::UnixToMicros(v.int64_value(), c_.units_per_second);
          if (!micros) {
            return BadSourceTime(v, "is outside the years 1..9999 as unix " +
                                        std::string(TimestampUnitName(c_.options.timestamp_unit)) +
                                        " (the data model's timestamp_unit)");
          }
          break;
        case Type::kString:
          if (!core::IsValidUtf8(v.string_value())) return CheckCell(v, c_.timestamp_column_name);
          micros = core::ParseTimestamp(v.string_value());
          if (!micros) return BadSourceTime(v, "cannot be read as a timestamp");
          break;
        default:
          return BadSourceTime(v, "cannot be read as a timestamp");
      }
      if (!micros || !core::InTimestampRange(*micros)) {
        return BadSourceTime(v, "is outside the years 1..9999");
      }
      out_->source_time = micros;
      return true;
    }
    // Without a timestamp field, a typed time iterator still says when the row changed.
    if (c_.iterator_column >= 0) {
      const Value& v = row_[static_cast<size_t>(c_.iterator_column)];
      std::optional<int64_t> micros;
      if (v.type() == Type::kTimestamp) micros = v.timestamp_value();
      if (v.type() == Type::kDate) micros = core::DateToMicros(v.date_value());
      if (v.type() != Type::kTimestamp && v.type() != Type::kDate) return true;
      if (!micros || !core::InTimestampRange(*micros)) {
        return Fail(RowErrorCode::kInvalidTimestamp, c_.iterator_column_name,
                    "iterator " + core::QuoteForMessage(c_.iterator_column_name) + ": " +
                        Quoted(v) + " is outside the years 1..9999");
      }
      out_->source_time = micros;
    }
    return true;
  }

  bool EventTimestamp(const FieldSlot& slot, std::optional<int64_t>* out) {
    out->reset();
    if (!slot.set) return true;
    const Value& v = slot.source.Get(row_);
    int64_t ms = 0;
    bool read = false;
    switch (v.type()) {
      case Type::kNull:
        return true;
      case Type::kInt64:
        ms = v.int64_value();
        read = true;
        break;
      case Type::kDouble:
        if (!std::isfinite(v.double_value()) || std::fabs(v.double_value()) >= 9.2e18) break;
        ms = static_cast<int64_t>(v.double_value());
        read = true;
        break;
      case Type::kDecimal: {
        std::string_view digits = v.decimal_value();
        digits = digits.substr(0, digits.find('.'));
        read = ParseInt64(digits, &ms);
        break;
      }
      case Type::kTimestamp:
        ms = core::FloorDiv(v.timestamp_value(), 1000);
        read = true;
        break;
      case Type::kDate:
        if (auto micros = core::DateToMicros(v.date_value())) {
          ms = *micros / 1000;
          read = true;
        }
        break;
      case Type::kString:
        if (!core::IsValidUtf8(v.string_value())) return CheckCell(v, slot.column_name);
        if (ParseInt64(v.string_value(), &ms)) {
          read = true;
        } else if (auto t = core::ParseTimestamp(v.string_value())) {
          ms = core::FloorDiv(*t, 1000);
          read = true;
        }
        break;
      default:
        break;
    }
    if (!read) {
      return Fail(RowErrorCode::kInvalidTimestamp, slot.column_name,
                  "events.timestamp_unixtime_ms: cannot read " + Quoted(v) +
                      " as milliseconds or a timestamp");
    }
    if (!core::UnixToMicros(ms, 1000)) {
      return Fail(RowErrorCode::kInvalidTimestamp, slot.column_name,
                  "events.timestamp_unixtime_ms: " + Quoted(v) + " is outside the years 1..9999");
    }
    *out = ms;
    return true;
  }

  bool MapEvent() {
    Event& e = out_->event ? *out_->event : out_->event.emplace();
    auto text = [&](const FieldSlot& slot, std::string* out) {
      out->clear();
      if (!slot.set) return true;
      const Value& v = slot.source.Get(row_);
      if (!CheckCell(v, slot.column_name)) return false;
      AssignText(v, out);
      return true;
    };
    if (!text(c_.event_type, &e.event_type) || !text(c_.event_name, &e.event_name) ||
        !text(c_.custom_event_type, &e.custom_event_type) ||
        !text(c_.source_message_id, &e.source_message_id) ||
        !text(c_.screen_name, &e.screen_name)) {
      return false;
    }
    if (e.event_type.empty()) {
      return Fail(RowErrorCode::kInvalidValue, c_.event_type.column_name,
                  "the event type is empty");
    }
    if (!IsEventType(e.event_type)) {
      return Fail(RowErrorCode::kInvalidValue, c_.event_type.column_name,
                  "event type " + core::QuoteForMessage(e.event_type) +
                      " is not custom_event, screen_view or commerce_event");
    }
    if (e.event_type == "custom_event") {
      if (e.event_name.empty()) {
        return Fail(RowErrorCode::kInvalidValue, c_.event_name.column_name,
                    "a custom_event needs an event name (events.event_name is empty)");
      }
      if (e.custom_event_type.empty()) e.custom_event_type = "other";
      if (!IsCustomEventType(e.custom_event_type)) {
        return Fail(RowErrorCode::kInvalidValue, c_.custom_event_type.column_name,
                    "custom_event_type " + core::QuoteForMessage(e.custom_event_type) +
                        " is not one of attribution, location, media, navigation, search, "
                        "social, transaction, user_content, user_preference, other");
      }
    } else if (e.event_type == "screen_view" && e.screen_name.empty()) {
      return Fail(RowErrorCode::kInvalidValue, c_.screen_name.column_name,
                  "a screen_view needs a screen name (events.screen_name is empty)");
    }
    if (!EventTimestamp(c_.timestamp_ms, &e.timestamp_ms)) return false;
    // Without a mapped event time the event happened when the row says it changed: the
    // timestamp field (in the model's unit: unix seconds or milliseconds) or the iterator.
    if (!c_.timestamp_ms.set && out_->source_time) {
      e.timestamp_ms = core::FloorDiv(*out_->source_time, 1000);
    }
    if (!MapPairs(c_.custom_attributes, true, &e.custom_attributes)) return false;
    if (!MapPairs(c_.product_action, false, &e.product_action)) return false;
    if (!CheckProductAction(&e)) return false;
    return MapProducts(&e);
  }

  bool CheckProductAction(Event* e) {
    bool has_action = false;
    for (auto& [name, value] : e->product_action) {
      const NamedSlot* slot = nullptr;
      for (const NamedSlot& s : c_.product_action) {
        if (s.name == name) slot = &s;
      }
      const std::string column = slot ? slot->column_name : "";
      if (name == "action") {
        std::string action;
        AssignText(value, &action);
        if (!IsProductAction(action)) {
          return Fail(RowErrorCode::kInvalidValue, column,
                      "product_action.action " + core::QuoteForMessage(action) +
                          " is not one of add_to_cart, remove_from_cart, checkout, "
                          "checkout_option, click, view_detail, purchase, refund, "
                          "add_to_wishlist, remove_from_wish_list");
        }
        value = Value::String(std::move(action));
        has_action = true;
      } else if (name == "total_amount") {
        nlohmann::json number;
        if (!NumberOf(value, &number)) {
          return Fail(RowErrorCode::kInvalidValue, column,
                      "product_action.total_amount: " + Quoted(value) + " is not a number");
        }
        value = number.is_number_integer() ? Value::Int64(number.get<int64_t>())
                                           : Value::Double(number.get<double>());
      } else if (name == "transaction_id" && value.type() != Type::kString) {
        value = Value::String(value.ToText());
      }
    }
    if (e->event_type == "commerce_event" && !has_action) {
      return Fail(RowErrorCode::kInvalidValue, "",
                  "a commerce_event needs a product action (events.product_action.action is "
                  "empty)");
    }
    return true;
  }

  bool BadProducts(std::string message) {
    return Fail(RowErrorCode::kInvalidValue, c_.products.column_name,
                "events.product_action.products" + InColumn(c_.products.column_name) + ": " +
                    std::move(message));
  }

  // Products from one column (a JSON array of product objects, or one object) or from one
  // product's columns, in canonical form: known fields typed as mParticle takes them.
  bool MapProducts(Event* e) {
    e->products.clear();
    nlohmann::json products = nlohmann::json::array();
    if (c_.products.set) {
      const Value& v = c_.products.source.Get(row_);
      if (v.is_null()) return true;
      if (!CheckCell(v, c_.products.column_name)) return false;
      if (v.type() != Type::kString) {
        return BadProducts("expected a JSON array of product objects, got " + Quoted(v));
      }
      if (v.string_value().size() > kMaxProductsBytes) {
        return Fail(RowErrorCode::kLimitExceeded, c_.products.column_name,
                    "events.product_action.products: " + std::to_string(v.string_value().size()) +
                        " bytes, more than the limit of " + std::to_string(kMaxProductsBytes));
      }
      if (!JsonDepthWithin(v.string_value(), 8)) return BadProducts("nested too deeply");
      nlohmann::json parsed = nlohmann::json::parse(v.string_value(), nullptr, false);
      if (parsed.is_discarded()) {
        return BadProducts("not JSON: " + core::QuoteForMessage(v.string_value()));
      }
      if (parsed.is_object()) parsed = nlohmann::json::array({std::move(parsed)});
      if (!parsed.is_array()) return BadProducts("expected a JSON array of product objects");
      if (parsed.size() > c_.options.limits.max_list_entries) {
        return Fail(RowErrorCode::kLimitExceeded, c_.products.column_name,
                    "events.product_action.products: " + std::to_string(parsed.size()) +
                        " products, more than the limit of " +
                        std::to_string(c_.options.limits.max_list_entries));
      }
      for (size_t i = 0; i < parsed.size(); ++i) {
        const nlohmann::json& item = parsed[i];
        const std::string at = "product " + std::to_string(i + 1);
        if (!item.is_object()) return BadProducts(at + " is not an object");
        nlohmann::json product = nlohmann::json::object();
        for (auto it = item.begin(); it != item.end(); ++it) {
          if (it->is_null()) continue;
          bool numeric = false;
          if (IsProductField(it.key(), &numeric)) {
            if (!numeric) {
              if (it->is_object() || it->is_array()) {
                return BadProducts(at + ": " + it.key() + " must be text");
              }
              product[it.key()] = TextOf(*it);
            } else if (!NumberOf(*it, &product[it.key()])) {
              return BadProducts(at + ": " + it.key() + " must be a number");
            }
          } else if (it.key() == "custom_attributes") {
            if (!it->is_object()) return BadProducts(at + ": custom_attributes must be an object");
            nlohmann::json attributes = nlohmann::json::object();
            for (auto a = it->begin(); a != it->end(); ++a) {
              if (!a->is_null()) attributes[a.key()] = TextOf(*a);
            }
            product["custom_attributes"] = std::move(attributes);
          } else {
            return BadProducts(at + ": unknown product field " + core::QuoteForMessage(it.key()));
          }
        }
        products.push_back(std::move(product));
      }
    } else if (!c_.product.empty()) {
      nlohmann::json product = nlohmann::json::object();
      for (const NamedSlot& slot : c_.product) {
        const Value& v = slot.source.Get(row_);
        if (v.is_null()) continue;
        if (!CheckCell(v, slot.column_name)) return false;
        bool numeric = false;
        IsProductField(slot.name, &numeric);
        if (!numeric) {
          std::string text;
          AssignText(v, &text);
          product[slot.name] = std::move(text);
        } else if (!NumberOf(v, &product[slot.name])) {
          return Fail(RowErrorCode::kInvalidValue, slot.column_name,
                      "product " + slot.name + InColumn(slot.column_name) + ": " + Quoted(v) +
                          " is not a number");
        }
      }
      if (product.empty()) return true;
      products.push_back(std::move(product));
    } else {
      return true;
    }
    e->products = products.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return true;
  }

  const CompiledMapping& c_;
  const core::Row& row_;
  int64_t row_number_;
  Record* out_;
  RowError* error_;
  size_t identities_ = 0;
};

NamedSlot MakeNamed(Source source, std::string name, std::string column_name) {
  NamedSlot slot{std::move(source), std::move(name), std::move(column_name), 0};
  slot.name_chars = Utf8Chars(slot.name);
  return slot;
}

// Places one resolved mapping into the compiled form. Destinations were checked by Validate.
void AddTarget(CompiledMapping* c, const Destination& dest, Source source,
               const std::string& column_name) {
  auto field = [&](FieldSlot* slot) {
    slot->set = true;
    slot->source = std::move(source);
    slot->column_name = column_name;
  };
  switch (dest.kind) {
    case DestinationKind::kMpid:
    case DestinationKind::kUserIdentity:
    case DestinationKind::kDeviceIdentity:
      c->identities.push_back({std::move(source), dest.identity, column_name});
      break;
    case DestinationKind::kAttribute:
      c->attributes.push_back(MakeNamed(std::move(source), dest.name, column_name));
      break;
    case DestinationKind::kCustomAttribute:
      c->custom_attributes.push_back(MakeNamed(std::move(source), dest.name, column_name));
      break;
    case DestinationKind::kProductAction:
      if (dest.name == "products") {
        field(&c->products);
      } else {
        c->product_action.push_back(MakeNamed(std::move(source), dest.name, column_name));
      }
      break;
    case DestinationKind::kProduct:
      c->product.push_back(MakeNamed(std::move(source), dest.name, column_name));
      break;
    case DestinationKind::kEventType:
      field(&c->event_type);
      break;
    case DestinationKind::kEventName:
      field(&c->event_name);
      break;
    case DestinationKind::kCustomEventType:
      field(&c->custom_event_type);
      break;
    case DestinationKind::kEventTimestampMs:
      field(&c->timestamp_ms);
      break;
    case DestinationKind::kSourceMessageId:
      field(&c->source_message_id);
      break;
    case DestinationKind::kScreenName:
      field(&c->screen_name);
      break;
    case DestinationKind::kAllAttributes:
    case DestinationKind::kAllCustomAttributes:
      break;  // expanded by the caller
  }
}

Source ColumnSource(int index) {
  Source s;
  s.column = index;
  return s;
}

}  // namespace

core::StatusOr<Mapper> Mapper::Compile(const FieldTransformation* ft,
                                       const std::vector<core::Column>& columns,
                                       const MapperOptions& options) {
  auto c = std::make_unique<CompiledMapping>();
  c->options = options;
  c->num_columns = columns.size();
  c->events = options.pipeline_type == PipelineType::kEvents;

  if (options.iterator_column) {
    // A missing iterator is the executor's to report; an ambiguous one is refused here too.
    ColumnRef iterator = LookupColumn(columns, *options.iterator_column);
    if (!iterator.ambiguity.ok()) {
      return core::Status::InvalidField("sync_mode.iterator", iterator.ambiguity.message());
    }
    c->iterator_column = iterator.index;
  }
  if (c->iterator_column >= 0) {
    c->iterator_column_name = columns[static_cast<size_t>(c->iterator_column)].name;
  }
  c->units_per_second = options.timestamp_unit == TimestampUnit::kMilliseconds ? 1000 : 1;
  if (options.timestamp_field) {
    ColumnRef timestamp = LookupColumn(columns, *options.timestamp_field);
    if (!timestamp.ambiguity.ok()) {
      return core::Status::InvalidField("timestamp_field", timestamp.ambiguity.message());
    }
    c->timestamp_column = timestamp.index;
    if (c->timestamp_column < 0) {
      return core::Status::InvalidField(
          "timestamp_field", "the model has no column '" + *options.timestamp_field + "'" +
                                 Suggestion(columns, *options.timestamp_field));
    }
    c->timestamp_column_name = columns[static_cast<size_t>(c->timestamp_column)].name;
  }
  auto is_time_column = [&](int i) { return i == c->iterator_column || i == c->timestamp_column; };
  // Columns the default mapping and "$unmapped" leave out: time columns, and binary ones (no
  // attribute type holds bytes; discover says so).
  auto skipped = [&](size_t i) {
    return is_time_column(static_cast<int>(i)) || columns[i].type == Type::kBytes;
  };
  std::vector<core::FieldError> name_errors;
  // A column name becomes an attribute name, so it must be valid UTF-8.
  auto check_name = [&](size_t i) {
    if (core::IsValidUtf8(columns[i].name)) return true;
    name_errors.push_back({"columns[" + std::to_string(i) + "]",
                           "column name " + core::QuoteForMessage(columns[i].name) +
                               " is not valid UTF-8; rename it in the model's SQL"});
    return false;
  };

  if (ft == nullptr) {
    if (c->events) {
      return core::InvalidArgument("an events pipeline needs a field transformation");
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      int index = static_cast<int>(i);
      if (skipped(i) || !check_name(i)) continue;
      if (const IdentityType* type = FindIdentityType(columns[i].name)) {
        c->identities.push_back({ColumnSource(index), type->priority, columns[i].name});
      } else {
        c->attributes.push_back(MakeNamed(ColumnSource(index), columns[i].name, columns[i].name));
      }
    }
    if (!name_errors.empty()) return core::Status::FromFieldErrors(std::move(name_errors));
    if (c->identities.empty()) {
      return core::InvalidArgument(
          "no column of the model is named after a reserved identity (customer_id, email, "
          "mpid, ...); rename one in the model's SQL or add a field transformation that maps one");
    }
  } else {
    RETURN_IF_ERROR(Validate(*ft));
    const bool ft_events = ft->destination_type == DestinationType::kEventBatch;
    if (ft_events != c->events) {
      return core::InvalidArgument(
          std::string("field transformation '") + ft->id + "' has destination_type " +
          (ft_events ? "event_batch" : "user_attributes") + ", which does not fit " +
          (c->events ? "an events" : "a user_attributes") + " pipeline");
    }
    std::vector<core::FieldError> errors;
    std::vector<bool> used(columns.size(), false);
    std::vector<Destination> unmapped;
    for (size_t i = 0; i < ft->mappings.size(); ++i) {
      const Mapping& m = ft->mappings[i];
      Destination dest;
      std::string ignored_error;
      if (!m.destination.empty() &&
          !ParseDestination(m.destination, ft->destination_type, &dest, &ignored_error)) {
        return core::Internal("validated destination did not parse: " + ignored_error);
      }
      if (m.mapping_type == MappingType::kStatic) {
        Source s;
        s.constant = ConstantValue(m.value);
        AddTarget(c.get(), dest, std::move(s), "");
        continue;
      }
      if (m.source == kUnmapped) {
        unmapped.push_back(dest);
        continue;
      }
      ColumnRef ref = LookupColumn(columns, m.source);
      const int index = ref.index;
      if (index >= 0) {
        used[static_cast<size_t>(index)] = true;
        if (m.mapping_type == MappingType::kColumn) {
          AddTarget(c.get(), dest, ColumnSource(index), columns[static_cast<size_t>(index)].name);
        }
        continue;
      }
      // Ignoring a column the model no longer has is harmless: nothing to ignore. Ignoring an
      // ambiguous name is not: "$unmapped" would still carry whichever column it did not mean.
      if (m.mapping_type == MappingType::kIgnore && ref.ambiguity.ok()) continue;
      std::string what = "mapping " + std::to_string(i) +
                         (m.mapping_type == MappingType::kIgnore
                              ? " (ignore column '" + m.source + "'): "
                              : " (column '" + m.source + "' → " + m.destination + "): ");
      if (!ref.ambiguity.ok()) {
        what += ref.ambiguity.message();
      } else {
        what += "the model has no column '" + m.source + "'" + Suggestion(columns, m.source);
      }
      errors.push_back({"mappings[" + std::to_string(i) + "].source", std::move(what)});
    }
    if (!errors.empty()) return core::Status::FromFieldErrors(std::move(errors));
    for (const Destination& dest : unmapped) {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (used[i] || skipped(i) || !check_name(i)) continue;
        auto& target =
            dest.kind == DestinationKind::kAllAttributes ? c->attributes : c->custom_attributes;
        target.push_back(
            MakeNamed(ColumnSource(static_cast<int>(i)), columns[i].name, columns[i].name));
      }
    }
    if (!name_errors.empty()) return core::Status::FromFieldErrors(std::move(name_errors));
    if (c->identities.empty()) {
      return core::Status::InvalidField(
          "mappings",
          "the mapping has no identity: map a column to mpid, user_identities.<type> "
          "or device_info.<type>");
    }
  }

  std::stable_sort(c->identities.begin(), c->identities.end(),
                   [](const IdentitySlot& a, const IdentitySlot& b) { return a.type < b.type; });
  std::string looked_for;
  for (size_t i = 0; i < c->identities.size(); ++i) {
    if (i > 0 && c->identities[i].type == c->identities[i - 1].type) continue;
    if (!looked_for.empty()) looked_for += ", ";
    looked_for += IdentityTypeAt(c->identities[i].type).name;
  }
  c->no_identity_message = "row has no usable identity (looked for: " + looked_for + ")";
  return Mapper(std::move(c));
}

bool Mapper::Map(const core::Row& row, int64_t row_number, Record* out, RowError* error) const {
  return RowMapper(*compiled_, row, row_number, out, error).Run();
}

std::string_view TimestampUnitName(TimestampUnit unit) {
  return unit == TimestampUnit::kMilliseconds ? "milliseconds" : "seconds";
}

bool ParseTimestampUnit(std::string_view name, TimestampUnit* unit) {
  if (name == "seconds") {
    *unit = TimestampUnit::kSeconds;
  } else if (name == "milliseconds") {
    *unit = TimestampUnit::kMilliseconds;
  } else {
    return false;
  }
  return true;
}

Mapper::Mapper(std::unique_ptr<CompiledMapping> compiled) : compiled_(std::move(compiled)) {}
Mapper::Mapper(Mapper&&) noexcept = default;
Mapper& Mapper::operator=(Mapper&&) noexcept = default;
Mapper::~Mapper() = default;

}  // namespace wsync::mapping

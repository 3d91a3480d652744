// Value: one typed cell from a warehouse or a profile (SPEC §2), and the row batches that carry
// them. A Value is a small variant; a RowBatch is row-major because every later stage (mapping,
// resolution) works a row at a time. Plain values: no shared state, safe to move between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wsync::core {

// kBytes is binary data (a SQLite BLOB): never valid text, so the mapper refuses it (SPEC §2
// has no binary attribute type) and its text and JSON forms are hex.
enum class Type {
  kNull,
  kBool,
  kInt64,
  kDouble,
  kDecimal,
  kString,
  kDate,
  kTimestamp,
  kArray,
  kBytes
};

std::string_view TypeName(Type type);
// Parses a name written by TypeName ("int64", "timestamp", ...); false when unknown.
bool ParseTypeName(std::string_view name, Type* type);

struct Decimal {
  std::string digits;  // canonical text such as "-12.50"
  bool operator==(const Decimal&) const = default;
};
struct Date {
  int32_t days = 0;  // since 1970-01-01
  bool operator==(const Date&) const = default;
};
struct Timestamp {
  int64_t micros = 0;  // since the Unix epoch, UTC
  bool operator==(const Timestamp&) const = default;
};
struct Blob {
  std::string data;
  bool operator==(const Blob&) const = default;
};

class Value {
 public:
  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool v) { return Value(Rep(v)); }
  static Value Int64(int64_t v) { return Value(Rep(v)); }
  static Value Double(double v) { return Value(Rep(v)); }
  static Value Dec(std::string digits) { return Value(Rep(Decimal{std::move(digits)})); }
  static Value String(std::string v) { return Value(Rep(std::move(v))); }
  static Value DateValue(int32_t days) { return Value(Rep(Date{days})); }
  static Value TimestampValue(int64_t micros) { return Value(Rep(Timestamp{micros})); }
  static Value BytesValue(std::string data) { return Value(Rep(Blob{std::move(data)})); }
  static Value Array(std::vector<Value> items) {
    return Value(Rep(std::make_shared<const std::vector<Value>>(std::move(items))));
  }

  // Overwrite this value in place; each leaves what the factory of the same name makes. An
  // extraction that refills the rows of its previous batch calls these for every cell: when the
  // value already holds that type nothing is destroyed or allocated, and SetString / SetDecimal
  // keep the text buffer unless it is oversized for the new text.
  void SetNull() { rep_.emplace<std::monostate>(); }
  void SetBool(bool v) { Set(v); }
  void SetInt64(int64_t v) { Set(v); }
  void SetDouble(double v) { Set(v); }
  void SetDate(int32_t days) { Set(Date{days}); }
  void SetTimestamp(int64_t micros) { Set(Timestamp{micros}); }
  void SetString(std::string_view v);
  void SetDecimal(std::string_view digits);

  Type type() const { return static_cast<Type>(rep_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool bool_value() const { return std::get<bool>(rep_); }
  int64_t int64_value() const { return std::get<int64_t>(rep_); }
  double double_value() const { return std::get<double>(rep_); }
  const std::string& decimal_value() const { return std::get<Decimal>(rep_).digits; }
  const std::string& string_value() const { return std::get<std::string>(rep_); }
  int32_t date_value() const { return std::get<Date>(rep_).days; }
  int64_t timestamp_value() const { return std::get<Timestamp>(rep_).micros; }
  const std::vector<Value>& array_value() const {
    return *std::get<std::shared_ptr<const std::vector<Value>>>(rep_);
  }
  const std::string& bytes_value() const { return std::get<Blob>(rep_).data; }

  // Text form used for identities, limits and messages: integers in decimal, dates
  // YYYY-MM-DD, timestamps RFC 3339 with Z, arrays as JSON text, bytes as "\\x" and lowercase
  // hex; null is "".
  std::string ToText() const;
  // Its JSON form (SPEC §2): decimals as numbers when a double holds them exactly; always
  // valid UTF-8 (see AppendJsonString).
  std::string ToJson() const;
  void AppendJson(std::string* out) const;

  bool operator==(const Value& other) const;

 private:
  using Rep = std::variant<std::monostate, bool, int64_t, double, Decimal, std::string, Date,
                           Timestamp, std::shared_ptr<const std::vector<Value>>, Blob>;
  explicit Value(Rep rep) : rep_(std::move(rep)) {}
  template <typename T>
  void Set(T v) {
    if (T* held = std::get_if<T>(&rep_)) {
      *held = v;
    } else {
      rep_.emplace<T>(v);
    }
  }
  Rep rep_;
};

// Appends `s` as a quoted JSON string. Ill-formed UTF-8 becomes U+FFFD: the mapper refuses such
// text earlier, so this is the last line of defence that keeps every document parseable.
void AppendJsonString(std::string_view s, std::string* out);

struct Column {
  std::string name;
  Type type = Type::kNull;
  bool inferred = false;  // the warehouse reported no type; guessed from sample rows
};

using Row = std::vector<Value>;

// A batch of rows that share one column list.
struct RowBatch {
  std::shared_ptr<const std::vector<Column>> columns;
  std::vector<Row> rows;
  size_t bytes = 0;  // approximate payload size, for byte-bounded batching
};

}  // namespace wsync::core

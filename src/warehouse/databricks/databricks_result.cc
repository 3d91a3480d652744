#include "warehouse/databricks/databricks_result.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/time.h"
#include "warehouse/http/base64.h"

namespace wsync::warehouse {
namespace {

namespace dom = simdjson::dom;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsDecimalText(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) return IsDigits(s);
  return IsDigits(s.substr(0, dot)) && IsDigits(s.substr(dot + 1));
}

std::string StringField(const dom::object& o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return "";
}

int64_t IntField(const dom::object& o, std::string_view key, int64_t missing) {
  dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return missing;
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  std::string_view s;  // int64 fields may come as strings
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && end == s.data() + s.size()) return i;
  }
  return missing;
}

core::Status Malformed(std::string_view what) {
  return core::Internal("Databricks answered with a malformed result (" + std::string(what) + ")");
}

}  // namespace

DatabricksKind DatabricksKindOf(std::string_view type_name) {
  const std::string t = Upper(type_name);
  if (t == "BYTE" || t == "SHORT" || t == "INT" || t == "LONG" || t == "TINYINT" ||
      t == "SMALLINT" || t == "BIGINT" || t == "INTEGER") {
    return DatabricksKind::kInteger;
  }
  if (t == "FLOAT" || t == "DOUBLE" || t == "REAL") return DatabricksKind::kFloat;
  if (t == "DECIMAL") return DatabricksKind::kDecimal;
  if (t == "BOOLEAN") return DatabricksKind::kBoolean;
  if (t == "STRING" || t == "CHAR" || t == "VARCHAR") return DatabricksKind::kString;
  if (t == "BINARY") return DatabricksKind::kBinary;
  if (t == "DATE") return DatabricksKind::kDate;
  if (t == "TIMESTAMP" || t == "TIMESTAMP_NTZ") return DatabricksKind::kTimestamp;
  if (t == "ARRAY" || t == "MAP" || t == "STRUCT") return DatabricksKind::kJson;
  return DatabricksKind::kOther;
}

core::Type DatabricksColumnType(const DatabricksColumn& column) {
  switch (column.kind) {
    case DatabricksKind::kInteger:
      return core::Type::kInt64;
    case DatabricksKind::kFloat:
      return core::Type::kDouble;
    case DatabricksKind::kDecimal:
      return column.scale == 0 && column.precision > 0 && column.precision <= 18
                 ? core::Type::kInt64
                 : core::Type::kDecimal;
    case DatabricksKind::kBoolean:
      return core::Type::kBool;
    case DatabricksKind::kBinary:
      return core::Type::kBytes;
    case DatabricksKind::kDate:
      return core::Type::kDate;
    case DatabricksKind::kTimestamp:
      return core::Type::kTimestamp;
    case DatabricksKind::kString:
    case DatabricksKind::kJson:
    case DatabricksKind::kOther:
      return core::Type::kString;
  }
  return core::Type::kString;
}

core::Value ReadDatabricksValue(const DatabricksColumn& column, std::string_view text) {
  switch (column.kind) {
    case DatabricksKind::kInteger:
    case DatabricksKind::kDecimal: {
      if (!IsDecimalText(text)) break;
      if (text.find('.') == std::string_view::npos) {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data() + (text.front() == '+' ? 1 : 0),
                                         text.data() + text.size(), v);
        if (ec == std::errc() && end == text.data() + text.size() &&
            (column.kind == DatabricksKind::kInteger ||
             DatabricksColumnType(column) == core::Type::kInt64)) {
          return core::Value::Int64(v);
        }
      }
      if (column.kind == DatabricksKind::kInteger) break;
      return core::Value::Dec(std::string(text.front() == '+' ? text.substr(1) : text));
    }
    case DatabricksKind::kFloat: {
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") break;
      double d = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Double(d);
      break;
    }
    case DatabricksKind::kBoolean:
      if (text == "true") return core::Value::Bool(true);
      if (text == "false") return core::Value::Bool(false);
      break;
    case DatabricksKind::kDate:
      if (std::optional<int32_t> days = core::ParseDate(text)) return core::Value::DateValue(*days);
      break;
    case DatabricksKind::kTimestamp:
      if (std::optional<int64_t> micros = core::ParseTimestamp(text)) {
        return core::Value::TimestampValue(*micros);
      }
      break;
    case DatabricksKind::kBinary:
      if (std::string bytes; Base64Decode(text, &bytes)) {
        return core::Value::BytesValue(std::move(bytes));
      }
      break;
    case DatabricksKind::kString:
    case DatabricksKind::kJson:
    case DatabricksKind::kOther:
      break;
  }
  return core::Value::String(std::string(text));
}

DatabricksStatus ReadDatabricksStatus(std::string_view body) {
  DatabricksStatus s;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return s;
  const auto text = [](const nlohmann::json& o, const char* key) {
    if (!o.is_object()) return std::string();
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  s.statement_id = text(j, "statement_id");
  s.error_code = text(j, "error_code");
  s.message = text(j, "message");
  if (auto st = j.find("status"); st != j.end() && st->is_object()) {
    s.state = text(*st, "state");
    s.sql_state = text(*st, "sql_state");
    if (auto e = st->find("error"); e != st->end() && e->is_object()) {
      s.error_code = text(*e, "error_code");
      s.message = text(*e, "message");
    }
  }
  return s;
}

struct DatabricksPage::Impl {
  std::string body;  // with simdjson's padding reserved past its end
  dom::parser parser;
  DatabricksStatus status;
  std::vector<DatabricksColumn> columns;
  DatabricksLink link;
  std::string next_link;
  int64_t next_index = -1;
  dom::array data;
  bool has_data = false;
  dom::array::iterator next;
  dom::array::iterator end;
};

DatabricksPage::DatabricksPage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DatabricksPage::~DatabricksPage() = default;

const DatabricksStatus& DatabricksPage::status() const { return impl_->status; }
const std::vector<DatabricksColumn>& DatabricksPage::columns() const { return impl_->columns; }
const DatabricksLink& DatabricksPage::link() const { return impl_->link; }
const std::string& DatabricksPage::next_link() const { return impl_->next_link; }
int64_t DatabricksPage::next_index() const { return impl_->next_index; }

namespace {

core::Status ReadResultData(const dom::object& r, DatabricksPage::Impl* x);

}  // namespace

core::StatusOr<std::unique_ptr<DatabricksPage>> DatabricksPage::Parse(std::string body,
                                                                      bool statement) {
  auto impl = std::make_unique<Impl>();
  impl->body = std::move(body);
  const size_t size = impl->body.size();
  impl->body.reserve(size + simdjson::SIMDJSON_PADDING);
  dom::element root;
  if (impl->parser.parse(impl->body.data(), size, false).get(root) != simdjson::SUCCESS) {
    return Malformed("not JSON");
  }
  dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) return Malformed("not an object");
  if (!statement) {
    RETURN_IF_ERROR(ReadResultData(o, impl.get()));
    return std::unique_ptr<DatabricksPage>(new DatabricksPage(std::move(impl)));
  }
  impl->status.statement_id = StringField(o, "statement_id");
  dom::object st;
  if (o["status"].get_object().get(st) == simdjson::SUCCESS) {
    impl->status.state = StringField(st, "state");
    impl->status.sql_state = StringField(st, "sql_state");
    dom::object e;
    if (st["error"].get_object().get(e) == simdjson::SUCCESS) {
      impl->status.error_code = StringField(e, "error_code");
      impl->status.message = StringField(e, "message");
    }
  }
  if (impl->status.state != "SUCCEEDED") {
    return std::unique_ptr<DatabricksPage>(new DatabricksPage(std::move(impl)));
  }
  dom::array columns;
  if (o["manifest"]["schema"]["columns"].get_array().get(columns) != simdjson::SUCCESS) {
    // A result with no columns may leave them out.
    dom::object manifest;
    if (o["manifest"].get_object().get(manifest) != simdjson::SUCCESS) {
      return Malformed("no manifest");
    }
  } else {
    for (dom::element e : columns) {
      dom::object c;
      if (e.get_object().get(c) != simdjson::SUCCESS) return Malformed("a column entry");
      DatabricksColumn col;
      col.name = StringField(c, "name");
      col.type_name = Upper(StringField(c, "type_name"));
      col.kind = DatabricksKindOf(col.type_name);
      col.precision =
          static_cast<int>(std::clamp<int64_t>(IntField(c, "type_precision", 0), 0, 1000));
      col.scale = static_cast<int>(std::clamp<int64_t>(IntField(c, "type_scale", 0), 0, 1000));
      impl->columns.push_back(std::move(col));
    }
  }
  dom::object result;
  if (o["result"].get_object().get(result) == simdjson::SUCCESS) {
    RETURN_IF_ERROR(ReadResultData(result, impl.get()));
  }
  return std::unique_ptr<DatabricksPage>(new DatabricksPage(std::move(impl)));
}

namespace {

core::Status ReadResultData(const dom::object& r, DatabricksPage::Impl* x) {
  x->next_link = StringField(r, "next_chunk_internal_link");
  x->next_index = IntField(r, "next_chunk_index", -1);
  dom::array links;
  if (r["external_links"].get_array().get(links) == simdjson::SUCCESS && links.size() > 0) {
    // One link per answer is asked for (chunks are followed one at a time).
    dom::object l;
    if (links.at(0).get_object().get(l) != simdjson::SUCCESS) return Malformed("external_links");
    x->link.url = StringField(l, "external_link");
    x->link.byte_count = IntField(l, "byte_count", 0);
    x->link.chunk_index = IntField(l, "chunk_index", IntField(r, "chunk_index", 0));
    if (x->link.url.empty()) return Malformed("an external link without its URL");
    if (x->next_link.empty()) x->next_link = StringField(l, "next_chunk_internal_link");
    if (x->next_index < 0) x->next_index = IntField(l, "next_chunk_index", -1);
  }
  dom::element data;
  if (r["data_array"].get(data) == simdjson::SUCCESS && !data.is_null()) {
    if (data.get_array().get(x->data) != simdjson::SUCCESS) return Malformed("data_array");
    x->has_data = true;
    x->next = x->data.begin();
    x->end = x->data.end();
  }
  return core::Status::Ok();
}

}  // namespace

core::StatusOr<std::unique_ptr<DatabricksPage>> DatabricksPage::ParseRows(std::string body) {
  auto impl = std::make_unique<Impl>();
  impl->body = std::move(body);
  const size_t size = impl->body.size();
  impl->body.reserve(size + simdjson::SIMDJSON_PADDING);
  dom::element root;
  if (impl->parser.parse(impl->body.data(), size, false).get(root) != simdjson::SUCCESS) {
    return Malformed("an external chunk is not JSON");
  }
  if (root.get_array().get(impl->data) != simdjson::SUCCESS) {
    return Malformed("an external chunk is not an array of rows");
  }
  impl->has_data = true;
  impl->next = impl->data.begin();
  impl->end = impl->data.end();
  return std::unique_ptr<DatabricksPage>(new DatabricksPage(std::move(impl)));
}

core::StatusOr<bool> DatabricksPage::NextRow(const std::vector<DatabricksColumn>& columns,
                                             core::Row* row) {
  Impl& x = *impl_;
  if (!x.has_data || x.next == x.end) return false;
  dom::element e = *x.next;
  ++x.next;
  dom::array values;
  if (e.get_array().get(values) != simdjson::SUCCESS) return Malformed("a row is not an array");
  if (values.size() != columns.size()) {
    return Malformed("a row has " + std::to_string(values.size()) + " values for " +
                     std::to_string(columns.size()) + " columns");
  }
  row->clear();
  row->reserve(columns.size());
  size_t i = 0;
  for (dom::element v : values) {
    std::string_view s;
    if (v.is_null()) {
      row->emplace_back();
    } else if (v.get_string().get(s) == simdjson::SUCCESS) {
      row->push_back(ReadDatabricksValue(columns[i], s));
    } else {
      // Not the documented form (every value a string); its JSON text is what it says.
      row->push_back(ReadDatabricksValue(columns[i], simdjson::minify(v)));
    }
    ++i;
  }
  return true;
}

}  // namespace wsync::warehouse

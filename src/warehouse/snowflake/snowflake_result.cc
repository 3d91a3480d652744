#include "warehouse/snowflake/snowflake_result.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

namespace wsync::warehouse {
namespace {

namespace dom = simdjson::dom;

std::string StringField(const dom::object& o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return "";
}

int64_t IntField(const dom::object& o, std::string_view key) {
  dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS) return 0;
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  std::string_view s;  // some fields come as strings
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    for (char c : s) {
      if (c < '0' || c > '9' || i > (INT64_MAX - 9) / 10) return 0;
      i = i * 10 + (c - '0');
    }
  }
  return i;
}

core::Status Malformed(std::string_view what) {
  return core::Internal("Snowflake answered with a malformed result (" + std::string(what) + ")");
}

}  // namespace

StatementInfo ReadStatementInfo(std::string_view body) {
  StatementInfo info;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return info;
  const auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  info.code = text("code");
  info.message = text("message");
  info.sql_state = text("sqlState");
  info.handle = text("statementHandle");
  return info;
}

struct ResultPage::Impl {
  std::string body;  // with simdjson's padding reserved past its end
  dom::parser parser;
  StatementInfo info;
  ResultMeta meta;
  dom::array data;
  dom::array::iterator next;
  dom::array::iterator end;
  size_t rows = 0;
};

ResultPage::ResultPage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultPage::~ResultPage() = default;

const StatementInfo& ResultPage::info() const { return impl_->info; }
const ResultMeta& ResultPage::meta() const { return impl_->meta; }
size_t ResultPage::row_count() const { return impl_->rows; }

core::StatusOr<std::unique_ptr<ResultPage>> ResultPage::Parse(std::string body, bool with_meta) {
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
  impl->info.code = StringField(o, "code");
  impl->info.message = StringField(o, "message");
  impl->info.sql_state = StringField(o, "sqlState");
  impl->info.handle = StringField(o, "statementHandle");
  if (with_meta) {
    dom::object meta;
    if (o["resultSetMetaData"].get_object().get(meta) != simdjson::SUCCESS) {
      return Malformed("no resultSetMetaData");
    }
    dom::array row_type;
    if (meta["rowType"].get_array().get(row_type) != simdjson::SUCCESS) {
      return Malformed("no rowType");
    }
    for (dom::element e : row_type) {
      dom::object c;
      if (e.get_object().get(c) != simdjson::SUCCESS) return Malformed("a rowType entry");
      SnowflakeColumn col;
      col.name = StringField(c, "name");
      col.type = StringField(c, "type");
      for (char& ch : col.type)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      col.kind = SnowflakeKindOf(col.type);
      col.scale = static_cast<int>(std::clamp<int64_t>(IntField(c, "scale"), 0, 1000));
      impl->meta.columns.push_back(std::move(col));
    }
    dom::array partitions;
    if (meta["partitionInfo"].get_array().get(partitions) == simdjson::SUCCESS) {
      for (dom::element e : partitions) {
        dom::object p;
        if (e.get_object().get(p) != simdjson::SUCCESS) return Malformed("a partitionInfo entry");
        impl->meta.partition_rows.push_back(IntField(p, "rowCount"));
        impl->meta.partition_bytes.push_back(IntField(p, "uncompressedSize"));
      }
    }
  }
  dom::element data;
  if (o["data"].get(data) == simdjson::SUCCESS && !data.is_null()) {
    if (data.get_array().get(impl->data) != simdjson::SUCCESS) return Malformed("data");
    impl->rows = impl->data.size();
    impl->next = impl->data.begin();
    impl->end = impl->data.end();
  }
  return std::unique_ptr<ResultPage>(new ResultPage(std::move(impl)));
}

core::StatusOr<bool> ResultPage::NextRow(const std::vector<SnowflakeColumn>& columns,
                                         core::Row* row) {
  Impl& x = *impl_;
  if (x.rows == 0 || x.next == x.end) return false;
  dom::element e = *x.next;
  ++x.next;
  dom::array values;
  if (e.get_array().get(values) != simdjson::SUCCESS) return Malformed("a row is not an array");
  row->clear();
  row->reserve(columns.size());
  size_t i = 0;
  for (dom::element v : values) {
    if (i >= columns.size()) break;
    std::string_view s;
    if (v.is_null()) {
      row->emplace_back();
    } else if (v.get_string().get(s) == simdjson::SUCCESS) {
      row->push_back(ReadSnowflakeValue(columns[i], s));
    } else {
      // Not the documented form (every value a string); its JSON text is what it says.
      row->push_back(ReadSnowflakeValue(columns[i], simdjson::minify(v)));
    }
    ++i;
  }
  if (i != columns.size() || values.size() != columns.size()) {
    return Malformed("a row has " + std::to_string(values.size()) + " values for " +
                     std::to_string(columns.size()) + " columns");
  }
  return true;
}

}  // namespace wsync::warehouse

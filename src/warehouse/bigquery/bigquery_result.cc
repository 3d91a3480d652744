#include "warehouse/bigquery/bigquery_result.h"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

namespace dom = simdjson::dom;
using nlohmann::json;

// BigQuery nests RECORDs at most 15 deep; deeper schemas are not BigQuery's.
constexpr int kMaxDepth = 15;

std::string StringField(const dom::object& o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return "";
}

core::Status Malformed(std::string_view what) {
  return core::Internal("BigQuery answered with a malformed result (" + std::string(what) + ")");
}

core::Status ReadFields(dom::array array, int depth, std::vector<BigQueryField>* out) {
  if (depth > kMaxDepth) return Malformed("schema nested too deep");
  for (dom::element e : array) {
    dom::object f;
    if (e.get_object().get(f) != simdjson::SUCCESS) return Malformed("a schema field");
    BigQueryField field;
    field.name = StringField(f, "name");
    field.type = StringField(f, "type");
    for (char& c : field.type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    field.kind = BigQueryKindOf(field.type);
    field.repeated = StringField(f, "mode") == "REPEATED";
    dom::array nested;
    if (field.kind == BigQueryKind::kRecord &&
        f["fields"].get_array().get(nested) == simdjson::SUCCESS) {
      RETURN_IF_ERROR(ReadFields(nested, depth + 1, &field.fields));
    }
    out->push_back(std::move(field));
  }
  return core::Status::Ok();
}

// A scalar inside a RECORD's JSON text, typed as JSON allows.
json ScalarJson(BigQueryKind kind, std::string_view text) {
  core::Value v = ReadBigQueryScalar(kind, text);
  switch (v.type()) {
    case core::Type::kInt64:
      return v.int64_value();
    case core::Type::kDouble:
      return v.double_value();
    case core::Type::kBool:
      return v.bool_value();
    case core::Type::kTimestamp:
      return core::FormatTimestamp(v.timestamp_value());
    case core::Type::kDate:
      return core::FormatDate(v.date_value());
    default:
      break;
  }
  if (kind == BigQueryKind::kJson) {
    json parsed = json::parse(text, nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return std::string(text);  // numerics keep every digit as text; bytes stay base64
}

core::Status CellJson(const BigQueryField& field, dom::element v, bool element, int depth,
                      json* out);

// The value {"f":[…]} of a RECORD as a JSON object.
core::Status RecordJson(const BigQueryField& field, dom::element v, int depth, json* out) {
  if (depth > kMaxDepth) return Malformed("a value nested too deep");
  dom::object o;
  dom::array cells;
  if (v.get_object().get(o) != simdjson::SUCCESS ||
      o["f"].get_array().get(cells) != simdjson::SUCCESS) {
    return Malformed("a RECORD value is not {\"f\":[…]}");
  }
  if (cells.size() != field.fields.size()) return Malformed("a RECORD value's width");
  *out = json::object();
  size_t i = 0;
  for (dom::element cell : cells) {
    dom::object c;
    dom::element inner;
    if (cell.get_object().get(c) != simdjson::SUCCESS || c["v"].get(inner) != simdjson::SUCCESS) {
      return Malformed("a RECORD member is not {\"v\":…}");
    }
    json member;
    RETURN_IF_ERROR(CellJson(field.fields[i], inner, false, depth + 1, &member));
    (*out)[field.fields[i].name] = std::move(member);
    ++i;
  }
  return core::Status::Ok();
}

// A cell's "v" as JSON: null, a scalar, an array of {"v":…} (REPEATED) or a record.
core::Status CellJson(const BigQueryField& field, dom::element v, bool element, int depth,
                      json* out) {
  if (v.is_null()) {
    *out = nullptr;
    return core::Status::Ok();
  }
  if (field.repeated && !element) {
    dom::array items;
    if (v.get_array().get(items) != simdjson::SUCCESS) return Malformed("a REPEATED value");
    *out = json::array();
    for (dom::element item : items) {
      dom::object io;
      dom::element inner;
      if (item.get_object().get(io) != simdjson::SUCCESS ||
          io["v"].get(inner) != simdjson::SUCCESS) {
        return Malformed("a REPEATED element is not {\"v\":…}");
      }
      json j;
      RETURN_IF_ERROR(CellJson(field, inner, true, depth + 1, &j));
      out->push_back(std::move(j));
    }
    return core::Status::Ok();
  }
  if (field.kind == BigQueryKind::kRecord) return RecordJson(field, v, depth, out);
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return Malformed("a value is not a string");
  *out = ScalarJson(field.kind, s);
  return core::Status::Ok();
}

core::StatusOr<core::Value> CellValue(const BigQueryField& field, dom::element v) {
  if (v.is_null()) return core::Value::Null();
  if (field.kind == BigQueryKind::kRecord) {
    json j;
    RETURN_IF_ERROR(CellJson(field, v, false, 0, &j));
    return core::Value::String(j.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (field.repeated) {
    dom::array items;
    if (v.get_array().get(items) != simdjson::SUCCESS) return Malformed("a REPEATED value");
    std::vector<core::Value> values;
    values.reserve(items.size());
    for (dom::element item : items) {
      dom::object io;
      dom::element inner;
      std::string_view s;
      if (item.get_object().get(io) != simdjson::SUCCESS ||
          io["v"].get(inner) != simdjson::SUCCESS) {
        return Malformed("a REPEATED element is not {\"v\":…}");
      }
      if (inner.is_null()) {
        values.emplace_back();
      } else if (inner.get_string().get(s) == simdjson::SUCCESS) {
        values.push_back(ReadBigQueryScalar(field.kind, s));
      } else {
        return Malformed("a REPEATED element is not a string");
      }
    }
    return core::Value::Array(std::move(values));
  }
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return Malformed("a value is not a string");
  return ReadBigQueryScalar(field.kind, s);
}

}  // namespace

BigQueryError ReadBigQueryError(std::string_view body) {
  BigQueryError e;
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return e;
  auto it = j.find("error");
  if (it == j.end()) return e;
  if (it->is_string()) {  // the OAuth2 token endpoint
    e.oauth_error = it->get<std::string>();
    auto d = j.find("error_description");
    if (d != j.end() && d->is_string()) e.message = d->get<std::string>();
    return e;
  }
  if (!it->is_object()) return e;
  const json& o = *it;
  if (auto c = o.find("code"); c != o.end() && c->is_number_integer()) e.code = c->get<int>();
  if (auto m = o.find("message"); m != o.end() && m->is_string()) e.message = m->get<std::string>();
  if (auto s = o.find("status"); s != o.end() && s->is_string()) e.status = s->get<std::string>();
  if (auto errors = o.find("errors");
      errors != o.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
    const json& first = (*errors)[0];
    if (auto r = first.find("reason"); r != first.end() && r->is_string()) {
      e.reason = r->get<std::string>();
    }
    if (e.message.empty()) {
      if (auto m = first.find("message"); m != first.end() && m->is_string()) {
        e.message = m->get<std::string>();
      }
    }
  }
  return e;
}

struct BigQueryPage::Impl {
  std::string body;  // with simdjson's padding reserved past its end
  dom::parser parser;
  bool complete = false;
  BigQueryJob job;
  std::string page_token;
  int64_t total_rows = -1;
  bool has_schema = false;
  std::vector<BigQueryField> schema;
  dom::array rows;
  dom::array::iterator next;
  dom::array::iterator end;
  size_t row_count = 0;
};

BigQueryPage::BigQueryPage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BigQueryPage::~BigQueryPage() = default;

bool BigQueryPage::job_complete() const { return impl_->complete; }
const BigQueryJob& BigQueryPage::job() const { return impl_->job; }
const std::string& BigQueryPage::page_token() const { return impl_->page_token; }
int64_t BigQueryPage::total_rows() const { return impl_->total_rows; }
bool BigQueryPage::has_schema() const { return impl_->has_schema; }
const std::vector<BigQueryField>& BigQueryPage::schema() const { return impl_->schema; }
size_t BigQueryPage::row_count() const { return impl_->row_count; }

core::StatusOr<std::unique_ptr<BigQueryPage>> BigQueryPage::Parse(std::string body) {
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
  bool complete = false;
  impl->complete = o["jobComplete"].get_bool().get(complete) == simdjson::SUCCESS && complete;
  dom::object ref;
  if (o["jobReference"].get_object().get(ref) == simdjson::SUCCESS) {
    impl->job.project_id = StringField(ref, "projectId");
    impl->job.job_id = StringField(ref, "jobId");
    impl->job.location = StringField(ref, "location");
  }
  impl->page_token = StringField(o, "pageToken");
  // totalRows is an int64 sent as a string.
  const std::string total = StringField(o, "totalRows");
  int64_t n = 0;
  if (auto [p, ec] = std::from_chars(total.data(), total.data() + total.size(), n);
      ec == std::errc() && p == total.data() + total.size() && !total.empty()) {
    impl->total_rows = n;
  }
  dom::object schema;
  dom::array fields;
  if (o["schema"].get_object().get(schema) == simdjson::SUCCESS &&
      schema["fields"].get_array().get(fields) == simdjson::SUCCESS) {
    impl->has_schema = true;
    RETURN_IF_ERROR(ReadFields(fields, 0, &impl->schema));
  }
  dom::element rows;
  if (o["rows"].get(rows) == simdjson::SUCCESS && !rows.is_null()) {
    if (rows.get_array().get(impl->rows) != simdjson::SUCCESS) return Malformed("rows");
    impl->row_count = impl->rows.size();
    impl->next = impl->rows.begin();
    impl->end = impl->rows.end();
  }
  return std::unique_ptr<BigQueryPage>(new BigQueryPage(std::move(impl)));
}

core::StatusOr<bool> BigQueryPage::NextRow(const std::vector<BigQueryField>& fields,
                                           core::Row* row) {
  Impl& x = *impl_;
  if (x.row_count == 0 || x.next == x.end) return false;
  dom::element e = *x.next;
  ++x.next;
  dom::object o;
  dom::array cells;
  if (e.get_object().get(o) != simdjson::SUCCESS ||
      o["f"].get_array().get(cells) != simdjson::SUCCESS) {
    return Malformed("a row is not {\"f\":[…]}");
  }
  if (cells.size() != fields.size()) {
    return Malformed("a row has " + std::to_string(cells.size()) + " values for " +
                     std::to_string(fields.size()) + " columns");
  }
  row->clear();
  row->reserve(fields.size());
  size_t i = 0;
  for (dom::element cell : cells) {
    dom::object c;
    dom::element v;
    if (cell.get_object().get(c) != simdjson::SUCCESS || c["v"].get(v) != simdjson::SUCCESS) {
      return Malformed("a cell is not {\"v\":…}");
    }
    ASSIGN_OR_RETURN(core::Value value, CellValue(fields[i], v));
    row->push_back(std::move(value));
    ++i;
  }
  return true;
}

}  // namespace wsync::warehouse

#include "mapping/mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/time.h"
#include "core/utf8.h"
#include "mapping/identity_types.h"

namespace wsync::mapping {
namespace {

using core::Type;
using core::Value;
using nlohmann::json;
using ::testing::HasSubstr;

std::vector<core::Column> Columns(std::vector<std::string> names) {
  std::vector<core::Column> out;
  for (auto& n : names) out.push_back({std::move(n), Type::kString, false});
  return out;
}

FieldTransformation Parse(const char* text) {
  auto ft = ParseFieldTransformation(json::parse(text));
  EXPECT_TRUE(ft.ok()) << ft.status().ToString();
  return ft.ok() ? *ft : FieldTransformation{};
}

Mapper MustCompile(const FieldTransformation* ft, const std::vector<core::Column>& columns,
                   const MapperOptions& options = {}) {
  auto m = Mapper::Compile(ft, columns, options);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

std::string Dump(const Record& r) {
  std::string s;
  for (const Identity& id : r.identities) {
    s += std::string(IdentityTypeAt(id.type).name) + "=" + id.value + ";";
  }
  s += "|";
  for (const Attribute& a : r.attributes) s += a.name + "=" + a.value.ToJson() + ";";
  return s;
}

TEST(MapperTest, DefaultMapping) {
  MapperOptions options;
  options.iterator_column = "updated_at";
  auto columns = Columns({"CustomerID", "Email", "plan", "updated_at", "Mobile_Number"});
  Mapper mapper = MustCompile(nullptr, columns, options);
  Record record;
  RowError error;
  ASSERT_TRUE(mapper.Map({Value::String(" c-1 "), Value::String(" Ann@X.COM"), Value::String("pro"),
                          Value::TimestampValue(5), Value::Null()},
                         1, &record, &error))
      << error.message;
  EXPECT_EQ(Dump(record), "customer_id=c-1;email=ann@x.com;|plan=\"pro\";");
  EXPECT_EQ(record.source_time, 5);  // a typed time iterator, for lack of a timestamp field
  EXPECT_FALSE(record.event.has_value());
}

TEST(MapperTest, DefaultMappingNeedsAnIdentityColumnAndEventsNeedAMapping) {
  auto none = Mapper::Compile(nullptr, Columns({"plan"}), {});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no column of the model is named after"));
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  auto events = Mapper::Compile(nullptr, Columns({"email"}), options);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(events.status().message(), "an events pipeline needs a field transformation");
}

TEST(MapperTest, ColumnStaticIgnoreAndUnmapped) {
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "user_email", "destination": "user_identities.email"},
    {"mapping_type": "column", "source": "ID", "destination": "mpid"},
    {"mapping_type": "column", "source": "Plan", "destination": "user_attributes.tier"},
    {"mapping_type": "static", "destination": "user_attributes.source", "value": "dwh",
     "value_type": "string"},
    {"mapping_type": "static", "destination": "user_attributes.vip", "value": true,
     "value_type": "boolean"},
    {"mapping_type": "ignore", "source": "secret"},
    {"mapping_type": "ignore", "source": "gone_column"},
    {"mapping_type": "column", "source": "$unmapped", "destination": "user_attributes.*"}]})");
  MapperOptions options;
  options.timestamp_field = "ts";
  // "Plan" matches "plan" by case; "id" matches "ID".
  Mapper mapper =
      MustCompile(&ft, Columns({"id", "user_email", "plan", "secret", "City", "ts"}), options);
  Record record;
  RowError error;
  ASSERT_TRUE(mapper.Map(
      {Value::Int64(42), Value::String("A@B.C"), Value::String("gold"), Value::String("s3cr3t"),
       Value::String("Oslo"), Value::String("2024-01-02T03:04:05Z")},
      7, &record, &error))
      << error.message;
  EXPECT_EQ(Dump(record),
            "mpid=42;email=a@b.c;|tier=\"gold\";source=\"dwh\";vip=true;City=\"Oslo\";");
  EXPECT_EQ(record.source_time, *core::ParseTimestamp("2024-01-02T03:04:05Z"));
}

TEST(MapperTest, UnknownSourceNamesTheMapping) {
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
    {"mapping_type": "column", "source": "emial_2", "destination": "user_attributes.x"}]})");
  auto m = Mapper::Compile(&ft, Columns({"email", "email_2"}), {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), core::StatusCode::kInvalidArgument);
  ASSERT_EQ(m.status().details().size(), 1u);
  EXPECT_EQ(m.status().details()[0].field, "mappings[1].source");
  EXPECT_EQ(m.status().details()[0].message,
            "mapping 1 (column 'emial_2' → user_attributes.x): the model has no column "
            "'emial_2'; did you mean 'email_2'?");
}

TEST(MapperTest, AmbiguousColumnNamesAreErrorsNamingTheCandidates) {
  // The one column-lookup rule (core/column_lookup.h): exact, else the one match by case.
  const std::vector<core::Column> columns = Columns({"Email", "EMAIL", "plan", "Plan", "ts"});
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "Email", "destination": "user_identities.email"},
    {"mapping_type": "column", "source": "PLAN", "destination": "user_attributes.tier"},
    {"mapping_type": "ignore", "source": "pLaN"}]})");
  auto m = Mapper::Compile(&ft, columns, {});
  ASSERT_FALSE(m.ok());
  ASSERT_EQ(m.status().details().size(), 2u);
  EXPECT_EQ(m.status().details()[0].field, "mappings[1].source");
  EXPECT_EQ(m.status().details()[0].message,
            "mapping 1 (column 'PLAN' → user_attributes.tier): column 'PLAN' matches several "
            "columns of the model by case: 'plan', 'Plan'; write the name exactly as the model "
            "spells it");
  EXPECT_EQ(m.status().details()[1].field, "mappings[2].source");
  EXPECT_EQ(m.status().details()[1].message,
            "mapping 2 (ignore column 'pLaN'): column 'pLaN' matches several columns of the "
            "model by case: 'plan', 'Plan'; write the name exactly as the model spells it");

  FieldTransformation exact = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "EMAIL", "destination": "user_identities.email"},
    {"mapping_type": "ignore", "source": "Plan"}]})");
  EXPECT_TRUE(Mapper::Compile(&exact, columns, {}).ok());

  MapperOptions timestamp;
  timestamp.timestamp_field = "email";
  auto t = Mapper::Compile(&exact, columns, timestamp);
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(t.status().details().size(), 1u);
  EXPECT_EQ(t.status().details()[0].field, "timestamp_field");
  EXPECT_EQ(t.status().details()[0].message,
            "column 'email' matches several columns of the model by case: 'Email', 'EMAIL'; "
            "write the name exactly as the model spells it");

  MapperOptions iterator;
  iterator.iterator_column = "PLAN";
  auto it = Mapper::Compile(&exact, columns, iterator);
  ASSERT_FALSE(it.ok());
  EXPECT_EQ(it.status().details()[0].field, "sync_mode.iterator");
  iterator.iterator_column = "TS";  // one match by case
  EXPECT_TRUE(Mapper::Compile(&exact, columns, iterator).ok());
}

TEST(MapperTest, CompileRunsStageOneValidation) {
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "email", "destination": "user_identities.emial"}]})");
  auto m = Mapper::Compile(&ft, Columns({"email"}), {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().details()[0].field, "mappings[0].destination");
}

TEST(MapperTest, NoIdentityIsARowError) {
  Mapper mapper = MustCompile(nullptr, Columns({"customer_id", "email", "plan"}));
  Record record;
  RowError error;
  EXPECT_FALSE(
      mapper.Map({Value::Null(), Value::String("   "), Value::String("pro")}, 3, &record, &error));
  EXPECT_EQ(error.row, 3);
  EXPECT_EQ(error.code, RowErrorCode::kNoIdentity);
  EXPECT_EQ(error.key, "");
  EXPECT_EQ(error.message, "row has no usable identity (looked for: customer_id, email)");
}

TEST(MapperTest, MpidMustBeAnInteger) {
  Mapper mapper = MustCompile(nullptr, Columns({"mpid", "email"}));
  Record record;
  RowError error;
  EXPECT_FALSE(mapper.Map({Value::String("12x"), Value::String("a@b.c")}, 2, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidValue);
  EXPECT_EQ(error.column, "mpid");
  EXPECT_EQ(error.key, "email:a@b.c");
  ASSERT_TRUE(mapper.Map({Value::String(" 12 "), Value::Null()}, 3, &record, &error));
  EXPECT_EQ(Dump(record), "mpid=12;|");
}

TEST(MapperTest, OverLimitValueIsLimitExceeded) {
  MapperOptions options;
  options.limits.max_value_chars = 5;
  options.limits.max_list_entries = 2;
  Mapper mapper = MustCompile(nullptr, Columns({"email", "bio"}), options);
  Record record;
  RowError error;
  // Five characters, more than five bytes: within the limit.
  EXPECT_TRUE(mapper.Map({Value::String("a@b"), Value::String("ééééé")}, 1, &record, &error));
  EXPECT_FALSE(mapper.Map({Value::String("a@b"), Value::String("abcdef")}, 2, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kLimitExceeded);
  EXPECT_EQ(error.column, "bio");
  EXPECT_EQ(error.key, "email:a@b");
  EXPECT_EQ(error.message, "column 'bio': value has 6 characters, more than the limit of 5");
  EXPECT_FALSE(mapper.Map(
      {Value::String("a@b"), Value::Array({Value::Int64(1), Value::Int64(2), Value::Int64(3)})}, 3,
      &record, &error));
  EXPECT_EQ(error.message, "column 'bio': list has 3 entries, more than the limit of 2");

  MapperOptions few;
  few.limits.max_attributes = 1;
  Mapper narrow = MustCompile(nullptr, Columns({"email", "a", "b"}), few);
  EXPECT_FALSE(
      narrow.Map({Value::String("x@y"), Value::Int64(1), Value::Int64(2)}, 4, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kLimitExceeded);
  EXPECT_EQ(error.message, "row has 2 attributes, more than the limit of 1");
}

TEST(MapperTest, NullRemovesUnlessSkipNulls) {
  auto columns = Columns({"email", "plan", "city"});
  core::Row row = {Value::String("a@b"), Value::Null(), Value::String("Oslo")};
  Record record;
  RowError error;
  Mapper remove = MustCompile(nullptr, columns);
  ASSERT_TRUE(remove.Map(row, 1, &record, &error));
  EXPECT_EQ(Dump(record), "email=a@b;|plan=null;city=\"Oslo\";");
  EXPECT_TRUE(record.attributes[0].value.is_null());

  MapperOptions options;
  options.skip_nulls = true;
  Mapper skip = MustCompile(nullptr, columns, options);
  ASSERT_TRUE(skip.Map(row, 1, &record, &error));  // reuses `record`
  EXPECT_EQ(Dump(record), "email=a@b;|city=\"Oslo\";");
}

TEST(MapperTest, TimestampFieldSetsSourceTime) {
  MapperOptions options;
  options.timestamp_field = "Updated";
  Mapper mapper = MustCompile(nullptr, Columns({"email", "updated"}), options);
  Record record;
  RowError error;
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::TimestampValue(123)}, 1, &record, &error));
  EXPECT_EQ(record.source_time, 123);
  EXPECT_EQ(Dump(record), "email=a@b;|");  // the timestamp field is not an attribute
  ASSERT_TRUE(
      mapper.Map({Value::String("a@b"), Value::String("2024-01-01 00:00:01")}, 1, &record, &error));
  EXPECT_EQ(record.source_time, *core::ParseTimestamp("2024-01-01T00:00:01Z"));
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::DateValue(2)}, 1, &record, &error));
  EXPECT_EQ(record.source_time, 2 * core::kMicrosPerDay);
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::Int64(10)}, 1, &record, &error));
  EXPECT_EQ(record.source_time, 10 * core::kMicrosPerSecond);
  EXPECT_FALSE(mapper.Map({Value::String("a@b"), Value::String("soon")}, 9, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  EXPECT_EQ(error.column, "updated");
  EXPECT_EQ(error.row, 9);

  MapperOptions missing;
  missing.timestamp_field = "changed";
  auto m = Mapper::Compile(nullptr, Columns({"email"}), missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().details()[0].field, "timestamp_field");
}

TEST(MapperTest, EventsMappingProducesEvent) {
  FieldTransformation ft = Parse(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event",
     "value_type": "string"},
    {"mapping_type": "column", "source": "action", "destination": "events.event_name"},
    {"mapping_type": "static", "destination": "events.custom_event_type",
     "value": "transaction", "value_type": "string"},
    {"mapping_type": "column", "source": "at", "destination": "events.timestamp_unixtime_ms"},
    {"mapping_type": "column", "source": "msg", "destination": "events.source_message_id"},
    {"mapping_type": "column", "source": "total", "destination":
     "events.product_action.total_amount"},
    {"mapping_type": "column", "source": "plan", "destination": "user_attributes.plan"},
    {"mapping_type": "column", "source": "$unmapped",
     "destination": "events.custom_attributes.*"}]})");
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  Mapper mapper = MustCompile(
      &ft, Columns({"cid", "action", "at", "msg", "total", "plan", "color", "size"}), options);
  Record record;
  RowError error;
  ASSERT_TRUE(
      mapper.Map({Value::String("c1"), Value::String("purchase"),
                  Value::TimestampValue(1'700'000'000'123'456), Value::String("m-1"),
                  Value::Double(9.5), Value::String("pro"), Value::String("red"), Value::Null()},
                 1, &record, &error))
      << error.message;
  EXPECT_EQ(Dump(record), "customer_id=c1;|plan=\"pro\";");
  ASSERT_TRUE(record.event.has_value());
  const Event& e = *record.event;
  EXPECT_EQ(e.event_type, "custom_event");
  EXPECT_EQ(e.event_name, "purchase");
  EXPECT_EQ(e.custom_event_type, "transaction");
  EXPECT_EQ(e.timestamp_ms, 1'700'000'000'123);
  EXPECT_EQ(e.source_message_id, "m-1");
  EXPECT_EQ(e.screen_name, "");
  ASSERT_EQ(e.custom_attributes.size(), 1u);  // null "size" left out
  EXPECT_EQ(e.custom_attributes[0].first, "color");
  EXPECT_EQ(e.custom_attributes[0].second, Value::String("red"));
  ASSERT_EQ(e.product_action.size(), 1u);
  EXPECT_EQ(e.product_action[0].first, "total_amount");
  EXPECT_EQ(e.product_action[0].second, Value::Double(9.5));

  // Milliseconds as a number; an empty event name is a row error.
  ASSERT_TRUE(
      mapper.Map({Value::String("c1"), Value::String("p"), Value::Int64(1234), Value::Null(),
                  Value::Null(), Value::Null(), Value::Null(), Value::Null()},
                 2, &record, &error));
  EXPECT_EQ(record.event->timestamp_ms, 1234);
  EXPECT_TRUE(record.event->custom_attributes.empty());
  EXPECT_FALSE(mapper.Map({Value::String("c1"), Value::Null(), Value::Int64(1), Value::Null(),
                           Value::Null(), Value::Null(), Value::Null(), Value::Null()},
                          3, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidValue);
  EXPECT_EQ(error.column, "action");
  EXPECT_EQ(error.key, "customer_id:c1");
}

TEST(MapperTest, PipelineTypeMustFitTheTransformation) {
  FieldTransformation ft = Parse(R"({"id": "ft1", "destination_type": "user_attributes",
    "mappings": [{"mapping_type": "column", "source": "email",
                  "destination": "user_identities.email"}]})");
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  auto m = Mapper::Compile(&ft, Columns({"email"}), options);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("does not fit an events pipeline"));
}

std::vector<core::Column> Typed(std::vector<std::pair<std::string, Type>> columns) {
  std::vector<core::Column> out;
  for (auto& [name, type] : columns) out.push_back({name, type, false});
  return out;
}

// B3/F9: Latin-1 text never reaches the store; the row is refused with a clear code.
TEST(MapperBoundaryTest, InvalidUtf8TextIsARowError) {
  Mapper mapper = MustCompile(nullptr, Columns({"email", "nick"}));
  Record record;
  RowError error;
  ASSERT_FALSE(mapper.Map({Value::String("a@b"), Value::String("caf\xE9")}, 4, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidUtf8);
  EXPECT_EQ(error.column, "nick");
  EXPECT_EQ(error.row, 4);
  EXPECT_EQ(error.key, "email:a@b");
  EXPECT_EQ(error.message,
            "text in column 'nick' is not valid UTF-8 ('caf\xEF\xBF\xBD' shows the bad bytes as "
            "U+FFFD); convert it in the model's SQL");
  // An identity in Latin-1 is refused too, before it is normalised.
  ASSERT_FALSE(
      mapper.Map({Value::String("\xE9@example.com"), Value::String("ok")}, 5, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidUtf8);
  EXPECT_EQ(error.column, "email");
  EXPECT_EQ(error.key, "");
  EXPECT_TRUE(core::IsValidUtf8(error.message));
  // Inside a list.
  ASSERT_FALSE(mapper.Map({Value::String("a@b"), Value::Array({Value::String("\xFF")})}, 6, &record,
                          &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidUtf8);
  // Valid multibyte text passes.
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::String("caf\xC3\xA9")}, 7, &record, &error));
}

TEST(MapperBoundaryTest, BytesColumnsAreSkippedByTheDefaultMapping) {
  auto columns =
      Typed({{"email", Type::kString}, {"avatar", Type::kBytes}, {"plan", Type::kString}});
  Mapper mapper = MustCompile(nullptr, columns);
  Record record;
  RowError error;
  ASSERT_TRUE(
      mapper.Map({Value::String("a@b"), Value::BytesValue("\x89PNG\xFF"), Value::String("pro")}, 1,
                 &record, &error))
      << error.message;
  EXPECT_EQ(Dump(record), "email=a@b;|plan=\"pro\";");
  // "$unmapped" leaves them out as well.
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
    {"mapping_type": "column", "source": "$unmapped", "destination": "user_attributes.*"}]})");
  Mapper unmapped = MustCompile(&ft, columns);
  ASSERT_TRUE(unmapped.Map({Value::String("a@b"), Value::BytesValue("\x00"), Value::String("x")}, 1,
                           &record, &error));
  EXPECT_EQ(Dump(record), "email=a@b;|plan=\"x\";");
}

TEST(MapperBoundaryTest, AnExplicitlyMappedBytesColumnIsABinaryValueRowError) {
  FieldTransformation ft = Parse(R"({"destination_type": "user_attributes", "mappings": [
    {"mapping_type": "column", "source": "email", "destination": "user_identities.email"},
    {"mapping_type": "column", "source": "avatar", "destination": "user_attributes.avatar"}]})");
  Mapper mapper = MustCompile(&ft, Typed({{"email", Type::kString}, {"avatar", Type::kBytes}}));
  Record record;
  RowError error;
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::Null()}, 1, &record, &error));
  ASSERT_FALSE(
      mapper.Map({Value::String("a@b"), Value::BytesValue("\xFF\xFE")}, 2, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kBinaryValue);
  EXPECT_EQ(error.column, "avatar");
  EXPECT_EQ(error.message,
            "binary data (BLOB) in column 'avatar' cannot be an attribute or identity; select "
            "hex(column) or a text column in the model's SQL");
  // A BLOB cell in a column typed as text (SQLite has no column types) is refused the same way.
  Mapper by_default = MustCompile(nullptr, Columns({"email", "avatar"}));
  ASSERT_FALSE(
      by_default.Map({Value::String("a@b"), Value::BytesValue("\xFF")}, 3, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kBinaryValue);
}

TEST(MapperBoundaryTest, ColumnNamesThatAreNotUtf8AreRefusedAtCompile) {
  auto m = Mapper::Compile(nullptr, Columns({"email", "ni\xE9k"}), {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), core::StatusCode::kInvalidArgument);
  ASSERT_EQ(m.status().details().size(), 1u);
  EXPECT_EQ(m.status().details()[0].field, "columns[1]");
  EXPECT_TRUE(core::IsValidUtf8(m.status().details()[0].message));
}

// S7: NaN and infinities are not stored (they came back as strings and compared as changed).
TEST(MapperBoundaryTest, NonFiniteNumbersAreRowErrors) {
  Mapper mapper = MustCompile(nullptr, Columns({"email", "score"}));
  Record record;
  RowError error;
  const double inf = std::numeric_limits<double>::infinity();
  for (double d : {std::nan(""), inf, -inf}) {
    ASSERT_FALSE(mapper.Map({Value::String("a@b"), Value::Double(d)}, 1, &record, &error));
    EXPECT_EQ(error.code, RowErrorCode::kInvalidNumber);
    EXPECT_EQ(error.column, "score");
  }
  EXPECT_EQ(error.message,
            "number in column 'score' is -Infinity; only finite numbers can be stored");
  ASSERT_FALSE(
      mapper.Map({Value::String("a@b"), Value::Array({Value::Double(1), Value::Double(inf)})}, 1,
                 &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidNumber);
  ASSERT_TRUE(mapper.Map({Value::String("a@b"), Value::Double(1e308)}, 1, &record, &error));
  EXPECT_EQ(Dump(record), "email=a@b;|score=" + Value::Double(1e308).ToJson() + ";");
}

// B8: an INTEGER timestamp field is read in the data model's unit, and range-checked.
TEST(MapperBoundaryTest, IntegerTimestampFieldFollowsTheUnit) {
  MapperOptions seconds;
  seconds.timestamp_field = "ts";
  MapperOptions millis = seconds;
  millis.timestamp_unit = TimestampUnit::kMilliseconds;
  Mapper s = MustCompile(nullptr, Columns({"email", "ts"}), seconds);
  Mapper ms = MustCompile(nullptr, Columns({"email", "ts"}), millis);
  Record record;
  RowError error;
  ASSERT_TRUE(ms.Map({Value::String("a@b"), Value::Int64(1'700'000'000'123)}, 1, &record, &error));
  EXPECT_EQ(record.source_time, 1'700'000'000'123'000);
  ASSERT_TRUE(s.Map({Value::String("a@b"), Value::Int64(1'700'000'000)}, 1, &record, &error));
  EXPECT_EQ(record.source_time, 1'700'000'000'000'000);
  // Milliseconds read as seconds would be year ~55,000: a row error, not a frozen attribute.
  ASSERT_FALSE(s.Map({Value::String("a@b"), Value::Int64(1'700'000'000'123)}, 2, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  EXPECT_EQ(error.column, "ts");
  EXPECT_EQ(error.message,
            "timestamp field 'ts': '1700000000123' is outside the years 1..9999 as unix seconds "
            "(the data model's timestamp_unit)");
  for (int64_t bad : {INT64_MAX, INT64_MIN, int64_t{253'402'300'800}}) {
    ASSERT_FALSE(s.Map({Value::String("a@b"), Value::Int64(bad)}, 3, &record, &error));
    EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
    ASSERT_FALSE(ms.Map({Value::String("a@b"),
                         Value::Int64(bad * (bad == INT64_MAX || bad == INT64_MIN ? 1 : 1000))},
                        3, &record, &error));
    EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  }
  // Typed values out of range (a julian-day real can reach year 285,000).
  ASSERT_FALSE(s.Map({Value::String("a@b"), Value::TimestampValue(core::kMaxTimestampMicros + 1)},
                     4, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  ASSERT_FALSE(s.Map({Value::String("a@b"), Value::DateValue(INT32_MAX)}, 4, &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  ASSERT_TRUE(s.Map({Value::String("a@b"), Value::TimestampValue(core::kMaxTimestampMicros)}, 4,
                    &record, &error));
}

TEST(MapperBoundaryTest, TimestampUnitNames) {
  TimestampUnit unit = TimestampUnit::kSeconds;
  ASSERT_TRUE(ParseTimestampUnit("milliseconds", &unit));
  EXPECT_EQ(unit, TimestampUnit::kMilliseconds);
  EXPECT_EQ(TimestampUnitName(unit), "milliseconds");
  ASSERT_TRUE(ParseTimestampUnit("seconds", &unit));
  EXPECT_EQ(unit, TimestampUnit::kSeconds);
  EXPECT_FALSE(ParseTimestampUnit("ms", &unit));
  EXPECT_EQ(unit, TimestampUnit::kSeconds);
}

TEST(MapperBoundaryTest, EventTimestampOutOfRangeIsARowError) {
  FieldTransformation ft = Parse(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event",
     "value_type": "string"},
    {"mapping_type": "column", "source": "action", "destination": "events.event_name"},
    {"mapping_type": "static", "destination": "events.custom_event_type", "value": "other",
     "value_type": "string"},
    {"mapping_type": "column", "source": "at", "destination": "events.timestamp_unixtime_ms"}]})");
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  Mapper mapper = MustCompile(&ft, Columns({"cid", "action", "at"}), options);
  Record record;
  RowError error;
  ASSERT_FALSE(mapper.Map({Value::String("c1"), Value::String("p"), Value::Int64(INT64_MAX)}, 1,
                          &record, &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidTimestamp);
  ASSERT_FALSE(mapper.Map({Value::String("c1"), Value::String("\xC0"), Value::Int64(1)}, 1, &record,
                          &error));
  EXPECT_EQ(error.code, RowErrorCode::kInvalidUtf8);
  EXPECT_EQ(error.column, "action");
}

// Row errors keep up to 1000 messages a run: none may embed a whole 1 MB cell.
TEST(MapperBoundaryTest, RowErrorMessagesQuoteAtMost80Characters) {
  const std::string huge(1 << 20, 'x');
  const std::string latin1 = std::string(1 << 20, 'a') + "\xE9";
  FieldTransformation ft = Parse(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "id", "destination": "mpid"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event",
     "value_type": "string"},
    {"mapping_type": "static", "destination": "events.event_name", "value": "e",
     "value_type": "string"},
    {"mapping_type": "column", "source": "kind", "destination": "events.custom_event_type"},
    {"mapping_type": "column", "source": "at", "destination": "events.timestamp_unixtime_ms"},
    {"mapping_type": "column", "source": "note", "destination": "events.custom_attributes.note"}]})");
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  options.timestamp_field = "ts";
  Mapper mapper = MustCompile(&ft, Columns({"id", "kind", "at", "note", "ts"}), options);
  auto row = [&](Value id, Value kind, Value at, Value note, Value ts) {
    return core::Row{std::move(id), std::move(kind), std::move(at), std::move(note), std::move(ts)};
  };
  const Value ok_id = Value::Int64(7);
  const Value ok_kind = Value::String("other");
  const std::vector<std::pair<RowErrorCode, core::Row>> cases = {
      {RowErrorCode::kInvalidValue,
       row(Value::String(huge), ok_kind, Value::Null(), Value::Null(), Value::Null())},
      {RowErrorCode::kInvalidUtf8,
       row(ok_id, ok_kind, Value::Null(), Value::String(latin1), Value::Null())},
      {RowErrorCode::kInvalidTimestamp,
       row(ok_id, ok_kind, Value::Null(), Value::Null(), Value::String(huge))},
      {RowErrorCode::kInvalidTimestamp,
       row(ok_id, ok_kind, Value::String(huge), Value::Null(), Value::Null())},
      {RowErrorCode::kInvalidValue,
       row(ok_id, Value::String(huge), Value::Null(), Value::Null(), Value::Null())},
  };
  for (const auto& [code, r] : cases) {
    Record record;
    RowError error;
    ASSERT_FALSE(mapper.Map(r, 1, &record, &error)) << Name(code);
    EXPECT_EQ(error.code, code);
    EXPECT_LT(error.message.size(), 400u) << Name(code);
    EXPECT_TRUE(core::IsValidUtf8(error.message)) << Name(code);
    EXPECT_THAT(
        error.message,
        HasSubstr("'" + std::string(80, error.code == RowErrorCode::kInvalidUtf8 ? 'a' : 'x') +
                  "…'"))
        << error.message;
  }
}

}  // namespace
}  // namespace wsync::mapping

namespace wsync::mapping {
namespace {

Mapper CommerceMapper(const char* products_mappings, std::vector<std::string> columns) {
  std::string text = R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "commerce_event",
     "value_type": "string"},
    {"mapping_type": "column", "source": "action", "destination": "events.product_action.action"},
    {"mapping_type": "column", "source": "order", "destination":
     "events.product_action.transaction_id"},
    {"mapping_type": "column", "source": "total", "destination":
     "events.product_action.total_amount"})" +
                     std::string(products_mappings) + "]}";
  FieldTransformation ft = Parse(text.c_str());
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  return MustCompile(&ft, Columns(std::move(columns)), options);
}

TEST(MapperEventsTest, CommerceEventWithProductsFromAJsonColumn) {
  Mapper mapper = CommerceMapper(
      R"(, {"mapping_type": "column", "source": "items", "destination":
      "events.product_action.products"})",
      {"cid", "action", "order", "total", "items"});
  Record record;
  RowError error;
  ASSERT_TRUE(
      mapper.Map({Value::String("c1"), Value::String("purchase"), Value::Int64(77),
                  Value::String("19.5"), Value::String(R"([{"id": 5, "name": "Mug", "price": "9.75",
                            "quantity": 2, "custom_attributes": {"colour": "red", "n": 1}}])")},
                 1, &record, &error))
      << error.message;
  const Event& e = *record.event;
  EXPECT_EQ(e.event_type, "commerce_event");
  ASSERT_EQ(e.product_action.size(), 3u);
  EXPECT_EQ(e.product_action[0].second, Value::String("purchase"));
  EXPECT_EQ(e.product_action[1].second, Value::String("77"));  // transaction ids are text
  EXPECT_EQ(e.product_action[2].second, Value::Double(19.5));
  EXPECT_EQ(e.products, R"([{"custom_attributes":{"colour":"red","n":"1"},"id":"5","name":"Mug",)"
                        R"("price":9.75,"quantity":2}])");

  // One object stands for a list of one.
  ASSERT_TRUE(mapper.Map({Value::String("c1"), Value::String("refund"), Value::Null(),
                          Value::Null(), Value::String(R"({"id": "a"})")},
                         2, &record, &error))
      << error.message;
  EXPECT_EQ(record.event->products, R"([{"id":"a"}])");
}

TEST(MapperEventsTest, BadProductsAndActionsAreRowErrors) {
  Mapper mapper = CommerceMapper(
      R"(, {"mapping_type": "column", "source": "items", "destination":
      "events.product_action.products"})",
      {"cid", "action", "order", "total", "items"});
  Record record;
  RowError error;
  auto row = [](const char* action, const char* total, const char* items) {
    return core::Row{Value::String("c1"), action ? Value::String(action) : Value::Null(),
                     Value::Null(), total ? Value::String(total) : Value::Null(),
                     Value::String(items)};
  };
  struct Case {
    core::Row row;
    std::string column;
    std::string message;
  } cases[] = {
      {row("purchase", nullptr, "[1"), "items",
       "events.product_action.products in column 'items': not JSON: '[1'"},
      {row("purchase", nullptr, "[1]"), "items",
       "events.product_action.products in column 'items': product 1 is not an object"},
      {row("purchase", nullptr, R"([{"price": "cheap"}])"), "items",
       "events.product_action.products in column 'items': product 1: price must be a number"},
      {row("purchase", nullptr, R"([{"sku": "x"}])"), "items",
       "events.product_action.products in column 'items': product 1: unknown product field "
       "'sku'"},
      {row("purchase", nullptr, "[[[[[[[[[[1]]]]]]]]]]"), "items",
       "events.product_action.products in column 'items': nested too deeply"},
      {row("buy", nullptr, "[]"), "action",
       "product_action.action 'buy' is not one of add_to_cart, remove_from_cart, checkout, "
       "checkout_option, click, view_detail, purchase, refund, add_to_wishlist, "
       "remove_from_wish_list"},
      {row("purchase", "lots", "[]"), "total",
       "product_action.total_amount: 'lots' is not a number"},
      {row(nullptr, nullptr, "[]"), "",
       "a commerce_event needs a product action (events.product_action.action is empty)"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(mapper.Map(c.row, 4, &record, &error)) << c.message;
    EXPECT_EQ(error.code, RowErrorCode::kInvalidValue);
    EXPECT_EQ(error.column, c.column);
    EXPECT_EQ(error.message, c.message);
    EXPECT_EQ(error.key, "customer_id:c1");
  }
}

TEST(MapperEventsTest, OneProductFromItsColumns) {
  Mapper mapper = CommerceMapper(
      R"(, {"mapping_type": "column", "source": "sku", "destination":
      "events.product_action.product.id"},
      {"mapping_type": "column", "source": "price", "destination":
      "events.product_action.product.price"},
      {"mapping_type": "static", "destination": "events.product_action.product.quantity",
       "value": 1, "value_type": "number"})",
      {"cid", "action", "order", "total", "sku", "price"});
  Record record;
  RowError error;
  ASSERT_TRUE(mapper.Map({Value::String("c1"), Value::String("add_to_cart"), Value::Null(),
                          Value::Null(), Value::Int64(42), Value::Double(3.5)},
                         1, &record, &error))
      << error.message;
  EXPECT_EQ(record.event->products, R"([{"id":"42","price":3.5,"quantity":1}])");
  EXPECT_FALSE(mapper.Map({Value::String("c1"), Value::String("add_to_cart"), Value::Null(),
                           Value::Null(), Value::Int64(42), Value::String("free")},
                          2, &record, &error));
  EXPECT_EQ(error.column, "price");
  EXPECT_EQ(error.message, "product price in column 'price': 'free' is not a number");
}

TEST(MapperEventsTest, EventTypeAndProductsAreValidatedWhenSaved) {
  auto errors = [](const char* text) {
    core::Status s = Validate(Parse(text));
    std::vector<std::string> out;
    for (const core::FieldError& e : s.details()) out.push_back(e.field + ": " + e.message);
    return out;
  };
  EXPECT_THAT(
      errors(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "page_view",
     "value_type": "string"}]})"),
      ::testing::ElementsAre("mappings[1].value: mapping 1 (static 'page_view' → "
                             "events.event_type): event_type must be custom_event, screen_view "
                             "or commerce_event"));
  EXPECT_THAT(
      errors(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "commerce_event",
     "value_type": "string"},
    {"mapping_type": "column", "source": "items", "destination": "events.product_action.products"},
    {"mapping_type": "column", "source": "sku", "destination": "events.product_action.product.id"}
    ]})"),
      ::testing::ElementsAre(
          "mappings[3]: mapping 3 (column 'sku' → events.product_action.product.id): products "
          "come from events.product_action.products (mapping 2) or from one product's columns, "
          "not both",
          "mappings[1]: mapping 1 (static 'commerce_event' → events.event_type): a "
          "commerce_event needs a mapping to events.product_action.action"));
}

TEST(MapperEventsTest, EventTimeDefaultsToTheTimestampFieldInItsUnit) {
  FieldTransformation ft = Parse(R"({"destination_type": "event_batch", "mappings": [
    {"mapping_type": "column", "source": "cid", "destination": "user_identities.customer_id"},
    {"mapping_type": "static", "destination": "events.event_type", "value": "screen_view",
     "value_type": "string"},
    {"mapping_type": "column", "source": "screen", "destination": "events.screen_name"}]})");
  MapperOptions options;
  options.pipeline_type = PipelineType::kEvents;
  options.timestamp_field = "at";
  std::vector<core::Column> columns = {
      {"cid", Type::kString, false}, {"screen", Type::kString, false}, {"at", Type::kInt64, false}};
  Record record;
  RowError error;
  Mapper seconds = MustCompile(&ft, columns, options);
  ASSERT_TRUE(seconds.Map({Value::String("c1"), Value::String("home"), Value::Int64(1'700'000'000)},
                          1, &record, &error))
      << error.message;
  EXPECT_EQ(record.event->timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(record.event->screen_name, "home");
  options.timestamp_unit = TimestampUnit::kMilliseconds;
  Mapper millis = MustCompile(&ft, columns, options);
  ASSERT_TRUE(
      millis.Map({Value::String("c1"), Value::String("home"), Value::Int64(1'700'000'000'123)}, 1,
                 &record, &error));
  EXPECT_EQ(record.event->timestamp_ms, 1'700'000'000'123);
  // A screen view without a screen name is a row error.
  EXPECT_FALSE(
      millis.Map({Value::String("c1"), Value::Null(), Value::Int64(1)}, 2, &record, &error));
  EXPECT_EQ(error.message, "a screen_view needs a screen name (events.screen_name is empty)");
}

}  // namespace
}  // namespace wsync::mapping

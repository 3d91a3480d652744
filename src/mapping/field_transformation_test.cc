#include "mapping/field_transformation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wsync::mapping {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

FieldTransformation MustParse(const char* text) {
  auto ft = ParseFieldTransformation(json::parse(text));
  EXPECT_TRUE(ft.ok()) << ft.status().ToString();
  return ft.ok() ? *ft : FieldTransformation{};
}

// The one detail whose field is `field`; fails the test when there is not exactly one.
std::string DetailFor(const core::Status& status, const std::string& field) {
  std::string found;
  int count = 0;
  for (const core::FieldError& e : status.details()) {
    if (e.field == field) {
      found = e.message;
      ++count;
    }
  }
  EXPECT_EQ(count, 1) << "field " << field << " in " << status.ToString();
  return found;
}

TEST(ParseFieldTransformationTest, ParsesAndRoundTrips) {
  json body = json::parse(R"({
    "id": "ft1", "name": "Users", "destination_type": "user_attributes",
    "created_on": "2024-01-01T00:00:00Z", "last_modified_by": "me",
    "mappings": [
      {"mapping_type": "column", "source": "Email", "destination": "user_identities.email"},
      {"mapping_type": "static", "destination": "user_attributes.tier", "value": 3,
       "value_type": "number"},
      {"mapping_type": "ignore", "source": "secret"},
      {"mapping_type": "column", "source": "$unmapped", "destination": "user_attributes.*"}
    ]})");
  auto ft = ParseFieldTransformation(body);
  ASSERT_TRUE(ft.ok()) << ft.status().ToString();
  EXPECT_EQ(ft->id, "ft1");
  EXPECT_EQ(ft->destination_type, DestinationType::kUserAttributes);
  ASSERT_EQ(ft->mappings.size(), 4u);
  EXPECT_EQ(ft->mappings[1].mapping_type, MappingType::kStatic);
  EXPECT_EQ(ft->mappings[1].value, json(3));
  EXPECT_EQ(ft->mappings[2].mapping_type, MappingType::kIgnore);
  EXPECT_TRUE(Validate(*ft).ok()) << Validate(*ft).ToString();

  json back = ToJson(*ft);
  body.erase("created_on");
  body.erase("last_modified_by");
  EXPECT_EQ(back, body);
}

TEST(ParseFieldTransformationTest, IdAndNameAreOptional) {
  FieldTransformation ft = MustParse(R"({"destination_type": "event_batch", "mappings": []})");
  EXPECT_EQ(ft.id, "");
  EXPECT_EQ(ft.destination_type, DestinationType::kEventBatch);
}

TEST(ParseFieldTransformationTest, UnknownFieldsAreNamed) {
  auto ft = ParseFieldTransformation(json::parse(R"({
    "destination_type": "user_attributes", "colour": "red",
    "mappings": [{"mapping_type": "column", "source": "a", "destination": "mpid",
                  "colour": "blue"}]})"));
  ASSERT_FALSE(ft.ok());
  EXPECT_EQ(ft.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(DetailFor(ft.status(), "colour"), "unknown field");
  EXPECT_EQ(DetailFor(ft.status(), "mappings[0].colour"), "unknown field");
}

TEST(ParseFieldTransformationTest, WrongTypesAreNamed) {
  auto ft = ParseFieldTransformation(json::parse(R"({
    "name": 5, "destination_type": "users",
    "mappings": [{"mapping_type": "column", "source": 7, "destination": "mpid"},
                 {"mapping_type": "copy", "source": "a"}, "x", {"source": "b"}]})"));
  ASSERT_FALSE(ft.ok());
  EXPECT_EQ(DetailFor(ft.status(), "name"), "must be a string, got number");
  EXPECT_THAT(DetailFor(ft.status(), "destination_type"),
              HasSubstr("must be user_attributes or event_batch"));
  EXPECT_EQ(DetailFor(ft.status(), "mappings[0].source"), "must be a string, got number");
  EXPECT_THAT(DetailFor(ft.status(), "mappings[1].mapping_type"),
              HasSubstr("must be one of column, static, ignore"));
  EXPECT_EQ(DetailFor(ft.status(), "mappings[2]"), "must be an object, got string");
  EXPECT_EQ(DetailFor(ft.status(), "mappings[3].mapping_type"), "is required");

  auto not_array = ParseFieldTransformation(
      json::parse(R"({"destination_type": "user_attributes", "mappings": {}})"));
  EXPECT_EQ(DetailFor(not_array.status(), "mappings"), "must be an array, got object");
  EXPECT_FALSE(ParseFieldTransformation(json::array()).ok());
  auto missing = ParseFieldTransformation(json::object());
  EXPECT_THAT(DetailFor(missing.status(), "destination_type"), HasSubstr("is required"));
  EXPECT_EQ(DetailFor(missing.status(), "mappings"), "is required");
}

FieldTransformation Users(std::vector<Mapping> mappings) {
  FieldTransformation ft;
  ft.name = "t";
  ft.mappings = std::move(mappings);
  return ft;
}

FieldTransformation Events(std::vector<Mapping> mappings) {
  FieldTransformation ft = Users(std::move(mappings));
  ft.destination_type = DestinationType::kEventBatch;
  return ft;
}

Mapping Column(std::string source, std::string destination) {
  return {MappingType::kColumn, std::move(source), std::move(destination), nullptr, ""};
}
Mapping Static(std::string destination, json value, std::string value_type) {
  return {MappingType::kStatic, "", std::move(destination), std::move(value),
          std::move(value_type)};
}
Mapping Ignore(std::string source) { return {MappingType::kIgnore, std::move(source), "", {}, ""}; }

TEST(ValidateTest, UnknownIdentityTypeNamesTheMapping) {
  auto status =
      Validate(Users({Column("id", "user_identities.customer_id"), Column("x", "user_attributes.x"),
                      Column("emial", "user_identities.emial")}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(DetailFor(status, "mappings[2].destination"),
            "mapping 2 (column 'emial' → user_identities.emial): unknown identity type 'emial'");
}

TEST(ValidateTest, IdentityKinds) {
  EXPECT_TRUE(Validate(Users({Column("a", "mpid"), Column("b", "user_identities.CustomerID"),
                              Column("c", "device_info.ios_idfv")}))
                  .ok());
  auto status =
      Validate(Users({Column("a", "device_info.email"), Column("b", "user_identities.push_token"),
                      Column("c", "user_identities.mpid")}));
  EXPECT_THAT(DetailFor(status, "mappings[0].destination"),
              HasSubstr("'email' is a user identity; use user_identities.email"));
  EXPECT_THAT(DetailFor(status, "mappings[1].destination"),
              HasSubstr("'push_token' is a device identity; use device_info.push_token"));
  EXPECT_THAT(DetailFor(status, "mappings[2].destination"),
              HasSubstr("use the destination 'mpid'"));
}

TEST(ValidateTest, UnknownDestination) {
  auto status = Validate(
      Users({Column("a", "mpid"), Column("b", "profile.x"), Column("c", "events.event_name")}));
  EXPECT_THAT(DetailFor(status, "mappings[1].destination"),
              HasSubstr("mapping 1 (column 'b' → profile.x): unknown destination 'profile.x'"));
  EXPECT_THAT(DetailFor(status, "mappings[2].destination"),
              HasSubstr("events destinations need destination_type event_batch"));
}

TEST(ValidateTest, OneMappingPerDestination) {
  auto status = Validate(Users(
      {Column("a", "user_identities.customer_id"), Column("b", "user_identities.customerid")}));
  EXPECT_EQ(DetailFor(status, "mappings[1].destination"),
            "mapping 1 (column 'b' → user_identities.customerid): destination "
            "user_identities.customer_id is already mapped by mapping 0");
}

TEST(ValidateTest, ColumnIgnoreAndStaticShapes) {
  auto status = Validate(Users({Column("", "user_attributes.a"), Column("b", ""),
                                Mapping{MappingType::kIgnore, "c", "user_attributes.c", {}, ""},
                                Ignore(""), Column("e", "mpid")}));
  EXPECT_THAT(DetailFor(status, "mappings[0].source"),
              HasSubstr("a column mapping needs a source column"));
  EXPECT_EQ(DetailFor(status, "mappings[1].destination"),
            "mapping 1 (column 'b'): a column mapping needs a destination");
  EXPECT_EQ(DetailFor(status, "mappings[2].destination"),
            "mapping 2 (ignore column 'c' → user_attributes.c): an ignore mapping takes no "
            "destination");
  EXPECT_THAT(DetailFor(status, "mappings[3].source"),
              HasSubstr("an ignore mapping needs a source column"));

  status = Validate(Users(
      {Column("e", "mpid"), Static("user_attributes.a", "x", "number"),
       Static("user_attributes.b", 1, "boolean"), Static("user_attributes.c", true, "string"),
       Static("user_attributes.d", "x", "date"),
       Mapping{MappingType::kStatic, "col", "user_attributes.e", "x", "string"},
       Static("user_attributes.f", "ok", "string"), Static("user_attributes.g", 2.5, "number"),
       Static("user_attributes.h", false, "boolean")}));
  EXPECT_EQ(DetailFor(status, "mappings[1].value"),
            "mapping 1 (static 'x' → user_attributes.a): value must be a number");
  EXPECT_THAT(DetailFor(status, "mappings[2].value"), HasSubstr("value must be a boolean"));
  EXPECT_THAT(DetailFor(status, "mappings[3].value"), HasSubstr("value must be a string"));
  EXPECT_THAT(DetailFor(status, "mappings[4].value_type"),
              HasSubstr("value_type must be string, number or boolean, not 'date'"));
  EXPECT_THAT(DetailFor(status, "mappings[5].source"),
              HasSubstr("a static mapping takes no source"));
  EXPECT_EQ(status.details().size(), 5u) << status.ToString();
}

TEST(ValidateTest, UnmappedOnlyWithWildcard) {
  EXPECT_TRUE(
      Validate(Users({Column("e", "mpid"), Column("$unmapped", "user_attributes.*")})).ok());
  auto status = Validate(Users({Column("e", "mpid"), Column("$unmapped", "user_attributes.x"),
                                Column("col", "user_attributes.*")}));
  EXPECT_THAT(DetailFor(status, "mappings[1].destination"),
              HasSubstr("$unmapped maps only to user_attributes.*"));
  EXPECT_THAT(DetailFor(status, "mappings[2].source"),
              HasSubstr("user_attributes.* takes only the column mapping of source $unmapped"));
}

TEST(ValidateTest, EventBatchNeedsEventType) {
  auto status = Validate(Events({Column("e", "user_identities.email")}));
  EXPECT_EQ(DetailFor(status, "mappings"), "an event_batch needs a mapping to events.event_type");
}

TEST(ValidateTest, CustomEventRules) {
  auto status = Validate(Events({Column("e", "user_identities.email"),
                                 Static("events.event_type", "custom_event", "string")}));
  ASSERT_EQ(status.details().size(), 2u) << status.ToString();
  EXPECT_EQ(status.details()[0].field, "mappings[1]");
  EXPECT_EQ(status.details()[0].message,
            "mapping 1 (static 'custom_event' → events.event_type): a custom_event needs a "
            "mapping to events.event_name");
  EXPECT_THAT(status.details()[1].message,
              HasSubstr("a custom_event needs a mapping to events.custom_event_type"));

  status = Validate(Events({Column("e", "user_identities.email"),
                            Static("events.event_type", "custom_event", "string"),
                            Column("name", "events.event_name"),
                            Static("events.custom_event_type", "shopping", "string")}));
  EXPECT_THAT(DetailFor(status, "mappings[3].value"),
              HasSubstr("custom_event_type must be one of attribution, location"));

  EXPECT_TRUE(Validate(Events({Column("e", "user_identities.email"),
                               Static("events.event_type", "custom_event", "string"),
                               Column("name", "events.event_name"),
                               Static("events.custom_event_type", "navigation", "string"),
                               Column("ts", "events.timestamp_unixtime_ms"),
                               Column("$unmapped", "events.custom_attributes.*"),
                               Column("sku", "events.product_action.action")}))
                  .ok());
}

TEST(ValidateTest, ScreenViewNeedsScreenName) {
  auto status = Validate(Events({Column("e", "user_identities.email"),
                                 Static("events.event_type", "screen_view", "string")}));
  EXPECT_THAT(DetailFor(status, "mappings[1]"),
              HasSubstr("a screen_view needs a mapping to events.screen_name"));
  status = Validate(Events({Column("e", "user_identities.email"), Column("t", "events.event_type"),
                            Column("p", "events.product_action.colour")}));
  EXPECT_THAT(DetailFor(status, "mappings[2].destination"),
              HasSubstr("unknown product_action field 'colour'"));
}

TEST(ValidateTest, StaticMpidMustBeAnInteger) {
  auto status = Validate(Users({Static("mpid", "abc", "string")}));
  EXPECT_EQ(DetailFor(status, "mappings[0].value"),
            "mapping 0 (static 'abc' → mpid): a static mpid must be an integer number");
  EXPECT_TRUE(Validate(Users({Static("mpid", 12, "number")})).ok());
}

TEST(ValidateTest, NeedsMappings) {
  EXPECT_EQ(DetailFor(Validate(Users({})), "mappings"), "at least one mapping is required");
}

}  // namespace
}  // namespace wsync::mapping

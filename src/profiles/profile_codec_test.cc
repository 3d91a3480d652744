#include "profiles/profile_codec.h"

#include <gtest/gtest.h>

namespace wsync::profiles {
namespace {

using core::Value;

StoredAttribute Attr(Value v, int64_t source_time, std::string pipeline = "p1",
                     int64_t run_id = 7) {
  return StoredAttribute{std::move(v), false, source_time, std::move(pipeline), run_id, 99};
}

TEST(ProfileCodecTest, SharedProvenanceIsStoredOnce) {
  std::map<std::string, StoredAttribute> attrs;
  attrs["plan"] = Attr(Value::String("pro"), 5);
  attrs["orders"] = Attr(Value::Int64(3), 5);
  attrs["score"] = Attr(Value::Double(1.5), 6, "p2", 8);
  StoredAttribute gone = Attr(Value::Null(), 5);
  gone.removed = true;
  attrs["vip"] = gone;
  EXPECT_EQ(EncodeAttributes(attrs),
            "{\"v\":2,\"m\":[[5,\"p1\",7,99],[6,\"p2\",8,99]],\"a\":{\"orders\":[3,0],"
            "\"plan\":[\"pro\",0],\"score\":[1.5,1,\"double\"],\"vip\":[0]}}");
}

TEST(ProfileCodecTest, RoundTripsEveryType) {
  std::map<std::string, StoredAttribute> attrs;
  attrs["b"] = Attr(Value::Bool(true), 1);
  attrs["i"] = Attr(Value::Int64(-42), 1);
  attrs["d"] = Attr(Value::Double(2.0), 2);
  attrs["dec"] = Attr(Value::Dec("12.340"), 2, "other");
  attrs["s"] = Attr(Value::String("a \"quoted\" \\ text"), 3);
  attrs["date"] = Attr(Value::DateValue(19000), 3);
  attrs["ts"] = Attr(Value::TimestampValue(1700000000123456), 3);
  attrs["arr"] = Attr(Value::Array({Value::Int64(1), Value::String("x")}), 4);
  StoredAttribute gone = Attr(Value::Null(), 9, "p3", 1);
  gone.removed = true;
  attrs["gone"] = gone;
  std::map<std::string, StoredAttribute> back;
  ASSERT_TRUE(DecodeAttributes(EncodeAttributes(attrs), &back).ok());
  ASSERT_EQ(back.size(), attrs.size());
  for (const auto& [name, a] : attrs) EXPECT_EQ(back[name], a) << name;
}

TEST(ProfileCodecTest, ReadsVersionOneDocuments) {
  // Written before version 2; an attribute may be called "v".
  std::map<std::string, StoredAttribute> back;
  ASSERT_TRUE(DecodeAttributes("{\"v\":{\"v\":\"x\",\"s\":1,\"p\":\"p\",\"r\":2,\"u\":3},"
                               "\"ts\":{\"v\":\"2024-01-02T03:04:05Z\",\"t\":\"timestamp\","
                               "\"s\":4,\"p\":\"q\",\"r\":5,\"u\":6},"
                               "\"old\":{\"v\":null,\"s\":7,\"p\":\"p\",\"r\":8,\"u\":9,\"x\":1}}",
                               &back)
                  .ok());
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back["v"], (StoredAttribute{Value::String("x"), false, 1, "p", 2, 3}));
  EXPECT_EQ(back["ts"],
            (StoredAttribute{Value::TimestampValue(1704164645000000), false, 4, "q", 5, 6}));
  EXPECT_EQ(back["old"], (StoredAttribute{Value::Null(), true, 7, "p", 8, 9}));
}

TEST(ProfileCodecTest, MalformedDocumentsAreErrorsNotCrashes) {
  std::map<std::string, StoredAttribute> back;
  EXPECT_EQ(DecodeAttributes("[1]", &back).code(), core::StatusCode::kInternal);
  EXPECT_EQ(DecodeAttributes("{\"v\":3,\"m\":[],\"a\":{}}", &back).code(),
            core::StatusCode::kInternal);
  EXPECT_EQ(DecodeAttributes("{\"v\":2,\"m\":[],\"a\":{\"x\":[1,0]}}", &back).code(),
            core::StatusCode::kInternal);
  EXPECT_EQ(DecodeAttributes("{\"v\":2,\"m\":[[1,2,3,4]],\"a\":{\"x\":[1,0]}}", &back).code(),
            core::StatusCode::kInternal);
  EXPECT_EQ(DecodeAttributes("{\"v\":2,\"m\":{},\"a\":{}}", &back).code(),
            core::StatusCode::kInternal);
}

// A version 1 field of the wrong type is a Status error (json::value used to throw type_error).
TEST(ProfileCodecTest, WrongFieldTypesInVersionOneAreErrorsNotExceptions) {
  std::map<std::string, StoredAttribute> back;
  for (const char* doc : {"{\"a\":{\"v\":1,\"r\":\"2\"}}", "{\"a\":{\"v\":1,\"s\":[]}}",
                          "{\"a\":{\"v\":1,\"u\":1.5}}", "{\"a\":{\"v\":1,\"p\":7}}",
                          "{\"a\":{\"v\":1,\"s\":null}}"}) {
    core::Status s = core::Status::Ok();
    EXPECT_NO_THROW(s = DecodeAttributes(doc, &back)) << doc;
    EXPECT_EQ(s.code(), core::StatusCode::kInternal) << doc;
  }
  // Absent fields still default, and an attribute without "v" is null.
  ASSERT_TRUE(DecodeAttributes("{\"a\":{\"s\":5}}", &back).ok());
  EXPECT_EQ(back["a"], (StoredAttribute{Value::Null(), false, 5, "", 0, 0}));
}

}  // namespace
}  // namespace wsync::profiles

#include "storage/store_url.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace wsync::storage {
namespace {

TEST(StoreUrlTest, AbsoluteSqliteUrl) {
  auto location = ParseStoreUrl("sqlite:///var/lib/wsync/state.db");
  ASSERT_TRUE(location.ok()) << location.status().ToString();
  EXPECT_EQ(location->database_path, "/var/lib/wsync/state.db");
  EXPECT_EQ(location->data_dir, "/var/lib/wsync");
  EXPECT_EQ(location->url, "sqlite:///var/lib/wsync/state.db");
}

TEST(StoreUrlTest, RelativeSqliteUrlIsMadeAbsolute) {
  auto location = ParseStoreUrl("sqlite:data/./wsync.db");
  ASSERT_TRUE(location.ok()) << location.status().ToString();
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(location->database_path, cwd + "/data/wsync.db");
  EXPECT_EQ(location->data_dir, cwd + "/data");
}

TEST(StoreUrlTest, DataDirMeansWsyncDbInIt) {
  StoreLocation location = StoreInDataDir("/srv/wsync");
  EXPECT_EQ(location.url, "sqlite:///srv/wsync/wsync.db");
  EXPECT_EQ(location.data_dir, "/srv/wsync");
}

TEST(StoreUrlTest, RefusesWhatItCannotOpen) {
  for (const char* url : {"sqlite://host/x.db", "mysql://x", "", "sqlite:///", "sqlite:///dir/",
                          "/plain/path.db", "sqlite:///x.db?mode=ro"}) {
    auto location = ParseStoreUrl(url);
    EXPECT_EQ(location.status().code(), core::StatusCode::kInvalidArgument) << url;
  }
  auto pg = ParseStoreUrl("postgresql://user:secret@127.0.0.1/wsync");
  ASSERT_EQ(pg.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(pg.status().message().find("secret"), std::string::npos);  // no password echoed
  EXPECT_NE(pg.status().message().find("SQLite only"), std::string::npos);
}

TEST(StoreUrlTest, ChooseStorePrefersTheUrlAndRefusesTwoPlaces) {
  EXPECT_EQ(ChooseStore(std::nullopt, std::nullopt, "/d")->url, "sqlite:///d/wsync.db");
  EXPECT_EQ(ChooseStore(std::nullopt, "/e", "/d")->url, "sqlite:///e/wsync.db");
  EXPECT_EQ(ChooseStore("sqlite:///f/x.db", std::nullopt, "/d")->url, "sqlite:///f/x.db");
  EXPECT_EQ(ChooseStore("sqlite:///f/x.db", "/f", "/d")->url, "sqlite:///f/x.db");
  EXPECT_EQ(ChooseStore("sqlite:///f/x.db", "/g", "/d").status().code(),
            core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wsync::storage

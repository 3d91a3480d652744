#include "ui/assets.h"

#include <gtest/gtest.h>

#include <string>

namespace wsync::ui {
namespace {

TEST(UiAssetsTest, RootIsTheIndexPage) {
  const Asset* root = FindAsset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path, "/ui/index.html");
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->bytes.find("<!doctype html>"), std::string_view::npos);
  EXPECT_EQ(FindAsset("/ui/"), root);
}

TEST(UiAssetsTest, FilesKeepTheirBytesAndTypes) {
  const Asset* app = FindAsset("/ui/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(app->bytes.find("export"), std::string_view::npos);
  const Asset* css = FindAsset("/ui/style.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  for (const Asset& a : AllAssets()) {
    EXPECT_TRUE(a.path.starts_with("/ui/")) << a.path;
    EXPECT_FALSE(a.bytes.empty()) << a.path;
    EXPECT_EQ(a.bytes.find('\0'), std::string_view::npos) << a.path;  // text, whole
  }
}

TEST(UiAssetsTest, UnknownPathsAreNotAssets) {
  EXPECT_EQ(FindAsset("/ui/nope.js"), nullptr);
  EXPECT_EQ(FindAsset("/ui/../CMakeLists.txt"), nullptr);
  EXPECT_EQ(FindAsset("/index.html"), nullptr);
  EXPECT_EQ(FindAsset("/platform/v2/openapi.json"), nullptr);
  EXPECT_EQ(FindAsset(""), nullptr);
}

TEST(UiAssetsTest, SecurityHeadersAllowOnlyThisOrigin) {
  std::string csp;
  bool nosniff = false;
  for (const auto& [name, value] : SecurityHeaders()) {
    if (name == "Content-Security-Policy") csp = value;
    if (name == "X-Content-Type-Options") nosniff = value == "nosniff";
  }
  EXPECT_TRUE(nosniff);
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("http"), std::string::npos);
}

}  // namespace
}  // namespace wsync::ui

// TempDir: a fresh directory under /tmp for one test, removed with everything in it when the
// object goes away. Test-only.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace wsync::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wsync-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace wsync::testing

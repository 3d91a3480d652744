#include "storage/store_url.h"

#include <filesystem>

namespace wsync::storage {

namespace {

std::string Absolute(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

StoreLocation SqliteAt(const std::string& database_path) {
  StoreLocation location;
  location.database_path = Absolute(database_path);
  location.data_dir = std::filesystem::path(location.database_path).parent_path().string();
  location.url = "sqlite://" + location.database_path;
  return location;
}

}  // namespace

core::StatusOr<StoreLocation> ParseStoreUrl(std::string_view url) {
  const std::string shown(url.substr(0, 200));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return core::InvalidArgument("store '" + std::string(url.substr(0, url.find("://") + 3)) +
                                 "…': this build keeps its state in SQLite only (sqlite:///PATH)");
  }
  std::string path;
  if (url.starts_with("sqlite:///")) {
    path = std::string(url.substr(std::string_view("sqlite://").size()));
  } else if (url.starts_with("sqlite:") && !url.starts_with("sqlite://")) {
    path = std::string(url.substr(std::string_view("sqlite:").size()));
  } else {
    return core::InvalidArgument("store URL '" + shown +
                                 "' is not understood: use sqlite:///ABSOLUTE/PATH/wsync.db or "
                                 "sqlite:RELATIVE/PATH/wsync.db");
  }
  if (path.empty() || path.back() == '/' || path.find('\0') != std::string::npos ||
      path.find('?') != std::string::npos) {
    return core::InvalidArgument("store URL '" + shown +
                                 "' must name a database file (sqlite:///PATH/wsync.db)");
  }
  return SqliteAt(path);
}

StoreLocation StoreInDataDir(const std::string& data_dir) {
  return SqliteAt(data_dir + "/wsync.db");
}

core::StatusOr<StoreLocation> ChooseStore(const std::optional<std::string>& url,
                                          const std::optional<std::string>& data_dir,
                                          const std::string& default_data_dir) {
  if (!url || url->empty()) return StoreInDataDir(data_dir.value_or(default_data_dir));
  ASSIGN_OR_RETURN(StoreLocation location, ParseStoreUrl(*url));
  if (data_dir && Absolute(*data_dir) != location.data_dir) {
    return core::InvalidArgument("--data-dir '" + *data_dir + "' and the store '" + location.url +
                                 "' name different directories: give one of them");
  }
  return location;
}

}  // namespace wsync::storage

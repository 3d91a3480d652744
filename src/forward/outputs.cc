#include "forward/outputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace wsync::forward {

namespace {

using nlohmann::json;

std::string String(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool Under(const std::filesystem::path& path, const std::string& dir) {
  const std::filesystem::path base(dir);
  auto [d, p] = std::mismatch(base.begin(), base.end(), path.begin(), path.end());
  return d == base.end();
}

core::Status Refused(const std::string& path, const std::string& why) {
  return core::PermissionDenied("jsonl output '" + path + "': " + why);
}

}  // namespace

core::StatusOr<std::vector<OutputSpec>> ParseOutputs(const json& outputs) {
  std::vector<OutputSpec> out;
  if (!outputs.is_array()) return out;
  for (const json& o : outputs) {
    if (!o.is_object()) continue;
    OutputSpec spec;
    const std::string type = String(o, "type");
    if (type == "http") {
      spec.type = OutputType::kHttp;
      spec.url = String(o, "url");
      spec.key = "http:" + spec.url;
      if (auto h = o.find("headers"); h != o.end() && h->is_object()) {
        for (auto it = h->begin(); it != h->end(); ++it) {
          if (it->is_string()) spec.headers.emplace_back(it.key(), it->get<std::string>());
        }
      }
      if (auto a = o.find("basic_auth"); a != o.end() && a->is_object()) {
        spec.basic_auth.emplace(String(*a, "username"), String(*a, "password"));
      }
      spec.gzip = o.value("gzip", false);
      if (auto m = o.find("max_attempts"); m != o.end() && m->is_number_integer()) {
        spec.max_attempts = m->get<int>();
      }
    } else if (type == "jsonl") {
      spec.type = OutputType::kJsonl;
      spec.path = String(o, "path");
      spec.key = "jsonl:" + spec.path;
    } else {
      return core::InvalidArgument("output of unknown type '" + type + "'");
    }
    out.push_back(std::move(spec));
  }
  return out;
}

core::StatusOr<std::vector<std::string>> ResolveOutputDirs(const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::filesystem::path real = std::filesystem::canonical(dir, ec);
    if (ec || !std::filesystem::is_directory(real, ec)) {
      return core::InvalidArgument("--output-dir '" + dir + "' is not a directory");
    }
    out.push_back(real.string());
  }
  return out;
}

core::Status AppendLines(const FileRules& rules, const std::string& path,
                         const std::vector<storage::OutboxEntry>& entries) {
  if (rules.output_dirs.empty()) {
    return Refused(path, "this server allows no output directory (serve --output-dir DIR)");
  }
  std::filesystem::path wanted(path);
  if (wanted.is_relative()) wanted = std::filesystem::path(rules.output_dirs.front()) / wanted;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::canonical(wanted.parent_path(), ec);
  if (ec) return Refused(path, "its directory does not exist");
  std::filesystem::path real = dir / wanted.filename();
  bool allowed = false;
  for (const std::string& d : rules.output_dirs) allowed |= Under(real, d);
  if (!allowed) return Refused(path, "not under an allowed output directory");
  if (!rules.data_dir.empty()) {
    std::filesystem::path data = std::filesystem::weakly_canonical(rules.data_dir, ec);
    if (!ec && Under(real, data.string())) return Refused(path, "the deployment's own files");
  }
  int fd = ::open(real.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Refused(path, errno == ELOOP ? "a symbolic link" : "cannot be opened");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Refused(path, "not a regular file");
  }
  std::string text;
  for (const storage::OutboxEntry& e : entries) {
    text += e.body;
    text += '\n';
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return core::Unavailable("jsonl output '" + path + "': write failed");
    }
    written += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return core::Unavailable("jsonl output '" + path + "': fsync failed");
  return core::Status::Ok();
}

}  // namespace wsync::forward

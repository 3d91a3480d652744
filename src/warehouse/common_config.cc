#include "warehouse/common_config.h"

#include <string>

namespace wsync::warehouse {

core::StatusOr<CommonConfig> ReadCommonConfig(const nlohmann::json& config) {
  CommonConfig out;
  if (auto it = config.find("max_columns"); it != config.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxMaxColumns) {
      return core::Status::InvalidField("config.max_columns",
                                        "must be an integer between 1 and 100000");
    }
    out.max_columns = static_cast<int>(it->get<int64_t>());
  }
  if (auto it = config.find("statement_timeout_s"); it != config.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
        it->get<int64_t>() > kMaxStatementTimeoutS) {
      return core::Status::InvalidField("config.statement_timeout_s",
                                        "must be an integer number of seconds between 1 and " +
                                            std::to_string(kMaxStatementTimeoutS));
    }
    out.statement_timeout = std::chrono::seconds(it->get<int64_t>());
  }
  return out;
}

}  // namespace wsync::warehouse

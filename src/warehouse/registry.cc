#include "warehouse/registry.h"

#include <string>
#include <utility>

namespace wsync::warehouse {

namespace {

template <typename T>
core::StatusOr<T> Reasoned(core::StatusOr<T> result) {
  if (result.ok()) return result;
  return WithWarehouseReason(result.status());
}

// What Create hands out: the provider's stream and connector, their failures given the
// warehouse reasons (WithWarehouseReason) in one place instead of in every provider.
class ReasonedStream : public RowStream {
 public:
  explicit ReasonedStream(std::unique_ptr<RowStream> inner) : inner_(std::move(inner)) {}
  const std::vector<core::Column>& columns() const override { return inner_->columns(); }
  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    return Reasoned(inner_->Next(batch));
  }

 private:
  std::unique_ptr<RowStream> inner_;
};

class ReasonedConnector : public Connector {
 public:
  explicit ReasonedConnector(std::unique_ptr<Connector> inner) : inner_(std::move(inner)) {}
  core::Status Verify() override { return WithWarehouseReason(inner_->Verify()); }
  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    return Reasoned(inner_->Discover(model_sql, sample_rows));
  }
  core::StatusOr<core::Value> MaxIterator(std::string_view model_sql, const Range& range) override {
    return Reasoned(inner_->MaxIterator(model_sql, range));
  }
  core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query& query) override {
    ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, Reasoned(inner_->Execute(query)));
    return std::unique_ptr<RowStream>(std::make_unique<ReasonedStream>(std::move(stream)));
  }

 private:
  std::unique_ptr<Connector> inner_;
};

}  // namespace

std::string_view DescribeConfigType(ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return "a string";
    case ConfigType::kInteger:
      return "an integer";
    case ConfigType::kBoolean:
      return "a boolean";
    case ConfigType::kJson:
      return "a string or a JSON object";
  }
  return "a string";
}

bool ConfigValueHasType(const nlohmann::json& value, ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return value.is_string();
    case ConfigType::kInteger:
      return value.is_number_integer();
    case ConfigType::kBoolean:
      return value.is_boolean();
    case ConfigType::kJson:
      return value.is_string() || value.is_object();
  }
  return false;
}

const ConfigField* ProviderInfo::Field(std::string_view key) const {
  for (const ConfigField& f : config) {
    if (f.name == key) return &f;
  }
  return nullptr;
}

std::vector<std::string> ProviderInfo::SecretKeys() const {
  std::vector<std::string> keys;
  for (const ConfigField& f : config) {
    if (f.secret) keys.push_back(f.name);
  }
  return keys;
}

Registry::Registry(ConnectorDeps deps) : deps_(deps) {
  if (deps_.clock == nullptr) deps_.clock = core::SystemClock::Default();
}

void Registry::Register(ProviderInfo info, ConnectorFactory factory) {
  for (Entry& e : entries_) {
    if (e.info.name == info.name) {
      e = Entry{std::move(info), std::move(factory)};
      return;
    }
  }
  entries_.push_back(Entry{std::move(info), std::move(factory)});
}

const Registry::Entry* Registry::FindEntry(std::string_view provider) const {
  for (const Entry& e : entries_) {
    if (e.info.name == provider) return &e;
  }
  return nullptr;
}

const ProviderInfo* Registry::Find(std::string_view provider) const {
  const Entry* e = FindEntry(provider);
  return e == nullptr ? nullptr : &e->info;
}

std::vector<const ProviderInfo*> Registry::providers() const {
  std::vector<const ProviderInfo*> out;
  for (const Entry& e : entries_) out.push_back(&e.info);
  return out;
}

bool Registry::HasConnector(std::string_view provider) const {
  const Entry* e = FindEntry(provider);
  return e != nullptr && e->factory != nullptr;
}

std::vector<std::string> Registry::SecretKeys(std::string_view provider) const {
  const ProviderInfo* info = Find(provider);
  return info == nullptr ? std::vector<std::string>() : info->SecretKeys();
}

core::StatusOr<std::unique_ptr<Connector>> Registry::Create(std::string_view provider,
                                                            const nlohmann::json& config,
                                                            const ConnectorContext& context) const {
  const Entry* entry = FindEntry(provider);
  if (entry == nullptr || entry->factory == nullptr) {
    // A described provider without a connector answers as an unknown one did before it was
    // described: the message names what this build can reach.
    std::string known;
    for (const Entry& e : entries_) {
      if (e.factory == nullptr) continue;
      if (!known.empty()) known += ", ";
      known += e.info.name;
    }
    return core::InvalidArgument("unknown warehouse provider '" + std::string(provider) +
                                 "'; this build supports: " + known);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Connector> connector, entry->factory(config, context, deps_));
  return std::unique_ptr<Connector>(std::make_unique<ReasonedConnector>(std::move(connector)));
}

}  // namespace wsync::warehouse

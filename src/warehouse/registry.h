// The warehouse providers a process knows, by name: for each, what its connection config holds
// (a field list with types, which fields are required and which are secrets), what its
// connector can do (capabilities), and the factory that builds its connector — or none yet: a
// provider may be described before this build can connect to it, so its connections can be
// stored and their secrets sealed. The catalog asks the registry which providers exist and
// which config keys are secret; it keeps no list of its own.
//
// Providers are added by explicit calls at start-up (RegisterBuiltinProviders in
// builtin_providers.h, RegisterSqlite), never by static initialisers. Factories receive the
// process's outside effects (ConnectorDeps: clock, HTTP transport) so tests can inject fakes.
//
// Threads: Register is called before the registry is shared; after that every method is const
// and thread-safe (factories are called concurrently and must allow it).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "warehouse/connector.h"

namespace wsync::warehouse {

class HttpTransport;  // warehouse/http/http_transport.h
class NetworkPolicy;  // warehouse/egress.h

// The JSON type of a config value.
enum class ConfigType {
  kString,
  kInteger,
  kBoolean,
  kJson,  // a string or an object (a service-account key file, pasted or parsed)
};
// What a message says a value must be: "a string", "an integer", ...
std::string_view DescribeConfigType(ConfigType type);
bool ConfigValueHasType(const nlohmann::json& value, ConfigType type);

// Members have default initializers so designated initializers may leave any of them out.
struct ConfigField {
  std::string name{};
  ConfigType type = ConfigType::kString;
  // The catalog refuses a connection without it. Checked when a connection is saved; the
  // types of optional fields are the connector's to check when it is created.
  bool required = false;
  // Sealed at rest, masked as "********" in answers, revealed only for the connector.
  bool secret = false;
};

// What a provider's connector can do; read by code that chooses how to run a model.
struct ProviderCapabilities {
  bool max_iterator = true;  // MaxIterator runs in the warehouse (SELECT MAX over the model)
  bool streaming = true;     // Execute streams with bounded memory (cursor, pages, partitions)
  bool billed = false;       // every query costs money: no row counts in advance (SPEC §2)
  bool http = false;         // reached through ConnectorDeps::http, not a driver library
};

struct ProviderInfo {
  std::string name{};     // service_provider, e.g. "postgres"
  std::string dialect{};  // the Dialect that writes its SQL (dialect.h), e.g. "postgres"
  std::vector<ConfigField> config{};
  ProviderCapabilities capabilities{};

  const ConfigField* Field(std::string_view key) const;
  std::vector<std::string> SecretKeys() const;  // in the order of `config`
};

// The outside effects a connector may use, shared by every connector the registry builds.
struct ConnectorDeps {
  const core::Clock* clock = nullptr;  // wall time; the registry fills in the system clock
  HttpTransport* http = nullptr;       // null until this build has a transport
  // Which addresses an untrusted config may reach (SPEC §12 egress rule); null: public only.
  const NetworkPolicy* network = nullptr;
};

// Builds a connector from a connection's config (secrets already revealed into it). Creating a
// connector never contacts the warehouse. `deps` outlive the connector.
using ConnectorFactory = std::function<core::StatusOr<std::unique_ptr<Connector>>(
    const nlohmann::json& config, const ConnectorContext& context, const ConnectorDeps& deps)>;

class Registry {
 public:
  explicit Registry(ConnectorDeps deps = {});

  // Adds `info` (replacing a provider of the same name in place, so the order stays). An empty
  // `factory` describes a provider this build cannot connect to yet.
  void Register(ProviderInfo info, ConnectorFactory factory = nullptr);

  // nullptr when the provider is unknown.
  const ProviderInfo* Find(std::string_view provider) const;
  // Every provider, in registration order.
  std::vector<const ProviderInfo*> providers() const;
  // Whether a connector can be created for `provider`.
  bool HasConnector(std::string_view provider) const;
  // The provider's secret config keys; none for an unknown provider.
  std::vector<std::string> SecretKeys(std::string_view provider) const;

  // InvalidArgument naming the providers this build connects to when `provider` has no
  // factory; otherwise what the factory returns, its connector's failures carrying the
  // warehouse reasons (WithWarehouseReason).
  core::StatusOr<std::unique_ptr<Connector>> Create(
      std::string_view provider, const nlohmann::json& config,
      const ConnectorContext& context = ConnectorContext()) const;

  const ConnectorDeps& deps() const { return deps_; }

 private:
  struct Entry {
    ProviderInfo info;
    ConnectorFactory factory;
  };
  const Entry* FindEntry(std::string_view provider) const;

  ConnectorDeps deps_;
  std::vector<Entry> entries_;  // a handful: found by a linear scan, kept in order
};

}  // namespace wsync::warehouse

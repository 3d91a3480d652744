#include "catalog/catalog.h"

#include "core/enum_names.h"

namespace wsync::catalog {

namespace {

// The names are the stored column values and the API's JSON: never rename one.
constexpr core::EnumName<Lifecycle> kLifecycleNames[] = {
    {Lifecycle::kDraft, "draft"}, {Lifecycle::kActive, "active"}, {Lifecycle::kPaused, "paused"}};
constexpr core::EnumName<Health> kHealthNames[] = {{Health::kHealthy, "healthy"},
                                                   {Health::kFaulted, "faulted"}};
constexpr core::EnumName<VerifyState> kVerifyStateNames[] = {
    {VerifyState::kUnverified, "unverified"},
    {VerifyState::kVerified, "verified"},
    {VerifyState::kFailed, "failed"}};
constexpr core::EnumName<RunType> kRunTypeNames[] = {{RunType::kScheduled, "scheduled"},
                                                     {RunType::kManual, "manual"},
                                                     {RunType::kOnce, "once"},
                                                     {RunType::kHistorical, "historical"}};
constexpr core::EnumName<RunState> kRunStateNames[] = {{RunState::kQueued, "queued"},
                                                       {RunState::kRunning, "running"},
                                                       {RunState::kSucceeded, "succeeded"},
                                                       {RunState::kFailed, "failed"},
                                                       {RunState::kCancelled, "cancelled"}};
static_assert(core::IsDenseEnumTable(kLifecycleNames));
static_assert(core::IsDenseEnumTable(kHealthNames));
static_assert(core::IsDenseEnumTable(kVerifyStateNames));
static_assert(core::IsDenseEnumTable(kRunTypeNames));
static_assert(core::IsDenseEnumTable(kRunStateNames));

}  // namespace

std::string_view Name(Lifecycle lifecycle) { return core::EnumNameOf(kLifecycleNames, lifecycle); }
std::optional<Lifecycle> ParseLifecycle(std::string_view name) {
  return core::ParseEnumName(kLifecycleNames, name);
}

std::string_view Name(Health health) { return core::EnumNameOf(kHealthNames, health); }
std::optional<Health> ParseHealth(std::string_view name) {
  return core::ParseEnumName(kHealthNames, name);
}

std::string_view Name(VerifyState state) { return core::EnumNameOf(kVerifyStateNames, state); }
std::optional<VerifyState> ParseVerifyState(std::string_view name) {
  return core::ParseEnumName(kVerifyStateNames, name);
}

std::string_view Name(RunType type) { return core::EnumNameOf(kRunTypeNames, type); }
std::optional<RunType> ParseRunType(std::string_view name) {
  return core::ParseEnumName(kRunTypeNames, name);
}

std::string_view Name(RunState state) { return core::EnumNameOf(kRunStateNames, state); }
std::optional<RunState> ParseRunState(std::string_view name) {
  return core::ParseEnumName(kRunStateNames, name);
}

bool IsUnfinished(RunState state) {
  return state == RunState::kQueued || state == RunState::kRunning;
}

}  // namespace wsync::catalog

#include "storage/sqlite/resolver_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "mapping/identity_types.h"
#include "profiles/resolver.h"
#include "storage/sqlite/schema.h"

namespace wsync::profiles {

namespace {

constexpr int64_t kRunId = 1;
constexpr size_t kMaxRows = 256;
constexpr const char* kEnvironment = "production";

}  // namespace

CheckInput DecodeCheckInput(const uint8_t* data, size_t size) {
  CheckInput in;
  size_t pos = 0;
  auto next = [&]() -> uint8_t { return pos < size ? data[pos++] : 0; };
  const size_t k = next() % 4 + 1;
  for (size_t i = 0; i < k; ++i) in.batch_sizes.push_back(next() % 8 + 1);
  // customer_id, email and the next user identity type, in priority order.
  static const char* const kTypes[] = {"customer_id", "email", "other"};
  static const char* const kPlans[] = {"free", "pro"};
  while (pos < size && in.rows.size() < kMaxRows) {
    const uint8_t mask = next(), values = next(), attr = next();
    CheckRow row;
    for (int t = 0; t < 3; ++t) {
      if ((mask & (1 << t)) == 0) continue;
      const mapping::IdentityType* type = mapping::FindIdentityType(kTypes[t]);
      const int v = (values >> (2 * t)) & 3;
      row.record.identities.push_back(
          {type->priority, std::string(kTypes[t]) + std::to_string(v) + "@x"});
    }
    if (row.record.identities.empty()) continue;  // the mapper never emits such a row
    std::sort(row.record.identities.begin(), row.record.identities.end(),
              [](const auto& a, const auto& b) { return a.type < b.type; });
    switch (attr & 3) {
      case 0:
        break;
      case 3:
        row.record.attributes.push_back({"plan", core::Value::Null()});
        break;
      default:
        row.record.attributes.push_back({"plan", core::Value::String(kPlans[(attr & 3) - 1])});
    }
    row.source_time = 10 * (((attr >> 2) & 3) + 1);
    in.rows.push_back(std::move(row));
  }
  return in;
}

core::StatusOr<std::unique_ptr<ResolverChecker>> ResolverChecker::Open(const std::string& path) {
  ASSIGN_OR_RETURN(auto db, db::Db::Open(path));
  RETURN_IF_ERROR(db::Migrate(db.get()));
  ASSIGN_OR_RETURN(auto store, SqliteProfileStore::Open(path));
  return std::unique_ptr<ResolverChecker>(new ResolverChecker(std::move(db), std::move(store)));
}

core::Status ResolverChecker::Resolve(int64_t ws, const CheckInput& input,
                                      const std::vector<size_t>& sizes) {
  Scope scope{ws, kEnvironment};
  // The run the checkpoints name, in this workspace (run ids count per workspace).
  ASSIGN_OR_RETURN(db::Stmt run,
                   db_->Prepare("INSERT OR IGNORE INTO runs (workspace_id, run_id, pipeline_id, "
                                "run_type, state, created_at) VALUES (?1, ?2, 'p', 'manual', "
                                "'running', 0)"));
  run.Bind(1, ws).Bind(2, kRunId);
  RETURN_IF_ERROR(run.Run());
  Resolver resolver(store_.get(),
                    ResolverOptions{scope, InputProtection::kCreateAndUpdate, "p", kRunId},
                    /*now_micros=*/100);
  size_t next = 0, cut = 0;
  while (next < input.rows.size()) {
    const size_t n = std::max<size_t>(1, sizes[cut++ % sizes.size()]);
    std::vector<ResolveInput> batch;
    for (size_t i = next; i < input.rows.size() && i < next + n; ++i) {
      batch.push_back({&input.rows[i].record, static_cast<int64_t>(i + 1), "k" + std::to_string(i),
                       i, input.rows[i].source_time});
    }
    next += batch.size();
    RETURN_IF_ERROR(store_->Transaction([&]() -> core::Status {
      BatchResult out;
      RETURN_IF_ERROR(resolver.ResolveBatch(batch, &out));
      return store_->Apply(scope, out.changes);
    }));
  }
  return core::Status::Ok();
}

core::StatusOr<std::vector<std::string>> ResolverChecker::Snapshot(int64_t ws) {
  ASSIGN_OR_RETURN(ProfilePage page,
                   store_->List(ws, std::string(kEnvironment), std::nullopt, 1, int64_t{1} << 30));
  std::set<std::tuple<std::string, std::string, int64_t>> held, indexed;
  std::vector<std::string> profiles;
  for (const Profile& p : page.items) {
    std::string text;
    for (const auto& [type, value] : p.identities) {
      if (!held.emplace(type, value, p.mpid).second) return core::Internal("duplicate identity");
      text += type + "=" + value + ";";
    }
    text += "|";
    for (const auto& [name, a] : p.attributes) {
      text += name + "=";
      a.value.AppendJson(&text);
      text += (a.removed ? "/removed@" : "@") + std::to_string(a.source_time) + ";";
    }
    profiles.push_back(std::move(text));
  }
  ASSIGN_OR_RETURN(db::Stmt stmt, db_->Prepare("SELECT type, value, mpid FROM identities WHERE "
                                               "workspace_id = ?1 AND environment = ?2"));
  stmt.Bind(1, ws).Bind(2, std::string(kEnvironment));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    indexed.emplace(stmt.Text(0), stmt.Text(1), stmt.Int(2));
  }
  if (held != indexed) {
    std::string diff;
    for (const auto& [t, v, m] : indexed) {
      if (!held.contains({t, v, m})) diff += " index has " + t + ":" + v + "->" + std::to_string(m);
    }
    for (const auto& [t, v, m] : held) {
      if (!indexed.contains({t, v, m})) {
        diff += " profile " + std::to_string(m) + " holds " + t + ":" + v + " not indexed";
      }
    }
    return core::Internal("workspace " + std::to_string(ws) +
                          ": identity index disagrees with the profiles:" + diff);
  }
  std::sort(profiles.begin(), profiles.end());
  return profiles;
}

core::Status ResolverChecker::Check(const CheckInput& input) {
  const int64_t batched = next_workspace_++;
  const int64_t single = next_workspace_++;
  RETURN_IF_ERROR(Resolve(batched, input, input.batch_sizes));
  RETURN_IF_ERROR(Resolve(single, input, {1}));
  ASSIGN_OR_RETURN(auto a, Snapshot(batched));
  ASSIGN_OR_RETURN(auto b, Snapshot(single));
  if (a != b) {
    std::string text = "batched and one-row batches disagree:\n batched:";
    for (const auto& p : a) text += "\n  " + p;
    text += "\n single:";
    for (const auto& p : b) text += "\n  " + p;
    return core::Internal(text);
  }
  return core::Status::Ok();
}

}  // namespace wsync::profiles

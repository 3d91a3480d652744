#include <gtest/gtest.h>

#include <set>

#include "mapping/identity_types.h"
#include "profiles/resolver.h"
#include "storage/contract/backends.h"

// The Resolver over every backend's ProfileStore: the store's half of resolution (lookups,
// loads, Apply with its checkpoint, mpid claims, fingerprints) is the contract here.
namespace wsync::profiles {
namespace {

using core::Value;

mapping::Identity Id(const char* type, std::string value) {
  return {mapping::FindIdentityType(type)->priority, std::move(value)};
}

class ResolverTest : public storage::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    // Runs 1, 2 and 3 of workspace 1, for the checkpoints the batches write.
    for (const char* pipeline : {"p", "p2", "p3"}) {
      catalog::Run run;
      run.workspace_id = 1;
      run.pipeline_id = pipeline;
      ASSERT_TRUE(session_->catalog()->CreateRun(run).ok());
    }
    store_ = session_->store();
  }

  // Resolves and applies one batch; returns the result.
  BatchResult Batch(Resolver* r, std::vector<mapping::Record>& records, int64_t source_time = 10) {
    std::vector<ResolveInput> inputs;
    for (size_t i = 0; i < records.size(); ++i) {
      inputs.push_back({&records[i], static_cast<int64_t>(i + 1), "k", i, source_time});
    }
    BatchResult out;
    EXPECT_TRUE(r->ResolveBatch(inputs, &out).ok());
    core::Status applied = store_->Apply(scope_, out.changes);
    EXPECT_TRUE(applied.ok()) << applied.ToString();
    return out;
  }

  ResolverOptions Options(InputProtection p = InputProtection::kCreateAndUpdate,
                          int64_t run_id = 1) {
    return {scope_, p, "p", run_id};
  }

  int64_t Find(const char* type, const char* value, const char* env = "production") {
    auto page = store_->List(1, env, IdentityRef{type, value}, 1, 10);
    EXPECT_TRUE(page.ok());
    return page->items.size() == 1 ? page->items[0].mpid : 0;
  }

  Scope scope_{1, "production"};
  ProfileStore* store_ = nullptr;  // the session's
};

mapping::Record Rec(std::vector<mapping::Identity> ids,
                    std::vector<mapping::Attribute> attrs = {}) {
  mapping::Record r;
  r.identities = std::move(ids);
  r.attributes = std::move(attrs);
  return r;
}

TEST_P(ResolverTest, TwoNewRowsWithOneIdentityMakeOneProfile) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> recs = {
      Rec({Id("email", "a@x.com")}, {{"plan", Value::String("pro")}}),
      Rec({Id("email", "a@x.com")}, {{"age", Value::Int64(3)}})};
  BatchResult out = Batch(&r, recs);
  EXPECT_EQ(out.profiles_created, 1);
  EXPECT_EQ(out.rows[0].mpid, out.rows[1].mpid);
  auto p = store_->Get(1, out.rows[0].mpid);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(p->attributes.at("age").value, Value::Int64(3));
}

TEST_P(ResolverTest, EmailChangesOnTheSameCustomer) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b1 = {Rec({Id("customer_id", "1"), Id("email", "old@x.com")})};
  int64_t mpid = Batch(&r, b1).rows[0].mpid;
  std::vector<mapping::Record> b2 = {Rec({Id("customer_id", "1"), Id("email", "new@x.com")})};
  BatchResult out = Batch(&r, b2);
  EXPECT_EQ(out.rows[0].mpid, mpid);
  EXPECT_EQ(out.profiles_created, 0);
  EXPECT_EQ(out.identity_conflicts, 0);
  EXPECT_EQ(Find("email", "new@x.com"), mpid);
  EXPECT_EQ(Find("email", "old@x.com"), 0);
  EXPECT_EQ(store_->Get(1, mpid)->identities.at("email"), "new@x.com");
}

// Review B1: A drops old@x and new customer B takes it in the same batch. The index row must
// move with it, so a second pipeline keyed on email writes onto B, not A.
TEST_P(ResolverTest, IdentityMovedBetweenProfilesInOneBatchMovesItsIndexRow) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b1 = {Rec({Id("customer_id", "A"), Id("email", "old@x.com")})};
  const int64_t a = Batch(&r, b1).rows[0].mpid;
  std::vector<mapping::Record> b2 = {Rec({Id("customer_id", "A"), Id("email", "new@x.com")}),
                                     Rec({Id("customer_id", "B"), Id("email", "old@x.com")})};
  BatchResult moved = Batch(&r, b2);
  ASSERT_EQ(moved.rows[0].mpid, a);
  const int64_t b = moved.rows[1].mpid;
  ASSERT_NE(b, a);
  EXPECT_EQ(moved.identity_conflicts, 0);
  EXPECT_EQ(store_->Get(1, a)->identities.at("email"), "new@x.com");
  EXPECT_EQ(store_->Get(1, b)->identities.at("email"), "old@x.com");
  EXPECT_EQ(Find("email", "old@x.com"), b);
  EXPECT_EQ(Find("email", "new@x.com"), a);

  Resolver by_email(store_, Options(InputProtection::kCreateAndUpdate, 2), 200);
  std::vector<mapping::Record> nick = {
      Rec({Id("email", "old@x.com")}, {{"nickname", Value::String("bee")}})};
  BatchResult out = Batch(&by_email, nick, 20);
  EXPECT_EQ(out.rows[0].mpid, b);
  EXPECT_EQ(out.identity_conflicts, 0);
  EXPECT_EQ(store_->Get(1, b)->attributes.at("nickname").value, Value::String("bee"));
  EXPECT_EQ(store_->Get(1, a)->attributes.count("nickname"), 0u);
  // B's own pipeline meets no conflict on the next run either.
  Resolver again(store_, Options(InputProtection::kCreateAndUpdate, 3), 300);
  std::vector<mapping::Record> b3 = {Rec({Id("customer_id", "B"), Id("email", "old@x.com")})};
  out = Batch(&again, b3, 30);
  EXPECT_EQ(out.rows[0].mpid, b);
  EXPECT_EQ(out.identity_conflicts, 0);
}

TEST_P(ResolverTest, EmailOfAnotherCustomerIsAConflictAndStays) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b1 = {
      Rec({Id("customer_id", "1"), Id("email", "a@x.com")}, {{"plan", Value::String("free")}})};
  int64_t first = Batch(&r, b1).rows[0].mpid;
  std::vector<mapping::Record> b2 = {
      Rec({Id("customer_id", "2"), Id("email", "a@x.com")}, {{"plan", Value::String("pro")}})};
  BatchResult out = Batch(&r, b2);
  EXPECT_EQ(out.identity_conflicts, 1);
  EXPECT_EQ(out.profiles_created, 1);
  int64_t second = out.rows[0].mpid;
  EXPECT_NE(second, first);
  // No cross-customer write: the first profile keeps its email and its plan.
  EXPECT_EQ(Find("email", "a@x.com"), first);
  EXPECT_EQ(store_->Get(1, first)->attributes.at("plan").value, Value::String("free"));
  EXPECT_EQ(store_->Get(1, second)->identities.count("email"), 0u);
  EXPECT_EQ(store_->Get(1, second)->attributes.at("plan").value, Value::String("pro"));
}

TEST_P(ResolverTest, UpdateOnlyCreatesNothingAndReadOnlyWritesNothing) {
  Resolver upd(store_, Options(InputProtection::kUpdateOnly), 100);
  std::vector<mapping::Record> b = {Rec({Id("email", "u@x.com")}, {{"a", Value::Int64(1)}})};
  BatchResult out = Batch(&upd, b);
  EXPECT_EQ(out.rows[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(Find("email", "u@x.com"), 0);

  Resolver create(store_, Options(), 100);
  int64_t mpid = Batch(&create, b).rows[0].mpid;
  Resolver ro(store_, Options(InputProtection::kReadOnly), 200);
  std::vector<mapping::Record> b2 = {Rec({Id("email", "u@x.com")}, {{"a", Value::Int64(2)}})};
  out = Batch(&ro, b2);
  EXPECT_EQ(out.rows[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(out.rows[0].mpid, mpid);
  EXPECT_TRUE(out.changes.profiles.empty());
  EXPECT_EQ(store_->Get(1, mpid)->attributes.at("a").value, Value::Int64(1));
}

TEST_P(ResolverTest, NullRemovesAndOlderSourceNeverOverwrites) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b1 = {
      Rec({Id("email", "n@x.com")}, {{"plan", Value::String("pro")}})};
  int64_t mpid = Batch(&r, b1, /*source_time=*/50).rows[0].mpid;
  std::vector<mapping::Record> older = {
      Rec({Id("email", "n@x.com")}, {{"plan", Value::String("old")}})};
  BatchResult out = Batch(&r, older, /*source_time=*/40);
  EXPECT_FALSE(out.rows[0].changed);
  EXPECT_EQ(store_->Get(1, mpid)->attributes.at("plan").value, Value::String("pro"));
  std::vector<mapping::Record> removal = {Rec({Id("email", "n@x.com")}, {{"plan", Value::Null()}})};
  out = Batch(&r, removal, /*source_time=*/60);
  EXPECT_TRUE(out.rows[0].changed);
  EXPECT_TRUE(store_->Get(1, mpid)->attributes.at("plan").removed);
  // A late, older write cannot bring the removed value back.
  out = Batch(&r, older, /*source_time=*/55);
  EXPECT_TRUE(store_->Get(1, mpid)->attributes.at("plan").removed);
}

// Review B7: re-confirming an equal value moves its source time forward, so a write between the
// two source times cannot replace it; the re-confirmation is not a profile update.
TEST_P(ResolverTest, ReconfirmedValueKeepsItsNewerSourceTime) {
  Resolver a1(store_, {scope_, InputProtection::kCreateAndUpdate, "A", 1}, 100);
  std::vector<mapping::Record> free = {
      Rec({Id("email", "s@x.com")}, {{"plan", Value::String("free")}})};
  const int64_t mpid = Batch(&a1, free, /*source_time=*/1000).rows[0].mpid;  // "January"
  Resolver a2(store_, {scope_, InputProtection::kCreateAndUpdate, "A", 2}, 200);
  BatchResult again = Batch(&a2, free, /*source_time=*/3000);  // "March", same value
  EXPECT_FALSE(again.rows[0].changed);
  EXPECT_EQ(again.profiles_updated, 0);
  ASSERT_EQ(again.changes.profiles.size(), 1u);  // written for its source time
  EXPECT_EQ(store_->Get(1, mpid)->attributes.at("plan").source_time, 3000);
  EXPECT_EQ(store_->Get(1, mpid)->updated_at, 100);
  EXPECT_EQ(store_->Get(1, mpid)->updated_run, 1);

  Resolver b(store_, {scope_, InputProtection::kCreateAndUpdate, "B", 3}, 300);
  std::vector<mapping::Record> pro = {
      Rec({Id("email", "s@x.com")}, {{"plan", Value::String("pro")}})};
  BatchResult out = Batch(&b, pro, /*source_time=*/2000);  // "February"
  EXPECT_FALSE(out.rows[0].changed);
  EXPECT_EQ(store_->Get(1, mpid)->attributes.at("plan").value, Value::String("free"));

  // Re-confirming at the same source time writes nothing.
  Resolver a3(store_, {scope_, InputProtection::kCreateAndUpdate, "A", 3}, 400);
  out = Batch(&a3, free, /*source_time=*/3000);
  EXPECT_TRUE(out.changes.profiles.empty());
  EXPECT_EQ(out.profiles_updated, 0);
}

// Review B14: Erase drops the fingerprints of rows that resolved to the profile, and only those.
TEST_P(ResolverTest, EraseForgetsTheFingerprintsOfItsProfile) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b = {Rec({Id("email", "e1@x.com")}), Rec({Id("email", "e2@x.com")})};
  BatchResult out = Batch(&r, b);
  const int64_t one = out.rows[0].mpid, two = out.rows[1].mpid;
  ChangeSet fps;
  fps.fingerprints = {{"k1", 11, one}, {"k1b", 12, one}, {"k2", 22, two}};
  fps.pipeline_id = "p";
  ASSERT_TRUE(store_->Apply(scope_, fps).ok());
  ASSERT_EQ(store_->LookupFingerprints(1, "p", {"k1", "k1b", "k2"})->size(), 3u);

  ASSERT_TRUE(store_->Erase(1, one).ok());
  auto left = store_->LookupFingerprints(1, "p", {"k1", "k1b", "k2"});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, (std::unordered_map<std::string, uint64_t>{{"k2", 22}}));
  EXPECT_EQ(store_->Erase(1, one).code(), core::StatusCode::kNotFound);
}

// Review F7: a profile write whose mpid belongs to another workspace or environment fails the
// batch and leaves the other profile as it was (the upsert used to overwrite it).
TEST_P(ResolverTest, ForeignMpidIsRefusedNeverOverwritten) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b = {
      Rec({Id("email", "victim@x.com")}, {{"plan", Value::String("pro")}})};
  const int64_t mpid = Batch(&r, b).rows[0].mpid;
  Profile forged;
  forged.mpid = mpid;
  forged.identities = {{"email", "attacker@ws2.example"}};
  ChangeSet changes;
  changes.profiles = {&forged};
  for (const Scope& other : {Scope{2, "production"}, Scope{1, "development"}}) {
    core::Status s = store_->Apply(other, changes);
    EXPECT_EQ(s.code(), core::StatusCode::kInternal) << s.ToString();
  }
  auto kept = store_->Get(1, mpid);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->identities, (std::map<std::string, std::string>{{"email", "victim@x.com"}}));
  EXPECT_EQ(kept->environment, "production");
  EXPECT_EQ(kept->attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(store_->Get(2, mpid).status().code(), core::StatusCode::kNotFound);
}

// Review F7: mpids come from one allocator, so workspaces never draw the same one; each claim is
// a fresh range above the last.
TEST_P(ResolverTest, MpidsNeverRepeatAcrossWorkspaces) {
  Resolver one(store_, Options(), 100);
  ResolverOptions other_opts = Options();
  other_opts.scope.workspace_id = 2;
  Resolver two(store_, other_opts, 100);
  std::set<int64_t> seen;
  int64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    for (Resolver* r : {&one, &two}) {
      std::vector<mapping::Record> b = {Rec({Id("email", "a" + std::to_string(i) + "@x.com")}),
                                        Rec({Id("email", "b" + std::to_string(i) + "@x.com")})};
      std::vector<ResolveInput> inputs = {{&b[0], 1, "k", 0, 10}, {&b[1], 2, "k", 1, 10}};
      BatchResult out;
      ASSERT_TRUE(r->ResolveBatch(inputs, &out).ok());
      for (const ResolveResult& rr : out.rows) {
        EXPECT_GT(rr.mpid, last);
        last = rr.mpid;
        EXPECT_TRUE(seen.insert(rr.mpid).second) << rr.mpid;
      }
    }
  }
  auto a = store_->ClaimMpids(10), c = store_->ClaimMpids(10);
  ASSERT_TRUE(a.ok() && c.ok());
  EXPECT_GE(*c, *a + 10);
  EXPECT_GT(*a, last);
}

// The session's store, counting the mpid claims made through it.
class ClaimCountingStore : public ProfileStore {
 public:
  explicit ClaimCountingStore(ProfileStore* store) : s_(store) {}
  int claims = 0;

  core::StatusOr<int64_t> ClaimMpids(int64_t count) override {
    ++claims;
    return s_->ClaimMpids(count);
  }
  core::StatusOr<std::unordered_map<IdentityRef, int64_t, IdentityRefHash>> LookupIdentities(
      const Scope& scope, const std::vector<IdentityRef>& keys) override {
    return s_->LookupIdentities(scope, keys);
  }
  core::StatusOr<std::unordered_map<int64_t, Profile>> LoadProfiles(
      const Scope& scope, const std::vector<int64_t>& mpids) override {
    return s_->LoadProfiles(scope, mpids);
  }
  core::StatusOr<std::unordered_set<std::string>> ExistingEvents(
      const Scope& scope, const std::vector<std::string>& keys) override {
    return s_->ExistingEvents(scope, keys);
  }
  core::StatusOr<std::unordered_map<std::string, uint64_t>> LookupFingerprints(
      int64_t workspace_id, const std::string& pipeline_id,
      const std::vector<std::string>& row_keys) override {
    return s_->LookupFingerprints(workspace_id, pipeline_id, row_keys);
  }
  core::Status ClearFingerprints(int64_t workspace_id, const std::string& pipeline_id) override {
    return s_->ClearFingerprints(workspace_id, pipeline_id);
  }
  core::Status Transaction(const std::function<core::Status()>& fn) override {
    return s_->Transaction(fn);
  }
  core::Status Apply(const Scope& scope, const ChangeSet& changes) override {
    return s_->Apply(scope, changes);
  }
  core::StatusOr<Profile> Get(int64_t workspace_id, int64_t mpid) override {
    return s_->Get(workspace_id, mpid);
  }
  core::StatusOr<ProfilePage> List(int64_t workspace_id,
                                   const std::optional<std::string>& environment,
                                   const std::optional<IdentityRef>& identity, int64_t page,
                                   int64_t page_size) override {
    return s_->List(workspace_id, environment, identity, page, page_size);
  }
  core::StatusOr<std::vector<StoredEvent>> Events(int64_t workspace_id, int64_t mpid,
                                                  int64_t limit) override {
    return s_->Events(workspace_id, mpid, limit);
  }
  core::Status Erase(int64_t workspace_id, int64_t mpid) override {
    return s_->Erase(workspace_id, mpid);
  }

 private:
  ProfileStore* s_;
};

// A preview resolves without claiming: no mpid is claimed and new profiles get provisional
// negative mpids; a real run of the same rows claims.
TEST_P(ResolverTest, PreviewClaimsNoMpid) {
  ClaimCountingStore counting(store_);
  ResolverOptions opts = Options();
  opts.preview = true;
  Resolver preview(&counting, opts, 100);
  std::vector<mapping::Record> b = {Rec({Id("email", "p1@x.com")}), Rec({Id("email", "p2@x.com")})};
  std::vector<ResolveInput> inputs = {{&b[0], 1, "k", 0, 10}, {&b[1], 2, "k", 1, 10}};
  BatchResult out;
  ASSERT_TRUE(preview.ResolveBatch(inputs, &out).ok());
  EXPECT_EQ(out.profiles_created, 2);
  EXPECT_EQ(out.rows[0].mpid, -1);
  EXPECT_EQ(out.rows[1].mpid, -2);
  EXPECT_EQ(counting.claims, 0);

  Resolver real(&counting, Options(), 100);
  EXPECT_GT(Batch(&real, b).rows[0].mpid, 0);
  EXPECT_EQ(counting.claims, 1);
}

TEST_P(ResolverTest, EnvironmentsStayApart) {
  Resolver prod(store_, Options(), 100);
  std::vector<mapping::Record> b = {Rec({Id("email", "e@x.com")})};
  int64_t p = Batch(&prod, b).rows[0].mpid;
  ResolverOptions dev_opts = Options();
  dev_opts.scope.environment = "development";
  Resolver dev(store_, dev_opts, 100);
  std::vector<ResolveInput> inputs = {{&b[0], 1, "k", 0, 10}};
  BatchResult out;
  ASSERT_TRUE(dev.ResolveBatch(inputs, &out).ok());
  ASSERT_TRUE(store_->Apply(dev_opts.scope, out.changes).ok());
  EXPECT_NE(out.rows[0].mpid, p);
  EXPECT_EQ(Find("email", "e@x.com", "development"), out.rows[0].mpid);
  EXPECT_EQ(Find("email", "e@x.com", "production"), p);
}

TEST_P(ResolverTest, UnknownMpidIsARowError) {
  Resolver r(store_, Options(), 100);
  std::vector<mapping::Record> b = {Rec({Id("mpid", "12345")})};
  BatchResult out = Batch(&r, b);
  EXPECT_EQ(out.rows[0].outcome, Outcome::kFailed);
  EXPECT_EQ(out.rows[0].error.code, mapping::RowErrorCode::kUnknownMpid);
}

TEST_P(ResolverTest, DistinctUpdatedProfilesCountOnce) {
  Resolver create(store_, Options(), 100);
  std::vector<mapping::Record> b = {Rec({Id("email", "d@x.com")}, {{"n", Value::Int64(1)}})};
  EXPECT_EQ(Batch(&create, b).profiles_created, 1);
  std::vector<mapping::Record> again = {Rec({Id("email", "d@x.com")}, {{"n", Value::Int64(9)}})};
  EXPECT_EQ(Batch(&create, again, 11).profiles_updated, 0);  // created by this run

  Resolver r(store_, Options(InputProtection::kCreateAndUpdate, 2), 200);
  std::vector<mapping::Record> b1 = {Rec({Id("email", "d@x.com")}, {{"n", Value::Int64(2)}})};
  std::vector<mapping::Record> b2 = {Rec({Id("email", "d@x.com")}, {{"n", Value::Int64(3)}})};
  EXPECT_EQ(Batch(&r, b1, 20).profiles_updated, 1);
  EXPECT_EQ(Batch(&r, b2, 30).profiles_updated, 0);  // already counted in this run
  std::vector<mapping::Record> same = {Rec({Id("email", "d@x.com")}, {{"n", Value::Int64(3)}})};
  Resolver third(store_, Options(InputProtection::kCreateAndUpdate, 3), 300);
  EXPECT_EQ(Batch(&third, same, 40).profiles_updated, 0);  // no real change
}

WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(ResolverTest);

}  // namespace
}  // namespace wsync::profiles

// sync::SpecFor / Prepare / Preview (sync/prepare.h): the one path from a pipeline's definition
// to mapped rows that the API's checks, preview and every run share. The property test checks
// that preview and a run cannot drift: on random rows, good and bad, preview warns about exactly
// the rows the run records as row errors, and shows exactly the profiles the run creates.
#include "sync/prepare.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "sync_fixture.h"

namespace wsync {
namespace {

using nlohmann::json;

class PrepareTest : public testing::SyncFixture {
 protected:
  core::StatusOr<sync::RunSpec> Spec(const std::string& pipeline_id = "p") {
    auto r = catalog_->Get(1, catalog::Kind::kPipeline, pipeline_id);
    if (!r.ok()) return r.status();
    ASSIGN_OR_RETURN(catalog::Pipeline p, catalog::ParsePipeline(r->body));
    return sync::SpecFor(catalog_, 1, p);
  }

  sync::WarehouseAccess Access() { return engine_->warehouse_access(nullptr); }

  std::vector<std::string> Fields(const core::Status& status) {
    std::vector<std::string> fields;
    for (const core::FieldError& d : status.details()) fields.push_back(d.field);
    return fields;
  }
};

TEST_F(PrepareTest, AMissingResourceIsAFieldErrorOnThePipelinesField) {
  Warehouse("CREATE TABLE t (email TEXT);");
  Define("SELECT email FROM t");
  catalog::Pipeline p =
      *catalog::ParsePipeline(catalog_->Get(1, catalog::Kind::kPipeline, "p")->body);
  p.connection_id = "nope";
  p.data_model_id = "gone";
  core::StatusOr<sync::RunSpec> spec = sync::SpecFor(catalog_, 1, p);
  ASSERT_EQ(spec.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(spec.status()), (std::vector<std::string>{"connection_id", "data_model_id"}));
  EXPECT_EQ(spec.status().details()[0].message, "connection 'nope' does not exist in workspace 1");
}

TEST_F(PrepareTest, AMissingPrimaryKeyAndIteratorAreNamedTogether) {
  Warehouse("CREATE TABLE t (email TEXT, updated_at TEXT);");
  Define("SELECT email FROM t",
         {{"sync_mode",
           {{"type", "incremental"},
            {"iterator", "updated_at"},
            {"iterator_data_type", "timestamp"}}}},
         nullptr, {{"primary_key", {"id"}}});
  ASSERT_TRUE(Spec().ok()) << Spec().status().ToString();
  core::StatusOr<sync::PreparedSync> prepared = sync::Prepare(*Spec(), 1, Access());
  ASSERT_EQ(prepared.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(Fields(prepared.status()),
            (std::vector<std::string>{"data_model_id", "sync_mode.iterator"}));
  EXPECT_EQ(prepared.status().details()[0].message,
            "primary key column 'id' is not in the columns of data model 'm'");
  EXPECT_EQ(prepared.status().details()[1].message,
            "iterator column 'updated_at' is not in the columns of data model 'm'");
  // A run of the same pipeline fails with the same words.
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kFailed);
  EXPECT_NE(run.error->find("iterator column 'updated_at' is not in the columns of data model 'm'"),
            std::string::npos)
      << *run.error;
}

TEST_F(PrepareTest, AMappingErrorSaysWhoseMappingItIs) {
  Warehouse("CREATE TABLE t (email TEXT);");
  ASSERT_NO_FATAL_FAILURE(Define("SELECT email FROM t", json::object(),
                                 {{"id", "ft"},
                                  {"destination_type", "user_attributes"},
                                  {"mappings",
                                   {{{"mapping_type", "column"},
                                     {"source", "emial"},
                                     {"destination", "user_identities.email"}}}}}));
  ASSERT_TRUE(Spec().ok()) << Spec().status().ToString();
  core::StatusOr<sync::PreparedSync> prepared = sync::Prepare(*Spec(), 1, Access());
  ASSERT_EQ(prepared.status().code(), core::StatusCode::kInvalidArgument);
  ASSERT_FALSE(prepared.status().details().empty());
  EXPECT_EQ(prepared.status().details()[0].field, "mappings[0].source");
  EXPECT_TRUE(prepared.status().details()[0].message.starts_with("field transformation 'ft': "))
      << prepared.status().details()[0].message;
}

// Property: preview and a run agree on random rows (valid, without any identity, sharing
// identities with earlier rows and earlier trials), because both map through MapRows and resolve
// with the same Resolver.
TEST_F(PrepareTest, PreviewWarnsAboutExactlyTheRowsARunRejectsAndShowsTheProfilesItCreates) {
  std::mt19937 rng(20261202);
  for (int trial = 0; trial < 6; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    std::string sql =
        "DROP TABLE IF EXISTS t; CREATE TABLE t (n INTEGER, email TEXT, "
        "plan TEXT); INSERT INTO t VALUES ";
    const int rows = 10;  // preview's row count, so both see every row
    for (int i = 1; i <= rows; ++i) {
      const int kind = static_cast<int>(rng() % 4);
      std::string email = kind == 0   ? "NULL"
                          : kind == 1 ? "''"
                                      : "'u" + std::to_string(rng() % 8) + "@x.com'";
      sql += (i > 1 ? "," : "") + std::string("(") + std::to_string(i) + ", " + email + ", 'p" +
             std::to_string(rng() % 3) + "')";
    }
    Warehouse(sql + ";");
    const std::string id = "p" + std::to_string(trial);
    Define("SELECT * FROM t ORDER BY n", {{"id", id}});
    ASSERT_TRUE(catalog_->Get(1, catalog::Kind::kPipeline, id).ok());
    core::StatusOr<sync::RunSpec> spec = Spec(id);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    core::StatusOr<sync::PreparedSync> prepared = sync::Prepare(*spec, 1, Access());
    ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
    const int64_t before = CountProfiles();
    core::StatusOr<sync::PreviewResult> preview =
        sync::Preview(*spec, 1, *prepared, store_, clock_.NowMicros(), rows);
    ASSERT_TRUE(preview.ok()) << preview.status().ToString();
    EXPECT_EQ(CountProfiles(), before);  // preview writes nothing

    std::set<int64_t> warned;
    for (const std::string& w : preview->warnings) warned.insert(std::stoll(w.substr(4)));
    int64_t fresh = 0;
    for (const sync::PreviewProfile& shown : preview->profiles) fresh += !shown.before;

    catalog::Run run = Run(id);
    ASSERT_EQ(run.state, catalog::RunState::kSucceeded) << run.error.value_or("");
    std::set<int64_t> rejected;
    for (const mapping::RowError& e : Errors(run.run_id)) rejected.insert(e.row);
    EXPECT_EQ(warned, rejected);
    EXPECT_EQ(fresh, run.counters.profiles_created);
    EXPECT_EQ(CountProfiles(), before + run.counters.profiles_created);
  }
}

}  // namespace
}  // namespace wsync

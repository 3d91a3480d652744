// Auth over real HTTP: token issue (JSON and form), refusals, expiry on the injected clock,
// revocation taking effect at once, tokens surviving a restart, workspace isolation, healthz.
#include <gtest/gtest.h>

#include "api_test_util.h"

namespace wsync::api_test {
namespace {

class ApiAuthTest : public ::testing::Test {
 protected:
  TestServer server_{/*run_workers=*/0};
};

TEST_F(ApiAuthTest, IssuesTokenFromJsonAndForm) {
  storage::NewCredential cred = server_.NewCredential(1);
  HttpResult json_token = server_.Request("POST", "/oauth/token", "",
                                          json({{"client_id", cred.client_id},
                                                {"client_secret", cred.client_secret},
                                                {"grant_type", "client_credentials"},
                                                {"audience", "https://api.example.com"}})
                                              .dump());
  ASSERT_EQ(json_token.status, 200) << json_token.text;
  EXPECT_EQ(json_token.body["expires_in"], 28800);
  EXPECT_EQ(json_token.body["token_type"], "Bearer");
  EXPECT_TRUE(json_token.body["access_token"].is_string());

  HttpResult form = server_.Request("POST", "/oauth/token", "",
                                    "grant_type=client_credentials&client_id=" + cred.client_id +
                                        "&client_secret=" + cred.client_secret + "&audience=x",
                                    "application/x-www-form-urlencoded");
  ASSERT_EQ(form.status, 200) << form.text;
  std::string token = form.body["access_token"];
  EXPECT_NE(token, json_token.body["access_token"]);
  EXPECT_EQ(Client(&server_, token, 1).Get("/connections").status, 200);
}

TEST_F(ApiAuthTest, WrongSecretAnswersLikeUnknownClient) {
  storage::NewCredential cred = server_.NewCredential(1);
  auto token_for = [&](const std::string& id, const std::string& secret) {
    return server_.Request(
        "POST", "/oauth/token", "",
        json({{"client_id", id}, {"client_secret", secret}, {"grant_type", "client_credentials"}})
            .dump());
  };
  HttpResult wrong = token_for(cred.client_id, cred.client_secret + "x");
  HttpResult unknown = token_for("wsc_nobody", cred.client_secret);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(FirstError(wrong)["code"], "unauthenticated");
  EXPECT_EQ(FirstError(wrong)["message"], "invalid client credentials");
  EXPECT_EQ(wrong.body, unknown.body);
  // The secret never appears in an answer.
  EXPECT_EQ(wrong.text.find(cred.client_secret), std::string::npos);
}

TEST_F(ApiAuthTest, TokenRequestValidation) {
  HttpResult grant = server_.Request(
      "POST", "/oauth/token", "",
      json({{"client_id", "a"}, {"client_secret", "b"}, {"grant_type", "password"}}).dump());
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(FirstError(grant)["field"], "grant_type");
  HttpResult missing = server_.Request("POST", "/oauth/token", "",
                                       json({{"grant_type", "client_credentials"}}).dump());
  EXPECT_EQ(missing.status, 400);
  ASSERT_EQ(missing.body["errors"].size(), 2u);
  EXPECT_EQ(missing.body["errors"][0]["field"], "client_id");
  EXPECT_EQ(missing.body["errors"][1]["field"], "client_secret");
  HttpResult extra = server_.Request("POST", "/oauth/token", "",
                                     json({{"client_id", "a"},
                                           {"client_secret", "b"},
                                           {"grant_type", "client_credentials"},
                                           {"colour", "blue"}})
                                         .dump());
  EXPECT_EQ(extra.status, 400);
  EXPECT_EQ(FirstError(extra)["code"], "unknown_field");
  EXPECT_EQ(FirstError(extra)["field"], "colour");
}

TEST_F(ApiAuthTest, RequestsWithoutValidTokenAre401) {
  HttpResult none = server_.Request("GET", "/platform/v2/workspaces/1/connections", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(FirstError(none)["code"], "unauthenticated");
  EXPECT_EQ(none.headers.find("WWW-Authenticate")->second, "Bearer");
  HttpResult bogus = server_.Request("GET", "/platform/v2/workspaces/1/connections", "wst_nope");
  EXPECT_EQ(bogus.status, 401);
  EXPECT_NE(FirstError(bogus)["message"].get<std::string>().find("unknown, expired or revoked"),
            std::string::npos);
}

TEST_F(ApiAuthTest, TokenExpiresAfterEightHours) {
  std::string token = server_.Token(server_.NewCredential(1));
  Client client(&server_, token, 1);
  server_.clock()->Advance(8LL * 3600 * core::kMicrosPerSecond - core::kMicrosPerSecond);
  EXPECT_EQ(client.Get("/connections").status, 200);
  server_.clock()->Advance(2 * core::kMicrosPerSecond);
  HttpResult expired = client.Get("/connections");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(FirstError(expired)["code"], "unauthenticated");
}

TEST_F(ApiAuthTest, RevokingACredentialStopsItsTokensAtOnce) {
  storage::NewCredential cred = server_.NewCredential(1);
  Client client(&server_, server_.Token(cred), 1);
  ASSERT_EQ(client.Get("/connections").status, 200);
  ASSERT_TRUE(server_.credentials()->Revoke(1, cred.client_id).ok());
  EXPECT_EQ(client.Get("/connections").status, 401);
  HttpResult again = server_.Request("POST", "/oauth/token", "",
                                     json({{"client_id", cred.client_id},
                                           {"client_secret", cred.client_secret},
                                           {"grant_type", "client_credentials"}})
                                         .dump());
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(server_.credentials()->Revoke(2, cred.client_id).code(), core::StatusCode::kNotFound);
}

TEST_F(ApiAuthTest, TokenSurvivesRestart) {
  std::string token = server_.Token(server_.NewCredential(1));
  Client before(&server_, token, 1);
  ASSERT_EQ(before.Post("/data-models", CustomersModel("m1")).status, 201);
  server_.Restart(0);
  Client after(&server_, token, 1);
  HttpResult r = after.Get("/data-models/m1");
  EXPECT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["id"], "m1");
}

TEST_F(ApiAuthTest, WorkspaceIsolation) {
  storage::NewCredential one = server_.NewCredential(1);
  storage::NewCredential two = server_.NewCredential(2);
  Client c1(&server_, server_.Token(one), 1);
  Client c2(&server_, server_.Token(two), 2);
  ASSERT_EQ(c1.Post("/data-models", CustomersModel("secret-model")).status, 201);
  // Workspace 1's token on workspace 2's paths: 403, whatever the resource.
  Client c1_on_2(&server_, c1.token(), 2);
  for (const char* path : {"/data-models", "/data-models/secret-model", "/profiles",
                           "/pipelines/x/runs", "/connections"}) {
    HttpResult r = c1_on_2.Get(path);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(FirstError(r)["code"], "permission_denied");
  }
  EXPECT_EQ(c1_on_2.Delete("/data-models/secret-model").status, 403);
  // Workspace 2 sees none of workspace 1's data.
  HttpResult list = c2.Get("/data-models");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body["total"], 0);
  EXPECT_EQ(c2.Get("/data-models/secret-model").status, 404);
  EXPECT_EQ(c2.Post("/data-models", CustomersModel("secret-model")).status, 201);
  EXPECT_EQ(c1.Get("/data-models").body["total"], 1);
}

TEST_F(ApiAuthTest, HealthzNeedsNoAuth) {
  HttpResult r = server_.Request("GET", "/healthz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, json({{"status", "ok"}, {"database", "ok"}}));
}

}  // namespace
}  // namespace wsync::api_test

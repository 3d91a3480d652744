// The CredentialStore contract (storage/credential_store.h), run against every backend.
#include <gtest/gtest.h>

#include "storage/contract/backends.h"

namespace wsync::storage {
namespace {

class CredentialStoreContractTest : public testing::BackendTest {
 protected:
  CredentialStore* store() { return session_->credentials(); }
};

TEST_P(CredentialStoreContractTest, ACredentialIssuesTokensThatAuthenticateItsWorkspace) {
  auto cred = store()->Create(7);
  ASSERT_TRUE(cred.ok()) << cred.status().ToString();
  EXPECT_TRUE(cred->client_id.starts_with("wsc_")) << cred->client_id;
  EXPECT_TRUE(cred->client_secret.starts_with("wss_"));
  auto token = store()->IssueToken(cred->client_id, cred->client_secret);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(token->access_token.starts_with("wst_"));
  EXPECT_EQ(token->expires_in, kTokenLifetimeSeconds);
  auto principal = store()->Authenticate(token->access_token);
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->client_id, cred->client_id);
  EXPECT_EQ(principal->workspace_id, 7);
  // Another session (another node sharing the deployment) accepts the same token.
  auto other = NewSession();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->credentials()->Authenticate(token->access_token)->workspace_id, 7);
}

TEST_P(CredentialStoreContractTest, WrongSecretsAndUnknownClientsGetTheSameAnswer) {
  auto cred = store()->Create(1);
  ASSERT_TRUE(cred.ok());
  auto wrong = store()->IssueToken(cred->client_id, "wss_not-the-secret");
  auto unknown = store()->IssueToken("wsc_000000000000000000000000", cred->client_secret);
  EXPECT_EQ(wrong.status().code(), core::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.status().code(), core::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(store()->Authenticate("wst_unknown").status().code(),
            core::StatusCode::kUnauthenticated);
  EXPECT_EQ(store()->Authenticate("").status().code(), core::StatusCode::kUnauthenticated);
}

TEST_P(CredentialStoreContractTest, TokensExpire) {
  auto cred = store()->Create(1);
  ASSERT_TRUE(cred.ok());
  auto token = store()->IssueToken(cred->client_id, cred->client_secret);
  ASSERT_TRUE(token.ok());
  clock_.Advance((kTokenLifetimeSeconds - 1) * core::kMicrosPerSecond);
  EXPECT_TRUE(store()->Authenticate(token->access_token).ok());
  clock_.Advance(core::kMicrosPerSecond);
  EXPECT_EQ(store()->Authenticate(token->access_token).status().code(),
            core::StatusCode::kUnauthenticated);
}

TEST_P(CredentialStoreContractTest, RevokingEndsTokensAtOnceAndStaysInItsWorkspace) {
  auto cred = store()->Create(1);
  ASSERT_TRUE(cred.ok());
  auto token = store()->IssueToken(cred->client_id, cred->client_secret);
  ASSERT_TRUE(token.ok());
  // Another workspace can neither see nor revoke it.
  EXPECT_TRUE(store()->List(2)->empty());
  EXPECT_EQ(store()->Revoke(2, cred->client_id).code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(store()->Authenticate(token->access_token).ok());

  ASSERT_TRUE(store()->Revoke(1, cred->client_id).ok());
  EXPECT_EQ(store()->Authenticate(token->access_token).status().code(),
            core::StatusCode::kUnauthenticated);
  EXPECT_EQ(store()->IssueToken(cred->client_id, cred->client_secret).status().code(),
            core::StatusCode::kUnauthenticated);
  EXPECT_TRUE(store()->Revoke(1, cred->client_id).ok());  // twice is fine
  auto list = store()->List(1);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].client_id, cred->client_id);
  EXPECT_EQ((*list)[0].workspace_id, 1);
  EXPECT_EQ((*list)[0].created_at, clock_.NowMicros());
  EXPECT_EQ((*list)[0].revoked_at, clock_.NowMicros());
  EXPECT_EQ(store()->Revoke(1, "wsc_unknown").code(), core::StatusCode::kNotFound);
}

// A session's transaction spans its stores: a rolled back transaction keeps none of their
// writes, a committed one keeps all.
TEST_P(CredentialStoreContractTest, ASessionTransactionSpansItsStores) {
  core::Status failed = session_->Transaction([&]() -> core::Status {
    auto cred = store()->Create(3);
    if (!cred.ok()) return cred.status();
    catalog::Run run;
    run.workspace_id = 3;
    run.pipeline_id = "p";
    auto created = session_->catalog()->CreateRun(run);
    if (!created.ok()) return created.status();
    return core::Unavailable("the caller gives up");
  });
  EXPECT_EQ(failed.code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(store()->List(3)->empty());
  EXPECT_EQ(session_->catalog()->GetRun(3, 1).status().code(), core::StatusCode::kNotFound);

  ASSERT_TRUE(session_
                  ->Transaction([&]() -> core::Status {
                    RETURN_IF_ERROR(store()->Create(3).status());
                    catalog::Run run;
                    run.workspace_id = 3;
                    run.pipeline_id = "p";
                    return session_->catalog()->CreateRun(run).status();
                  })
                  .ok());
  EXPECT_EQ(store()->List(3)->size(), 1u);
  EXPECT_EQ(session_->catalog()->GetRun(3, 1)->pipeline_id, "p");
}

WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(CredentialStoreContractTest);

}  // namespace
}  // namespace wsync::storage

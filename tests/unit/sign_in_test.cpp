// include/access/sign_in.h called directly: the password check and its
// answers (right, wrong, unknown, disabled), the lockout counted before the
// check per (account, IP) and per account, the hand-back, the reset by a
// whole sign-in, accessctl's unlock, and the sign_in.failed audit events.
#include "access/oauth/sign_in.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;

namespace {

const char kEmail[] = "alice@example.com";
const char kIp[] = "192.0.2.10";

struct SignInFixture : ServerFixture {
  const long long now = now_seconds();
  User alice = add_user(kEmail);

  SignInResult attempt(const std::string& password, const std::string& ip = kIp,
                       const std::string& username = kEmail) {
    return check_password(*ctx, username, password, ip, now);
  }
  // The reasons of the sign_in.failed events stored so far, oldest first.
  std::vector<std::string> failure_reasons() {
    AuditFilter f;
    f.type_prefix = "sign_in.failed";
    Result<ListResult<AuditEvent>> r = ctx->store->list_audit(f, Page{});
    BOOST_REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const auto& e : r->items) {
      nlohmann::json d = nlohmann::json::parse(e.details, nullptr, false);
      out.push_back(d.is_object() ? d.value("reason", "?") : "?");
    }
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sign_in, SignInFixture)

BOOST_AUTO_TEST_CASE(right_password_is_ok_with_the_user) {
  SignInResult r = attempt(kPassword);
  BOOST_TEST(r.outcome == SignInResult::kOk);
  BOOST_TEST(r.user.id == alice.id);
  BOOST_TEST(r.user.email == kEmail);
  BOOST_TEST(r.status.ok());
  BOOST_TEST(failure_reasons().empty());
}

BOOST_AUTO_TEST_CASE(username_is_compared_lower_case) {
  BOOST_TEST(attempt(kPassword, kIp, "ALICE@Example.COM").outcome == SignInResult::kOk);
}

BOOST_AUTO_TEST_CASE(wrong_password_unknown_user_and_disabled_account_answer_alike) {
  SignInResult wrong = attempt("not the password");
  BOOST_TEST(wrong.outcome == SignInResult::kBad);
  BOOST_TEST(wrong.user.id.empty());  // nothing of the user is handed out
  SignInResult unknown = attempt(kPassword, kIp, "nobody@example.com");
  BOOST_TEST(unknown.outcome == SignInResult::kBad);
  User bob = add_user("bob@example.com");
  BOOST_REQUIRE(ctx->store->set_user_enabled(bob.id, false).ok());
  SignInResult disabled = attempt(kPassword, kIp, "bob@example.com");  // the right password
  BOOST_TEST(disabled.outcome == SignInResult::kBad);
  BOOST_TEST(disabled.user.id.empty());
  // The audit trail tells them apart; the answers do not.
  BOOST_TEST(failure_reasons() ==
             (std::vector<std::string>{"wrong_password", "unknown_user", "account_disabled"}));
}

BOOST_AUTO_TEST_CASE(a_user_without_password_cannot_sign_in_with_one) {
  User sso;  // made without a password (POST /api/v1/users may omit it)
  sso.id = uuid4();
  sso.email = "nopw@example.com";
  sso.roles = {"ROLE_ORIGINATOR"};
  sso.created_at = now;
  BOOST_REQUIRE(ctx->store->insert_user(sso).ok());
  BOOST_TEST(attempt("", kIp, "nopw@example.com").outcome == SignInResult::kBad);
  BOOST_TEST(attempt(kPassword, kIp, "nopw@example.com").outcome == SignInResult::kBad);
  BOOST_TEST(failure_reasons() == (std::vector<std::string>{"no_password", "no_password"}));
}

BOOST_AUTO_TEST_CASE(max_failures_attempts_are_checked_then_the_address_is_locked) {
  const int max = ctx->config.lockout_max_failures;
  BOOST_REQUIRE(max == 5);
  for (int i = 0; i < max; ++i) BOOST_TEST(attempt("wrong").outcome == SignInResult::kBad);
  SignInResult r = attempt(kPassword);  // even the right password
  BOOST_TEST(r.outcome == SignInResult::kLocked);
  BOOST_TEST(r.retry_after > 0);
  BOOST_TEST(r.retry_after <= ctx->config.lockout_lock_seconds);
  BOOST_TEST(r.user.id.empty());
  BOOST_TEST(failure_reasons().back() == "locked");
  // Another address is not locked (the account-wide ceiling is higher).
  BOOST_TEST(attempt(kPassword, "198.51.100.7").outcome == SignInResult::kOk);
  // Nor another account from the locked address.
  add_user("carol@example.com");
  BOOST_TEST(attempt(kPassword, kIp, "carol@example.com").outcome == SignInResult::kOk);
}

BOOST_AUTO_TEST_CASE(attempts_count_before_the_check_even_right_ones) {
  // Until sign_in_succeeded, a right password is an attempt like any other.
  for (int i = 0; i < 5; ++i) BOOST_TEST(attempt(kPassword).outcome == SignInResult::kOk);
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kLocked);
}

BOOST_AUTO_TEST_CASE(unknown_usernames_are_counted_and_locked_too) {
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(attempt("x", kIp, "nobody@example.com").outcome == SignInResult::kBad);
  BOOST_TEST(attempt("x", kIp, "nobody@example.com").outcome == SignInResult::kLocked);
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kOk);  // alice is not affected
}

BOOST_AUTO_TEST_CASE(case_of_the_username_does_not_escape_the_lock) {
  for (int i = 0; i < 5; ++i) attempt("wrong", kIp, i % 2 ? "ALICE@example.com" : kEmail);
  BOOST_TEST(attempt(kPassword, kIp, "Alice@Example.Com").outcome == SignInResult::kLocked);
}

BOOST_AUTO_TEST_CASE(whole_sign_in_resets_the_counter) {
  for (int i = 0; i < 4; ++i) attempt("wrong");
  BOOST_REQUIRE(attempt(kPassword).outcome == SignInResult::kOk);  // the 5th attempt
  BOOST_REQUIRE(sign_in_succeeded(*ctx, kEmail, kIp).ok());
  for (int i = 0; i < 4; ++i) BOOST_TEST(attempt("wrong").outcome == SignInResult::kBad);
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kOk);      // again the 5th: checked
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kLocked);  // no reset this time
}

BOOST_AUTO_TEST_CASE(released_attempts_do_not_count) {
  for (int i = 0; i < 12; ++i) {
    BOOST_REQUIRE(attempt(kPassword).outcome == SignInResult::kOk);
    BOOST_REQUIRE(release_sign_in(*ctx, kEmail, kIp, now).ok());
  }
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kOk);
}

BOOST_AUTO_TEST_CASE(releasing_the_attempt_that_locked_lifts_the_lock) {
  for (int i = 0; i < 5; ++i) attempt("wrong");
  BOOST_REQUIRE(attempt(kPassword).outcome == SignInResult::kLocked);
  BOOST_REQUIRE(release_sign_in(*ctx, kEmail, kIp, now).ok());  // count 5 -> 4
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kOk);  // 5th again
  BOOST_TEST(attempt(kPassword).outcome == SignInResult::kLocked);
}

BOOST_AUTO_TEST_CASE(admit_answers_zero_or_the_seconds_left) {
  Result<long long> first = admit_sign_in(*ctx, kEmail, kIp, now);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(*first == 0);
  for (int i = 0; i < 4; ++i) BOOST_REQUIRE(*admit_sign_in(*ctx, kEmail, kIp, now) == 0);
  Result<long long> locked = admit_sign_in(*ctx, kEmail, kIp, now + 10);
  BOOST_REQUIRE(locked.ok());
  BOOST_TEST(*locked == ctx->config.lockout_lock_seconds - 10);
  // The lock ends when its time is over, and a fresh window starts.
  BOOST_TEST(*admit_sign_in(*ctx, kEmail, kIp, now + ctx->config.lockout_lock_seconds) == 0);
}

BOOST_AUTO_TEST_CASE(failures_outside_the_window_start_afresh) {
  for (int i = 0; i < 4; ++i) attempt("wrong");
  const long long later = now + ctx->config.lockout_window_seconds;
  for (int i = 0; i < 4; ++i)
    BOOST_TEST(check_password(*ctx, kEmail, "wrong", kIp, later).outcome == SignInResult::kBad);
  BOOST_TEST(check_password(*ctx, kEmail, kPassword, kIp, later).outcome == SignInResult::kOk);
}

BOOST_AUTO_TEST_CASE(account_ceiling_locks_every_address_and_unlock_clears_it) {
  ctx->config.lockout_account_max_failures = 7;
  for (int i = 0; i < 7; ++i)
    BOOST_TEST(attempt("wrong", "203.0.113." + std::to_string(i)).outcome == SignInResult::kBad);
  BOOST_TEST(attempt(kPassword, "198.51.100.99").outcome == SignInResult::kLocked);
  BOOST_REQUIRE(unlock_sign_in(*ctx->store, "ALICE@EXAMPLE.COM").ok());
  BOOST_TEST(attempt(kPassword, "198.51.100.99").outcome == SignInResult::kOk);
}

BOOST_AUTO_TEST_CASE(sign_in_succeeded_clears_only_that_address_and_the_account) {
  for (int i = 0; i < 5; ++i) attempt("wrong", "203.0.113.1");  // locks 203.0.113.1
  BOOST_REQUIRE(attempt(kPassword, "198.51.100.1").outcome == SignInResult::kOk);
  BOOST_REQUIRE(sign_in_succeeded(*ctx, kEmail, "198.51.100.1").ok());
  BOOST_TEST(attempt(kPassword, "203.0.113.1").outcome == SignInResult::kLocked);
}

BOOST_AUTO_TEST_CASE(record_sign_in_failure_stores_reason_method_and_user) {
  record_sign_in_failure(*ctx, "Alice@Example.com", alice.id, "wrong_code", "totp");
  AuditFilter f;
  f.type_prefix = "sign_in.failed";
  Result<ListResult<AuditEvent>> r = ctx->store->list_audit(f, Page{});
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r->items.size() == 1u);
  const AuditEvent& e = r->items[0];
  BOOST_TEST(e.outcome == "failure");
  BOOST_TEST(e.username == "Alice@Example.com");  // as typed
  BOOST_TEST(e.user_id == alice.id);
  BOOST_TEST(e.actor == "");
  nlohmann::json d = nlohmann::json::parse(e.details);
  BOOST_TEST(d.value("reason", "") == "wrong_code");
  BOOST_TEST(d.value("method", "") == "totp");
}

BOOST_AUTO_TEST_CASE(sign_in_event_names_the_user_and_method) {
  AuditEvent e = sign_in_event(*ctx, alice, "password");
  BOOST_TEST(e.type == "sign_in.succeeded");
  BOOST_TEST(e.user_id == alice.id);
  BOOST_TEST(e.actor == alice.id);
  BOOST_TEST(nlohmann::json::parse(e.details).value("method", "") == "password");
}

// After a change of password.argon2_*, an account's hash is made again at
// today's cost when its user next signs in (so it costs what an unknown name
// costs to check); a wrong password changes nothing, and a hash already at
// today's cost is left as it is.
BOOST_AUTO_TEST_CASE(right_password_at_an_old_cost_is_hashed_again) {
  Result<std::string> old = hash_password(kPassword, Argon2Params{2, 8192, 1});
  BOOST_REQUIRE(old.ok());
  BOOST_REQUIRE(password_needs_rehash(*old, ctx->argon2()));
  BOOST_REQUIRE(ctx->store->set_user_password(alice.id, *old).ok());
  BOOST_TEST(attempt("wrong password").outcome == SignInResult::kBad);
  BOOST_TEST(ctx->store->find_user(alice.id)->password_hash == *old);

  SignInResult r = attempt(kPassword);
  BOOST_REQUIRE(r.outcome == SignInResult::kOk);
  const std::string stored = ctx->store->find_user(alice.id)->password_hash;
  BOOST_TEST(stored != *old);
  BOOST_TEST(!password_needs_rehash(stored, ctx->argon2()));
  BOOST_TEST(r.user.password_hash == stored);
  BOOST_TEST(verify_password(stored, kPassword));

  BOOST_REQUIRE(attempt(kPassword).outcome == SignInResult::kOk);
  BOOST_TEST(ctx->store->find_user(alice.id)->password_hash == stored);
}

BOOST_AUTO_TEST_SUITE_END()

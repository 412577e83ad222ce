// include/access/core/status.h: Status (codes, reasons, copy and move, the size
// promise) and Result<T>.
#include "access/core/status.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace access_service;

namespace {

using Reason = Status::Reason;

struct Factory {
  Status (*make)(std::string, Reason);
  Status::Code code;
  const char* name;  // ToString's prefix
};

const Factory kFactories[] = {
    {Status::NotFound, Status::kNotFound, "NotFound"},
    {Status::Invalid, Status::kInvalid, "Invalid"},
    {Status::Conflict, Status::kConflict, "Conflict"},
    {Status::Unavailable, Status::kUnavailable, "Unavailable"},
    {Status::Internal, Status::kInternal, "Internal"},
};

// Each predicate, as the code it stands for.
std::vector<Status::Code> codes_claimed(const Status& s) {
  std::vector<Status::Code> out;
  if (s.ok()) out.push_back(Status::kOk);
  if (s.is_not_found()) out.push_back(Status::kNotFound);
  if (s.is_invalid()) out.push_back(Status::kInvalid);
  if (s.is_conflict()) out.push_back(Status::kConflict);
  if (s.is_unavailable()) out.push_back(Status::kUnavailable);
  if (s.is_internal()) out.push_back(Status::kInternal);
  return out;
}

Result<int> half(int n) {
  if (n % 2 != 0) return Status::Invalid(std::to_string(n) + " is odd");
  return n / 2;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(status_is_one_pointer) {
  BOOST_TEST(sizeof(Status) == sizeof(void*));
  // OK is made and moved without anything that could throw (no allocation).
  BOOST_TEST(std::is_nothrow_default_constructible<Status>::value);
  BOOST_TEST(noexcept(Status::Ok()));
  BOOST_TEST(std::is_nothrow_move_constructible<Status>::value);
  BOOST_TEST(std::is_nothrow_move_assignable<Status>::value);
}

BOOST_AUTO_TEST_CASE(ok_is_ok_without_message_or_reason) {
  for (const Status& s : {Status(), Status::Ok()}) {
    BOOST_TEST(s.ok());
    BOOST_TEST(s.code() == Status::kOk);
    BOOST_TEST((s.reason() == Reason::kNone));
    BOOST_TEST(s.message().empty());
    BOOST_TEST(s.ToString() == "OK");
    BOOST_TEST((codes_claimed(s) == std::vector<Status::Code>{Status::kOk}));
  }
}

BOOST_AUTO_TEST_CASE(each_factory_sets_its_code_and_only_its_predicate) {
  for (const Factory& f : kFactories) {
    Status s = f.make("the message", Reason::kNone);
    BOOST_TEST(!s.ok(), f.name);
    BOOST_TEST(s.code() == f.code, f.name);
    BOOST_TEST((codes_claimed(s) == std::vector<Status::Code>{f.code}), f.name);
    BOOST_TEST(s.message() == "the message");
    BOOST_TEST(s.ToString() == std::string(f.name) + ": the message");
  }
  // An empty message is still a failure.
  BOOST_TEST(!Status::Internal("").ok());
  BOOST_TEST(Status::Internal("").ToString() == "Internal: ");
}

BOOST_AUTO_TEST_CASE(reason_is_kept_apart_from_code_and_message) {
  Status expired = Status::Invalid("expired", Reason::kExpired);
  BOOST_TEST(expired.is_invalid());
  BOOST_TEST((expired.reason() == Reason::kExpired));
  Status revoked = Status::Invalid("expired", Reason::kRevoked);  // same text, other reason
  BOOST_TEST((revoked.reason() == Reason::kRevoked));
  BOOST_TEST(revoked.message() == expired.message());
  BOOST_TEST((Status::Invalid("revoked").reason() == Reason::kNone));  // text is no reason
  // Any code may carry one; the message and ToString do not change.
  for (const Factory& f : kFactories) {
    Status s = f.make("m", Reason::kRevoked);
    BOOST_TEST(s.code() == f.code, f.name);
    BOOST_TEST((s.reason() == Reason::kRevoked), f.name);
    BOOST_TEST(s.ToString() == std::string(f.name) + ": m");
  }
}

BOOST_AUTO_TEST_CASE(copy_is_deep_and_independent) {
  Status original = Status::Conflict("taken", Reason::kRevoked);
  Status copy = original;
  BOOST_TEST(copy.code() == Status::kConflict);
  BOOST_TEST((copy.reason() == Reason::kRevoked));
  BOOST_TEST(copy.message() == "taken");
  BOOST_TEST(&copy.message() != &original.message());
  {
    Status inner = copy;
    inner = Status::NotFound("gone");
  }
  BOOST_TEST(copy.message() == "taken");
  BOOST_TEST(original.message() == "taken");

  Status assigned = Status::Internal("before");
  assigned = original;
  BOOST_TEST(assigned.ToString() == "Conflict: taken");
  assigned = Status();
  BOOST_TEST(assigned.ok());
  const Status& self = assigned = original;
  assigned = self;  // self-assignment keeps the value
  BOOST_TEST(assigned.ToString() == "Conflict: taken");
  Status ok_copy = Status::Ok();
  Status also_ok = ok_copy;
  BOOST_TEST(also_ok.ok());
}

BOOST_AUTO_TEST_CASE(move_takes_the_failure_and_leaves_ok) {
  Status from = Status::Unavailable("database busy");
  Status to = std::move(from);
  BOOST_TEST(to.is_unavailable());
  BOOST_TEST(to.message() == "database busy");
  BOOST_TEST(from.ok());  // a moved-from Status is OK (status.h)

  Status target = Status::Internal("old");
  target = std::move(to);
  BOOST_TEST(target.ToString() == "Unavailable: database busy");
  BOOST_TEST(to.ok());
}

BOOST_AUTO_TEST_CASE(result_with_value_has_ok_status) {
  Result<int> r = half(42);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.value() == 21);
  BOOST_TEST(*r == 21);
  BOOST_TEST(r.status().ok());
  BOOST_TEST(r.status().message().empty());
  BOOST_TEST(r.status().ToString() == "OK");
  *r = 7;
  BOOST_TEST(r.value() == 7);

  Result<std::string> s = std::string("abc");
  BOOST_TEST(s->size() == 3u);
  // A Status taken from a successful Result is OK: `st = f().status()`
  // chains work the same whether f returns Status or Result.
  Status st = s.status();
  BOOST_TEST(st.ok());
}

BOOST_AUTO_TEST_CASE(result_with_error_keeps_the_status) {
  Result<int> r = half(3);
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.status().is_invalid());
  BOOST_TEST(r.status().message() == "3 is odd");
  BOOST_CHECK_THROW(r.value(), std::bad_variant_access);

  Result<std::string> expired = Status::Invalid("expired", Reason::kExpired);
  BOOST_TEST((expired.status().reason() == Reason::kExpired));
}

BOOST_AUTO_TEST_CASE(result_from_ok_status_is_internal) {
  Result<int> r = Status::Ok();
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.status().code() == Status::kInternal);
}

BOOST_AUTO_TEST_CASE(result_copy_move_and_move_only_values) {
  Result<std::string> bad = Status::NotFound("no such user");
  Result<std::string> copy = bad;
  BOOST_TEST(copy.status().ToString() == "NotFound: no such user");
  BOOST_TEST(bad.status().ToString() == "NotFound: no such user");
  Result<std::string> good = std::string("value");
  copy = good;
  BOOST_TEST(copy.ok());
  BOOST_TEST(*copy == "value");

  Result<std::unique_ptr<int>> owned = std::make_unique<int>(5);
  BOOST_REQUIRE(owned.ok());
  std::unique_ptr<int> taken = std::move(*owned);
  BOOST_TEST(*taken == 5);
  Result<std::unique_ptr<int>> moved = std::move(owned);
  BOOST_TEST(moved.ok());
}

// Both types are [[nodiscard]]; with -Werror this compiles only because
// IgnoreError() uses the value.
BOOST_AUTO_TEST_CASE(ignore_error_drops_on_purpose) {
  Status::Unavailable("best effort").IgnoreError();
  half(1).IgnoreError();
  // It yields nothing to look at (so it cannot itself be [[nodiscard]]), and
  // works on a const value.
  static_assert(std::is_void_v<decltype(std::declval<const Status&>().IgnoreError())>);
  static_assert(std::is_void_v<decltype(std::declval<const Result<int>&>().IgnoreError())>);

  // And it leaves what it drops as it was.
  Status s = Status::Unavailable("best effort");
  s.IgnoreError();
  BOOST_TEST(s.is_unavailable());
  BOOST_TEST(s.ToString() == "Unavailable: best effort");
  Result<int> failed = half(1);
  failed.IgnoreError();
  BOOST_TEST(!failed.ok());
  BOOST_TEST(failed.status().ToString() == "Invalid: 1 is odd");
  Result<int> good = half(42);
  good.IgnoreError();
  BOOST_REQUIRE(good.ok());
  BOOST_TEST(*good == 21);
}

BOOST_AUTO_TEST_SUITE_END()

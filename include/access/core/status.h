// Status and Result<T>: how every fallible operation inside the server reports
// failure. Modelled on LevelDB's leveldb/status.h: a Status is one pointer,
// null when OK (so OK allocates nothing and copying it is a pointer copy);
// a failure owns a heap record of its code, reason and message. Callers
// return early on !ok().
//
// Codes map onto what a caller must do, not onto where the failure happened:
//   kNotFound     the thing asked for does not exist (or is not visible).
//   kInvalid      the input is wrong; the message says which field and why.
//   kConflict     a uniqueness rule would be broken (duplicate clientId, email).
//   kUnavailable  a transient condition (database busy, disk full, read-only);
//                 the request may be retried later. Maps to 503.
//   kInternal     anything else; a bug or corruption. Maps to 500 and a log line.
//
// A Reason refines a code where a caller answers differently (an expired
// access token and a revoked one are both kInvalid, but the reply says
// which). Code must branch on code() and reason(), never on message(): the
// message is for people (logs, error_description) and may change freely.
//
// Both types are [[nodiscard]]: a returned Status or Result must be looked
// at. Where dropping one is right (best-effort cleanup, a rollback after a
// failure already being reported), call IgnoreError() and say why in a
// comment next to it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace access_service {

class [[nodiscard]] Status {
 public:
  enum Code { kOk = 0, kNotFound, kInvalid, kConflict, kUnavailable, kInternal };
  // kNone unless the factory was given one; OK has kNone.
  enum class Reason : unsigned char {
    kNone = 0,
    kExpired,  // kInvalid: a token or code is past its expiry
    kRevoked,  // kInvalid: a token was revoked
  };

  // OK.
  constexpr Status() noexcept = default;
  ~Status() = default;
  // A copy of a failure copies its record (one allocation); of OK, nothing.
  Status(const Status& rhs) : rep_(rhs.rep_ ? std::make_unique<const Rep>(*rhs.rep_) : nullptr) {}
  Status& operator=(const Status& rhs) {
    if (this != &rhs) rep_ = rhs.rep_ ? std::make_unique<const Rep>(*rhs.rep_) : nullptr;
    return *this;
  }
  // A moved-from Status is OK.
  Status(Status&& rhs) noexcept = default;
  Status& operator=(Status&& rhs) noexcept = default;

  static Status Ok() noexcept { return Status(); }
  static Status NotFound(std::string msg, Reason why = Reason::kNone) {
    return Status(kNotFound, why, std::move(msg));
  }
  static Status Invalid(std::string msg, Reason why = Reason::kNone) {
    return Status(kInvalid, why, std::move(msg));
  }
  static Status Conflict(std::string msg, Reason why = Reason::kNone) {
    return Status(kConflict, why, std::move(msg));
  }
  static Status Unavailable(std::string msg, Reason why = Reason::kNone) {
    return Status(kUnavailable, why, std::move(msg));
  }
  static Status Internal(std::string msg, Reason why = Reason::kNone) {
    return Status(kInternal, why, std::move(msg));
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : kOk; }
  Reason reason() const { return rep_ ? rep_->reason : Reason::kNone; }
  bool is_not_found() const { return code() == kNotFound; }
  bool is_invalid() const { return code() == kInvalid; }
  bool is_conflict() const { return code() == kConflict; }
  bool is_unavailable() const { return code() == kUnavailable; }
  bool is_internal() const { return code() == kInternal; }
  // The message; empty for OK.
  const std::string& message() const;
  // "NotFound: message" ("OK" for OK), for logs.
  std::string ToString() const;
  // Drops this status on purpose; the comment at the call says why.
  void IgnoreError() const {}

 private:
  struct Rep {
    Code code;
    Reason reason;
    std::string message;
  };
  Status(Code code, Reason why, std::string msg)
      : rep_(std::make_unique<const Rep>(Rep{code, why, std::move(msg)})) {}
  std::unique_ptr<const Rep> rep_;  // null when OK
};

// Either a value or a failed Status, never both and never neither. status()
// of a value is OK. Constructing from an OK Status is a programming error (a
// Result with neither): it becomes Internal("Result made from an OK status").
// value(), * and -> of a failed Result throw std::bad_variant_access (a bug:
// the request's last-resort catch answers 500).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : rep_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status)                                                // NOLINT: implicit by design
      : rep_(std::in_place_index<1>,
             status.ok() ? Status::Internal("Result made from an OK status") : std::move(status)) {}

  bool ok() const { return rep_.index() == 0; }
  // OK when there is a value, otherwise the failure.
  const Status& status() const { return ok() ? kOkStatus : std::get<1>(rep_); }
  T& value() { return std::get<0>(rep_); }
  const T& value() const { return std::get<0>(rep_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  // Drops this result on purpose; the comment at the call says why.
  void IgnoreError() const {}

 private:
  static inline const Status kOkStatus{};
  std::variant<T, Status> rep_;
};

}  // namespace access_service

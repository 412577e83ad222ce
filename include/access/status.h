// Status and Result<T>: how every fallible operation inside the server reports
// failure. Modelled on LevelDB's leveldb/status.h: an OK status is cheap (no
// allocation), failures carry a code and a human-readable message, and callers
// return early on !ok().
//
// Codes map onto what a caller must do, not onto where the failure happened:
//   kNotFound     the thing asked for does not exist (or is not visible).
//   kInvalid      the input is wrong; the message says which field and why.
//   kConflict     a uniqueness rule would be broken (duplicate clientId, email).
//   kUnavailable  a transient condition (database busy, disk full, read-only);
//                 the request may be retried later. Maps to 503.
//   kInternal     anything else; a bug or corruption. Maps to 500 and a log line.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace access_service {

class Status {
 public:
  enum Code { kOk = 0, kNotFound, kInvalid, kConflict, kUnavailable, kInternal };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(kNotFound, std::move(msg)); }
  static Status Invalid(std::string msg) { return Status(kInvalid, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(kConflict, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(kUnavailable, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(kInternal, std::move(msg)); }

  bool ok() const { return code_ == kOk; }
  Code code() const { return code_; }
  bool is_not_found() const { return code_ == kNotFound; }
  bool is_invalid() const { return code_ == kInvalid; }
  bool is_conflict() const { return code_ == kConflict; }
  bool is_unavailable() const { return code_ == kUnavailable; }
  // The message; empty for OK.
  const std::string& message() const;
  // "NotFound: message", for logs.
  std::string ToString() const;

 private:
  Status(Code code, std::string msg)
      : code_(code), msg_(std::make_shared<const std::string>(std::move(msg))) {}
  Code code_ = kOk;
  std::shared_ptr<const std::string> msg_;  // null when OK
};

// Either a value or a failed Status. status() of a value is OK (and costs no
// allocation). Constructing from a Status that is OK is a programming error
// (it would be a Result with neither): it becomes Internal("empty result").
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status)  // NOLINT: implicit by design
      : status_(status.ok() ? Status::Internal("empty result") : std::move(status)) {}
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace access_service

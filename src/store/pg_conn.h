// pg::Conn: the one libpq connection of one process (a worker, the purger,
// accessctl), opened after fork(). Private to the PostgreSQL store.
//
// Statements are prepared once per connection and run with the extended
// protocol (parameters never spliced into SQL text). bytea parameters go in
// binary; everything else as text, results as text. A table of fixed
// statements (store_columns.h StatementText) is prepared right after each
// connect: those that need no schema at once, then on_connect() runs (the
// store prepares the others there when the schema is its own; before that
// each is prepared on first use). One that does not prepare fails the
// connect, kInternal naming it. Other SQL text is prepared on first use.
//
// Outages: when the server cannot be reached or the connection breaks, every
// call answers kUnavailable (503) at once, and the next call after a back-off
// (0.1 s doubling to 5 s) connects again, from the conninfo's host list, so a
// failover to a promoted standby (target_session_attrs=read-write) is the
// same reconnect. A transaction that the break cut short is never reported
// committed: its COMMIT answers kUnavailable.
//
// Errors: kConflict (unique_violation), kUnavailable (connection, lock or
// statement timeout, serialization failure or deadlock, server shutting
// down, disk full, read-only standby), kInternal (anything else; the
// message is PostgreSQL's).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/core/status.h"
#include "store_columns.h"

namespace access_service {
namespace pg {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};

// One statement parameter: text or NULL, or raw bytes for a bytea column.
struct Param {
  std::optional<std::string> value;
  bool binary = false;

  Param(const std::string& s) : value(s) {}
  Param(const char* s) : value(std::string(s)) {}
  Param(int v) : value(std::to_string(v)) {}
  Param(long v) : value(std::to_string(v)) {}
  Param(long long v) : value(std::to_string(v)) {}
  Param(bool v) : value(std::string(v ? "true" : "false")) {}
  Param(const std::optional<std::string>& s) : value(s) {}
  Param(const std::optional<int>& v) {
    if (v) value = std::to_string(*v);
  }
  static Param bytes(const std::string& raw) {
    Param p(raw);
    p.binary = true;
    return p;
  }
  static Param null() { return Param(std::optional<std::string>()); }
};

// The rows of a statement (text format) and how many rows it changed.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  int size() const { return PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
  }
  std::optional<std::string> opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return text(row, col);
  }
  int64_t integer(int row, int col) const;
  bool boolean(int row, int col) const { return PQgetvalue(r_.get(), row, col)[0] == 't'; }
  // A bytea column ("\x..." hex in text format) as raw bytes; "" when NULL.
  std::string bytes(int row, int col) const;
  // Rows changed by INSERT, UPDATE or DELETE.
  int64_t affected() const;

 private:
  std::unique_ptr<PGresult, ResultClearer> r_;
};

class Conn {
 public:
  // `lock_timeout_ms`: how long a statement waits for a row lock before
  // kUnavailable (store.busy_timeout_ms). `statements`, when given, is the
  // table of fixed statements (entry i has id i); it must outlive the Conn.
  Conn(std::string conninfo, int lock_timeout_ms,
       const std::vector<StatementText>* statements = nullptr);

  // Runs `sql` with $1.. bound to `params`.
  Result<Rows> run(const std::string& sql, std::initializer_list<Param> params = {}) {
    return run(sql, std::vector<Param>(params));
  }
  Result<Rows> run(const std::string& sql, const std::vector<Param>& params);
  // Runs fixed statement `id` of the table with $1.. bound to `params`.
  Result<Rows> run_fixed(int id, const std::vector<Param>& params);
  // Prepares the fixed statements not prepared on this connection yet: those
  // that need no schema, and with `schema` every other one. kInternal naming
  // the first that does not prepare; kUnavailable when not connected.
  Status prepare_statements(bool schema);
  // Runs after each connect, once the statements that need no schema are
  // prepared; an error fails the connect (the next call connects again).
  void on_connect(std::function<Status()> hook) { on_connect_ = std::move(hook); }
  // Runs SQL text without parameters (the simple protocol: several
  // statements allowed; BEGIN, COMMIT, migrations).
  Status script(const std::string& sql);
  // BEGIN. Until commit() or rollback() a lost connection is not replaced:
  // the statements of the transaction died with it, and every call answers
  // kUnavailable.
  Status begin();
  // COMMIT: kUnavailable unless the server says the transaction committed.
  Status commit();
  // ROLLBACK if a transaction is open; never fails.
  void rollback();
  bool in_transaction() const { return in_transaction_; }
  // Connects now if not connected (honouring the back-off).
  Status ensure();

 private:
  Status fail(PGresult* r);  // maps an error result (or a lost connection)
  void drop();               // forgets the connection and what it prepared
  Status prepare_fixed(size_t id);
  Result<Rows> exec_prepared(const char* name, const std::vector<Param>& params);

  std::string conninfo_;
  int lock_timeout_ms_;
  std::unique_ptr<PGconn, ConnCloser> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  const std::vector<StatementText>* statements_;
  std::vector<bool> fixed_prepared_;  // by id, on this connection
  std::function<Status()> on_connect_;
  bool connecting_ = false;  // inside on_connect_: a lost connection is not made again there
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool in_transaction_ = false;
};

}  // namespace pg
}  // namespace access_service

#include "pg_conn.h"

#include <poll.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "access/core/log.h"

namespace access_service {
namespace pg {
namespace {

// The server's notices and asynchronous errors, as warnings of the log.
void log_server_notice(void*, const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  log_warn("postgresql: " + text);
}

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SQLSTATE classes that mean "try again later" rather than "a bug".
bool transient(const std::string& state) {
  static const char* const kTransient[] = {
      "40001",                    // serialization_failure
      "40P01",                    // deadlock_detected
      "55P03",                    // lock_not_available (lock_timeout)
      "57014",                    // query_canceled (statement_timeout)
      "57P01", "57P02", "57P03",  // admin/crash shutdown, cannot connect now
      "25006",                    // read_only_sql_transaction (a standby)
  };
  for (const char* s : kTransient)
    if (state == s) return true;
  // connection exceptions, insufficient resources (disk full, out of memory)
  return state.compare(0, 2, "08") == 0 || state.compare(0, 2, "53") == 0;
}

}  // namespace

int64_t Rows::integer(int row, int col) const {
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

std::string Rows::bytes(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  size_t n = PQgetlength(r_.get(), row, col);
  if (n < 2 || v[0] != '\\' || v[1] != 'x') return "";
  std::string out;
  out.reserve((n - 2) / 2);
  for (size_t i = 2; i + 1 < n; i += 2)
    out.push_back(static_cast<char>(hex_value(v[i]) << 4 | hex_value(v[i + 1])));
  return out;
}

int64_t Rows::affected() const { return std::strtoll(PQcmdTuples(r_.get()), nullptr, 10); }

Conn::Conn(std::string conninfo, int lock_timeout_ms, const std::vector<StatementText>* statements)
    : conninfo_(std::move(conninfo)),
      lock_timeout_ms_(lock_timeout_ms),
      statements_(statements),
      fixed_prepared_(statements ? statements->size() : 0, false) {}

// An idle connection the server has closed (a restart, a failover, an
// idle timeout) shows as a readable socket. Nothing is due on an idle
// connection: what is there is the server's farewell (a FATAL such as
// 57P01, then end of file) or, rarely, an unsolicited notice. Reading it
// does not tell the two apart: libpq returns after the FATAL's bytes
// without seeing the end of file, and keeps the connection "OK". So a
// readable idle connection is replaced before a statement is sent on it,
// rather than failing that statement; a notice costs one reconnect.
static void drop_if_closed(std::unique_ptr<PGconn, ConnCloser>& conn) {
  pollfd p{PQsocket(conn.get()), POLLIN, 0};
  if (p.fd < 0 || poll(&p, 1, 0) > 0) conn.reset();
}

Status Conn::ensure() {
  if (conn_ && !in_transaction_) drop_if_closed(conn_);
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return Status::Ok();
  if (in_transaction_) return Status::Unavailable("database connection lost in a transaction");
  drop();
  if (connecting_) return Status::Unavailable("database connection lost");
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return Status::Unavailable("database unavailable (reconnecting)");
  // Defaults first: what the operator's conninfo says wins (expand_dbname).
  const std::string timeout = "5";
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "access-service", conninfo_.c_str(), nullptr};
  std::unique_ptr<PGconn, ConnCloser> c(PQconnectdbParams(keys, values, 1));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    // The message names the host, never the password (none is in conninfo).
    std::string why = c ? PQerrorMessage(c.get()) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (backoff_.count() == 0) log_warn("database unavailable: " + why);
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
    next_attempt_ = now + backoff_;
    return Status::Unavailable("database unavailable");
  }
  // libpq prints what the server says outside a query (a NOTICE, or the
  // FATAL of a connection the server ends, say at shutdown) on stderr: that
  // would be a line of the service log that is not the log's format.
  PQsetNoticeProcessor(c.get(), log_server_notice, nullptr);
  const std::string setup =
      "SET lock_timeout = " + std::to_string(lock_timeout_ms_) +
      "; SET idle_in_transaction_session_timeout = 60000; SET client_min_messages = warning";
  std::unique_ptr<PGresult, ResultClearer> r(PQexec(c.get(), setup.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    return Status::Unavailable(std::string("database setup failed: ") + PQerrorMessage(c.get()));
  if (backoff_.count() != 0) log_info("database connection restored");
  backoff_ = std::chrono::milliseconds{0};
  conn_ = std::move(c);
  // Before any statement runs: SQL that does not prepare fails here, naming
  // the statement, rather than in some later request.
  connecting_ = true;
  Status st = prepare_statements(false);
  if (st.ok() && on_connect_) st = on_connect_();
  connecting_ = false;
  if (!st.ok()) drop();
  return st;
}

void Conn::drop() {
  conn_.reset();
  prepared_.clear();
  fixed_prepared_.assign(fixed_prepared_.size(), false);
}

Status Conn::prepare_fixed(size_t id) {
  const StatementText& s = (*statements_)[id];
  std::unique_ptr<PGresult, ResultClearer> r(
      PQprepare(conn_.get(), s.name, s.sql.c_str(), 0, nullptr));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    Status st = fail(r.get());
    if (st.code() != Status::kInternal) return st;
    return Status::Internal(std::string("statement ") + s.name + ": " + st.message());
  }
  fixed_prepared_[id] = true;
  return Status::Ok();
}

Status Conn::prepare_statements(bool schema) {
  if (!statements_) return Status::Ok();
  if (!conn_) return Status::Unavailable("database connection lost");
  Status st = check_statement_table(*statements_, statements_->size());
  for (size_t i = 0; st.ok() && i < statements_->size(); ++i)
    if (!fixed_prepared_[i] && (schema || !(*statements_)[i].needs_schema)) st = prepare_fixed(i);
  return st;
}

Status Conn::fail(PGresult* r) {
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    drop();  // reconnect on the next call
    return Status::Unavailable("database connection lost");
  }
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get());
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (code == "23505") return Status::Conflict(msg);
  if (transient(code)) return Status::Unavailable("database busy: " + msg);
  return Status::Internal(msg);
}

Result<Rows> Conn::run(const std::string& sql, const std::vector<Param>& params) {
  Status st = ensure();
  if (!st.ok()) return st;
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    std::unique_ptr<PGresult, ResultClearer> r(PQprepare(conn_.get(), name.c_str(), sql.c_str(),
                                                         static_cast<int>(params.size()), nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return fail(r.get());
    it = prepared_.emplace(sql, name).first;
  }
  return exec_prepared(it->second.c_str(), params);
}

Result<Rows> Conn::run_fixed(int id, const std::vector<Param>& params) {
  if (!statements_ || id < 0 || static_cast<size_t>(id) >= statements_->size())
    return Status::Internal("no fixed statement " + std::to_string(id));
  Status st = ensure();
  if (!st.ok()) return st;
  // Not prepared at connect when the schema was not the store's then.
  if (!fixed_prepared_[id]) {
    st = prepare_fixed(id);
    if (!st.ok()) return st;
  }
  return exec_prepared((*statements_)[id].name, params);
}

Result<Rows> Conn::exec_prepared(const char* name, const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params) {
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
    formats.push_back(p.binary ? 1 : 0);
  }
  PGresult* raw = PQexecPrepared(conn_.get(), name, static_cast<int>(values.size()), values.data(),
                                 lengths.data(), formats.data(), 0);
  Rows rows(raw);
  ExecStatusType s = PQresultStatus(raw);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(raw);
  return rows;
}

Status Conn::script(const std::string& sql) {
  Status st = ensure();
  if (!st.ok()) return st;
  std::unique_ptr<PGresult, ResultClearer> r(PQexec(conn_.get(), sql.c_str()));
  ExecStatusType s = PQresultStatus(r.get());
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return fail(r.get());
  return Status::Ok();
}

Status Conn::begin() {
  Status st = script("BEGIN");
  in_transaction_ = st.ok();
  return st;
}

Status Conn::commit() {
  if (!in_transaction_) return Status::Internal("COMMIT without BEGIN");
  in_transaction_ = false;
  if (!conn_) return Status::Unavailable("database connection lost in a transaction");
  std::unique_ptr<PGresult, ResultClearer> r(PQexec(conn_.get(), "COMMIT"));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return fail(r.get());
  // COMMIT of a transaction that had failed answers ROLLBACK.
  if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0)
    return Status::Internal("transaction rolled back by the database");
  return Status::Ok();
}

void Conn::rollback() {
  in_transaction_ = false;
  if (!conn_ || PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  std::unique_ptr<PGresult, ResultClearer> r(PQexec(conn_.get(), "ROLLBACK"));
  if (PQstatus(conn_.get()) != CONNECTION_OK) drop();
}

}  // namespace pg
}  // namespace access_service

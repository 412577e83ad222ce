// PostgreSQL implementation of Store (store.h), for several hosts as one
// service. One connection per process, opened after fork (pg_conn.h);
// READ COMMITTED transactions; every consumption is a conditional UPDATE or
// a row lock, so exactly one of any number of hosts wins it. Commits are
// durable when acknowledged (synchronous_commit on, PostgreSQL's default;
// the server flushes concurrent sessions' commits together).
#include <memory>

#include "access/store.h"
#include "access/strings.h"
#include "pg_conn.h"
#include "pg_schema.h"
#include "store_columns.h"

namespace access_service {
namespace {

// Advisory lock keys (pg_advisory_lock): schema migration and the purge.
constexpr long long kMigrateLock = 0x6163636573730001LL;
constexpr long long kPurgeLock = 0x6163636573730002LL;

using pg::Param;
using pg::Rows;

const char kDeviceCols[] =
    "user_id, device_id, app_id, passcode_hash, failures, created_at, last_used_at";
const char kApprovalSelect[] =
    "SELECT a.id, a.user_id, a.app_id, a.scope, a.created_at, c.client_id, c.app_name "
    "FROM approvals a JOIN clients c ON c.id = a.app_id ";

ClientApp read_client(const Rows& q, int i) {
  ClientApp a;
  a.id = q.text(i, 0);
  a.client_id = q.text(i, 1);
  a.app_name = q.text(i, 2);
  a.secret_hash = q.text(i, 3);
  a.grant_types = split_words(q.text(i, 4));
  a.redirect_uris = split_words(q.text(i, 5));
  a.scope = split_words(q.text(i, 6));
  a.access_seconds = static_cast<int>(q.integer(i, 7));
  if (!q.is_null(i, 8)) a.refresh_seconds = static_cast<int>(q.integer(i, 8));
  a.auto_approve = q.boolean(i, 9);
  a.enabled = q.boolean(i, 10);
  a.created_at = q.integer(i, 11);
  a.require_pkce = q.boolean(i, 12);
  a.auth_failures = static_cast<int>(q.integer(i, 13));
  a.auth_window_start = q.integer(i, 14);
  return a;
}

User read_user(const Rows& q, int i) {
  User u;
  u.id = q.text(i, 0);
  u.email = q.text(i, 1);
  u.password_hash = q.text(i, 2);
  u.first_name = q.opt_text(i, 3);
  u.last_name = q.opt_text(i, 4);
  u.other_name = q.opt_text(i, 5);
  u.mobile_number = q.opt_text(i, 6);
  u.roles = split_words(q.text(i, 7));
  u.mfa_enabled = q.boolean(i, 8);
  u.enabled = q.boolean(i, 9);
  u.created_at = q.integer(i, 10);
  return u;
}

Approval read_approval(const Rows& q, int i) {
  Approval a;
  a.id = q.text(i, 0);
  a.user_id = q.text(i, 1);
  a.app_id = q.text(i, 2);
  a.scope = split_words(q.text(i, 3));
  a.created_at = q.integer(i, 4);
  a.client_id = q.text(i, 5);
  a.app_name = q.text(i, 6);
  return a;
}

Device read_device(const Rows& q, int i) {
  Device d;
  d.user_id = q.text(i, 0);
  d.device_id = q.text(i, 1);
  d.app_id = q.text(i, 2);
  d.passcode_hash = q.text(i, 3);
  d.failures = static_cast<int>(q.integer(i, 4));
  d.created_at = q.integer(i, 5);
  if (!q.is_null(i, 6)) d.last_used_at = q.integer(i, 6);
  return d;
}

// The status of a statement that changed `n` rows where one was expected.
Status changed_one(const Result<Rows>& r, const char* not_found) {
  if (!r.ok()) return r.status();
  return r->affected() == 0 ? Status::NotFound(not_found) : Status::Ok();
}

Status done(const Result<Rows>& r) { return r.status(); }

class PgStore : public Store {
 public:
  explicit PgStore(const Config& c) : db_(c.conninfo, c.busy_timeout_ms) {}

  // Runs `body` atomically: inside the caller's transaction, or in one of
  // its own.
  template <typename F>
  Status atomically(F body) {
    if (db_.in_transaction()) return body();
    Status st = begin_write();
    if (!st.ok()) return st;
    st = body();
    if (st.ok()) return db_.commit();
    db_.rollback();
    return st;
  }

  // ---- schema, health, transactions
  Status migrate() override {
    const int64_t latest = latest_schema_version();
    Status st = db_.script("SELECT pg_advisory_lock(" + std::to_string(kMigrateLock) + ")");
    if (!st.ok()) return st;
    st = migrate_locked(latest);
    // The migration's outcome is the answer; a lost unlock ends with the session.
    db_.script("SELECT pg_advisory_unlock(" + std::to_string(kMigrateLock) + ")").IgnoreError();
    return st;
  }

  Status migrate_locked(int64_t latest) {
    Status st = db_.script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
        "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)");
    if (!st.ok()) return st;
    for (;;) {
      Result<Rows> v = db_.run("SELECT version FROM schema_version");
      if (!v.ok()) return v.status();
      int64_t version = v->integer(0, 0);
      if (version > latest)
        return Status::Invalid("database schema version " + std::to_string(version) +
                               " is newer than this build (" + std::to_string(latest) + ")");
      if (version == latest) return Status::Ok();
      st = db_.begin();
      if (st.ok()) st = db_.script(kPgMigrations[version]);
      if (st.ok())
        st = db_.script("UPDATE schema_version SET version = " + std::to_string(version + 1));
      if (st.ok()) st = db_.commit();
      if (!st.ok()) {
        db_.rollback();
        return st;
      }
    }
  }

  Result<int64_t> schema_version() override {
    Result<Rows> exists = db_.run("SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists.ok()) return exists.status();
    if (!exists->boolean(0, 0)) return int64_t{0};
    Result<Rows> v = db_.run("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!v.ok()) return v.status();
    return v->integer(0, 0);
  }
  int64_t latest_schema_version() const override {
    return sizeof(kPgMigrations) / sizeof(kPgMigrations[0]);
  }
  Status backup_to(const std::string&) override {
    return Status::Invalid(
        "a PostgreSQL database is backed up with pg_dump (README \"Several hosts\"); "
        "accessctl backup copies SQLite");
  }

  Status ping() override { return done(db_.run("SELECT 1")); }
  Status check_writable() override {
    Result<Rows> r = db_.run(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'");
    if (!r.ok()) return r.status();
    if (r->boolean(0, 0)) return Status::Unavailable("the server is a standby (in recovery)");
    if (r->boolean(0, 1)) return Status::Unavailable("transactions are read-only");
    return Status::Ok();
  }
  Sizes sizes() override {
    Result<Rows> r = db_.run("SELECT pg_database_size(current_database())");
    return Sizes{r.ok() ? r->integer(0, 0) : 0, 0};
  }
  // Counted for metrics.h; PostgreSQL waits for row locks inside a
  // transaction, not to begin one, so lock_wait_micros stays 0.
  Status begin_write() override {
    ++stats_.write_transactions;
    return db_.begin();
  }
  StoreStats stats() const override { return stats_; }
  Status commit() override { return db_.commit(); }
  void rollback() override { db_.rollback(); }

  // ---- clients
  Status insert_client(const ClientApp& a) override {
    return done(db_.run(std::string("INSERT INTO clients (") + kClientCols +
                            ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,0,0)",
                        {a.id, a.client_id, a.app_name, a.secret_hash, join_words(a.grant_types),
                         join_words(a.redirect_uris), join_words(a.scope), a.access_seconds,
                         a.refresh_seconds, a.auto_approve, a.enabled, a.created_at,
                         a.require_pkce}));
  }

  Result<ClientApp> client_where(const char* column, const std::string& value) {
    Result<Rows> r = db_.run(
        std::string("SELECT ") + kClientCols + " FROM clients WHERE " + column + " = $1", {value});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return read_client(*r, 0);
  }
  Result<ClientApp> find_client(const std::string& id) override { return client_where("id", id); }
  Result<ClientApp> find_client_by_client_id(const std::string& cid) override {
    return client_where("client_id", cid);
  }

  // `sort_by` is a column name the handler checked against its allow-list.
  std::string order_by(const Page& page) {
    return " ORDER BY " + page.sort_by + (page.descending ? " DESC" : " ASC") +
           ", id LIMIT $1 OFFSET $2";
  }
  static Param limit(const Page& page) {
    return page.limit == 0 ? Param::null() : Param(page.limit);  // NULL: LIMIT ALL
  }

  Result<ListResult<ClientApp>> list_clients(const Page& page) override {
    ListResult<ClientApp> out;
    Result<Rows> r = db_.run(std::string("SELECT ") + kClientCols + " FROM clients" + order_by(page),
                             {limit(page), page.offset});
    if (!r.ok()) return r.status();
    for (int i = 0; i < r->size(); ++i) out.items.push_back(read_client(*r, i));
    Result<int64_t> n = count_clients();
    if (!n.ok()) return n.status();
    out.count = *n;
    return out;
  }

  Status update_client(const ClientApp& a) override {
    return changed_one(
        db_.run("UPDATE clients SET client_id=$1, app_name=$2, secret_hash=$3, grant_types=$4, "
                "redirect_uris=$5, scope=$6, access_seconds=$7, refresh_seconds=$8, "
                "auto_approve=$9, enabled=$10, require_pkce=$11 WHERE id=$12",
                {a.client_id, a.app_name, a.secret_hash, join_words(a.grant_types),
                 join_words(a.redirect_uris), join_words(a.scope), a.access_seconds,
                 a.refresh_seconds, a.auto_approve, a.enabled, a.require_pkce, a.id}),
        "no such client app");
  }

  Status delete_client(const std::string& id) override {
    // Families, refresh tokens, codes, approvals go with it (ON DELETE
    // CASCADE); its access tokens name a client that no longer exists.
    return changed_one(db_.run("DELETE FROM clients WHERE id=$1", {id}), "no such client app");
  }

  Result<int64_t> count_clients() override {
    Result<Rows> r = db_.run("SELECT count(*) FROM clients");
    if (!r.ok()) return r.status();
    return r->integer(0, 0);
  }

  // ---- users
  Status insert_user(const User& u) override {
    return done(db_.run(std::string("INSERT INTO users (") + kUserCols +
                            ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                        {u.id, u.email, u.password_hash, u.first_name, u.last_name, u.other_name,
                         u.mobile_number, join_words(u.roles), u.mfa_enabled, u.enabled,
                         u.created_at}));
  }

  Result<User> user_where(const char* column, const std::string& value) {
    Result<Rows> r = db_.run(
        std::string("SELECT ") + kUserCols + " FROM users WHERE " + column + " = $1", {value});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return read_user(*r, 0);
  }
  Result<User> find_user(const std::string& id) override { return user_where("id", id); }
  Result<User> find_user_by_email(const std::string& email) override {
    return user_where("email", email);
  }

  Result<ListResult<User>> list_users(const Page& page) override {
    ListResult<User> out;
    Result<Rows> r = db_.run(std::string("SELECT ") + kUserCols + " FROM users" + order_by(page),
                             {limit(page), page.offset});
    if (!r.ok()) return r.status();
    for (int i = 0; i < r->size(); ++i) out.items.push_back(read_user(*r, i));
    Result<Rows> c = db_.run("SELECT count(*) FROM users");
    if (!c.ok()) return c.status();
    out.count = c->integer(0, 0);
    return out;
  }

  Status update_user_profile(const User& u) override {
    return changed_one(db_.run("UPDATE users SET first_name=$1, last_name=$2, other_name=$3, "
                               "mobile_number=$4 WHERE id=$5",
                               {u.first_name, u.last_name, u.other_name, u.mobile_number, u.id}),
                       "no such user");
  }
  Status delete_user(const std::string& id) override {
    // Families (and their refresh tokens), sessions, approvals, codes,
    // devices and watermarks go with the row (ON DELETE CASCADE).
    return changed_one(db_.run("DELETE FROM users WHERE id=$1", {id}), "no such user");
  }
  Status set_user_enabled(const std::string& id, bool enabled) override {
    return changed_one(db_.run("UPDATE users SET enabled=$1 WHERE id=$2", {enabled, id}),
                       "no such user");
  }
  Status set_user_password(const std::string& id, const std::string& phc) override {
    return changed_one(db_.run("UPDATE users SET password_hash=$1 WHERE id=$2", {phc, id}),
                       "no such user");
  }

  // ---- two-factor authentication
  Status set_user_mfa(const std::string& id, bool enabled, const std::string& sealed) override {
    return changed_one(
        db_.run("UPDATE users SET mfa_enabled=$1, totp_secret=$2, totp_last_step=0 WHERE id=$3",
                {enabled, sealed.empty() ? Param::null() : Param::bytes(sealed), id}),
        "no such user");
  }
  Result<std::pair<std::string, int64_t>> find_totp(const std::string& id) override {
    Result<Rows> r = db_.run("SELECT totp_secret, totp_last_step FROM users WHERE id=$1", {id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return std::make_pair(r->bytes(0, 0), r->integer(0, 1));
  }
  Result<bool> use_totp_step(const std::string& id, int64_t step) override {
    Result<Rows> r = db_.run(
        "UPDATE users SET totp_last_step=$1 WHERE id=$2 AND totp_last_step < $1", {step, id});
    if (!r.ok()) return r.status();
    return r->affected() == 1;
  }

  // ---- devices
  Status insert_device(const Device& d) override {
    return done(db_.run(
        "INSERT INTO devices (user_id, device_id, app_id, passcode_hash, created_at) "
        "VALUES ($1,$2,$3,$4,$5)",
        {d.user_id, d.device_id, d.app_id, d.passcode_hash, d.created_at}));
  }
  Result<Device> find_device(const std::string& user_id, const std::string& device_id) override {
    Result<Rows> r = db_.run(std::string("SELECT ") + kDeviceCols +
                                 " FROM devices WHERE user_id=$1 AND device_id=$2",
                             {user_id, device_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return read_device(*r, 0);
  }
  Result<std::vector<Device>> list_devices(const std::string& user_id) override {
    Result<Rows> r = db_.run(std::string("SELECT ") + kDeviceCols +
                                 " FROM devices WHERE user_id=$1 ORDER BY created_at, device_id",
                             {user_id});
    if (!r.ok()) return r.status();
    std::vector<Device> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(read_device(*r, i));
    return out;
  }
  Status delete_device(const std::string& user_id, const std::string& device_id) override {
    return changed_one(
        db_.run("DELETE FROM devices WHERE user_id=$1 AND device_id=$2", {user_id, device_id}),
        "no such device");
  }
  Result<int> record_device_failure(const std::string& user_id, const std::string& device_id,
                                    int max) override {
    int failures = 0;
    Status st = atomically([&]() -> Status {
      // The UPDATE locks the row: concurrent failures each count.
      Result<Rows> r = db_.run(
          "UPDATE devices SET failures = failures + 1 WHERE user_id=$1 AND device_id=$2 "
          "RETURNING failures",
          {user_id, device_id});
      if (!r.ok()) return r.status();
      if (r->empty()) return Status::NotFound("not found");
      failures = static_cast<int>(r->integer(0, 0));
      if (failures < max) return Status::Ok();
      return done(
          db_.run("DELETE FROM devices WHERE user_id=$1 AND device_id=$2", {user_id, device_id}));
    });
    if (!st.ok()) return st;
    return failures;
  }
  Status record_device_use(const std::string& user_id, const std::string& device_id,
                           int64_t now) override {
    return done(db_.run("UPDATE devices SET failures=0, last_used_at=$1 WHERE user_id=$2 AND "
                        "device_id=$3",
                        {now, user_id, device_id}));
  }

  // ---- lockout
  Result<LoginFailures> find_login_failures(const std::string& username,
                                            const std::string& ip) override {
    if (db_.in_transaction()) {
      // A read-check-save sequence: lock the row (made when absent, with
      // zero counts: the caller reads that as no failures) until the commit.
      Result<Rows> ins = db_.run(
          "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) "
          "VALUES ($1,$2,0,0,0) ON CONFLICT (username, ip) DO NOTHING",
          {username, ip});
      if (!ins.ok()) return ins.status();
    }
    Result<Rows> r = db_.run(
        std::string("SELECT count, window_start, locked_until FROM sign_in_failures WHERE "
                    "username=$1 AND ip=$2") +
            (db_.in_transaction() ? " FOR UPDATE" : ""),
        {username, ip});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return LoginFailures{static_cast<int>(r->integer(0, 0)), r->integer(0, 1), r->integer(0, 2)};
  }
  Status save_login_failures(const std::string& username, const std::string& ip,
                             const LoginFailures& f) override {
    return done(db_.run(
        "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) VALUES "
        "($1,$2,$3,$4,$5) ON CONFLICT (username, ip) DO UPDATE SET count=excluded.count, "
        "window_start=excluded.window_start, locked_until=excluded.locked_until",
        {username, ip, f.count, f.window_start, f.locked_until}));
  }
  Status clear_login_failures(const std::string& username, const std::string* ip) override {
    if (!ip) return done(db_.run("DELETE FROM sign_in_failures WHERE username=$1", {username}));
    return done(db_.run("DELETE FROM sign_in_failures WHERE username=$1 AND ip IN ($2, $3)",
                        {username, *ip, kEveryAddress}));
  }
  Status record_client_auth_failure(const std::string& id, int64_t now,
                                    int window_seconds) override {
    // One statement: concurrent failures on every host each count.
    return done(db_.run(
        "UPDATE clients SET auth_failures = CASE WHEN $1 - auth_window_start >= $2 THEN 1 "
        "ELSE auth_failures + 1 END, auth_window_start = CASE WHEN $1 - auth_window_start >= $2 "
        "THEN $1 ELSE auth_window_start END WHERE id = $3",
        {now, window_seconds, id}));
  }

  // ---- tokens
  Result<bool> access_token_live(const AccessCheck& t) override {
    Result<Rows> r = db_.run(
        "SELECT c.enabled, u.tokens_not_before, u.unbound_tokens_not_before, "
        "(SELECT w.not_before FROM user_app_watermarks w WHERE w.user_id = u.id AND "
        "w.app_id = c.id), "
        "(SELECT f.revoked_at IS NOT NULL FROM token_families f WHERE f.id = $3), "
        "EXISTS (SELECT 1 FROM revoked_jtis r WHERE r.jti = $4) "
        "FROM clients c, users u WHERE c.client_id = $1 AND u.id = $2",
        {t.client_id, t.user_id, t.family_id, t.jti});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    const bool app_enabled = r->boolean(0, 0);
    const bool user_cut = t.issued_ms <= r->integer(0, 1) ||
                          (t.family_id.empty() && t.issued_ms <= r->integer(0, 2));
    const bool app_cut = !r->is_null(0, 3) && t.issued_ms <= r->integer(0, 3);
    // A purged (expired) family has no live access tokens left.
    const bool family_dead = !t.family_id.empty() && (r->is_null(0, 4) || r->boolean(0, 4));
    const bool jti_revoked = r->boolean(0, 5);
    return app_enabled && !user_cut && !app_cut && !family_dead && !jti_revoked;
  }

  Status insert_family(const std::string& family_id, const std::string& app_id,
                       const std::string& user_id, const std::vector<std::string>& scope,
                       int64_t created_at, int64_t expires_at) override {
    return done(db_.run(
        "INSERT INTO token_families (id, app_id, user_id, scope, created_at, expires_at) "
        "VALUES ($1,$2,$3,$4,$5,$6)",
        {family_id, app_id, user_id, join_words(scope), created_at, expires_at}));
  }
  Status insert_refresh(const std::string& hash, const std::string& family_id,
                        int64_t issued_at) override {
    return done(db_.run("INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES ($1,$2,$3)",
                        {Param::bytes(hash), family_id, issued_at}));
  }

  Result<RefreshRecord> refresh_where(const std::string& hash, bool lock) {
    Result<Rows> r = db_.run(
        std::string("SELECT f.id, f.app_id, f.user_id, f.scope, f.expires_at, f.revoked_at, "
                    "r.used_at FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id "
                    "WHERE r.hash=$1") +
            (lock ? " FOR UPDATE" : ""),
        {Param::bytes(hash)});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    RefreshRecord rec;
    rec.family_id = r->text(0, 0);
    rec.app_id = r->text(0, 1);
    rec.user_id = r->text(0, 2);
    rec.scope = split_words(r->text(0, 3));
    rec.family_expires_at = r->integer(0, 4);
    rec.family_revoked = !r->is_null(0, 5);
    if (!r->is_null(0, 6)) rec.used_at = r->integer(0, 6);
    return rec;
  }
  Result<RefreshRecord> find_refresh(const std::string& hash) override {
    return refresh_where(hash, false);
  }

  // The common case is one statement, atomic on its own: mark the token
  // used if it is unused and its family live, and insert the successor
  // from what that marked. A concurrent caller with the same token, on any
  // host, waits for the row and then finds it used (0 rows). Every other
  // case takes the locked path below, which tells them apart.
  // The audit row of kRotated goes in the same statement (a CTE that
  // inserts only when the token was marked).
  Result<Rotation> rotate_refresh(const std::string& hash, const std::string& successor_hash,
                                  int64_t now, int grace_seconds,
                                  const RotationAudit& audit) override {
    if (!db_.in_transaction()) {
      static const std::string kMark =
          "WITH marked AS (UPDATE refresh_tokens r SET used_at = $3 FROM token_families f "
          "WHERE r.hash = $1 AND r.used_at IS NULL AND f.id = r.family_id AND f.revoked_at IS NULL "
          "RETURNING r.family_id)";
      static const std::string kInsert =
          " INSERT INTO refresh_tokens (hash, family_id, issued_at) "
          "SELECT $2, family_id, $3 FROM marked";
      static const std::string kAudited =
          kMark + ", audited AS (INSERT INTO audit_events (" + std::string(kAuditCols) +
          ") SELECT $4::bigint, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, "
          "$11::text, $12::text, $13::text, $14::text FROM marked)" + kInsert;
      std::vector<Param> params = {Param::bytes(hash), Param::bytes(successor_hash), now};
      if (audit.issued) append_audit_params(*audit.issued, &params);
      ++stats_.write_transactions;
      Result<Rows> fast = db_.run(audit.issued ? kAudited : kMark + kInsert, params);
      if (!fast.ok()) return fast.status();
      if (fast->affected() == 1) return Rotation::kRotated;
    }
    return rotate_locked(hash, successor_hash, now, grace_seconds, audit);
  }

  // The token's row and its family's are locked (FOR UPDATE) for the
  // transaction: a concurrent caller waits and then reads the token used.
  Result<Rotation> rotate_locked(const std::string& hash, const std::string& successor_hash,
                                 int64_t now, int grace_seconds, const RotationAudit& audit) {
    Rotation out = Rotation::kUnknown;
    Status st = atomically([&]() -> Status {
      Status s = rotate_under_lock(hash, successor_hash, now, grace_seconds, &out);
      const std::optional<AuditEvent>& row =
          out == Rotation::kReused ? audit.reused
          : out == Rotation::kRotated || out == Rotation::kRepeat ? audit.issued
                                                                 : std::optional<AuditEvent>();
      if (s.ok() && row) s = insert_audit(*row);
      return s;
    });
    if (!st.ok()) return st;
    return out;
  }

  // The locked path's steps; *result is set for every outcome but errors.
  Status rotate_under_lock(const std::string& hash, const std::string& successor_hash,
                           int64_t now, int grace_seconds, Rotation* result) {
    Rotation& out = *result;
    Result<RefreshRecord> rec = refresh_where(hash, true);
    if (!rec.ok()) return rec.status().is_not_found() ? Status::Ok() : rec.status();
    if (rec->family_revoked) {
      out = Rotation::kRevoked;
      return Status::Ok();
    }
    if (!rec->used_at) {
      Status s = done(db_.run("UPDATE refresh_tokens SET used_at=$1 WHERE hash=$2",
                              {now, Param::bytes(hash)}));
      if (s.ok()) s = insert_refresh(successor_hash, rec->family_id, now);
      if (s.ok()) out = Rotation::kRotated;
      return s;
    }
    if (grace_seconds > 0 && now - *rec->used_at <= grace_seconds) {
      Result<Rows> next = db_.run("SELECT used_at IS NULL FROM refresh_tokens WHERE hash=$1",
                                  {Param::bytes(successor_hash)});
      if (!next.ok()) return next.status();
      if (!next->empty() && next->boolean(0, 0)) {
        out = Rotation::kRepeat;
        return Status::Ok();
      }
    }
    out = Rotation::kReused;
    return revoke_family(rec->family_id, now);
  }

  Status revoke_family(const std::string& family_id, int64_t now) override {
    return done(db_.run("UPDATE token_families SET revoked_at=$1 WHERE id=$2 AND revoked_at IS NULL",
                        {now, family_id}));
  }
  Status revoke_user_tokens(const std::string& user_id, int64_t now) override {
    return atomically([&]() -> Status {
      Status st = done(db_.run(
          "UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND revoked_at IS NULL",
          {now, user_id}));
      if (!st.ok()) return st;
      return done(db_.run("UPDATE users SET tokens_not_before=$1 WHERE id=$2",
                          {static_cast<long long>(now_millis()), user_id}));
    });
  }
  Status revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                int64_t now) override {
    return atomically([&]() -> Status {
      Status st = done(db_.run("UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND "
                               "app_id=$3 AND revoked_at IS NULL",
                               {now, user_id, app_id}));
      if (!st.ok()) return st;
      return done(db_.run(
          "INSERT INTO user_app_watermarks (user_id, app_id, not_before) VALUES ($1,$2,$3) "
          "ON CONFLICT (user_id, app_id) DO UPDATE SET not_before=excluded.not_before",
          {user_id, app_id, static_cast<long long>(now_millis())}));
    });
  }
  Result<bool> revoke_access_token(const std::string& jti, int64_t expires_at) override {
    // A concurrent insert of the same jti waits for the first to commit and
    // then does nothing: one caller gets true.
    Result<Rows> r = db_.run(
        "INSERT INTO revoked_jtis (jti, expires_at) VALUES ($1,$2) ON CONFLICT (jti) DO NOTHING",
        {jti, expires_at});
    if (!r.ok()) return r.status();
    return r->affected() == 1;
  }
  Status delete_user_sessions(const std::string& user_id) override {
    return done(db_.run("DELETE FROM sessions WHERE user_id=$1", {user_id}));
  }

  // ---- audit events
  static Param or_null(const std::string& v) { return v.empty() ? Param::null() : Param(v); }
  // The 11 values of kAuditCols, in order.
  static void append_audit_params(const AuditEvent& e, std::vector<Param>* out) {
    for (Param p : {Param(static_cast<long long>(e.created_ms)), Param(e.id), Param(e.type),
                    or_null(e.ip), or_null(e.user_agent), or_null(e.actor), or_null(e.user_id),
                    or_null(e.client_id), or_null(e.username), Param(e.outcome),
                    Param(e.details.empty() ? "{}" : e.details)})
      out->push_back(std::move(p));
  }
  Status insert_audit(const AuditEvent& e) override {
    std::vector<Param> params;
    append_audit_params(e, &params);
    return done(db_.run(std::string("INSERT INTO audit_events (") + kAuditCols +
                            ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                        params));
  }

  Result<ListResult<AuditEvent>> list_audit(const AuditFilter& f, const Page& page) override {
    // Fixed fragments chosen by which filters are set, numbered in the order
    // they are added (PostgreSQL infers a type for every parameter, so none
    // may go unused); each combination is one prepared statement.
    std::string where = " WHERE true";
    std::vector<Param> params;
    auto add = [&](const std::string& fragment, Param value) {
      params.push_back(std::move(value));
      const std::string n = "$" + std::to_string(params.size());
      std::string out = fragment;
      for (size_t at; (at = out.find('?')) != std::string::npos;) out.replace(at, 1, n);
      where += out;
    };
    if (!f.type_prefix.empty()) {
      // Types are [a-z_.]: '~' sorts after each of them, so [p, p || '~')
      // is every type that starts with p (byte-wise: COLLATE "C").
      add(" AND type COLLATE \"C\" >= ?", f.type_prefix);
      add(" AND type COLLATE \"C\" < ?", f.type_prefix + "~");
      // The indexes leave token.issued rows out (pg_schema.h).
      if (std::string("token.issued").rfind(f.type_prefix, 0) != 0)
        where += " AND type <> 'token.issued'";
    }
    if (!f.user_id.empty()) add(" AND user_id = ?", f.user_id);
    if (!f.client_id.empty()) add(" AND client_id = ?", f.client_id);
    if (f.since_ms) add(" AND created_at >= ?", static_cast<long long>(*f.since_ms));
    if (f.until_ms) add(" AND created_at <= ?", static_cast<long long>(*f.until_ms));
    const std::vector<Param> filters = params;
    const char* dir = page.descending ? " DESC" : " ASC";
    params.push_back(limit(page));
    params.push_back(Param(page.offset));
    const std::string n = std::to_string(params.size());
    Result<Rows> r = db_.run(std::string("SELECT ") + kAuditCols + " FROM audit_events" + where +
                                 " ORDER BY created_at" + dir + ", id" + dir + " LIMIT $" +
                                 std::to_string(params.size() - 1) + " OFFSET $" + n,
                             params);
    if (!r.ok()) return r.status();
    ListResult<AuditEvent> out;
    for (int i = 0; i < r->size(); ++i) {
      AuditEvent e;
      e.created_ms = r->integer(i, 0);
      e.id = r->text(i, 1);
      e.type = r->text(i, 2);
      e.ip = r->text(i, 3);
      e.user_agent = r->text(i, 4);
      e.actor = r->text(i, 5);
      e.user_id = r->text(i, 6);
      e.client_id = r->text(i, 7);
      e.username = r->text(i, 8);
      e.outcome = r->text(i, 9);
      e.details = r->text(i, 10);
      out.items.push_back(std::move(e));
    }
    Result<Rows> c = db_.run("SELECT count(*) FROM audit_events" + where, filters);
    if (!c.ok()) return c.status();
    out.count = c->integer(0, 0);
    return out;
  }

  Result<int64_t> purge_audit(int64_t before_ms, int batch) override {
    int64_t n = 0;
    Status st = atomically([&]() -> Status {
      Result<Rows> r = db_.run(
          "DELETE FROM audit_events WHERE (created_at, id) IN (SELECT created_at, id FROM "
          "audit_events WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
          {static_cast<long long>(before_ms), batch});
      if (!r.ok()) return r.status();
      n = r->affected();
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return n;
  }

  // One host at a time (an advisory lock): the others skip the round.
  Result<int64_t> purge_expired(int64_t now, int batch) override {
    Result<Rows> lock = db_.run("SELECT pg_try_advisory_lock($1)", {kPurgeLock});
    if (!lock.ok()) return lock.status();
    if (!lock->boolean(0, 0)) return int64_t{0};
    // As in SQLite: rows stay a little past expiry where they still serve a
    // check (a used code, a family, a watermark: a day).
    const std::pair<const char*, int64_t> kinds[] = {
        {"DELETE FROM revoked_jtis WHERE jti IN (SELECT jti FROM revoked_jtis "
         "WHERE expires_at < $1 LIMIT $2)", now - 60},
        {"DELETE FROM user_app_watermarks WHERE (user_id, app_id) IN (SELECT user_id, app_id "
         "FROM user_app_watermarks WHERE not_before < $1::bigint * 1000 LIMIT $2)", now - 86400},
        {"DELETE FROM token_families WHERE id IN (SELECT id FROM token_families "
         "WHERE expires_at < $1 LIMIT $2)", now - 86400},
        {"DELETE FROM auth_codes WHERE hash IN (SELECT hash FROM auth_codes "
         "WHERE expires_at < $1 LIMIT $2)", now - 86400},
        {"DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests "
         "WHERE expires_at < $1 LIMIT $2)", now},
        {"DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions "
         "WHERE expires_at < $1 LIMIT $2)", now},
        {"DELETE FROM sign_in_failures WHERE (username, ip) IN (SELECT username, ip FROM "
         "sign_in_failures WHERE locked_until < $1::bigint AND window_start < $1::bigint - 86400 LIMIT $2)", now},
    };
    int64_t total = 0;
    Status st;
    for (const auto& k : kinds) {
      Result<Rows> r = db_.run(k.first, {static_cast<long long>(k.second), batch});
      if (!r.ok()) {
        st = r.status();
        break;
      }
      total += r->affected();
    }
    // The purge's outcome is the answer; a lost unlock ends with the session.
    db_.run("SELECT pg_advisory_unlock($1)", {kPurgeLock}).IgnoreError();
    if (!st.ok()) return st;
    return total;
  }
  // PostgreSQL checkpoints by itself.
  Status checkpoint() override { return Status::Ok(); }

  // ---- saved authorization requests
  Status insert_auth_request(const AuthRequest& r) override {
    return done(db_.run(
        "INSERT INTO auth_requests (id, app_id, response_type, redirect_uri, scope, state, "
        "code_challenge, expires_at, redirect_uri_given, browser_hash) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        {r.id, r.app_id, r.response_type, r.redirect_uri, join_words(r.scope), r.state,
         r.code_challenge, r.expires_at, r.redirect_uri_given, Param::bytes(r.browser_hash)}));
  }
  Result<AuthRequest> find_auth_request(const std::string& id, int64_t now) override {
    Result<Rows> q = db_.run(
        "SELECT app_id, response_type, redirect_uri, scope, state, code_challenge, expires_at, "
        "redirect_uri_given, browser_hash FROM auth_requests WHERE id=$1 AND expires_at > $2",
        {id, now});
    if (!q.ok()) return q.status();
    if (q->empty()) return Status::NotFound("not found");
    AuthRequest r;
    r.id = id;
    r.app_id = q->text(0, 0);
    r.response_type = q->text(0, 1);
    r.redirect_uri = q->text(0, 2);
    r.scope = split_words(q->text(0, 3));
    r.state = q->opt_text(0, 4);
    r.code_challenge = q->opt_text(0, 5);
    r.expires_at = q->integer(0, 6);
    r.redirect_uri_given = q->boolean(0, 7);
    r.browser_hash = q->bytes(0, 8);
    return r;
  }
  Status delete_auth_request(const std::string& id) override {
    return done(db_.run("DELETE FROM auth_requests WHERE id=$1", {id}));
  }

  // ---- sessions
  Status insert_session(const std::string& hash, const std::string& user_id, int64_t created_at,
                        int64_t expires_at) override {
    return done(db_.run(
        "INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1,$2,$3,$4)",
        {Param::bytes(hash), user_id, created_at, expires_at}));
  }
  Result<std::string> find_session_user(const std::string& hash, int64_t now) override {
    Result<Rows> r = db_.run("SELECT user_id FROM sessions WHERE hash=$1 AND expires_at > $2",
                             {Param::bytes(hash), now});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return r->text(0, 0);
  }
  Status delete_session(const std::string& hash) override {
    return done(db_.run("DELETE FROM sessions WHERE hash=$1", {Param::bytes(hash)}));
  }

  // ---- approvals
  Result<Approval> find_approval(const std::string& user_id, const std::string& app_id) override {
    Result<Rows> r = db_.run(std::string(kApprovalSelect) + "WHERE a.user_id=$1 AND a.app_id=$2",
                             {user_id, app_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return read_approval(*r, 0);
  }
  Status upsert_approval(const Approval& a) override {
    return done(db_.run(
        "INSERT INTO approvals (id, user_id, app_id, scope, created_at) VALUES ($1,$2,$3,$4,$5) "
        "ON CONFLICT (user_id, app_id) DO UPDATE SET scope=excluded.scope",
        {a.id, a.user_id, a.app_id, join_words(a.scope), a.created_at}));
  }
  Result<std::vector<Approval>> list_approvals(const std::string& user_id) override {
    Result<Rows> r = db_.run(
        std::string(kApprovalSelect) + "WHERE a.user_id=$1 ORDER BY a.created_at, a.id", {user_id});
    if (!r.ok()) return r.status();
    std::vector<Approval> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(read_approval(*r, i));
    return out;
  }
  Status delete_approval(const std::string& id, const std::string& user_id, int64_t now) override {
    return atomically([&]() -> Status {
      Result<Rows> r = db_.run(
          "DELETE FROM approvals WHERE id=$1 AND user_id=$2 RETURNING app_id", {id, user_id});
      if (!r.ok()) return r.status();
      if (r->empty()) return Status::NotFound("no such approval");
      return revoke_user_app_tokens(user_id, r->text(0, 0), now);
    });
  }

  // ---- authorization codes
  Status insert_code(const std::string& hash, const AuthCode& c) override {
    return done(db_.run(
        "INSERT INTO auth_codes (hash, app_id, user_id, redirect_uri, scope, code_challenge, "
        "expires_at, redirect_uri_given) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        {Param::bytes(hash), c.app_id, c.user_id, c.redirect_uri, join_words(c.scope),
         c.code_challenge, c.expires_at, c.redirect_uri_given}));
  }
  Result<AuthCode> find_code(const std::string& hash) override {
    Result<Rows> q = db_.run(
        "SELECT app_id, user_id, redirect_uri, scope, code_challenge, expires_at, used_at, "
        "family_id, access_jti, redirect_uri_given FROM auth_codes WHERE hash=$1",
        {Param::bytes(hash)});
    if (!q.ok()) return q.status();
    if (q->empty()) return Status::NotFound("not found");
    AuthCode c;
    c.app_id = q->text(0, 0);
    c.user_id = q->text(0, 1);
    c.redirect_uri = q->text(0, 2);
    c.scope = split_words(q->text(0, 3));
    c.code_challenge = q->opt_text(0, 4);
    c.expires_at = q->integer(0, 5);
    if (!q->is_null(0, 6)) c.used_at = q->integer(0, 6);
    c.family_id = q->text(0, 7);
    c.access_jti = q->text(0, 8);
    c.redirect_uri_given = q->boolean(0, 9);
    return c;
  }
  Result<bool> consume_code(const std::string& hash, int64_t now, const std::string& family_id,
                            const std::string& jti) override {
    // A concurrent UPDATE of the same row waits for this one's commit, then
    // finds used_at set and changes nothing.
    Result<Rows> r = db_.run(
        "UPDATE auth_codes SET used_at=$1, family_id=$2, access_jti=$3 WHERE hash=$4 AND "
        "used_at IS NULL",
        {now, family_id.empty() ? Param::null() : Param(family_id), jti, Param::bytes(hash)});
    if (!r.ok()) return r.status();
    return r->affected() == 1;
  }

  Status revoke_user_tokens_except(const std::string& user_id, const std::string& keep_family_id,
                                   const std::string& keep_session_hash, int64_t now) override {
    return atomically([&]() -> Status {
      Status st = done(db_.run("UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND "
                               "id<>$3 AND revoked_at IS NULL",
                               {now, user_id, keep_family_id}));
      if (st.ok())
        st = done(db_.run("UPDATE users SET unbound_tokens_not_before=$1 WHERE id=$2",
                          {static_cast<long long>(now_millis()), user_id}));
      if (!st.ok()) return st;
      if (keep_session_hash.empty()) return delete_user_sessions(user_id);
      return done(db_.run("DELETE FROM sessions WHERE user_id=$1 AND hash<>$2",
                          {user_id, Param::bytes(keep_session_hash)}));
    });
  }

  // ---- two-factor enrolment and recovery codes
  Status set_totp_pending(const std::string& id, const std::string& sealed) override {
    return changed_one(db_.run("UPDATE users SET totp_pending=$1 WHERE id=$2",
                               {sealed.empty() ? Param::null() : Param::bytes(sealed), id}),
                       "no such user");
  }
  Result<std::string> find_totp_pending(const std::string& id) override {
    Result<Rows> r = db_.run("SELECT totp_pending FROM users WHERE id=$1", {id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    return r->bytes(0, 0);
  }
  Result<bool> confirm_totp(const std::string& id, const std::string& sealed,
                            int64_t step) override {
    Result<Rows> r = db_.run(
        "UPDATE users SET mfa_enabled=true, totp_secret=totp_pending, totp_pending=NULL, "
        "totp_last_step=$1 WHERE id=$2 AND NOT mfa_enabled AND totp_pending=$3",
        {step, id, Param::bytes(sealed)});
    if (!r.ok()) return r.status();
    return r->affected() == 1;
  }
  Status replace_recovery_codes(const std::string& user_id, const std::vector<std::string>& hashes,
                                int64_t now) override {
    return atomically([&]() -> Status {
      Status st = done(db_.run("DELETE FROM recovery_codes WHERE user_id=$1", {user_id}));
      for (size_t i = 0; st.ok() && i < hashes.size(); ++i)
        st = done(db_.run(
            "INSERT INTO recovery_codes (user_id, hash, created_at) VALUES ($1,$2,$3)",
            {user_id, Param::bytes(hashes[i]), now}));
      return st;
    });
  }
  Result<bool> use_recovery_code(const std::string& user_id, const std::string& hash, int64_t now,
                                 const std::string& ip) override {
    // A concurrent use of the same code waits for the row, then finds it used.
    Result<Rows> r = db_.run(
        "UPDATE recovery_codes SET used_at=$1, used_ip=$2 WHERE user_id=$3 AND hash=$4 AND "
        "used_at IS NULL",
        {now, ip, user_id, Param::bytes(hash)});
    if (!r.ok()) return r.status();
    return r->affected() == 1;
  }
  Result<std::vector<RecoveryCode>> list_recovery_codes(const std::string& user_id) override {
    Result<Rows> r = db_.run(
        "SELECT created_at, used_at, used_ip FROM recovery_codes WHERE user_id=$1 "
        "ORDER BY created_at, hash",
        {user_id});
    if (!r.ok()) return r.status();
    std::vector<RecoveryCode> out;
    for (int i = 0; i < r->size(); ++i) {
      RecoveryCode c;
      c.created_at = r->integer(i, 0);
      if (!r->is_null(i, 1)) c.used_at = r->integer(i, 1);
      c.used_ip = r->text(i, 2);
      out.push_back(c);
    }
    return out;
  }

  // ---- shared key files
  bool shares_keys() const override { return true; }
  Result<std::vector<std::pair<std::string, std::string>>> list_key_files() override {
    Result<Rows> r = db_.run("SELECT name, sealed FROM key_files ORDER BY name");
    if (!r.ok()) return r.status();
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < r->size(); ++i) out.emplace_back(r->text(i, 0), r->bytes(i, 1));
    return out;
  }
  Status put_key_file(const std::string& name, const std::string& sealed, int64_t now) override {
    return done(db_.run(
        "INSERT INTO key_files (name, sealed, created_at) VALUES ($1,$2,$3) "
        "ON CONFLICT (name) DO NOTHING",
        {name, Param::bytes(sealed), now}));
  }
  Status delete_key_file(const std::string& name) override {
    return done(db_.run("DELETE FROM key_files WHERE name=$1", {name}));
  }

 private:
  pg::Conn db_;
  StoreStats stats_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_pg_store(const Config& config) {
  return std::unique_ptr<Store>(new PgStore(config));
}

}  // namespace access_service

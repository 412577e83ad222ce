// Store: everything the server persists, behind one interface with two
// backends that keep the same promises: SQLite (src/store/sqlite_store.h, one host,
// the default) and PostgreSQL (src/store/pg_store.h, several hosts as one service).
//
// Threading and processes: a Store object belongs to one worker process and is
// used by one request at a time. It must be opened after fork().
//
// Transactions: a request that writes opens one WriteTransaction. In SQLite
// it is BEGIN IMMEDIATE, which takes the one write lock up front, so every
// read-check-update sequence inside it is serialized. PostgreSQL runs READ
// COMMITTED transactions with row locks instead, so the sequences that must
// not interleave are written as conditional updates (rotate_refresh,
// consume_code, revoke_access_token, use_totp_step) or lock what they read
// (find_login_failures inside a transaction). Calls outside a transaction
// are individually atomic.
//
// Secrets: the store never sees a plaintext refresh token, code or session id,
// only their SHA-256; passwords and client secrets arrive as argon2id PHC
// strings; recovery codes as HMAC-SHA-256 under the server's key (mfa.h);
// TOTP secrets sealed (totp.h).
//
// Errors (status.h), as leveldb/db.h states them: each method's comment
// names the codes it returns besides the usual two, which every method that
// reaches the database may return:
//   kUnavailable  the database cannot be reached or written now: busy past
//                 store.busy_timeout_ms, disk full, read-only, an I/O error,
//                 a lost PostgreSQL connection, a standby. Retry later (503);
//                 a write that answers it is not acknowledged.
//   kInternal     anything else: a bug, corruption, SQL the database refuses.
// Where a method has no kNotFound, its comment says what an unknown row
// gives instead (false, nothing, an empty list). kConflict is a unique key
// taken. A write naming a row that does not exist (a foreign key: the app or
// user was deleted meanwhile) is kConflict in SQLite and kInternal in
// PostgreSQL.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/core/config.h"
#include "access/core/status.h"

namespace access_service {

struct ClientApp {
  std::string id;         // record id (UUID)
  std::string client_id;  // public identifier used in OAuth
  std::string app_name;
  std::string secret_hash;  // argon2id PHC string
  std::vector<std::string> grant_types;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> scope;
  int access_seconds = 0;
  std::optional<int> refresh_seconds;
  bool auto_approve = false;
  bool require_pkce = false;  // PKCE (S256) even for redirect URIs that do not demand it
  bool enabled = true;
  int64_t created_at = 0;
  // Wrong-secret counter of client authentication (read only here: written
  // by record_client_auth_failure, never by insert_client/update_client).
  int auth_failures = 0;
  int64_t auth_window_start = 0;

  bool has_grant(const std::string& g) const;
};

struct User {
  std::string id;
  std::string email;          // stored lower-case
  std::string password_hash;  // argon2id PHC string; "" = cannot sign in with a password
  std::optional<std::string> first_name, last_name, other_name, mobile_number;
  std::vector<std::string> roles;
  bool mfa_enabled = false;
  bool enabled = true;
  int64_t created_at = 0;

  bool has_role(const std::string& r) const;
};

// Paging of list endpoints (API.md section 0). `sort_by` is a column name the
// handler has already checked against its allow-list.
struct Page {
  int limit = 0;  // 0 = no limit
  int offset = 0;
  bool descending = false;
  std::string sort_by;
};

template <typename T>
struct ListResult {
  std::vector<T> items;
  int64_t count = 0;  // total matching, regardless of paging
};

// A refresh token looked up by hash, with its family.
struct RefreshRecord {
  std::string family_id;
  std::string app_id;  // ClientApp::id
  std::string user_id;
  std::vector<std::string> scope;  // the family's (original) scope
  int64_t family_expires_at = 0;
  bool family_revoked = false;
  std::optional<int64_t> used_at;  // set once the token has been rotated
  User user;  // the family's user, read with the token (one statement, not two)
};

// What an access token's issuer knows about it. Nothing of it is stored:
// an access token is a signed JWT whose revocation is proved by rules on
// what it says (access_token_live), so issuing one writes no row.
struct AccessRecord {
  std::string jti;  // UUIDv7: its first 48 bits are the issue time in ms
  std::string app_id;
  std::string user_id;
  std::string family_id;  // "" when no refresh token came with it
  int64_t expires_at = 0;
};

// The claims of a verified access token that its liveness depends on.
struct AccessCheck {
  std::string jti;
  std::string client_id;  // ClientApp::client_id (the `client_id` claim)
  std::string user_id;    // the `sub` claim
  std::string family_id;  // the `fid` claim; "" when none
  int64_t issued_ms = 0;  // from the UUIDv7 jti (iat * 1000 for older tokens)
  std::string app_id;     // ClientApp::id (the `app_id` claim); "" in older tokens
};

// The app record id `t` names: its app_id, or for a token from before that
// claim was issued, the id of the app that holds t.client_id now (such tokens
// expire within one access-token lifetime of the upgrade). kNotFound when no
// app holds it.
class Store;
Result<std::string> app_id_of(Store& store, const AccessCheck& t);

// The `ip` of the account-wide lockout counter (no client IP looks like it).
constexpr char kEveryAddress[] = "*";

struct LoginFailures {
  int count = 0;
  int64_t window_start = 0;
  int64_t locked_until = 0;
};

// A validated GET /api/oauth/authorize request, saved under a random id
// while the user signs in and consents (API.md section 4).
struct AuthRequest {
  std::string id;  // rid
  std::string app_id;
  std::string response_type;  // "code" | "token"
  std::string redirect_uri;
  std::vector<std::string> scope;
  std::optional<std::string> state;
  std::optional<std::string> code_challenge;  // S256 challenge
  int64_t expires_at = 0;
  // False when the request omitted redirect_uri and the app's one registered
  // URI was used (RFC 6749 3.1.2.3); the code remembers it for the token
  // request (4.1.3).
  bool redirect_uri_given = true;
  // SHA-256 of the browser-binding cookie of the browser that started the
  // request (browser.h); only that browser may resume it.
  std::string browser_hash;
};

struct Approval {
  std::string id;
  std::string user_id;
  std::string app_id;
  std::string client_id;  // of the app (read only, from the join)
  std::string app_name;   // of the app (read only, from the join)
  std::vector<std::string> scope;
  int64_t created_at = 0;
};

struct AuthCode {
  std::string app_id;
  std::string user_id;
  std::string redirect_uri;
  std::vector<std::string> scope;
  std::optional<std::string> code_challenge;
  int64_t expires_at = 0;
  std::optional<int64_t> used_at;
  std::string family_id;  // tokens issued from it, for revocation on reuse
  std::string access_jti;
  // As AuthRequest::redirect_uri_given: when true the token request must
  // carry redirect_uri; when false it may omit it.
  bool redirect_uri_given = true;
};

// A recovery code of a user's two-factor authentication (API.md section 7),
// as listed: the code itself is stored only as a keyed hash and never read.
struct RecoveryCode {
  int64_t created_at = 0;
  std::optional<int64_t> used_at;
  std::string used_ip;  // client address of the use; "" while unused
};

// A device registered for passcode sign-in (API.md section 6).
struct Device {
  std::string user_id;
  std::string device_id;
  std::string app_id;         // the app it was registered through; only it may use it
  std::string passcode_hash;  // argon2id PHC string
  int failures = 0;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
};

// An audit event (audit.h; API.md section 8): one row each, never changed.
// Empty strings are stored as NULL and read back as "".
struct AuditEvent {
  std::string id;          // UUIDv7
  std::string type;        // a dotted name of audit.h kAuditTypes ("sign_in.failed")
  int64_t created_ms = 0;  // Unix milliseconds
  std::string ip;          // the client address nginx passed (REMOTE_ADDR)
  std::string user_agent;  // truncated to audit.h kMaxUserAgentBytes
  std::string actor;       // who acted: a user id, a client id, "accessctl", "access-service"
  std::string user_id;     // the user concerned
  std::string client_id;   // the app concerned (its clientId, not the record id)
  std::string username;    // as typed, for failures (truncated)
  std::string outcome;     // "success" | "failure"
  std::string details;     // a JSON object, serialised ("{}" when there is nothing)
};

// Filters of list_audit; empty / nullopt members do not filter.
struct AuditFilter {
  std::string type_prefix;  // events whose type starts with it (byte-wise)
  std::string user_id;
  std::string client_id;
  std::optional<int64_t> since_ms;  // created_ms >= since_ms
  std::optional<int64_t> until_ms;  // created_ms <= until_ms
};

// Counters a backend keeps about itself since it was opened (metrics.h).
struct StoreStats {
  uint64_t write_transactions = 0;  // write transactions begun
  uint64_t lock_wait_micros = 0;    // time spent waiting to begin them (the write lock)
  uint64_t durable_commits = 0;     // commits made durable before returning (SQLite FULL)
  uint64_t wal_syncs = 0;           // fsyncs of the WAL this connection ran for them
                                    // (fewer than commits: others' syncs covered the rest)
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates or upgrades the schema (PRAGMA user_version in SQLite): applies
  // every version after schema_version() up to latest_schema_version(), each
  // in its own transaction. kInvalid when the database is newer than this
  // build (naming both versions); the usual two otherwise (a failed step is
  // rolled back, the steps before it stay). Only `accessctl init` (on an
  // empty database) and `accessctl migrate` (after a backup) call it; the
  // service checks with check_schema() instead.
  virtual Status migrate() = 0;
  // The schema version the database is at: 0 for an empty database (no
  // schema yet). The usual two; at this build's version it prepares the
  // statements that need the schema, and one that does not prepare is
  // kInternal naming it (so migrate() and check_schema() give that too).
  virtual Result<int64_t> schema_version() = 0;
  // The schema version this build creates and needs.
  virtual int64_t latest_schema_version() const = 0;
  // Writes a consistent copy of the whole database to the new file `path`
  // (mode 0600) while other connections keep reading and writing: in SQLite
  // the online backup API, which copies one snapshot (a read transaction, so
  // writers in WAL mode are never blocked). kConflict when `path` exists;
  // kUnavailable on any other failure, the copy's own check included (the
  // partial file is removed). A PostgreSQL deployment backs up with pg_dump:
  // that backend always answers kInvalid.
  virtual Status backup_to(const std::string& path) = 0;
  // A cheap read proving the database answers (GET /api/health). The usual
  // two.
  virtual Status ping() = 0;
  // Whether the database takes a write now (GET /api/health/ready): SQLite
  // runs an empty write transaction (the write lock, BEGIN IMMEDIATE, COMMIT
  // and its sync); PostgreSQL, where writers never wait to begin, asks the
  // server whether it accepts writes (not a standby, not read-only).
  // kUnavailable with the reason otherwise; kInternal as usual.
  virtual Status check_writable() = 0;
  // Sizes for metrics.h: SQLite's database file and WAL; PostgreSQL's
  // pg_database_size (its WAL is the server's, shared with every database:
  // 0 here). Unknown sizes are 0.
  struct Sizes {
    int64_t database_bytes = 0;
    int64_t wal_bytes = 0;
  };
  virtual Sizes sizes() = 0;

  // Write transactions (use WriteTransaction), never nested: a request has
  // at most one open. begin_write: kUnavailable when the write lock is not
  // had within store.busy_timeout_ms (SQLite) or the database is
  // unreachable. commit: kUnavailable when the commit is not known to be
  // durable (the caller must not acknowledge it), kInternal when none is
  // open or the database rolled it back; after a failed commit, rollback()
  // ends what may still be open (WriteTransaction does). rollback: never
  // fails; nothing when none is open.
  virtual Status begin_write() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // Client apps, by record id (find_client) or clientId.
  // insert: kConflict when the id or client_id is taken.
  virtual Status insert_client(const ClientApp& app) = 0;
  // kNotFound when there is no such app. Inside a WriteTransaction the row
  // stays locked until it ends (PostgreSQL: FOR UPDATE; SQLite's write lock
  // covers it), so a read-change-write of an app cannot lose another's.
  virtual Result<ClientApp> find_client(const std::string& id) = 0;
  virtual Result<ClientApp> find_client_by_client_id(const std::string& client_id) = 0;
  // The usual two only (none: an empty list).
  virtual Result<ListResult<ClientApp>> list_clients(const Page& page) = 0;
  // Replaces the members of app app.id but created_at and the wrong-secret
  // counter: kNotFound when there is no such app, kConflict when
  // app.client_id is another app's.
  virtual Status update_client(const ClientApp& app) = 0;
  // Deletes the app, its token families (and so refresh tokens) and marks
  // every outstanding access token issued to it revoked. kNotFound if absent.
  virtual Status delete_client(const std::string& id) = 0;
  // The usual two only.
  virtual Result<int64_t> count_clients() = 0;

  // Users. insert: kConflict when the id or the email is taken.
  virtual Status insert_user(const User& user) = 0;
  // kNotFound when there is no such user. Inside a WriteTransaction the row
  // stays locked until it ends (PostgreSQL: FOR UPDATE; SQLite's write lock
  // covers it), and every revocation of the user's tokens below takes that
  // lock first: a fresh grant that re-checks the account there cannot
  // interleave with a password change, a disable or a revocation.
  virtual Result<User> find_user(const std::string& id) = 0;
  virtual Result<User> find_user_by_email(const std::string& email) = 0;
  // The usual two only (none: an empty list).
  virtual Result<ListResult<User>> list_users(const Page& page) = 0;
  // Replaces the profile fields (names, mobile number) of user.id. This and
  // the two setters: kNotFound when there is no such user.
  virtual Status update_user_profile(const User& user) = 0;
  virtual Status set_user_enabled(const std::string& id, bool enabled) = 0;
  virtual Status set_user_password(const std::string& id, const std::string& phc) = 0;
  // Deletes user `id` and everything that is theirs, in one atomic step:
  // refresh-token families (with their refresh tokens), browser sessions,
  // approvals, authorization codes, devices and (user, app) watermarks.
  // Their access tokens die with them (access_token_live: unknown user). The
  // lockout counters, keyed by the username as typed, are not touched
  // (clear_login_failures). kNotFound when there is no such user.
  virtual Status delete_user(const std::string& id) = 0;

  // Two-factor authentication. set_user_mfa replaces the flag and the sealed
  // secret ("" clears it) and resets the last used step; kNotFound when no
  // such user.
  virtual Status set_user_mfa(const std::string& id, bool enabled,
                              const std::string& sealed_secret) = 0;
  // The sealed TOTP secret ("" when none) and the last accepted step;
  // kNotFound when no such user.
  virtual Result<std::pair<std::string, int64_t>> find_totp(const std::string& id) = 0;
  // Records `step` as used if it is later than the last one; false when it
  // is not (a replayed or older code) and for an unknown user (no kNotFound).
  virtual Result<bool> use_totp_step(const std::string& id, int64_t step) = 0;

  // Two-factor enrolment by the user (API.md section 7). A pending secret is
  // kept apart from the active one until a code of it is confirmed, so
  // starting an enrolment changes nothing about how the user signs in.
  // set_totp_pending replaces it ("" clears it); kNotFound when no such user.
  virtual Status set_totp_pending(const std::string& id, const std::string& sealed_secret) = 0;
  // The sealed pending secret, "" when none; kNotFound when no such user.
  virtual Result<std::string> find_totp_pending(const std::string& id) = 0;
  // Confirms an enrolment in one conditional statement: when two-factor
  // authentication is off and the pending secret is still `sealed_secret`
  // (the one the caller checked the code against), it becomes the active
  // secret, mfaEnabled is set, `step` is recorded as the last used step and
  // the pending secret is cleared: true. Otherwise nothing changes: false
  // (2FA already on, no enrolment, or another one started since). Of
  // concurrent confirmations exactly one gets true. kNotFound is never
  // returned (an unknown user gives false).
  virtual Result<bool> confirm_totp(const std::string& id, const std::string& sealed_secret,
                                    int64_t step) = 0;

  // Recovery codes (API.md section 7), stored as keyed hashes (mfa.h).
  // replace: the user's codes become exactly `hashes`, created at `now`
  // (empty: every code is removed). Atomic; run it inside the transaction
  // that changes the user's two-factor state. kConflict when `hashes` holds
  // one twice; an unknown user is the foreign-key case (top of this file).
  virtual Status replace_recovery_codes(const std::string& user_id,
                                        const std::vector<std::string>& hashes, int64_t now) = 0;
  // Uses up the unused code `hash` of `user_id`, recording `now` and `ip`:
  // true when this call used it, false when there is no such unused code
  // (unknown, another user's, or used before; no kNotFound). One conditional
  // update: of concurrent callers with one code exactly one gets true.
  virtual Result<bool> use_recovery_code(const std::string& user_id, const std::string& hash,
                                         int64_t now, const std::string& ip) = 0;
  // The user's codes, used or not, oldest first (empty when none, or no
  // such user). The usual two only.
  virtual Result<std::vector<RecoveryCode>> list_recovery_codes(const std::string& user_id) = 0;

  // Devices. insert: kConflict when (user, device id) exists; an unknown
  // user or app is the foreign-key case (top of this file).
  virtual Status insert_device(const Device& d) = 0;
  // kNotFound when the user has no such device.
  virtual Result<Device> find_device(const std::string& user_id, const std::string& device_id) = 0;
  // The usual two only (none: an empty list).
  virtual Result<std::vector<Device>> list_devices(const std::string& user_id) = 0;
  // kNotFound when the user has no such device.
  virtual Status delete_device(const std::string& user_id, const std::string& device_id) = 0;
  // Counts a wrong passcode; the registration is deleted at `max` failures.
  // Returns the failure count; kNotFound when the user has no such device.
  virtual Result<int> record_device_failure(const std::string& user_id,
                                            const std::string& device_id, int max) = 0;
  // A successful passcode: failures reset, last_used_at = now. kNotFound
  // when the registration is gone (a concurrent wrong passcode's last strike
  // removed it, or its user did): the caller refuses the grant.
  virtual Status record_device_use(const std::string& user_id, const std::string& device_id,
                                   int64_t now) = 0;

  // Lockout counters (API.md section 3), keyed by the normalised username
  // as typed (whether or not such a user exists, so that lockout does not
  // reveal accounts) and the client IP; ip kEveryAddress ("*") is the
  // account-wide counter.
  // Read-check-save sequences run inside one WriteTransaction: there, find
  // locks the row until the commit (SQLite: the write lock; PostgreSQL: the
  // row, created with zero counts when absent, so concurrent failures each
  // count). find: kNotFound when there is no row (never, then, in a
  // PostgreSQL transaction: the row it made has zero counts).
  virtual Result<LoginFailures> find_login_failures(const std::string& username,
                                                    const std::string& ip) = 0;
  // Inserts or replaces the row. The usual two only.
  virtual Status save_login_failures(const std::string& username, const std::string& ip,
                                     const LoginFailures& f) = 0;
  // Deletes the counters of `username` from `*ip` and the account-wide one;
  // with ip == nullptr, every counter of `username` (accessctl user unlock).
  // Nothing to delete is no error; the usual two only.
  virtual Status clear_login_failures(const std::string& username, const std::string* ip) = 0;

  // Counts one wrong secret for client app `id` (record id) in the window
  // that started at ClientApp::auth_window_start, or starts a new window of
  // `window_seconds` at `now`. A single atomic statement; no-op when unknown
  // (no kNotFound).
  virtual Status record_client_auth_failure(const std::string& id, int64_t now,
                                            int window_seconds) = 0;

  // Tokens.
  //
  // Access tokens have no row (issuing one writes nothing). One is dead when
  // any of these says so, all read by access_token_live in one statement:
  //   - its app is unknown (deleted) or disabled (until it is enabled again),
  //     or no longer holds the token's client_id: the app is the record
  //     AccessCheck::app_id names and must still be called client_id, so a
  //     token of a deleted or renamed app never comes back to life under a
  //     new app that takes the same clientId;
  //   - its user is unknown, or revoke_user_tokens ran at or after its issue
  //     time (users/me/expire, disabling: a per-user watermark);
  //   - it has no family (AccessCheck::family_id "") and
  //     revoke_user_tokens_except ran at or after its issue time (a password
  //     change: a second per-user watermark, for family-less tokens only);
  //   - revoke_user_app_tokens ran for its (user, app) at or after its issue
  //     time (approval deleted: a per-(user, app) watermark);
  //   - its refresh-token family is revoked (reuse, revocation);
  //   - its jti was revoked by revoke_access_token (RFC 7009, code reuse,
  //     single-use restrictive tokens; kept until the token's expiry).
  // Watermarks are taken from the clock in milliseconds when the revocation
  // runs, and compared with the issue time carried in the token's UUIDv7 jti.
  //
  // kNotFound when the app or the user does not exist; otherwise whether the
  // token is live.
  virtual Result<bool> access_token_live(const AccessCheck& token) = 0;
  // insert_family: kConflict when family_id exists; insert_refresh: when
  // token_hash exists. An unknown app, user or family is the foreign-key
  // case (top of this file).
  virtual Status insert_family(const std::string& family_id, const std::string& app_id,
                               const std::string& user_id, const std::vector<std::string>& scope,
                               int64_t created_at, int64_t expires_at) = 0;
  virtual Status insert_refresh(const std::string& token_hash, const std::string& family_id,
                                int64_t issued_at) = 0;
  // kNotFound when no such token (never issued, or gone with its family).
  virtual Result<RefreshRecord> find_refresh(const std::string& token_hash) = 0;
  // Presents refresh token `token_hash` for rotation to `successor_hash`, as
  // one atomic step in a write transaction of its own (call it outside any):
  //   kRotated  the token was unused: it is used now (at `now`) and the
  //             successor is a live token of the same family;
  //   kRepeat   it was used at most `grace_seconds` (> 0) ago and the
  //             successor is still unused: nothing changes, the caller
  //             answers with the same successor (the client's retry);
  //   kReused   it was used before, outside that grace: its family is revoked
  //             now (RFC 9700 4.14.2) and stays so;
  //   kRevoked  its family was revoked already;
  //   kUnknown  no such token (never issued, or gone with its family).
  // Isolation: calls with one token are serialized (a write lock, or a row
  // lock in another backend), so of any number of concurrent callers with
  // one unused token exactly one gets kRotated, and every other one sees it
  // used; no two successors of one token are ever live. Nothing is
  // acknowledged before the transaction is durable.
  // `audit` rows are stored in that same transaction: `issued` (when set)
  // on kRotated and kRepeat, `reused` (when set) on kReused; nothing else.
  // kConflict, changing nothing, when successor_hash or the audit row's key
  // exists; the usual two (kUnavailable: the write lock, or a commit not
  // known to be durable). An unknown token is kUnknown, never kNotFound.
  enum class Rotation { kRotated, kRepeat, kReused, kRevoked, kUnknown };
  struct RotationAudit {
    std::optional<AuditEvent> issued;
    std::optional<AuditEvent> reused;
  };
  virtual Result<Rotation> rotate_refresh(const std::string& token_hash,
                                          const std::string& successor_hash, int64_t now,
                                          int grace_seconds, const RotationAudit& audit) = 0;
  // Revokes a family: its refresh tokens die, and so do the access tokens
  // issued from it (their `fid`). Nothing for an unknown or revoked family
  // (no kNotFound).
  virtual Status revoke_family(const std::string& family_id, int64_t now) = 0;
  // Each revocation of a user's tokens below also deletes the user's unused
  // authorization codes (of that app, for revoke_user_app_tokens): a code
  // minted by a sign-in that the revocation ends cannot be exchanged after
  // it. Used codes stay, so that presenting one again is still seen as a
  // reuse.
  //
  // Revokes every family and access token of a user (all apps): the
  // families, and the user's watermark set to the clock (ms). Nothing for an
  // unknown user (no kNotFound). Atomic.
  virtual Status revoke_user_tokens(const std::string& user_id, int64_t now) = 0;
  // A password change (API.md section 7): revokes every family of the user
  // except `keep_family_id` (and so the access tokens issued from them),
  // every access token of the user that has no family (the family-less
  // watermark set to the clock, ms), and deletes every browser session of
  // the user except the one whose hash is `keep_session_hash`. "" keeps no
  // family, or no session. The kept family's tokens, access tokens included,
  // and the kept session stay valid. Atomic. Nothing for an unknown user (no
  // kNotFound).
  virtual Status revoke_user_tokens_except(const std::string& user_id,
                                           const std::string& keep_family_id,
                                           const std::string& keep_session_hash, int64_t now) = 0;
  // Revokes the families and access tokens of one user through one app: the
  // families, and the (user, app) watermark set to the clock (ms). Atomic.
  // An unknown user or app is the foreign-key case (top of this file).
  virtual Status revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                        int64_t now) = 0;
  // Revokes one access token until `expires_at` (its exp): true when this
  // call revoked it, false when it already was. Inside a WriteTransaction
  // exactly one of several concurrent callers gets true (single-use tokens).
  // The usual two only.
  virtual Result<bool> revoke_access_token(const std::string& jti, int64_t expires_at) = 0;
  // Ends every browser session of a user; none is no error. The usual two.
  virtual Status delete_user_sessions(const std::string& user_id) = 0;

  // Deletes up to `batch` expired rows of each kind (access tokens, token
  // families with their refresh tokens, codes, saved requests, sessions,
  // finished lockout counters), each kind in its own short transaction
  // (call it outside any). Returns how many rows went: 0 in PostgreSQL when
  // another host is purging. The usual two; kinds purged before a failure
  // stay purged.
  virtual Result<int64_t> purge_expired(int64_t now, int batch) = 0;
  // Copies the WAL back into the database and truncates it to
  // journal_size_limit (SQLite: PRAGMA wal_checkpoint(PASSIVE)). The usual
  // two; PostgreSQL checkpoints by itself and always answers OK.
  virtual Status checkpoint() = 0;

  // Saved authorization requests. insert: kConflict when the id exists (an
  // unknown app is the foreign-key case); find: kNotFound when unknown or
  // expired; delete: kNotFound when no such request is left (another answer
  // to the same request consumed it first: a request ends exactly once).
  virtual Status insert_auth_request(const AuthRequest& r) = 0;
  virtual Result<AuthRequest> find_auth_request(const std::string& id, int64_t now) = 0;
  virtual Status delete_auth_request(const std::string& id) = 0;

  // Browser sessions by SHA-256 of the cookie value. insert: kConflict when
  // the hash exists (an unknown user is the foreign-key case); find returns
  // the user id, kNotFound when unknown or expired.
  virtual Status insert_session(const std::string& hash, const std::string& user_id,
                                int64_t created_at, int64_t expires_at) = 0;
  virtual Result<std::string> find_session_user(const std::string& hash, int64_t now) = 0;
  // Ends one session (sign-out); no-op when unknown.
  virtual Status delete_session(const std::string& hash) = 0;

  // Approvals: one per (user, app). find: kNotFound when there is none.
  // upsert replaces the scope of an existing one (the caller passes the
  // widened scope) and keeps its id and created_at; kConflict when a.id is
  // another (user, app)'s; an unknown user or app is the foreign-key case.
  // list: the usual two only (none: an empty list).
  virtual Result<Approval> find_approval(const std::string& user_id, const std::string& app_id) = 0;
  virtual Status upsert_approval(const Approval& a) = 0;
  virtual Result<std::vector<Approval>> list_approvals(const std::string& user_id) = 0;
  // Deletes approval `id` of `user_id` (kNotFound when there is none, or it
  // is someone else's) and revokes that app's tokens for the user. Atomic.
  virtual Status delete_approval(const std::string& id, const std::string& user_id,
                                 int64_t now) = 0;

  // Authorization codes by SHA-256. insert: kConflict when the hash exists
  // (an unknown app or user is the foreign-key case); find: kNotFound when
  // unknown (used codes are found, with used_at set).
  virtual Status insert_code(const std::string& hash, const AuthCode& c) = 0;
  virtual Result<AuthCode> find_code(const std::string& hash) = 0;
  // Consumes an unused code and records what was issued from it (the family
  // and the access token's jti, for revocation if the code is presented
  // again); false when it was already consumed or is unknown (no
  // kNotFound). Run inside the caller's WriteTransaction, with the inserts
  // of what was issued: of concurrent callers with one code exactly one gets
  // true (a conditional update under the write lock; a row lock in another
  // backend).
  virtual Result<bool> consume_code(const std::string& hash, int64_t now,
                                    const std::string& family_id, const std::string& jti) = 0;

  // Files of the key directory that every host shares (key_mirror.h): the
  // signing keys, their markers and hmac.key, sealed with the key-encryption
  // key. Only a store that several hosts use has them (PostgreSQL); with
  // shares_keys() false the key directory is the only copy and the other
  // three answer kInvalid.
  virtual bool shares_keys() const { return false; }
  // Every shared file: (name, sealed content), by name.
  virtual Result<std::vector<std::pair<std::string, std::string>>> list_key_files();
  // Adds a file unless one of that name exists (the first host wins; no
  // kConflict).
  virtual Status put_key_file(const std::string& name, const std::string& sealed, int64_t now);
  // Removes a file; no-op when absent (no kNotFound).
  virtual Status delete_key_file(const std::string& name);
  // Audit events (audit.h). insert_audit stores one row: inside the caller's
  // WriteTransaction when one is open, so that it commits or rolls back with
  // the change it records; otherwise on its own (individually atomic and,
  // like every write, durable before it returns). kConflict when an event
  // with the same (created_ms, id) exists; the usual two.
  virtual Status insert_audit(const AuditEvent& event) = 0;
  // The events matching `filter`, ordered by (created_ms, id), descending
  // when page.descending; page.limit (0 = all) and page.offset apply,
  // page.sort_by is ignored; count is every matching event. The usual two
  // only.
  virtual Result<ListResult<AuditEvent>> list_audit(const AuditFilter& filter,
                                                    const Page& page) = 0;
  // Deletes up to `batch` events created before `before_ms` (retention), in
  // one short transaction of its own (call it outside any); returns how
  // many. The usual two only.
  virtual Result<int64_t> purge_audit(int64_t before_ms, int batch) = 0;

  // What this connection counted since it was opened (metrics.h). A backend
  // that does not wait for a write lock may report zeros.
  virtual StoreStats stats() const { return StoreStats{}; }
};

// Opens the store named by config (store.backend). Call after fork().
// SQLite: kUnavailable when the database or its "-writer" lock file cannot
// be opened or set up, kInternal naming a statement that does not prepare.
// PostgreSQL connects lazily and never fails here: an unreachable server is
// kUnavailable from each call until it answers again, a statement that does
// not prepare kInternal from each call (pg_conn.h).
Result<std::unique_ptr<Store>> open_store(const Config& config);
Result<std::unique_ptr<Store>> open_sqlite_store(const Config& config);
Result<std::unique_ptr<Store>> open_pg_store(const Config& config);

// What the service requires of the schema before it serves (the master at
// start, --check-config, each worker): exactly latest_schema_version().
// An empty database (version 0) gets the schema when `create_if_empty`
// (a worker of a fresh development or test database), and is refused
// otherwise ("run accessctl init"). An older schema is refused ("run
// accessctl migrate", which takes a backup first), and so is a newer one
// (a downgrade): kInvalid, the message naming both versions. The usual two
// when the version cannot be read, and migrate()'s errors when it creates.
Status check_schema(Store& store, bool create_if_empty);

// Rolls back unless commit() succeeded; the one way handlers write.
class WriteTransaction {
 public:
  explicit WriteTransaction(Store& store) : store_(store), status_(store.begin_write()) {}
  ~WriteTransaction() {
    if (status_.ok() && !committed_) store_.rollback();
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  // The result of BEGIN (Store::begin_write); check before doing anything.
  const Status& status() const { return status_; }
  // Store::commit's status; unless OK, the destructor rolls back.
  Status commit() {
    Status st = store_.commit();
    committed_ = st.ok();
    return st;
  }

 private:
  Store& store_;
  Status status_;
  bool committed_ = false;
};

}  // namespace access_service

// The SQLite schema, one entry per version. Migration N brings a database at
// user_version N-1 to version N; never edit a released entry, append one.
#pragma once

namespace access_service {

inline const char* const kMigrations[] = {
    // Version 1: the foundation.
    R"SQL(
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  app_name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  scope TEXT NOT NULL,
  access_seconds INTEGER NOT NULL,
  refresh_seconds INTEGER,
  auto_approve INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX clients_app_name ON clients(app_name);
CREATE INDEX clients_created ON clients(created_at);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL DEFAULT '',
  first_name TEXT,
  last_name TEXT,
  other_name TEXT,
  mobile_number TEXT,
  roles TEXT NOT NULL,
  mfa_enabled INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE INDEX users_created ON users(created_at);
CREATE TABLE login_failures (
  username TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE token_families (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX families_user ON token_families(user_id, app_id);
CREATE INDEX families_app ON token_families(app_id);
CREATE TABLE refresh_tokens (
  hash BLOB PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
  issued_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX refresh_family ON refresh_tokens(family_id);
CREATE TABLE access_tokens (
  jti TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  family_id TEXT,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX access_app ON access_tokens(app_id);
CREATE INDEX access_user ON access_tokens(user_id, app_id);
CREATE INDEX access_family ON access_tokens(family_id);
)SQL",
    // Version 2: browser flows (saved authorization requests, sessions,
    // approvals, authorization codes).
    R"SQL(
CREATE TABLE auth_requests (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  response_type TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  state TEXT,
  code_challenge TEXT,
  expires_at INTEGER NOT NULL
);
CREATE INDEX auth_requests_expiry ON auth_requests(expires_at);
CREATE TABLE sessions (
  hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, app_id)
);
CREATE TABLE auth_codes (
  hash BLOB PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  code_challenge TEXT,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  family_id TEXT,
  access_jti TEXT
) WITHOUT ROWID;
CREATE INDEX auth_codes_expiry ON auth_codes(expires_at);
)SQL",
    // Version 3: expiry indexes for the purge.
    R"SQL(
CREATE INDEX access_tokens_expiry ON access_tokens(expires_at);
CREATE INDEX families_expiry ON token_families(expires_at);
CREATE INDEX login_failures_lock ON login_failures(locked_until);
)SQL",
    // Version 4: two-factor authentication and device passcodes.
    R"SQL(
ALTER TABLE users ADD COLUMN totp_secret BLOB;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  passcode_hash TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
)SQL",
    // Version 5: lockout per (account, client IP) plus a per-account ceiling
    // (ip '*' is the account-wide row), client-secret failure counters, and
    // apps that require PKCE.
    R"SQL(
DROP TABLE login_failures;
CREATE TABLE sign_in_failures (
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  count INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL,
  PRIMARY KEY (username, ip)
) WITHOUT ROWID;
CREATE INDEX sign_in_failures_window ON sign_in_failures(window_start);
ALTER TABLE clients ADD COLUMN require_pkce INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN auth_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN auth_window_start INTEGER NOT NULL DEFAULT 0;
)SQL",
    // Version 6: saved requests bound to the browser that started them
    // (SHA-256 of its access_rid cookie; requests saved before have none and
    // can no longer be resumed), and whether redirect_uri was sent to
    // authorize (RFC 6749 3.1.2.3, 4.1.3).
    R"SQL(
ALTER TABLE auth_requests ADD COLUMN browser_hash BLOB;
ALTER TABLE auth_requests ADD COLUMN redirect_uri_given INTEGER NOT NULL DEFAULT 1;
ALTER TABLE auth_codes ADD COLUMN redirect_uri_given INTEGER NOT NULL DEFAULT 1;
)SQL",
    // Version 7: no row per access token (store.h "Tokens"). Revocation is
    // proved by the family, a per-user and a per-(user, app) watermark in
    // milliseconds, and a small table of individually revoked jtis. Tokens
    // issued before carry no family claim, so the upgrade ends them once
    // (every user's watermark is the moment of the upgrade); apps refresh.
    R"SQL(
CREATE TABLE revoked_jtis (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX revoked_jtis_expiry ON revoked_jtis(expires_at);
INSERT INTO revoked_jtis (jti, expires_at)
  SELECT jti, expires_at FROM access_tokens WHERE revoked = 1;
DROP TABLE access_tokens;
ALTER TABLE users ADD COLUMN tokens_not_before INTEGER NOT NULL DEFAULT 0;
UPDATE users SET tokens_not_before = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);
CREATE TABLE user_app_watermarks (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  not_before INTEGER NOT NULL,
  PRIMARY KEY (user_id, app_id)
) WITHOUT ROWID;
CREATE INDEX user_app_watermarks_time ON user_app_watermarks(not_before);
)SQL",
    // Version 8: account self-service (API.md section 7). A pending TOTP
    // secret while the user enrols (sealed like the active one), the
    // watermark of family-less access tokens that a password change sets
    // (ms), and recovery codes (keyed hashes; each use recorded).
    R"SQL(
ALTER TABLE users ADD COLUMN totp_pending BLOB;
ALTER TABLE users ADD COLUMN unbound_tokens_not_before INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER,
  used_ip TEXT,
  PRIMARY KEY (user_id, hash)
) WITHOUT ROWID;
)SQL",
    // Version 9: the audit trail (audit.h). One row per event, never
    // changed, clustered by time: lists are newest-first and the retention
    // purge deletes the oldest. Type, user and client filters have an index
    // each (type prefixes are ranges of it), which token.issued rows stay
    // out of: one is written with every grant, and each index it joined
    // would cost the grant another page per commit (sqlite_audit.cpp
    // list_audit uses them when the type filter excludes token.issued).
    R"SQL(
CREATE TABLE audit_events (
  created_at INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  actor TEXT,
  user_id TEXT,
  client_id TEXT,
  username TEXT,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  PRIMARY KEY (created_at, id)
) WITHOUT ROWID;
CREATE INDEX audit_events_type ON audit_events(type, created_at)
  WHERE type <> 'token.issued';
CREATE INDEX audit_events_user ON audit_events(user_id, created_at)
  WHERE user_id IS NOT NULL AND type <> 'token.issued';
CREATE INDEX audit_events_client ON audit_events(client_id, created_at)
  WHERE client_id IS NOT NULL AND type <> 'token.issued';
)SQL",
};

}  // namespace access_service

// The PostgreSQL schema, one entry per version, applied by PgStore::migrate
// under an advisory lock (two hosts starting together do not race). Version
// 1 is the shape SQLite reached at its version 7 (sqlite_schema.h), in
// PostgreSQL's types: BIGINT times (seconds; watermarks in milliseconds),
// BOOLEAN flags, BYTEA for SHA-256 hashes and sealed secrets. Never edit a
// released entry; append one.
#pragma once

namespace access_service {

inline const char* const kPgMigrations[] = {
    // Version 1: everything of SQLite version 7, plus the signing keys and
    // hmac.key that every host shares (sealed with the key-encryption key).
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
  auto_approve BOOLEAN NOT NULL,
  enabled BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  require_pkce BOOLEAN NOT NULL DEFAULT false,
  auth_failures INTEGER NOT NULL DEFAULT 0,
  auth_window_start BIGINT NOT NULL DEFAULT 0
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
  mfa_enabled BOOLEAN NOT NULL DEFAULT false,
  enabled BOOLEAN NOT NULL DEFAULT true,
  created_at BIGINT NOT NULL,
  totp_secret BYTEA,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  tokens_not_before BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_created ON users(created_at);
CREATE TABLE sign_in_failures (
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  count INTEGER NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  PRIMARY KEY (username, ip)
);
CREATE INDEX sign_in_failures_window ON sign_in_failures(window_start);
CREATE TABLE token_families (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX families_user ON token_families(user_id, app_id);
CREATE INDEX families_app ON token_families(app_id);
CREATE INDEX families_expiry ON token_families(expires_at);
CREATE TABLE refresh_tokens (
  hash BYTEA PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
  issued_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX refresh_family ON refresh_tokens(family_id);
CREATE TABLE revoked_jtis (
  jti TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_jtis_expiry ON revoked_jtis(expires_at);
CREATE TABLE user_app_watermarks (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  not_before BIGINT NOT NULL,
  PRIMARY KEY (user_id, app_id)
);
CREATE INDEX user_app_watermarks_time ON user_app_watermarks(not_before);
CREATE TABLE auth_requests (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  response_type TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  state TEXT,
  code_challenge TEXT,
  expires_at BIGINT NOT NULL,
  browser_hash BYTEA,
  redirect_uri_given BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX auth_requests_expiry ON auth_requests(expires_at);
CREATE TABLE sessions (
  hash BYTEA PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, app_id)
);
CREATE TABLE auth_codes (
  hash BYTEA PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  code_challenge TEXT,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  family_id TEXT,
  access_jti TEXT,
  redirect_uri_given BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX auth_codes_expiry ON auth_codes(expires_at);
CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  app_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  passcode_hash TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  PRIMARY KEY (user_id, device_id)
);
CREATE TABLE key_files (
  name TEXT PRIMARY KEY,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
)SQL",
    // Version 2: account self-service, as SQLite version 8: a pending TOTP
    // secret while the user enrols, the watermark of family-less access
    // tokens a password change sets (ms), recovery codes (hashes, each use
    // recorded).
    R"SQL(
ALTER TABLE users ADD COLUMN totp_pending BYTEA;
ALTER TABLE users ADD COLUMN unbound_tokens_not_before BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT,
  used_ip TEXT,
  PRIMARY KEY (user_id, hash)
);
)SQL",
    // Version 3: the audit trail, as SQLite version 9 (audit.h): one row per
    // event, never changed; type, user and client filters have an index
    // each, which token.issued rows (one per grant) stay out of.
    R"SQL(
CREATE TABLE audit_events (
  created_at BIGINT NOT NULL,
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
);
CREATE INDEX audit_events_type ON audit_events(type COLLATE "C", created_at)
  WHERE type <> 'token.issued';
CREATE INDEX audit_events_user ON audit_events(user_id, created_at)
  WHERE user_id IS NOT NULL AND type <> 'token.issued';
CREATE INDEX audit_events_client ON audit_events(client_id, created_at)
  WHERE client_id IS NOT NULL AND type <> 'token.issued';
)SQL",
};

}  // namespace access_service

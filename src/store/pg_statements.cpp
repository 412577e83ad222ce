// The text of every fixed PostgreSQL statement (pg_store.h Stmt), in the
// order of the enum. Parameters are bound, never spliced in.
#include "pg_store.h"

namespace access_service {
namespace pg {
namespace {

std::vector<StatementText> table() {
  const std::string client = std::string("SELECT ") + kClientCols + " FROM clients WHERE ";
  const std::string user = std::string("SELECT ") + kUserCols + " FROM users WHERE ";
  const std::string approval =
      "SELECT a.id, a.user_id, a.app_id, a.scope, a.created_at, c.client_id, c.app_name "
      "FROM approvals a JOIN clients c ON c.id = a.app_id ";
  const std::string device =
      "SELECT user_id, device_id, app_id, passcode_hash, failures, created_at, last_used_at "
      "FROM devices WHERE user_id=$1 ";
  const std::string refresh =
      "SELECT f.id, f.app_id, f.user_id, f.scope, f.expires_at, f.revoked_at, r.used_at, " +
      user_cols_of("u") +
      " FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id "
      "JOIN users u ON u.id = f.user_id WHERE r.hash=$1";
  const std::string login_failures =
      "SELECT count, window_start, locked_until FROM sign_in_failures WHERE "
      "username=$1 AND ip=$2";
  // rotate_refresh's one statement: mark the token used if it is unused and
  // its family live, insert the successor from what that marked, and (the
  // audited form) the audit row, only when the token was marked.
  const std::string mark =
      "WITH marked AS (UPDATE refresh_tokens r SET used_at = $3 FROM token_families f "
      "WHERE r.hash = $1 AND r.used_at IS NULL AND f.id = r.family_id AND f.revoked_at IS NULL "
      "RETURNING r.family_id)";
  const std::string insert_successor =
      " INSERT INTO refresh_tokens (hash, family_id, issued_at) "
      "SELECT $2, family_id, $3 FROM marked";
  const std::string audited =
      ", audited AS (INSERT INTO audit_events (" + std::string(kAuditCols) +
      ") SELECT $4::bigint, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, "
      "$11::text, $12::text, $13::text, $14::text FROM marked)";
  return {
      {Stmt::kSchemaTableExists, "schema_table_exists",
       "SELECT to_regclass('schema_version') IS NOT NULL", false},
      {Stmt::kPing, "ping", "SELECT 1", false},
      {Stmt::kCheckWritable, "check_writable",
       "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'", false},
      {Stmt::kDatabaseSize, "database_size", "SELECT pg_database_size(current_database())", false},
      {Stmt::kTryPurgeLock, "try_purge_lock", "SELECT pg_try_advisory_lock($1)", false},
      {Stmt::kPurgeUnlock, "purge_unlock", "SELECT pg_advisory_unlock($1)", false},
      {Stmt::kSchemaVersion, "schema_version",
       "SELECT coalesce(max(version), 0) FROM schema_version"},
      {Stmt::kMigrationVersion, "migration_version", "SELECT version FROM schema_version"},

      {Stmt::kInsertClient, "insert_client",
       std::string("INSERT INTO clients (") + kClientCols +
           ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,0,0)"},
      {Stmt::kFindClient, "find_client", client + "id = $1"},
      {Stmt::kFindClientLocked, "find_client_locked", client + "id = $1 FOR UPDATE"},
      {Stmt::kFindClientByClientId, "find_client_by_client_id", client + "client_id = $1"},
      {Stmt::kUpdateClient, "update_client",
       "UPDATE clients SET client_id=$1, app_name=$2, secret_hash=$3, grant_types=$4, "
       "redirect_uris=$5, scope=$6, access_seconds=$7, refresh_seconds=$8, "
       "auto_approve=$9, enabled=$10, require_pkce=$11 WHERE id=$12"},
      {Stmt::kDeleteClient, "delete_client", "DELETE FROM clients WHERE id=$1"},
      {Stmt::kCountClients, "count_clients", "SELECT count(*) FROM clients"},
      // One statement: concurrent failures on every host each count.
      {Stmt::kRecordClientAuthFailure, "record_client_auth_failure",
       "UPDATE clients SET auth_failures = CASE WHEN $1 - auth_window_start >= $2 THEN 1 "
       "ELSE auth_failures + 1 END, auth_window_start = CASE WHEN $1 - auth_window_start >= $2 "
       "THEN $1 ELSE auth_window_start END WHERE id = $3"},
      {Stmt::kInsertUser, "insert_user",
       std::string("INSERT INTO users (") + kUserCols +
           ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"},
      {Stmt::kFindUser, "find_user", user + "id = $1"},
      {Stmt::kFindUserLocked, "find_user_locked", user + "id = $1 FOR UPDATE"},
      {Stmt::kLockUser, "lock_user", "SELECT 1 FROM users WHERE id = $1 FOR UPDATE"},
      {Stmt::kFindUserByEmail, "find_user_by_email", user + "email = $1"},
      {Stmt::kCountUsers, "count_users", "SELECT count(*) FROM users"},
      {Stmt::kUpdateUserProfile, "update_user_profile",
       "UPDATE users SET first_name=$1, last_name=$2, other_name=$3, "
       "mobile_number=$4 WHERE id=$5"},
      {Stmt::kDeleteUser, "delete_user", "DELETE FROM users WHERE id=$1"},
      {Stmt::kSetUserEnabled, "set_user_enabled", "UPDATE users SET enabled=$1 WHERE id=$2"},
      {Stmt::kSetUserPassword, "set_user_password",
       "UPDATE users SET password_hash=$1 WHERE id=$2"},

      {Stmt::kSetUserMfa, "set_user_mfa",
       "UPDATE users SET mfa_enabled=$1, totp_secret=$2, totp_last_step=0 WHERE id=$3"},
      {Stmt::kFindTotp, "find_totp", "SELECT totp_secret, totp_last_step FROM users WHERE id=$1"},
      {Stmt::kUseTotpStep, "use_totp_step",
       "UPDATE users SET totp_last_step=$1 WHERE id=$2 AND totp_last_step < $1"},
      {Stmt::kSetTotpPending, "set_totp_pending", "UPDATE users SET totp_pending=$1 WHERE id=$2"},
      {Stmt::kFindTotpPending, "find_totp_pending", "SELECT totp_pending FROM users WHERE id=$1"},
      {Stmt::kConfirmTotp, "confirm_totp",
       "UPDATE users SET mfa_enabled=true, totp_secret=totp_pending, totp_pending=NULL, "
       "totp_last_step=$1 WHERE id=$2 AND NOT mfa_enabled AND totp_pending=$3"},
      {Stmt::kDeleteRecoveryCodes, "delete_recovery_codes",
       "DELETE FROM recovery_codes WHERE user_id=$1"},
      {Stmt::kInsertRecoveryCode, "insert_recovery_code",
       "INSERT INTO recovery_codes (user_id, hash, created_at) VALUES ($1,$2,$3)"},
      {Stmt::kUseRecoveryCode, "use_recovery_code",
       "UPDATE recovery_codes SET used_at=$1, used_ip=$2 WHERE user_id=$3 AND hash=$4 AND "
       "used_at IS NULL"},
      {Stmt::kListRecoveryCodes, "list_recovery_codes",
       "SELECT created_at, used_at, used_ip FROM recovery_codes WHERE user_id=$1 "
       "ORDER BY created_at, hash"},

      {Stmt::kAccessTokenLive, "access_token_live",
       "SELECT c.enabled, u.tokens_not_before, u.unbound_tokens_not_before, "
       "(SELECT w.not_before FROM user_app_watermarks w WHERE w.user_id = u.id AND "
       "w.app_id = c.id), "
       "(SELECT f.revoked_at IS NOT NULL FROM token_families f WHERE f.id = $3), "
       "EXISTS (SELECT 1 FROM revoked_jtis r WHERE r.jti = $4) "
       "FROM clients c, users u WHERE c.id = $1 AND c.client_id = $5 AND u.id = $2"},
      {Stmt::kInsertFamily, "insert_family",
       "INSERT INTO token_families (id, app_id, user_id, scope, created_at, expires_at) "
       "VALUES ($1,$2,$3,$4,$5,$6)"},
      {Stmt::kInsertRefresh, "insert_refresh",
       "INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES ($1,$2,$3)"},
      {Stmt::kFindRefresh, "find_refresh", refresh},
      {Stmt::kFindRefreshForUpdate, "find_refresh_for_update", refresh + " FOR UPDATE OF r, f"},
      {Stmt::kRotate, "rotate", mark + insert_successor},
      {Stmt::kRotateAudited, "rotate_audited", mark + audited + insert_successor},
      {Stmt::kMarkRefreshUsed, "mark_refresh_used",
       "UPDATE refresh_tokens SET used_at=$1 WHERE hash=$2"},
      {Stmt::kSuccessorUnused, "successor_unused",
       "SELECT used_at IS NULL FROM refresh_tokens WHERE hash=$1"},
      {Stmt::kRevokeFamily, "revoke_family",
       "UPDATE token_families SET revoked_at=$1 WHERE id=$2 AND revoked_at IS NULL"},
      {Stmt::kRevokeUserFamilies, "revoke_user_families",
       "UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND revoked_at IS NULL"},
      {Stmt::kSetUserWatermark, "set_user_watermark",
       "UPDATE users SET tokens_not_before=$1 WHERE id=$2"},
      {Stmt::kRevokeUserAppFamilies, "revoke_user_app_families",
       "UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND "
       "app_id=$3 AND revoked_at IS NULL"},
      {Stmt::kSetUserAppWatermark, "set_user_app_watermark",
       "INSERT INTO user_app_watermarks (user_id, app_id, not_before) VALUES ($1,$2,$3) "
       "ON CONFLICT (user_id, app_id) DO UPDATE SET not_before=excluded.not_before"},
      // A concurrent insert of the same jti waits for the first to commit
      // and then does nothing: one caller gets true.
      {Stmt::kRevokeAccessToken, "revoke_access_token",
       "INSERT INTO revoked_jtis (jti, expires_at) VALUES ($1,$2) ON CONFLICT (jti) DO NOTHING"},
      {Stmt::kDeleteUserCodes, "delete_user_codes",
       "DELETE FROM auth_codes WHERE user_id=$1 AND used_at IS NULL"},
      {Stmt::kDeleteUserAppCodes, "delete_user_app_codes",
       "DELETE FROM auth_codes WHERE user_id=$1 AND app_id=$2 AND used_at IS NULL"},
      {Stmt::kRevokeUserFamiliesExcept, "revoke_user_families_except",
       "UPDATE token_families SET revoked_at=$1 WHERE user_id=$2 AND "
       "id<>$3 AND revoked_at IS NULL"},
      {Stmt::kSetUnboundWatermark, "set_unbound_watermark",
       "UPDATE users SET unbound_tokens_not_before=$1 WHERE id=$2"},
      {Stmt::kInsertCode, "insert_code",
       "INSERT INTO auth_codes (hash, app_id, user_id, redirect_uri, scope, code_challenge, "
       "expires_at, redirect_uri_given) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"},
      {Stmt::kFindCode, "find_code",
       "SELECT app_id, user_id, redirect_uri, scope, code_challenge, expires_at, used_at, "
       "family_id, access_jti, redirect_uri_given FROM auth_codes WHERE hash=$1"},
      // A concurrent UPDATE of the same row waits for this one's commit,
      // then finds used_at set and changes nothing.
      {Stmt::kConsumeCode, "consume_code",
       "UPDATE auth_codes SET used_at=$1, family_id=$2, access_jti=$3 WHERE hash=$4 AND "
       "used_at IS NULL"},

      {Stmt::kInsertAuthRequest, "insert_auth_request",
       "INSERT INTO auth_requests (id, app_id, response_type, redirect_uri, scope, state, "
       "code_challenge, expires_at, redirect_uri_given, browser_hash) "
       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"},
      {Stmt::kFindAuthRequest, "find_auth_request",
       "SELECT app_id, response_type, redirect_uri, scope, state, code_challenge, expires_at, "
       "redirect_uri_given, browser_hash FROM auth_requests WHERE id=$1 AND expires_at > $2"},
      {Stmt::kDeleteAuthRequest, "delete_auth_request", "DELETE FROM auth_requests WHERE id=$1"},
      {Stmt::kInsertSession, "insert_session",
       "INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES ($1,$2,$3,$4)"},
      {Stmt::kFindSessionUser, "find_session_user",
       "SELECT user_id FROM sessions WHERE hash=$1 AND expires_at > $2"},
      {Stmt::kDeleteSession, "delete_session", "DELETE FROM sessions WHERE hash=$1"},
      {Stmt::kDeleteUserSessions, "delete_user_sessions", "DELETE FROM sessions WHERE user_id=$1"},
      {Stmt::kDeleteSessionsExcept, "delete_sessions_except",
       "DELETE FROM sessions WHERE user_id=$1 AND hash<>$2"},
      {Stmt::kFindApproval, "find_approval", approval + "WHERE a.user_id=$1 AND a.app_id=$2"},
      {Stmt::kUpsertApproval, "upsert_approval",
       "INSERT INTO approvals (id, user_id, app_id, scope, created_at) VALUES ($1,$2,$3,$4,$5) "
       "ON CONFLICT (user_id, app_id) DO UPDATE SET scope=excluded.scope"},
      {Stmt::kListApprovals, "list_approvals",
       approval + "WHERE a.user_id=$1 ORDER BY a.created_at, a.id"},
      {Stmt::kDeleteApproval, "delete_approval",
       "DELETE FROM approvals WHERE id=$1 AND user_id=$2 RETURNING app_id"},
      {Stmt::kInsertDevice, "insert_device",
       "INSERT INTO devices (user_id, device_id, app_id, passcode_hash, created_at) "
       "VALUES ($1,$2,$3,$4,$5)"},
      {Stmt::kFindDevice, "find_device", device + "AND device_id=$2"},
      {Stmt::kListDevices, "list_devices", device + "ORDER BY created_at, device_id"},
      {Stmt::kDeleteDevice, "delete_device",
       "DELETE FROM devices WHERE user_id=$1 AND device_id=$2"},
      // The UPDATE locks the row: concurrent failures each count.
      {Stmt::kCountDeviceFailure, "count_device_failure",
       "UPDATE devices SET failures = failures + 1 WHERE user_id=$1 AND device_id=$2 "
       "RETURNING failures"},
      {Stmt::kRecordDeviceUse, "record_device_use",
       "UPDATE devices SET failures=0, last_used_at=$1 WHERE user_id=$2 AND "
       "device_id=$3"},
      {Stmt::kCreateLoginFailures, "create_login_failures",
       "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) "
       "VALUES ($1,$2,0,0,0) ON CONFLICT (username, ip) DO NOTHING"},
      {Stmt::kFindLoginFailures, "find_login_failures", login_failures},
      {Stmt::kFindLoginFailuresForUpdate, "find_login_failures_for_update",
       login_failures + " FOR UPDATE"},
      {Stmt::kSaveLoginFailures, "save_login_failures",
       "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) VALUES "
       "($1,$2,$3,$4,$5) ON CONFLICT (username, ip) DO UPDATE SET count=excluded.count, "
       "window_start=excluded.window_start, locked_until=excluded.locked_until"},
      {Stmt::kClearLoginFailures, "clear_login_failures",
       "DELETE FROM sign_in_failures WHERE username=$1"},
      {Stmt::kClearLoginFailuresFrom, "clear_login_failures_from",
       "DELETE FROM sign_in_failures WHERE username=$1 AND ip IN ($2, $3)"},

      {Stmt::kInsertAudit, "insert_audit",
       std::string("INSERT INTO audit_events (") + kAuditCols +
           ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"},
      {Stmt::kPurgeAudit, "purge_audit",
       "DELETE FROM audit_events WHERE (created_at, id) IN (SELECT created_at, id FROM "
       "audit_events WHERE created_at < $1 ORDER BY created_at LIMIT $2)"},
      // purge_expired: $1 the cut-off, $2 the batch.
      {Stmt::kPurgeRevokedJtis, "purge_revoked_jtis",
       "DELETE FROM revoked_jtis WHERE jti IN (SELECT jti FROM revoked_jtis "
       "WHERE expires_at < $1 LIMIT $2)"},
      {Stmt::kPurgeWatermarks, "purge_watermarks",
       "DELETE FROM user_app_watermarks WHERE (user_id, app_id) IN (SELECT user_id, app_id "
       "FROM user_app_watermarks WHERE not_before < $1::bigint * 1000 LIMIT $2)"},
      {Stmt::kPurgeFamilies, "purge_families",
       "DELETE FROM token_families WHERE id IN (SELECT id FROM token_families "
       "WHERE expires_at < $1 LIMIT $2)"},
      {Stmt::kPurgeCodes, "purge_codes",
       "DELETE FROM auth_codes WHERE hash IN (SELECT hash FROM auth_codes "
       "WHERE expires_at < $1 LIMIT $2)"},
      {Stmt::kPurgeAuthRequests, "purge_auth_requests",
       "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests "
       "WHERE expires_at < $1 LIMIT $2)"},
      {Stmt::kPurgeSessions, "purge_sessions",
       "DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions "
       "WHERE expires_at < $1 LIMIT $2)"},
      {Stmt::kPurgeSignInFailures, "purge_sign_in_failures",
       "DELETE FROM sign_in_failures WHERE (username, ip) IN (SELECT username, ip FROM "
       "sign_in_failures WHERE locked_until < $1::bigint AND window_start < $1::bigint - 86400 "
       "LIMIT $2)"},
      {Stmt::kListKeyFiles, "list_key_files", "SELECT name, sealed FROM key_files ORDER BY name"},
      {Stmt::kPutKeyFile, "put_key_file",
       "INSERT INTO key_files (name, sealed, created_at) VALUES ($1,$2,$3) "
       "ON CONFLICT (name) DO NOTHING"},
      {Stmt::kDeleteKeyFile, "delete_key_file", "DELETE FROM key_files WHERE name=$1"},
  };
}

}  // namespace

const std::vector<StatementText>& pg_statements() {
  static const std::vector<StatementText> kTable = table();
  return kTable;
}

}  // namespace pg
}  // namespace access_service

// The text of every fixed SQLite statement (sqlite_store.h Stmt), in the
// order of the enum. Parameters are bound, never spliced in.
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {
namespace {

std::vector<StatementText> table() {
  const std::string client = std::string("SELECT ") + kClientCols + " FROM clients WHERE ";
  const std::string user = std::string("SELECT ") + kUserCols + " FROM users WHERE ";
  const std::string approval =
      "SELECT a.id, a.user_id, a.app_id, a.scope, a.created_at, c.client_id, c.app_name "
      "FROM approvals a JOIN clients c ON c.id = a.app_id WHERE a.user_id=? ";
  const std::string device =
      "SELECT user_id, device_id, app_id, passcode_hash, failures, created_at, last_used_at "
      "FROM devices WHERE user_id=? ";
  return {
      {Stmt::kUserVersion, "user_version", "PRAGMA user_version", false},
      {Stmt::kPing, "ping", "SELECT 1", false},
      {Stmt::kBegin, "begin", "BEGIN IMMEDIATE", false},
      {Stmt::kCommit, "commit", "COMMIT", false},

      {Stmt::kInsertClient, "insert_client",
       std::string("INSERT INTO clients (") + kClientCols +
           ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)"},
      {Stmt::kFindClient, "find_client", client + "id = ?"},
      {Stmt::kFindClientByClientId, "find_client_by_client_id", client + "client_id = ?"},
      {Stmt::kUpdateClient, "update_client",
       "UPDATE clients SET client_id=?, app_name=?, secret_hash=?, grant_types=?, "
       "redirect_uris=?, scope=?, access_seconds=?, refresh_seconds=?, auto_approve=?, "
       "enabled=?, require_pkce=? WHERE id=?"},
      {Stmt::kDeleteClient, "delete_client", "DELETE FROM clients WHERE id=?"},
      {Stmt::kCountClients, "count_clients", "SELECT count(*) FROM clients"},
      // One statement: concurrent failures in other workers each count.
      {Stmt::kRecordClientAuthFailure, "record_client_auth_failure",
       "UPDATE clients SET auth_failures = CASE WHEN ?1 - auth_window_start >= ?2 THEN 1 "
       "ELSE auth_failures + 1 END, auth_window_start = CASE WHEN ?1 - auth_window_start >= ?2 "
       "THEN ?1 ELSE auth_window_start END WHERE id = ?3"},
      {Stmt::kInsertUser, "insert_user",
       std::string("INSERT INTO users (") + kUserCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"},
      {Stmt::kFindUser, "find_user", user + "id = ?"},
      {Stmt::kFindUserByEmail, "find_user_by_email", user + "email = ?"},
      {Stmt::kCountUsers, "count_users", "SELECT count(*) FROM users"},
      {Stmt::kUpdateUserProfile, "update_user_profile",
       "UPDATE users SET first_name=?, last_name=?, other_name=?, mobile_number=? WHERE id=?"},
      {Stmt::kSetUserEnabled, "set_user_enabled", "UPDATE users SET enabled=? WHERE id=?"},
      {Stmt::kSetUserPassword, "set_user_password", "UPDATE users SET password_hash=? WHERE id=?"},
      {Stmt::kDeleteUser, "delete_user", "DELETE FROM users WHERE id=?"},

      {Stmt::kSetUserMfa, "set_user_mfa",
       "UPDATE users SET mfa_enabled=?, totp_secret=?, totp_last_step=0 WHERE id=?"},
      {Stmt::kFindTotp, "find_totp", "SELECT totp_secret, totp_last_step FROM users WHERE id=?"},
      {Stmt::kUseTotpStep, "use_totp_step",
       "UPDATE users SET totp_last_step=? WHERE id=? AND totp_last_step < ?"},
      {Stmt::kSetTotpPending, "set_totp_pending", "UPDATE users SET totp_pending=? WHERE id=?"},
      {Stmt::kFindTotpPending, "find_totp_pending", "SELECT totp_pending FROM users WHERE id=?"},
      {Stmt::kConfirmTotp, "confirm_totp",
       "UPDATE users SET mfa_enabled=1, totp_secret=totp_pending, totp_pending=NULL, "
       "totp_last_step=? WHERE id=? AND mfa_enabled=0 AND totp_pending=?"},
      {Stmt::kDeleteRecoveryCodes, "delete_recovery_codes",
       "DELETE FROM recovery_codes WHERE user_id=?"},
      {Stmt::kInsertRecoveryCode, "insert_recovery_code",
       "INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (?,?,?)"},
      {Stmt::kUseRecoveryCode, "use_recovery_code",
       "UPDATE recovery_codes SET used_at=?, used_ip=? WHERE user_id=? AND hash=? AND used_at IS "
       "NULL"},
      {Stmt::kListRecoveryCodes, "list_recovery_codes",
       "SELECT created_at, used_at, used_ip FROM recovery_codes WHERE user_id=? "
       "ORDER BY created_at, hash"},

      {Stmt::kAccessTokenLive, "access_token_live",
       "SELECT c.enabled, u.tokens_not_before, u.unbound_tokens_not_before, "
       "(SELECT w.not_before FROM user_app_watermarks w WHERE w.user_id = u.id AND "
       "w.app_id = c.id), "
       "(SELECT f.revoked_at IS NOT NULL FROM token_families f WHERE f.id = ?3), "
       "EXISTS (SELECT 1 FROM revoked_jtis r WHERE r.jti = ?4) "
       "FROM clients c, users u WHERE c.id = ?1 AND c.client_id = ?5 AND u.id = ?2"},
      {Stmt::kInsertFamily, "insert_family",
       "INSERT INTO token_families (id, app_id, user_id, scope, created_at, expires_at) "
       "VALUES (?,?,?,?,?,?)"},
      {Stmt::kInsertRefresh, "insert_refresh",
       "INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES (?,?,?)"},
      {Stmt::kFindRefresh, "find_refresh",
       "SELECT f.id, f.app_id, f.user_id, f.scope, f.expires_at, f.revoked_at, r.used_at, " +
           user_cols_of("u") +
           " FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id "
           "JOIN users u ON u.id = f.user_id WHERE r.hash=?"},
      // rotate_locked's common case in one statement: the token is marked
      // used only if it is unused and its family is not revoked; the family
      // comes back for the successor's row.
      {Stmt::kMarkRefreshUsed, "mark_refresh_used",
       "UPDATE refresh_tokens SET used_at=? WHERE hash=? AND used_at IS NULL AND EXISTS "
       "(SELECT 1 FROM token_families f WHERE f.id = refresh_tokens.family_id AND "
       "f.revoked_at IS NULL) RETURNING family_id"},
      {Stmt::kRevokeFamily, "revoke_family",
       "UPDATE token_families SET revoked_at=? WHERE id=? AND revoked_at IS NULL"},
      {Stmt::kRevokeUserFamilies, "revoke_user_families",
       "UPDATE token_families SET revoked_at=? WHERE user_id=? AND revoked_at IS NULL"},
      {Stmt::kSetUserWatermark, "set_user_watermark",
       "UPDATE users SET tokens_not_before=? WHERE id=?"},
      {Stmt::kRevokeUserFamiliesExcept, "revoke_user_families_except",
       "UPDATE token_families SET revoked_at=? WHERE user_id=? AND id<>? AND revoked_at IS "
       "NULL"},
      {Stmt::kSetUnboundWatermark, "set_unbound_watermark",
       "UPDATE users SET unbound_tokens_not_before=? WHERE id=?"},
      {Stmt::kRevokeUserAppFamilies, "revoke_user_app_families",
       "UPDATE token_families SET revoked_at=? WHERE user_id=? AND app_id=? AND revoked_at IS "
       "NULL"},
      {Stmt::kSetUserAppWatermark, "set_user_app_watermark",
       "INSERT INTO user_app_watermarks (user_id, app_id, not_before) VALUES (?,?,?) "
       "ON CONFLICT(user_id, app_id) DO UPDATE SET not_before=excluded.not_before"},
      {Stmt::kDeleteUserCodes, "delete_user_codes",
       "DELETE FROM auth_codes WHERE user_id=? AND used_at IS NULL"},
      {Stmt::kDeleteUserAppCodes, "delete_user_app_codes",
       "DELETE FROM auth_codes WHERE user_id=? AND app_id=? AND used_at IS NULL"},
      {Stmt::kRevokeAccessToken, "revoke_access_token",
       "INSERT OR IGNORE INTO revoked_jtis (jti, expires_at) VALUES (?,?)"},
      {Stmt::kInsertCode, "insert_code",
       "INSERT INTO auth_codes (hash, app_id, user_id, redirect_uri, scope, code_challenge, "
       "expires_at, redirect_uri_given) VALUES (?,?,?,?,?,?,?,?)"},
      {Stmt::kFindCode, "find_code",
       "SELECT app_id, user_id, redirect_uri, scope, code_challenge, expires_at, used_at, "
       "family_id, access_jti, redirect_uri_given FROM auth_codes WHERE hash=?"},
      {Stmt::kConsumeCode, "consume_code",
       "UPDATE auth_codes SET used_at=?, family_id=?, access_jti=? WHERE hash=? AND used_at IS "
       "NULL"},

      {Stmt::kInsertAuthRequest, "insert_auth_request",
       "INSERT INTO auth_requests (id, app_id, response_type, redirect_uri, scope, state, "
       "code_challenge, expires_at, redirect_uri_given, browser_hash) "
       "VALUES (?,?,?,?,?,?,?,?,?,?)"},
      {Stmt::kFindAuthRequest, "find_auth_request",
       "SELECT app_id, response_type, redirect_uri, scope, state, code_challenge, expires_at, "
       "redirect_uri_given, browser_hash FROM auth_requests WHERE id=? AND expires_at > ?"},
      {Stmt::kDeleteAuthRequest, "delete_auth_request", "DELETE FROM auth_requests WHERE id=?"},
      {Stmt::kInsertSession, "insert_session",
       "INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?,?,?,?)"},
      {Stmt::kFindSessionUser, "find_session_user",
       "SELECT user_id FROM sessions WHERE hash=? AND expires_at > ?"},
      {Stmt::kDeleteSession, "delete_session", "DELETE FROM sessions WHERE hash=?"},
      {Stmt::kDeleteUserSessions, "delete_user_sessions", "DELETE FROM sessions WHERE user_id=?"},
      {Stmt::kDeleteSessionsExcept, "delete_sessions_except",
       "DELETE FROM sessions WHERE user_id=? AND hash<>?"},
      {Stmt::kFindApproval, "find_approval", approval + "AND a.app_id=?"},
      {Stmt::kUpsertApproval, "upsert_approval",
       "INSERT INTO approvals (id, user_id, app_id, scope, created_at) VALUES (?,?,?,?,?) "
       "ON CONFLICT(user_id, app_id) DO UPDATE SET scope=excluded.scope"},
      {Stmt::kListApprovals, "list_approvals", approval + "ORDER BY a.created_at, a.id"},
      {Stmt::kFindApprovalApp, "find_approval_app",
       "SELECT app_id FROM approvals WHERE id=? AND user_id=?"},
      {Stmt::kDeleteApproval, "delete_approval", "DELETE FROM approvals WHERE id=?"},
      {Stmt::kInsertDevice, "insert_device",
       "INSERT INTO devices (user_id, device_id, app_id, passcode_hash, created_at) "
       "VALUES (?,?,?,?,?)"},
      {Stmt::kFindDevice, "find_device", device + "AND device_id=?"},
      {Stmt::kListDevices, "list_devices", device + "ORDER BY created_at, device_id"},
      {Stmt::kDeleteDevice, "delete_device", "DELETE FROM devices WHERE user_id=? AND device_id=?"},
      {Stmt::kCountDeviceFailure, "count_device_failure",
       "UPDATE devices SET failures = failures + 1 WHERE user_id=? AND device_id=?"},
      {Stmt::kRecordDeviceUse, "record_device_use",
       "UPDATE devices SET failures=0, last_used_at=? WHERE user_id=? AND device_id=?"},
      {Stmt::kFindLoginFailures, "find_login_failures",
       "SELECT count, window_start, locked_until FROM sign_in_failures WHERE username=? AND ip=?"},
      {Stmt::kSaveLoginFailures, "save_login_failures",
       "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) VALUES "
       "(?,?,?,?,?) ON CONFLICT(username, ip) DO UPDATE SET count=excluded.count, "
       "window_start=excluded.window_start, locked_until=excluded.locked_until"},
      {Stmt::kClearLoginFailures, "clear_login_failures",
       "DELETE FROM sign_in_failures WHERE username=?"},
      {Stmt::kClearLoginFailuresFrom, "clear_login_failures_from",
       "DELETE FROM sign_in_failures WHERE username=?1 AND ip IN (?2, ?3)"},

      {Stmt::kInsertAudit, "insert_audit",
       "INSERT INTO audit_events (created_at, id, type, ip, user_agent, actor, user_id, "
       "client_id, username, outcome, details) VALUES (?,?,?,?,?,?,?,?,?,?,?)"},
      {Stmt::kPurgeAudit, "purge_audit",
       "DELETE FROM audit_events WHERE (created_at, id) IN (SELECT created_at, id FROM "
       "audit_events WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)"},
      // purge_expired: ?1 the cut-off, ?2 the batch.
      {Stmt::kPurgeRevokedJtis, "purge_revoked_jtis",
       "DELETE FROM revoked_jtis WHERE jti IN (SELECT jti FROM revoked_jtis "
       "WHERE expires_at < ?1 LIMIT ?2)"},
      {Stmt::kPurgeWatermarks, "purge_watermarks",
       "DELETE FROM user_app_watermarks WHERE (user_id, app_id) IN (SELECT user_id, app_id "
       "FROM user_app_watermarks WHERE not_before < ?1 * 1000 LIMIT ?2)"},
      {Stmt::kPurgeFamilies, "purge_families",
       "DELETE FROM token_families WHERE id IN (SELECT id FROM token_families "
       "WHERE expires_at < ?1 LIMIT ?2)"},
      {Stmt::kPurgeCodes, "purge_codes",
       "DELETE FROM auth_codes WHERE hash IN (SELECT hash FROM auth_codes "
       "WHERE expires_at < ?1 LIMIT ?2)"},
      {Stmt::kPurgeAuthRequests, "purge_auth_requests",
       "DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests "
       "WHERE expires_at < ?1 LIMIT ?2)"},
      {Stmt::kPurgeSessions, "purge_sessions",
       "DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions "
       "WHERE expires_at < ?1 LIMIT ?2)"},
      {Stmt::kPurgeSignInFailures, "purge_sign_in_failures",
       "DELETE FROM sign_in_failures WHERE (username, ip) IN (SELECT username, ip FROM "
       "sign_in_failures "
       "WHERE locked_until < ?1 AND window_start < ?1 - 86400 LIMIT ?2)"},
  };
}

}  // namespace

const std::vector<StatementText>& sqlite_statements() {
  static const std::vector<StatementText> kTable = table();
  return kTable;
}

}  // namespace sqlite
}  // namespace access_service

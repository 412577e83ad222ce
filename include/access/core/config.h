// Config: the YAML configuration file, loaded and validated in one place.
//
// Every key has a default except `issuer`; see conf/access-service.yaml for the
// documented list. load_config() checks types, ranges and unknown keys itself
// (yaml-cpp would only say "bad conversion") and every error names the
// offending key, e.g. "store.synchronous: must be FULL or NORMAL".
// Relative paths are resolved against the directory holding the config file.
#pragma once

#include <string>
#include <vector>

#include "access/core/status.h"

namespace access_service {

struct Config {
  std::string path;    // the file this was loaded from (absolute)
  std::string issuer;  // `iss` claim, RFC 8414 issuer; never taken from Host

  // server
  std::string listen;        // "unix:/abs/path" or "127.0.0.1:port" / "[::1]:port"
  int socket_mode = 0660;    // permissions of a unix socket
  std::string socket_group;  // group to chown a unix socket to ("" = leave)
  int workers = 0;           // 0 = number of CPUs
  int backlog = 256;

  // store
  std::string store_backend = "sqlite";  // sqlite | postgresql
  std::string db_path;                   // sqlite: the database file
  // postgresql: a libpq connection string (keywords or URI; never a
  // password: that comes from a passfile, PGPASSWORD or a systemd
  // credential), and the key-encryption key file (32 random bytes) that seals
  // the signing keys and hmac.key shared through the database.
  std::string conninfo;
  std::string kek_file;
  bool synchronous_full = true;  // FULL (default) or NORMAL
  int busy_timeout_ms = 5000;
  long long journal_size_limit = 64LL << 20;
  int purge_interval_seconds = 600;  // 0 = no automatic purge

  // keys
  std::string key_dir;
  // Algorithm of new keys (init, key rotate): a name of the jws_algorithms.h
  // table, today RS256 | PS256 | ES256 | ES384 | EdDSA; anything else is refused.
  std::string algorithm = "RS256";
  std::string jwks_file;  // public JWKS written by the master for nginx
  // A rotated key is published this long before it signs (key_ring.h); at
  // least the max-age resource servers cache the JWKS for (nginx: 300 s).
  int publish_ahead_seconds = 300;
  int rotate_every_days = 0;  // the master rotates this often; 0 = never

  // tokens
  int refresh_reuse_grace_seconds = 0;
  int authorization_code_seconds = 60;
  int session_seconds = 8 * 3600;
  std::string audience;  // tokens.audience; "" = the issuer (see token_audience())

  // password hashing (argon2id), used for new hashes; verification reads the
  // parameters stored in each PHC string.
  int argon2_time_cost = 2;
  int argon2_memory_kib = 19456;
  int argon2_parallelism = 1;
  // password policy (password_policy.h): the least zxcvbn estimate, in
  // bits, of a password set for an existing account.
  int password_min_entropy_bits = 30;

  // lockout (API.md section 3): per (account, client IP), with a higher
  // account-wide ceiling across every IP; and per client id for wrong
  // client secrets (401 without hashing until the window passes).
  int lockout_max_failures = 5;
  int lockout_account_max_failures = 50;
  int lockout_window_seconds = 900;
  int lockout_lock_seconds = 900;
  int lockout_client_max_failures = 10;
  int lockout_client_window_seconds = 60;

  std::string log_level = "info";   // debug | info | warn | error
  std::string log_format = "json";  // json | text (log.h)

  // audit (audit.h): events older than this many days are purged (0 = kept
  // for ever); token.issued is recorded for one in `token_issued_sample`
  // issues per worker (1 = every one, 0 = none); every other type always.
  int audit_retention_days = 90;
  int audit_token_issued_sample = 1;

  // metrics: addresses and CIDR blocks (REMOTE_ADDR, as nginx passes it)
  // that may read GET /metrics; empty = nobody.
  std::vector<std::string> metrics_allow = {"127.0.0.1", "::1"};

  bool postgresql() const { return store_backend == "postgresql"; }
  // The `aud` claim of access tokens: tokens.audience, or the issuer.
  const std::string& token_audience() const { return audience.empty() ? issuer : audience; }
  // Derived: "unix" or "tcp" and the pieces of `listen`.
  bool listen_is_unix() const { return listen.rfind("unix:", 0) == 0; }
  std::string listen_unix_path() const { return listen.substr(5); }
};

// What is wrong with a libpq connection string for store.conninfo (and
// `accessctl migrate-store --to`): "" when nothing; otherwise why it does not
// parse, or that it carries a password (which belongs in a passfile,
// PGPASSWORD or a systemd credential, never in a config or a command line).
std::string conninfo_problem(const std::string& conninfo);

// Loads and validates `path`. Errors: kNotFound (cannot read), kInvalid (the
// message names the key and the rule).
Result<Config> load_config(const std::string& path);

// The same validation applied to YAML text (for tests and fuzzing); `base_dir`
// resolves relative paths.
Result<Config> parse_config(const std::string& yaml_text, const std::string& base_dir);

}  // namespace access_service

// parse_config / load_config (include/access/core/config.h): every error names
// the offending key; defaults; path resolution.
#include "access/core/config.h"

#include <boost/test/unit_test.hpp>
#include <climits>
#include <map>
#include <string>

#include "test_util.h"

using namespace access_service;

namespace {

// A valid config; each section has a second key so that removing one key
// leaves a mapping (not a null section).
std::map<std::string, std::string> base_keys() {
  return {
      {"issuer", "\"https://auth.example.com\""},
      {"server.listen", "\"unix:/run/access-service/fcgi.sock\""},
      {"server.backlog", "128"},
      {"store.path", "\"data/access.db\""},
      {"store.busy_timeout_ms", "2000"},
      {"keys.dir", "\"keys\""},
      {"keys.jwks_file", "\"/run/access-service/jwks.json\""},
  };
}

// Renders "a.b: v" keys as nested YAML.
std::string render(const std::map<std::string, std::string>& keys) {
  std::map<std::string, std::string> sections;
  std::string out;
  for (const auto& kv : keys) {
    auto dot = kv.first.find('.');
    if (dot == std::string::npos) {
      out += kv.first + ": " + kv.second + "\n";
    } else {
      sections[kv.first.substr(0, dot)] +=
          "  " + kv.first.substr(dot + 1) + ": " + kv.second + "\n";
    }
  }
  for (const auto& s : sections) out += s.first + ":\n" + s.second;
  return out;
}

Result<Config> parse_with(const std::string& key, const std::string& value) {
  auto keys = base_keys();
  keys[key] = value;
  return parse_config(render(keys), "/etc/access");
}

Result<Config> parse_without(const std::string& key) {
  auto keys = base_keys();
  keys.erase(key);
  return parse_config(render(keys), "/etc/access");
}

bool mentions(const Status& st, const std::string& what) {
  return st.message().find(what) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(minimal_config_is_valid_and_gets_defaults) {
  Result<Config> c = parse_config(render(base_keys()), "/etc/access");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(c->issuer == "https://auth.example.com");
  BOOST_TEST(c->listen == "unix:/run/access-service/fcgi.sock");
  BOOST_TEST(c->listen_is_unix());
  BOOST_TEST(c->listen_unix_path() == "/run/access-service/fcgi.sock");
  BOOST_TEST(c->backlog == 128);
  BOOST_TEST(c->busy_timeout_ms == 2000);
  // Defaults of keys not given (conf/access-service.yaml).
  BOOST_TEST(c->workers == 0);
  BOOST_TEST(c->socket_mode == 0660);
  BOOST_TEST(c->synchronous_full);
  BOOST_TEST(c->algorithm == "RS256");
  BOOST_TEST(c->refresh_reuse_grace_seconds == 0);
  BOOST_TEST(c->authorization_code_seconds == 60);
  BOOST_TEST(c->session_seconds == 28800);
  BOOST_TEST(c->argon2_time_cost == 2);
  BOOST_TEST(c->argon2_memory_kib == 19456);
  BOOST_TEST(c->argon2_parallelism == 1);
  BOOST_TEST(c->password_min_entropy_bits == 30);
  BOOST_TEST(c->lockout_max_failures == 5);
  BOOST_TEST(c->lockout_window_seconds == 900);
  BOOST_TEST(c->lockout_lock_seconds == 900);
  BOOST_TEST(c->log_level == "info");
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_base_dir) {
  Result<Config> c = parse_config(render(base_keys()), "/etc/access");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->db_path == "/etc/access/data/access.db");
  BOOST_TEST(c->key_dir == "/etc/access/keys");
  BOOST_TEST(c->jwks_file == "/run/access-service/jwks.json");  // absolute: unchanged
}

BOOST_AUTO_TEST_CASE(explicit_values_are_applied) {
  auto keys = base_keys();
  keys["server.workers"] = "4";
  keys["server.socket_mode"] = "\"0600\"";
  keys["store.synchronous"] = "NORMAL";
  keys["tokens.refresh_reuse_grace_seconds"] = "30";
  keys["tokens.authorization_code_seconds"] = "600";
  keys["password.argon2_memory_kib"] = "8192";
  keys["password.min_entropy_bits"] = "45";
  keys["lockout.max_failures"] = "3";
  keys["lockout.account_max_failures"] = "30";
  keys["lockout.client_max_failures"] = "4";
  keys["lockout.client_window_seconds"] = "120";
  keys["tokens.audience"] = "\"https://api.example.com\"";
  keys["log.level"] = "debug";
  Result<Config> c = parse_config(render(keys), "/x");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(c->workers == 4);
  BOOST_TEST(c->socket_mode == 0600);
  BOOST_TEST(!c->synchronous_full);
  BOOST_TEST(c->refresh_reuse_grace_seconds == 30);
  BOOST_TEST(c->authorization_code_seconds == 600);
  BOOST_TEST(c->argon2_memory_kib == 8192);
  BOOST_TEST(c->password_min_entropy_bits == 45);
  BOOST_TEST(c->lockout_max_failures == 3);
  BOOST_TEST(c->lockout_account_max_failures == 30);
  BOOST_TEST(c->lockout_client_max_failures == 4);
  BOOST_TEST(c->lockout_client_window_seconds == 120);
  BOOST_TEST(c->token_audience() == "https://api.example.com");
  BOOST_TEST(c->log_level == "debug");
}

BOOST_AUTO_TEST_CASE(missing_required_keys_are_named) {
  for (const char* key : {"issuer", "server.listen", "store.path", "keys.dir", "keys.jwks_file"}) {
    Result<Config> c = parse_without(key);
    BOOST_TEST_CONTEXT("without " << key) {
      BOOST_REQUIRE(!c.ok());
      BOOST_TEST(c.status().is_invalid());
      BOOST_TEST(mentions(c.status(), key), c.status().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(postgresql_backend_needs_conninfo_and_kek_and_never_a_password) {
  auto keys = base_keys();
  keys["store.backend"] = "postgresql";
  keys.erase("store.path");
  keys["store.conninfo"] = "'host=/run/postgresql dbname=access'";
  keys["store.kek_file"] = "kek.key";
  Result<Config> c = parse_config(render(keys), "/etc/access");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(c->postgresql());
  BOOST_TEST(c->conninfo == "host=/run/postgresql dbname=access");
  BOOST_TEST(c->kek_file == "/etc/access/kek.key");

  auto no_kek = keys;
  no_kek.erase("store.kek_file");
  Result<Config> r = parse_config(render(no_kek), "/etc/access");
  BOOST_TEST((!r.ok() && mentions(r.status(), "store.kek_file")));
  auto no_conninfo = keys;
  no_conninfo.erase("store.conninfo");
  r = parse_config(render(no_conninfo), "/etc/access");
  BOOST_TEST((!r.ok() && mentions(r.status(), "store.conninfo")));
  for (const char* bad : {"'host=db password=hunter2'", "'postgresql://u:hunter2@db/access'"}) {
    auto with_pw = keys;
    with_pw["store.conninfo"] = bad;
    r = parse_config(render(with_pw), "/etc/access");
    BOOST_TEST((!r.ok() && mentions(r.status(), "must not carry the password")), bad);
    BOOST_TEST(!mentions(r.status(), "hunter2"));
  }
  auto garbage = keys;
  garbage["store.conninfo"] = "'host=db nosuchkeyword=1'";
  r = parse_config(render(garbage), "/etc/access");
  BOOST_TEST((!r.ok() && mentions(r.status(), "store.conninfo: not a libpq connection string")));
  r = parse_with("store.backend", "mysql");
  BOOST_TEST((!r.ok() && mentions(r.status(), "store.backend: must be one of sqlite postgresql")));
}

BOOST_AUTO_TEST_CASE(unknown_key_is_named) {
  Result<Config> c = parse_with("server.lisen", "\"unix:/tmp/x.sock\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "server.lisen"), c.status().message());

  c = parse_with("isuer", "\"https://a.example\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "isuer"), c.status().message());
}

BOOST_AUTO_TEST_CASE(unknown_section_is_named) {
  std::string yaml = render(base_keys()) + "srever:\n  listen: \"unix:/tmp/x.sock\"\n";
  Result<Config> c = parse_config(yaml, "/x");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "srever"), c.status().message());
}

BOOST_AUTO_TEST_CASE(wrong_type_is_named) {
  Result<Config> c = parse_with("server.workers", "\"x\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "server.workers"), c.status().message());

  c = parse_with("store.synchronous", "OFF");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "store.synchronous"), c.status().message());

  c = parse_with("server.backlog", "[1, 2]");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "server.backlog"), c.status().message());

  c = parse_with("server.workers", "");  // null value
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "server.workers"), c.status().message());
}

BOOST_AUTO_TEST_CASE(out_of_range_is_named) {
  Result<Config> c = parse_with("tokens.authorization_code_seconds", "601");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "tokens.authorization_code_seconds"), c.status().message());

  c = parse_with("tokens.authorization_code_seconds", "0");
  BOOST_TEST(!c.ok());
  c = parse_with("tokens.refresh_reuse_grace_seconds", "301");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "tokens.refresh_reuse_grace_seconds"), c.status().message());
  c = parse_with("server.workers", "-1");
  BOOST_TEST(!c.ok());
  c = parse_with("server.workers", "99999999999999999999999");
  BOOST_TEST(!c.ok());
  c = parse_with("password.argon2_memory_kib", "1024");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "password.argon2_memory_kib"), c.status().message());
  c = parse_with("password.min_entropy_bits", "129");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "password.min_entropy_bits"), c.status().message());
  c = parse_with("server.socket_mode", "\"0999\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "server.socket_mode"), c.status().message());
  c = parse_with("lockout.client_max_failures", "0");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "lockout.client_max_failures"), c.status().message());
  c = parse_with("tokens.audience", "\"two words\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "tokens.audience"), c.status().message());
  c = parse_with("keys.publish_ahead_seconds", "604801");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "keys.publish_ahead_seconds"), c.status().message());
  c = parse_with("keys.rotate_every_days", "-1");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(mentions(c.status(), "keys.rotate_every_days"), c.status().message());
  c = parse_with("keys.rotate_every_days", "90");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->rotate_every_days == 90);
}

BOOST_AUTO_TEST_CASE(socket_is_never_open_to_others) {
  for (const char* mode : {"\"0666\"", "\"0662\"", "\"0664\"", "\"0661\""}) {
    Result<Config> c = parse_with("server.socket_mode", mode);
    BOOST_TEST_CONTEXT("socket_mode " << mode) {
      BOOST_REQUIRE(!c.ok());
      BOOST_TEST(mentions(c.status(), "server.socket_mode"), c.status().message());
    }
  }
  Result<Config> c = parse_with("server.socket_group", "\"www-data\"");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(c->socket_group == "www-data");
  for (const char* group :
       {"\"-x\"", "\"a b\"", "\"../etc\"", "[1]", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""}) {
    c = parse_with("server.socket_group", group);
    BOOST_TEST_CONTEXT("socket_group " << group) {
      BOOST_REQUIRE(!c.ok());
      BOOST_TEST(mentions(c.status(), "server.socket_group"), c.status().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(listen_on_all_interfaces_is_refused) {
  for (const char* listen :
       {"\"0.0.0.0:9000\"", "\":9000\"", "\"10.0.0.5:9000\"", "\"[::]:9000\""}) {
    Result<Config> c = parse_with("server.listen", listen);
    BOOST_TEST_CONTEXT("listen " << listen) {
      BOOST_REQUIRE(!c.ok());
      BOOST_TEST(c.status().is_invalid());
      BOOST_TEST(mentions(c.status(), "server.listen"), c.status().message());
    }
  }
}

BOOST_AUTO_TEST_CASE(listen_loopback_tcp_and_absolute_unix_accepted) {
  Result<Config> c = parse_with("server.listen", "\"127.0.0.1:9000\"");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(!c->listen_is_unix());
  BOOST_TEST(parse_with("server.listen", "\"[::1]:9000\"").ok());
  // Bad port, relative unix path.
  BOOST_TEST(!parse_with("server.listen", "\"127.0.0.1:0\"").ok());
  BOOST_TEST(!parse_with("server.listen", "\"127.0.0.1:65536\"").ok());
  BOOST_TEST(!parse_with("server.listen", "\"127.0.0.1:http\"").ok());
  BOOST_TEST(!parse_with("server.listen", "\"unix:relative.sock\"").ok());
  BOOST_TEST(!parse_with("server.listen", "\"unix:\"").ok());
}

BOOST_AUTO_TEST_CASE(non_https_issuer_is_refused) {
  Result<Config> c = parse_with("issuer", "\"http://auth.example.com\"");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "issuer"), c.status().message());
  BOOST_TEST(!parse_with("issuer", "\"ftp://auth.example.com\"").ok());
  BOOST_TEST(!parse_with("issuer", "\"auth.example.com\"").ok());
  BOOST_TEST(!parse_with("issuer", "\"\"").ok());
}

BOOST_AUTO_TEST_CASE(http_issuer_allowed_on_loopback) {
  BOOST_TEST(parse_with("issuer", "\"http://127.0.0.1:8080\"").ok());
  BOOST_TEST(parse_with("issuer", "\"http://localhost:8080\"").ok());
  BOOST_TEST(parse_with("issuer", "\"http://127.0.0.1\"").ok());
}

// http is allowed only when the host IS loopback, not when it merely starts
// with the same characters.
BOOST_AUTO_TEST_CASE(http_issuer_on_lookalike_loopback_host_is_refused) {
  for (const char* iss : {"\"http://localhost.evil.example\"", "\"http://127.0.0.1.nip.io\"",
                          "\"http://127.0.0.1@evil.example\""}) {
    Result<Config> c = parse_with("issuer", iss);
    BOOST_TEST(!c.ok(), "issuer " << iss << " was accepted");
  }
}

BOOST_AUTO_TEST_CASE(issuer_with_trailing_slash_query_or_fragment_is_refused) {
  for (const char* iss : {"\"https://auth.example.com/\"", "\"https://auth.example.com?a=b\"",
                          "\"https://auth.example.com#f\""}) {
    Result<Config> c = parse_with("issuer", iss);
    BOOST_TEST_CONTEXT("issuer " << iss) {
      BOOST_REQUIRE(!c.ok());
      BOOST_TEST(mentions(c.status(), "issuer"), c.status().message());
    }
  }
  BOOST_TEST(parse_with("issuer", "\"https://auth.example.com/tenant\"").ok());
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_is_invalid) {
  Result<Config> c = parse_config("issuer: [unclosed\nserver:\n  listen: x\n", "/x");
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(mentions(c.status(), "YAML"), c.status().message());

  c = parse_config("- a\n- b\n", "/x");  // not a mapping
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
  BOOST_TEST(!parse_config("", "/x").ok());
}

BOOST_AUTO_TEST_CASE(load_config_missing_file_is_not_found) {
  testing::TempDir dir;
  Result<Config> c = load_config(dir.file("nope.yaml"));
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_not_found());
}

BOOST_AUTO_TEST_CASE(load_config_resolves_against_file_directory) {
  testing::TempDir dir;
  std::string path = dir.file("access.yaml");
  testing::write_text(path, render(base_keys()));
  Result<Config> c = load_config(path);
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  char real[PATH_MAX];
  BOOST_REQUIRE(realpath(dir.path().c_str(), real));
  BOOST_TEST(c->path == std::string(real) + "/access.yaml");
  BOOST_TEST(c->db_path == std::string(real) + "/data/access.db");
  BOOST_TEST(c->key_dir == std::string(real) + "/keys");

  testing::write_text(path, "server:\n  listen: x\n");  // invalid content
  c = load_config(path);
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.status().is_invalid());
}

// conf/access-service.yaml lists every key with its default: it must load,
// and its values must be the defaults the code applies when a key is absent.
BOOST_AUTO_TEST_CASE(shipped_config_is_valid_and_matches_code_defaults) {
  char exe[PATH_MAX] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  BOOST_REQUIRE(n > 0);
  std::string root(exe, n);
  root = root.substr(0, root.rfind('/'));  // build/
  root = root.substr(0, root.rfind('/'));  // repository
  Result<Config> c = load_config(root + "/conf/access-service.yaml");
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  const Config d;
  BOOST_TEST(c->issuer == "https://auth.example.com");
  BOOST_TEST(c->listen_is_unix());
  BOOST_TEST(c->workers == d.workers);
  BOOST_TEST(c->backlog == d.backlog);
  BOOST_TEST(c->socket_mode == d.socket_mode);
  BOOST_TEST(c->synchronous_full == d.synchronous_full);
  BOOST_TEST(c->busy_timeout_ms == d.busy_timeout_ms);
  BOOST_TEST(c->journal_size_limit == d.journal_size_limit);
  BOOST_TEST(c->purge_interval_seconds == d.purge_interval_seconds);
  BOOST_TEST(c->algorithm == d.algorithm);
  BOOST_TEST(c->publish_ahead_seconds == d.publish_ahead_seconds);
  BOOST_TEST(d.publish_ahead_seconds == 300);  // the JWKS max-age of nginx/snippets
  BOOST_TEST(c->rotate_every_days == d.rotate_every_days);
  BOOST_TEST(c->refresh_reuse_grace_seconds == d.refresh_reuse_grace_seconds);
  BOOST_TEST(c->authorization_code_seconds == d.authorization_code_seconds);
  BOOST_TEST(c->session_seconds == d.session_seconds);
  BOOST_TEST(c->argon2_time_cost == d.argon2_time_cost);
  BOOST_TEST(c->argon2_memory_kib == d.argon2_memory_kib);
  BOOST_TEST(c->argon2_parallelism == d.argon2_parallelism);
  BOOST_TEST(c->password_min_entropy_bits == d.password_min_entropy_bits);
  BOOST_TEST(c->lockout_max_failures == d.lockout_max_failures);
  BOOST_TEST(c->lockout_window_seconds == d.lockout_window_seconds);
  BOOST_TEST(c->lockout_lock_seconds == d.lockout_lock_seconds);
  BOOST_TEST(c->lockout_account_max_failures == d.lockout_account_max_failures);
  BOOST_TEST(c->lockout_client_max_failures == d.lockout_client_max_failures);
  BOOST_TEST(c->lockout_client_window_seconds == d.lockout_client_window_seconds);
  BOOST_TEST(c->log_level == d.log_level);
  BOOST_TEST(c->log_format == d.log_format);
  BOOST_TEST(c->audit_retention_days == d.audit_retention_days);
  BOOST_TEST(c->audit_token_issued_sample == d.audit_token_issued_sample);
  BOOST_TEST(c->metrics_allow == d.metrics_allow);
}

BOOST_AUTO_TEST_CASE(observability_keys_have_defaults_and_are_checked) {
  Result<Config> d = parse_config(render(base_keys()), "/etc/access");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->log_format == "json");
  BOOST_TEST(d->audit_retention_days == 90);
  BOOST_TEST(d->audit_token_issued_sample == 1);
  BOOST_TEST(d->metrics_allow == (std::vector<std::string>{"127.0.0.1", "::1"}));
  BOOST_TEST(parse_with("log.format", "text")->log_format == "text");
  BOOST_TEST(parse_with("audit.retention_days", "0")->audit_retention_days == 0);
  BOOST_TEST(parse_with("audit.token_issued_sample", "100")->audit_token_issued_sample == 100);
  Result<Config> allow =
      parse_with("metrics.allow", "[\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.7\"]");
  BOOST_REQUIRE(allow.ok());
  BOOST_TEST(allow->metrics_allow ==
             (std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "192.0.2.7"}));
  BOOST_TEST(parse_with("metrics.allow", "[]")->metrics_allow.empty());
  const std::pair<const char*, const char*> bad[] = {
      {"log.format", "xml"},
      {"log.format", "[json]"},
      {"audit.retention_days", "-1"},
      {"audit.retention_days", "3651"},
      {"audit.retention_days", "ninety"},
      {"audit.token_issued_sample", "-1"},
      {"audit.token_issued_sample", "0.5"},
      {"metrics.allow", "\"127.0.0.1\""},
      {"metrics.allow", "[\"localhost\"]"},
      {"metrics.allow", "[\"10.0.0.0/33\"]"},
      {"metrics.allow", "[[\"10.0.0.1\"]]"},
      {"metrics.allow", "{a: 1}"},
  };
  for (const auto& b : bad) {
    Result<Config> r = parse_with(b.first, b.second);
    BOOST_TEST(!r.ok(), b.first << ": " << b.second);
    if (!r.ok()) BOOST_TEST(mentions(r.status(), b.first), r.status().message());
  }
  std::string many = "[";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + "\"10.0.0." + std::to_string(i) + "\"";
  BOOST_TEST(!parse_with("metrics.allow", many + "]").ok());
}

BOOST_AUTO_TEST_SUITE_END()

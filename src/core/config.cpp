#include "access/core/config.h"

#include <libpq-fe.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "access/core/cidr.h"
#include "access/core/loopback.h"
#include "access/core/strings.h"
#include "access/crypto/jws_algorithms.h"

namespace access_service {
namespace {

// One setter per key: receives the YAML scalar and the config, returns an
// error message (without the key name) or "" when the value was accepted.
using Setter = std::function<std::string(const YAML::Node&, Config&)>;

std::string read_string(const YAML::Node& n, std::string* out) {
  if (!n.IsScalar()) return "must be a string";
  *out = n.Scalar();
  return "";
}

Setter str(std::string Config::*field) {
  return [field](const YAML::Node& n, Config& c) { return read_string(n, &(c.*field)); };
}

std::string read_int(const YAML::Node& n, long long lo, long long hi, long long* out) {
  std::string range = "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!n.IsScalar()) return range;
  const std::string& s = n.Scalar();
  if (s.empty() || s.size() > 19) return range;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return range;
  *out = v;
  return "";
}

Setter integer(int Config::*field, long long lo, long long hi) {
  return [=](const YAML::Node& n, Config& c) {
    long long v = 0;
    std::string err = read_int(n, lo, hi, &v);
    if (err.empty()) c.*field = static_cast<int>(v);
    return err;
  };
}

Setter one_of(std::string Config::*field, std::vector<std::string> list) {
  return [=](const YAML::Node& n, Config& c) -> std::string {
    std::string msg = "must be one of";
    for (const auto& a : list) msg += " " + a;
    if (!n.IsScalar()) return msg;
    for (const auto& a : list)
      if (n.Scalar() == a) {
        c.*field = a;
        return "";
      }
    return msg;
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> kSetters = {
      {"issuer", str(&Config::issuer)},
      {"server.listen", str(&Config::listen)},
      {"server.socket_mode",
       [](const YAML::Node& n, Config& c) -> std::string {
         const char* msg = "must be an octal mode such as \"0660\"";
         if (!n.IsScalar() || n.Scalar().empty() || n.Scalar().size() > 4) return msg;
         char* end = nullptr;
         long v = std::strtol(n.Scalar().c_str(), &end, 8);
         if (*end != '\0' || v < 0 || v > 0777) return msg;
         // Whoever can connect can forge REMOTE_ADDR and HTTPS, bypassing
         // nginx's rate limits and the per-IP lockout: owner and group only.
         if (v & 0007) return "must not give others access (0660 with socket_group for nginx)";
         c.socket_mode = static_cast<int>(v);
         return "";
       }},
      {"server.socket_group",
       [](const YAML::Node& n, Config& c) -> std::string {
         // An empty value keeps the service's own group; otherwise a group
         // name as useradd(8) allows (the master looks it up when it binds).
         const char* msg = "must be a group name such as \"www-data\" (or empty)";
         if (!n.IsScalar()) return msg;
         const std::string& s = n.Scalar();
         if (s.size() > 32 || (!s.empty() && s[0] == '-')) return msg;
         for (char ch : s)
           if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.')
             return msg;
         c.socket_group = s;
         return "";
       }},
      {"server.workers", integer(&Config::workers, 0, 256)},
      {"server.backlog", integer(&Config::backlog, 1, 65535)},
      {"store.backend", one_of(&Config::store_backend, {"sqlite", "postgresql"})},
      {"store.path", str(&Config::db_path)},
      {"store.conninfo",
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar() || n.Scalar().empty()) return "must be a libpq connection string";
         std::string msg = conninfo_problem(n.Scalar());
         if (!msg.empty()) return msg;
         c.conninfo = n.Scalar();
         return "";
       }},
      {"store.kek_file", str(&Config::kek_file)},
      {"store.synchronous",
       [](const YAML::Node& n, Config& c) -> std::string {
         if (!n.IsScalar() || (n.Scalar() != "FULL" && n.Scalar() != "NORMAL"))
           return "must be FULL or NORMAL";
         c.synchronous_full = n.Scalar() == "FULL";
         return "";
       }},
      {"store.busy_timeout_ms", integer(&Config::busy_timeout_ms, 0, 60000)},
      {"store.journal_size_limit_bytes",
       [](const YAML::Node& n, Config& c) {
         return read_int(n, 1 << 20, 1LL << 40, &c.journal_size_limit);
       }},
      {"store.purge_interval_seconds", integer(&Config::purge_interval_seconds, 0, 86400)},
      {"keys.dir", str(&Config::key_dir)},
      {"keys.algorithm", one_of(&Config::algorithm, jws_algorithm_names())},
      {"keys.jwks_file", str(&Config::jwks_file)},
      {"keys.publish_ahead_seconds", integer(&Config::publish_ahead_seconds, 0, 7 * 86400)},
      {"keys.rotate_every_days", integer(&Config::rotate_every_days, 0, 3650)},
      {"tokens.refresh_reuse_grace_seconds", integer(&Config::refresh_reuse_grace_seconds, 0, 300)},
      {"tokens.authorization_code_seconds", integer(&Config::authorization_code_seconds, 1, 600)},
      {"tokens.session_seconds", integer(&Config::session_seconds, 60, 30 * 86400)},
      {"tokens.audience", str(&Config::audience)},
      {"password.argon2_time_cost", integer(&Config::argon2_time_cost, 1, 16)},
      {"password.argon2_memory_kib", integer(&Config::argon2_memory_kib, 8192, 1 << 20)},
      {"password.argon2_parallelism", integer(&Config::argon2_parallelism, 1, 16)},
      {"password.min_entropy_bits", integer(&Config::password_min_entropy_bits, 0, 128)},
      {"lockout.max_failures", integer(&Config::lockout_max_failures, 1, 1000)},
      {"lockout.account_max_failures", integer(&Config::lockout_account_max_failures, 1, 100000)},
      {"lockout.window_seconds", integer(&Config::lockout_window_seconds, 1, 86400)},
      {"lockout.client_max_failures", integer(&Config::lockout_client_max_failures, 1, 1000)},
      {"lockout.client_window_seconds", integer(&Config::lockout_client_window_seconds, 1, 3600)},
      {"lockout.lock_seconds", integer(&Config::lockout_lock_seconds, 1, 86400)},
      {"log.level", one_of(&Config::log_level, {"debug", "info", "warn", "error"})},
      {"log.format", one_of(&Config::log_format, {"json", "text"})},
      {"audit.retention_days", integer(&Config::audit_retention_days, 0, 3650)},
      {"audit.token_issued_sample", integer(&Config::audit_token_issued_sample, 0, 1000000)},
      {"metrics.allow",
       [](const YAML::Node& n, Config& c) -> std::string {
         const char* msg =
             "must be a list of IP addresses or CIDR blocks such as [\"127.0.0.1\", "
             "\"10.0.0.0/8\"]";
         if (!n.IsSequence() || n.size() > 64) return msg;
         std::vector<std::string> out;
         for (const auto& e : n) {
           if (!e.IsScalar() || !valid_cidr(e.Scalar())) return msg;
           out.push_back(e.Scalar());
         }
         c.metrics_allow = out;
         return "";
       }},
  };
  return kSetters;
}

// An http issuer is allowed on loopback only: "http://<loopback host>[:port]",
// then nothing or a path (loopback.h).
bool loopback_http_url(const std::string& url) {
  std::string origin, rest;
  return split_loopback_http(url, &origin, &rest) && (rest.empty() || rest[0] == '/');
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return base_dir + "/" + p;
}

// Walks a mapping; `prefix` is "" at the top and "section." below.
Status apply(const YAML::Node& map, const std::string& prefix, Config& c) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return Status::Invalid(prefix + "<key>: keys must be strings");
    std::string key = prefix + kv.first.Scalar();
    if (kv.second.IsMap()) {
      if (!prefix.empty()) return Status::Invalid(key + ": unknown section");
      bool known = false;
      for (const auto& s : setters()) known = known || s.first.rfind(key + ".", 0) == 0;
      if (!known) return Status::Invalid(key + ": unknown section");
      Status st = apply(kv.second, key + ".", c);
      if (!st.ok()) return st;
      continue;
    }
    auto it = setters().find(key);
    if (it == setters().end()) return Status::Invalid(key + ": unknown key");
    if (kv.second.IsNull()) return Status::Invalid(key + ": must have a value");
    std::string err = it->second(kv.second, c);
    if (!err.empty()) return Status::Invalid(key + ": " + err);
  }
  return Status::Ok();
}

Status check_listen(const Config& c) {
  if (c.listen_is_unix()) {
    std::string p = c.listen_unix_path();
    if (p.empty() || p[0] != '/' || p.size() > 100)
      return Status::Invalid("server.listen: unix socket path must be absolute and short");
    return Status::Ok();
  }
  // Only loopback TCP: a FastCGI port bound to every interface would let anyone
  // on the network bypass nginx (and forge HTTPS/REMOTE_ADDR parameters).
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos)
    return Status::Invalid("server.listen: must be unix:/path or 127.0.0.1:port");
  std::string host = c.listen.substr(0, colon), port = c.listen.substr(colon + 1);
  if (!is_loopback_host(host))
    return Status::Invalid("server.listen: TCP is allowed on loopback only (127.0.0.1:port)");
  long long v = 0;
  if (!read_int(YAML::Node(port), 1, 65535, &v).empty())
    return Status::Invalid("server.listen: port must be 1-65535");
  return Status::Ok();
}

}  // namespace

std::string conninfo_problem(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  std::string msg;
  if (!opts) msg = std::string("not a libpq connection string: ") + (err ? err : "out of memory");
  for (PQconninfoOption* o = opts; o && o->keyword; ++o)
    if (!std::strcmp(o->keyword, "password") && o->val && *o->val)
      msg = "must not carry the password (use a passfile, PGPASSWORD or a systemd credential)";
  PQconninfoFree(opts);
  PQfreemem(err);
  return msg;
}

Result<Config> parse_config(const std::string& yaml_text, const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ": " +
                           e.msg);
  }
  if (!root.IsMap()) return Status::Invalid("the config must be a YAML mapping");
  Config c;
  Status st = apply(root, "", c);
  if (!st.ok()) return st;
  for (const char* required :
       {"issuer", "server.listen", c.postgresql() ? "store.conninfo" : "store.path", "keys.dir",
        "keys.jwks_file"}) {
    std::string k = required;
    auto dot = k.find('.');
    YAML::Node n = dot == std::string::npos ? root[k] : root[k.substr(0, dot)][k.substr(dot + 1)];
    if (!n) return Status::Invalid(k + ": required key is missing");
  }
  // The issuer is an https URL (RFC 8414 2) except on loopback for development.
  if (c.issuer.empty() || c.issuer.back() == '/' ||
      c.issuer.find_first_of("?#@\\ ") != std::string::npos)
    return Status::Invalid(
        "issuer: must be a URL with no trailing slash, userinfo, query or fragment");
  bool https = c.issuer.rfind("https://", 0) == 0 && c.issuer.size() > 8;
  if (!https && !loopback_http_url(c.issuer))
    return Status::Invalid("issuer: must be an https URL (http only for loopback)");
  if (c.audience.size() > 512 || c.audience.find_first_of(" \t\r\n") != std::string::npos)
    return Status::Invalid(
        "tokens.audience: must be one identifier (no spaces), at most 512 bytes");
  st = check_listen(c);
  if (!st.ok()) return st;
  if (c.postgresql() && c.kek_file.empty())
    return Status::Invalid("store.kek_file: required key is missing (store.backend is postgresql)");
  c.db_path = resolve(base_dir, c.db_path);
  c.kek_file = resolve(base_dir, c.kek_file);
  c.key_dir = resolve(base_dir, c.key_dir);
  c.jwks_file = resolve(base_dir, c.jwks_file);
  return c;
}

Result<Config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read the config file: " + os_reason(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  char buf[PATH_MAX];
  std::string abs = path;
  if (realpath(path.c_str(), buf)) abs = buf;
  std::string dir = abs.substr(0, abs.rfind('/'));
  if (dir.empty()) dir = "/";
  Result<Config> r = parse_config(ss.str(), dir);
  if (r.ok()) r->path = abs;
  return r;
}

}  // namespace access_service

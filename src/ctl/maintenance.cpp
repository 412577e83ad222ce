// accessctl init, migrate, backup, restore and purge: the life of the state
// directory (backup.h, store.h check_schema, purge.h).
#include <sys/stat.h>

#include <iostream>

#include "access/core/context.h"
#include "access/core/strings.h"
#include "access/crypto/key_mirror.h"
#include "access/crypto/key_ring.h"
#include "access/crypto/signer.h"
#include "access/process/purge.h"
#include "access/store/backup.h"
#include "access/store/store_copy.h"
#include "ctl.h"

namespace access_service {
namespace ctl {
namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string utc_stamp(long long t) {
  char stamp[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&tt));
  return stamp;
}

// Where `migrate` puts its backup when not told: beside the database, in
// "backups/before-schema-<version>-<UTC time>".
Result<std::string> default_backup_dir(const Config& config, int64_t latest) {
  const std::string parent = dir_of(config.db_path) + "/backups";
  if (mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Unavailable(parent + ": cannot create: " + os_reason(errno));
  return parent + "/before-schema-" + std::to_string(latest) + "-" + utc_stamp(now_seconds());
}

int print_backup(const std::string& dir, const BackupReport& r) {
  std::cout << "backup " << dir << ": database at schema version " << r.schema_version << ", "
            << r.key_files << " key files\n";
  return 0;
}

}  // namespace

// Idempotent: run by the unit before every start, or by hand once.
int cmd_init(Env& env, const Args&) {
  Result<int64_t> version = env.store->schema_version();
  if (!version.ok()) return fail(version.status().message());
  Status st = *version == 0 ? env.store->migrate() : check_schema(*env.store, false);
  if (!st.ok()) return fail(st.message());
  // PostgreSQL: the first host makes the key-encryption key; every host
  // then holds the keys the database has, or gives it its own (key_mirror.h).
  if (env.store->shares_keys()) {
    auto kek = read_kek(env.config, *env.store, true);
    if (!kek.ok()) return fail(kek.status().message());
  }
  std::string made;
  st = change_keys(env.config, *env.store, [&]() -> Status {
    if (!TokenSigner::load(env.config.key_dir).ok()) {
      auto path = create_signing_key(env.config.key_dir, env.config.algorithm);
      if (!path.ok()) return path.status();
      std::cout << "created signing key " << *path << "\n";
      made = *path;
    }
    return ensure_hmac_key(env.config);
  });
  if (!st.ok()) return fail(st.message());
  if (!made.empty()) {
    auto keys = list_keys(env.config.key_dir, now_seconds());
    for (const auto& k : keys.ok() ? *keys : std::vector<KeyInfo>{})
      if (k.file == made)
        st = record(*env.store, {ctl_event("key.rotated", {{"kid", k.kid}, {"alg", k.alg}})});
    if (!st.ok())
      return fail("the key was created, but its audit event was not stored: " + st.message());
  }
  std::cout << "database " << (env.config.postgresql() ? "(postgresql)" : env.config.db_path)
            << " is at schema version " << env.store->latest_schema_version() << " (current)\n";
  return 0;
}

int cmd_migrate(Env& env, const Args& args) {
  if (args.flag("--no-backup") && args.has("--backup-dir"))
    return fail("--no-backup and --backup-dir exclude each other");
  Result<int64_t> version = env.store->schema_version();
  if (!version.ok()) return fail(version.status().message());
  const int64_t latest = env.store->latest_schema_version();
  if (*version > latest) return fail(check_schema(*env.store, false).message());
  if (*version == latest) {
    std::cout << "database schema version " << latest << ": current, nothing to do\n";
    return 0;
  }
  std::cout << "database schema version " << *version << ", this build's " << latest
            << "; pending:";
  for (int64_t v = *version + 1; v <= latest; ++v) std::cout << " " << v;
  std::cout << "\n";
  if (args.flag("--dry-run")) {
    std::cout << "nothing changed (--dry-run)\n";
    return 0;
  }
  if (service_answers(env.config))
    return fail("the service answers on server.listen (" + env.config.listen +
                "): stop it first; nothing changed");
  // An empty database has nothing to lose.
  if (*version > 0 && !args.flag("--no-backup")) {
    Result<std::string> dir = args.has("--backup-dir")
                                  ? Result<std::string>(args.one("--backup-dir"))
                                  : default_backup_dir(env.config, latest);
    Result<BackupReport> backup =
        dir.ok() ? backup_state(env.config, *env.store, *dir) : Result<BackupReport>(dir.status());
    if (!backup.ok())
      return fail("no backup, so nothing changed: " + backup.status().message() +
                  " (--backup-dir DIR to put it elsewhere, --no-backup to go without)");
    print_backup(*dir, *backup);
  }
  Status st = env.store->migrate();
  if (!st.ok()) return fail("migration failed: " + st.message());
  std::cout << "database schema version " << latest << " (current)\n";
  return 0;
}

int cmd_backup(Env& env, const Args& args) {
  Result<BackupReport> r = backup_state(env.config, *env.store, args.positional[0]);
  if (!r.ok()) return fail(r.status().message());
  return print_backup(args.positional[0], *r);
}

int cmd_restore(Env& env, const Args& args) {
  if (env.config.postgresql())
    return fail(
        "restore puts back a SQLite backup; a PostgreSQL database is restored with "
        "pg_restore (README \"Several hosts\"); nothing changed");
  Result<RestoreReport> r = restore_state(env.config, args.positional[0], args.flag("--replace"));
  if (!r.ok())
    return fail(r.status().message() + (r.status().is_unavailable() ? "" : "; nothing changed"));
  if (!r->moved_aside.empty())
    std::cout << "moved the replaced files to " << r->moved_aside << "\n";
  std::cout << "restored " << args.positional[0] << " into " << env.config.db_path << " and "
            << env.config.key_dir << ": schema version " << r->schema_version << ", "
            << r->key_files << " key files\n";
  if (r->schema_version < r->latest_schema_version)
    std::cout << "its schema is older than this build's (" << r->latest_schema_version
              << "): run accessctl migrate before starting the service\n";
  return 0;
}

int cmd_purge(Env& env, const Args&) {
  auto report = purge_expired(env.config, *env.store, now_seconds(), "accessctl");
  if (!report.ok()) return fail(report.status().message());
  std::cout << "removed " << report->rows << " expired rows, " << report->audit_events
            << " audit events past retention and " << report->keys << " expired keys\n";
  return 0;
}

// The conninfo follows store.conninfo's rule: never a password (it would show
// in `ps` and the shell's history).
int cmd_migrate_store(Env& env, const Args& args) {
  if (env.config.postgresql())
    return fail("migrate-store copies a SQLite database; this config already uses PostgreSQL");
  const std::string conninfo = args.one("--to");
  if (conninfo.empty()) return fail("--to is required (a libpq connection string)");
  if (std::string why = conninfo_problem(conninfo); !why.empty()) return fail("--to: " + why);
  if (service_answers(env.config))
    return fail("the service answers on server.listen (" + env.config.listen +
                "): stop it first; nothing changed");
  auto copied = copy_sqlite_to_postgresql(env.config, conninfo);
  if (!copied.ok()) return fail(copied.status().message());
  long long total = 0;
  for (const auto& t : *copied) {
    std::cout << t.name << "\t" << t.rows << " rows\n";
    total += t.rows;
  }
  std::cout << "copied " << total
            << " rows into PostgreSQL. Next: set store.backend: postgresql,\n"
               "store.conninfo and store.kek_file in the config, run `accessctl init` with it (it\n"
               "creates the key-encryption key and stores the signing keys and hmac.key in the\n"
               "database), then start the service.\n";
  return 0;
}

}  // namespace ctl
}  // namespace access_service

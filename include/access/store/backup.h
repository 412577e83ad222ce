// Backups of a deployment on SQLite (`accessctl backup`, `restore`, and the
// backup `accessctl migrate` takes first). A PostgreSQL deployment backs up
// its database with pg_dump instead (its Store::backup_to refuses).
//
// A backup is a directory, 0700, holding (every file 0600):
//   access.db     the database: one consistent snapshot, taken while the
//                 service runs (Store::backup_to, SQLite's online backup API)
//   keys/         every file of keys.dir: the signing keys (key-*.pem) with
//                 their .signs_from and .retired sidecars (key_ring.h), and
//                 hmac.key (refresh-token successors, CSRF tokens, sealed
//                 TOTP secrets); 0700
//   backup.json   {"service","version","schemaVersion","createdAt"}
//   SHA256SUMS    the SHA-256 of every file above, in `sha256sum -c` form
// The database is copied before the keys, so every key that signed a token
// the copy knows of is in the backup.
#pragma once

#include <cstdint>
#include <string>

#include "access/core/config.h"
#include "access/store/store.h"

namespace access_service {

struct BackupReport {
  int64_t schema_version = 0;
  int key_files = 0;
};

// Writes a backup of `config`'s state into `dir`, which must not exist (its
// parent must) or be an empty directory; it is created 0700. On failure
// whatever was written is removed and the message says why (kConflict: `dir`
// is not empty; kUnavailable: I/O).
Result<BackupReport> backup_state(const Config& config, Store& store, const std::string& dir);

struct RestoreReport {
  int64_t schema_version = 0;         // of the restored database
  int64_t latest_schema_version = 0;  // this build's: when higher, run `accessctl migrate`
  int key_files = 0;
  std::string moved_aside;  // where replaced files went ("" when none)
};

// Puts the backup in `dir` back as `config`'s state: the database at
// store.path, the key files in keys.dir. Everything is checked before
// anything is touched:
//   - the service is stopped (nothing answers on server.listen);
//   - SHA256SUMS lists access.db, backup.json and every file of keys/ (and
//     nothing else is there), and every checksum matches;
//   - the database passes SQLite's quick_check and its schema is not newer
//     than this build's (an older one is restored as it is: then run
//     `accessctl migrate`);
//   - the target is empty: no store.path (nor its -wal, -shm), no file in
//     keys.dir; with `replace`, what is there is first moved into
//     "<store.path's directory>/replaced-<UTC time>/".
// Files are written through a temporary name, synced and renamed, 0600
// (keys.dir 0700). kInvalid for a bad or incomplete backup, kConflict for a
// running service or a target that is not empty, kUnavailable for I/O.
Result<RestoreReport> restore_state(const Config& config, const std::string& dir, bool replace);

// True when something accepts connections on server.listen (the service
// runs). restore_state and `accessctl migrate` refuse then.
bool service_answers(const Config& config);

}  // namespace access_service

// Key mirror: one set of signing keys for several hosts.
//
// With a store that several hosts share (PostgreSQL, Store::shares_keys()),
// the files of the key directory (the signing keys key-*.pem, their markers
// such as *.retired, and hmac.key) are kept in the database as well, each
// sealed with the key-encryption key (store.kek_file, 32 random bytes every
// host has as a file: AES-256-GCM, the file name as associated data), and
// every host's key directory is a copy of them. The workers keep reading the
// directory as with SQLite; only the master and accessctl talk to the
// database about keys.
//
// The database is the source of truth:
//   pull_keys    makes the key directory equal to the database: writes the
//                files it lacks or that differ, removes those the database
//                no longer has. A database with no files yet is seeded from
//                this host's directory (the first host, or `accessctl
//                migrate-store` moving a SQLite deployment).
//   change_keys  pull, run `change` on the directory (create a key, retire
//                one, record retirement times, purge expired ones), then push
//                what it added (the first host to add a name wins) and what it
//                removed, and pull again so this host holds the winners.
// The master runs change_keys at start, on reload and after each purge, so
// `accessctl key rotate` on one host reaches every host at its next reload.
// With a store that does not share keys, pull_keys does nothing and
// change_keys only runs `change`.
//
// Errors: kNotFound (no store.kek_file), kInvalid (the key-encryption key
// does not open the database's files: another service's key), the store's
// (kUnavailable while the database is unreachable), kInternal (file system).
#pragma once

#include <functional>
#include <string>

#include "access/core/config.h"
#include "access/core/status.h"
#include "access/store/store.h"

namespace access_service {

Status pull_keys(const Config& config, Store& store);
Status change_keys(const Config& config, Store& store, const std::function<Status()>& change);

// Reads store.kek_file (32 bytes). With `create`, a missing file is created
// (0600) when the database holds no shared files yet: the first host of a
// service. A later host must be given a copy instead, or it would seal with
// a key no other host has.
Result<std::string> read_kek(const Config& config, Store& store, bool create);

}  // namespace access_service

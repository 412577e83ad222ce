// The master process (`access-service --config FILE`), after nginx's
// master/worker model: it binds the FastCGI socket, writes the public JWKS
// file that nginx serves, forks the workers and then only supervises.
//
//  - A worker that dies is respawned (after a one-second pause when it died
//    within a second of starting, so a broken database cannot spin the CPU).
//  - SIGTERM / SIGINT: every worker is asked to stop (SIGTERM), finishes the
//    request in hand, and exits; after 30 s stragglers are killed. The socket
//    is removed and the master exits 0.
//  - Every store.purge_interval_seconds a short-lived child purges expired
//    rows and keys (purge.h); the JWKS file is rewritten when it exits.
//  - SIGHUP: the config file and keys are read again (an invalid config, or
//    a database schema other than this build's, is logged and the old config
//    kept), the JWKS file rewritten, and the workers replaced one by one: a
//    new worker is started before an old one is told to stop. The listen
//    address cannot change without a restart.
//  - Keys (key_ring.h), checked every second from file names and sidecars:
//    when a published key's signs-from time comes, the JWKS file is
//    rewritten and the workers replaced as on SIGHUP (the config is not
//    re-read); with keys.rotate_every_days, a new key is made and published
//    when the newest is that old and none is waiting to sign.
//  - It refuses to start on a database schema other than this build's
//    (store.h check_schema), naming both versions.
//
// Signals are taken synchronously with sigtimedwait(), so there are no
// asynchronous handlers at all in the master.
#pragma once

#include <sys/types.h>

#include <string>

#include "access/core/config.h"

namespace access_service {

// Runs until stopped; returns the process exit code.
int run_master(const Config& config);

// The gid of server.socket_group (which must not be empty); an error naming
// the key when no such group exists. --check-config and the bind use it.
Result<gid_t> socket_group_id(const Config& config);

// Opens the store of `config` and checks its schema (store.h check_schema,
// nothing created): the master at start and --check-config.
Status check_store_schema(const Config& config);

// Records the retirement of keys that no longer sign (key_ring.h), loads the
// keys of `config` and writes its JWKS file (atomically).
Status write_jwks_file(const Config& config);

}  // namespace access_service

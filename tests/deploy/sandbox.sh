#!/usr/bin/env bash
# tests/deploy/sandbox.sh DIR COMMAND [ARGS...]: runs COMMAND as root in a
# throwaway copy of this machine, so that a runbook's commands (apt-get
# install, systemd-sysusers, writes to /etc and /var) run as written and leave
# the host untouched:
#   - an overlay of / whose writes go to a tmpfs under DIR;
#   - the repository (ROOT) bound read-only at its own path (it may sit on
#     another mount, which an overlay of / would not show);
#   - fresh /proc and /run;
#   - its own PID namespace (everything started inside dies with COMMAND)
#     and network namespace (loopback only: nothing it binds, even on every
#     interface, is reachable from outside).
# Needs root and overlayfs (a Debian 12 VM or CI runner has both).
set -euo pipefail
dir=$1
shift
if [[ ${SANDBOX_INNER:-} != 1 ]]; then
  exec unshare --mount --pid --net --fork --propagation private \
    env SANDBOX_INNER=1 ROOT="${ROOT:?ROOT: the repository}" "$0" "$dir" "$@"
fi
mkdir -p "$dir/merged" "$dir/rw"
mount -t tmpfs -o size=4g tmpfs "$dir/rw"
mkdir -p "$dir/rw/upper" "$dir/rw/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/rw/upper,workdir=$dir/rw/work" "$dir/merged"
m=$dir/merged
mount -t proc proc "$m/proc"
mount --rbind /dev "$m/dev"
mount -t sysfs sysfs "$m/sys"
mount -t tmpfs -o mode=0755 tmpfs "$m/run"
mkdir -p "$m$ROOT"
mount --bind "$ROOT" "$m$ROOT"
mount -o remount,bind,ro "$m$ROOT"
ip link set lo up
exec chroot "$m" "$@"

#!/usr/bin/env bash
# Runs inside tests/deploy/sandbox.sh: the package's maintainer scripts for
# real (dpkg -i, -r, --purge). Prints "ok NAME" / "FAIL NAME" lines, then
# "done", for tests/smoke/t_63_deb.sh.
#
#   package.sh DEB
set -uo pipefail
deb=$1
here=$(cd "$(dirname "$0")" && pwd)
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok $name"; else echo "FAIL $name"; fi; }
install -m 0755 "$here/systemctl" /usr/bin/systemctl
install -m 0755 "$here/journalctl" /usr/bin/journalctl

check "dpkg -i installs the package" dpkg -i "$deb"
check "postinst made the system user access-service" bash -c '[[ $(id -u access-service) -lt 1000 ]]'
check "postinst made /var/lib/access-service 0750 and /var/backups/access-service 0700, the user's" bash -c '
  [[ $(stat -c "%a %U" /var/lib/access-service) == "750 access-service" &&
     $(stat -c "%a %U" /var/backups/access-service) == "700 access-service" ]]'
check "postinst made /run/access-service 2710 access-service:www-data" \
  test "$(stat -c '%a %U %G' /run/access-service)" = "2710 access-service www-data"
check "the package started nothing" bash -c '! pgrep -x access-service'
check "the package enabled nothing" bash -c '! ls /etc/systemd/system/*.wants/access-service.service'
check "the state directory is empty until the first start" test -z "$(ls -A /var/lib/access-service)"
check "the installed accessctl runs" bash -c 'accessctl --version | grep -q "^accessctl "'
check "the installed unit passes systemd-analyze verify" bash -c \
  'out=$(systemd-analyze verify /lib/systemd/system/access-service.service 2>&1); [[ -z $out ]]'
systemctl start access-service
check "the first start (the unit's init, as the service user) works" systemctl is-active access-service
echo 'bogus: 1' >>/etc/access-service/access-service.yaml
check "dpkg -r stops the service and removes the binaries" bash -c '
  dpkg -r access-service && ! systemctl is-active access-service && ! test -e /usr/bin/access-service'
check "... and keeps the edited config (a conffile)" grep -q '^bogus: 1' /etc/access-service/access-service.yaml
check "dpkg --purge keeps the database and keys" bash -c '
  dpkg --purge access-service && test -s /var/lib/access-service/access.db &&
  test -s /var/lib/access-service/keys/hmac.key && ! test -e /etc/access-service/access-service.yaml'
echo done

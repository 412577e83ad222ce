# make deb (issue #15, item 1): a Debian package built with dpkg-deb that
# lintian passes without errors, with the files where README says, and
# maintainer scripts that make the user and the directories and start nothing
# (run for real in a sandboxed copy of the machine, tests/deploy/sandbox.sh).
deb_build=$ROOT/${BUILD%-sanitize}
deb_log=$(mktemp)
make -C "$ROOT" --no-print-directory "BUILD=${BUILD%-sanitize}" deb >"$deb_log" 2>&1
rc=$?
deb=$(sed -n 's/^built //p' "$deb_log")
check "make deb builds the package (exit $rc)" test "$rc" = 0 -a -n "$deb" -a -s "$ROOT/$deb"
check "lintian reports no errors" bash -c "! grep -q '^E: ' '$deb_log'"
[[ $rc != 0 ]] && grep '^E: \|rror' "$deb_log" | head -5 | sed 's/^/       /'
deb=$ROOT/$deb
version=$(sed -n 's/.*kVersion\[\] = "\(.*\)";/\1/p' "$ROOT/include/access/core/version.h")
field() { dpkg-deb -f "$deb" "$1"; }
check "the package version is the build's ($version)" test "$(field Version)" = "$version"
check "it depends on the shared libraries it links (dpkg-shlibdeps)" \
  bash -c "[[ '$(field Depends)' == *libssl3* && '$(field Depends)' == *libsqlite3-0* && '$(field Depends)' == *libfcgi* ]]"
contents=$(dpkg-deb -c "$deb" | awk '{print $1, $2, $6}')
for f in ./usr/bin/access-service ./usr/bin/accessctl; do
  check "$f is root's, 0755" grep -qx -- "-rwxr-xr-x root/root $f" <<<"$contents"
done
for f in ./lib/systemd/system/access-service.service ./usr/lib/sysusers.d/access-service.conf \
  ./usr/lib/tmpfiles.d/access-service.conf ./etc/access-service/access-service.yaml \
  ./etc/nginx/sites-available/access-service.conf ./usr/share/access-service/html/signin.html \
  ./usr/share/doc/access-service/copyright ./usr/share/man/man8/accessctl.8.gz; do
  check "$f is root's, 0644" grep -qx -- "-rw-r--r-- root/root $f" <<<"$contents"
done
check "the binaries are stripped" bash -c \
  "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/bin/accessctl | file - | grep -q ', stripped'"
conffiles=$(dpkg-deb -I "$deb" conffiles)
check "the files under /etc are conffiles (the admin's edits survive upgrades)" \
  bash -c "grep -qx /etc/access-service/access-service.yaml <<<'$conffiles' &&
           grep -qx /etc/nginx/sites-available/access-service.conf <<<'$conffiles'"
check "the unit's binaries are the package's" \
  bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./lib/systemd/system/access-service.service |
    grep '^ExecStart=' | grep -q '^ExecStart=/usr/bin/access-service --config /etc/access-service/access-service.yaml$'"
for script in postinst prerm postrm; do
  check "the $script never enables or starts the service" \
    bash -c "! dpkg-deb -I '$deb' $script | grep -v '^ *#' | grep -E 'systemctl[^|]*(enable|start|restart)|deb-systemd-invoke[^|]*start'"
done
if [[ $(id -u) == 0 ]]; then
  pk=$(mktemp -d /tmp/access-package.XXXXXX)
  ROOT=$ROOT timeout 300 "$ROOT/tests/deploy/sandbox.sh" "$pk/sandbox" "$ROOT/tests/deploy/package.sh" "$deb" \
    >"$pk/results" 2>"$pk/stderr"
  rc=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) pass "package: ${line#ok }" ;;
      "FAIL "*) fail "package: ${line#FAIL }" ;;
    esac
  done <"$pk/results"
  check "the package sandbox ran to its end (exit $rc)" test "$rc" = 0 -a "$(tail -1 "$pk/results")" = done
  rm -rf "$pk"
else
  skip "installing the package in a sandbox" "needs root"
fi
rm -f "$deb_log"

# README's runbooks followed as written (issue #15): "Deploy on Debian",
# "Backup and restore" and "Upgrade", each fenced block run verbatim by
# bash -e as root in a throwaway copy of this machine (tests/deploy/
# sandbox.sh: an overlay of /, its own PID and loopback-only network
# namespaces), from a previous release of the package to this one
# (tests/deploy/runbooks.sh has the checks in between). Needs root.
if [[ $(id -u) == 0 ]]; then
  rb=$(mktemp -d /tmp/access-runbooks.XXXXXX)
  new_deb=$(ls "$ROOT/${BUILD%-sanitize}"/access-service_*.deb 2>/dev/null | tail -1)
  if [[ -z $new_deb ]]; then
    make -C "$ROOT" --no-print-directory "BUILD=${BUILD%-sanitize}" deb >"$rb/deb.log" 2>&1
    new_deb=$(ls "$ROOT/${BUILD%-sanitize}"/access-service_*.deb 2>/dev/null | tail -1)
  fi
  # The previous release: this package under an older version number.
  dpkg-deb -R "$new_deb" "$rb/previous"
  sed -i 's/^Version: .*/Version: 0.9.9/' "$rb/previous/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz -b "$rb/previous" "$rb/access-service_0.9.9_$(dpkg --print-architecture).deb" >/dev/null
  host_before=$(getent passwd access-service; ls -d /etc/access-service /var/lib/access-service 2>/dev/null)
  ROOT=$ROOT timeout 600 "$ROOT/tests/deploy/sandbox.sh" "$rb/sandbox" \
    "$ROOT/tests/deploy/runbooks.sh" "$ROOT/README.md" "$rb/access-service_0.9.9_$(dpkg --print-architecture).deb" \
    "$new_deb" >"$rb/results" 2>"$rb/stderr"
  rc=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) pass "runbooks: ${line#ok }" ;;
      "FAIL "*) fail "runbooks: ${line#FAIL }" ;;
    esac
  done <"$rb/results"
  check "the runbook sandbox ran to its end (exit $rc, $(grep -c '^ok \|^FAIL ' "$rb/results") checks)" \
    test "$rc" = 0 -a "$(tail -1 "$rb/results")" = done
  check "the host is untouched (its access-service user and directories as before)" \
    test "$(getent passwd access-service; ls -d /etc/access-service /var/lib/access-service 2>/dev/null)" = "$host_before"
  [[ $rc != 0 ]] && tail -5 "$rb/stderr" | sed 's/^/       /'
  umount -R "$rb/sandbox/merged" 2>/dev/null
  rm -rf "$rb"
else
  skip "the runbooks in a sandbox" "needs root"
fi

# Keys without surprises (issue #15, item 5): a resource server that cached
# the JWKS just before a rotation, and honours the max-age it was served with
# (refetching only when its copy is older), verifies every token issued after
# the rotation. The same resource server meets an unknown kid when a key
# signs at once (`key rotate --now`): the check can fail. Then the master's
# scheduled rotation (keys.rotate_every_days).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_cli_app

# rs_scenario ROTATE_ARGS SECONDS: prints "tokens=N new=N unknown=N bad=N first_old=0|1"
rs_scenario() {
  /usr/bin/python3 - "$BASE" "$CLI_SECRET" "$USER1" "$USER1_PW" "$CTL key rotate $1" "$2" <<'PY'
import base64, json, re, subprocess, sys, time, urllib.parse, urllib.request
import jwt
base, secret, user, pw, rotate, seconds = sys.argv[1:7]
auth = "Basic " + base64.b64encode(("cli:" + secret).encode()).decode()

class ResourceServer:  # a JWKS cache that honours max-age, and nothing more
    def fetch(self):
        with urllib.request.urlopen(base + "/.well-known/jwks.json") as r:
            self.max_age = int(re.search(r"max-age=(\d+)", r.headers["Cache-Control"]).group(1))
            self.keys = {k["kid"]: k for k in json.load(r)["keys"]}
        self.fetched = time.monotonic()
    def verify(self, token):
        if time.monotonic() - self.fetched > self.max_age:
            self.fetch()
        kid = jwt.get_unverified_header(token)["kid"]
        if kid not in self.keys:
            return "unknown"
        key = jwt.PyJWK(self.keys[kid]).key
        jwt.decode(token, key, algorithms=[self.keys[kid]["alg"]], issuer=base,
                   options={"verify_aud": False})
        return "ok"

def issue():
    body = urllib.parse.urlencode({"grant_type": "password", "username": user, "password": pw}).encode()
    req = urllib.request.Request(base + "/api/oauth/token", data=body, headers={"Authorization": auth})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["access_token"]

rs = ResourceServer()
rs.fetch()
old_kids = set(rs.keys)
subprocess.run(rotate.split(), check=True, stdout=subprocess.DEVNULL)
counts = {"tokens": 0, "new": 0, "unknown": 0, "bad": 0}
first_old = None
deadline = time.monotonic() + float(seconds)
while time.monotonic() < deadline:
    token = issue()
    kid = jwt.get_unverified_header(token)["kid"]
    if first_old is None:
        first_old = int(kid in old_kids)
    counts["tokens"] += 1
    counts["new"] += kid not in old_kids
    try:
        result = rs.verify(token)
        counts[result] = counts.get(result, 0) + 1
    except Exception:
        counts["bad"] += 1
    time.sleep(0.2)
print(" ".join("%s=%d" % kv for kv in counts.items() if kv[0] != "ok"), "first_old=%d" % first_old,
      "max_age=%d" % rs.max_age)
PY
}
field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"; }

ahead=$(sed -n 's/^  publish_ahead_seconds: //p' "$CONFIG")
out=$(rs_scenario "" $((ahead + 4)))
echo "       published ahead: $out"
check "the JWKS max-age ($(field max_age "$out") s) is not above keys.publish_ahead_seconds ($ahead s)" \
  test -n "$(field max_age "$out")" -a "$(field max_age "$out")" -le "$ahead"
check "right after key rotate the old key still signs" test "$(field first_old "$out")" = 1
check "tokens of the new key were issued within the run ($(field new "$out") of $(field tokens "$out"))" \
  test "$(field new "$out")" -ge 1
check "the resource server that cached the JWKS before the rotation verified every token" \
  test "$(field unknown "$out")" = 0 -a "$(field bad "$out")" = 0 -a "$(field tokens "$out")" -ge 10

# The same resource server, a key that signs at once: it meets an unknown kid
# until its cached copy expires.
out=$(rs_scenario --now 3)
echo "       signing at once: $out"
check "with key rotate --now the cached resource server meets unknown kids (the check can fail)" \
  test "$(field unknown "$out")" -ge 1
check "key rotate --now: the master switched within a second or so" test "$(field new "$out")" -ge 5

# Scheduled rotation by the master, on a server of its own: its keys are made
# to look two days old, and keys.rotate_every_days is 1.
sched_port=$(free_port)
sched_state=$(mktemp -d /tmp/access-sched.XXXXXX)
# (On SQLite whatever the suite runs on: a server of its own.)
if PG_CONNINFO= PORT=$sched_port WORKERS=1 PUBLISH_AHEAD=3 "$ROOT/nginx/dev-server.sh" start "$sched_state" >/dev/null 2>&1; then
  sched_ctl="$ROOT/$BUILD/accessctl --config $sched_state/access-service.yaml"
  for f in "$sched_state"/keys/key-*.pem; do
    stamp=$(date -u -d "@$(($(stat -c %Y "$f") - 2 * 86400))" +%Y%m%dT%H%M%SZ)
    for side in "" .signs_from .retired; do
      [[ -e $f$side ]] && mv "$f$side" "$sched_state/keys/key-$stamp.pem$side"
    done
  done
  before=$($sched_ctl key list | wc -l)
  sed -i 's/^  publish_ahead_seconds: .*/&\n  rotate_every_days: 1/' "$sched_state/access-service.yaml"
  kill -HUP "$(cat "$sched_state/run/service.pid")"
  for _ in $(seq 50); do grep -q 'keys.rotate_every_days: new key' "$sched_state/service.log" && break; sleep 0.1; done
  check "keys.rotate_every_days: the master made a key when the newest was older" \
    grep -q 'keys.rotate_every_days: new key .* published; it signs after' "$sched_state/service.log"
  check "... listed as next, published in JWKS" bash -c "
    [[ \$($sched_ctl key list | wc -l) == $((before + 1)) ]] &&
    kid=\$($sched_ctl key list | awk -F'\t' '\$3 ~ /^next/{print \$1}') && [[ -n \$kid ]] &&
    curl -s http://127.0.0.1:$sched_port/.well-known/jwks.json | jq -e --arg k \"\$kid\" '[.keys[].kid] | index(\$k)' >/dev/null"
  sleep 2
  check "... and only one: a key waiting to sign stops the schedule" test "$($sched_ctl key list | wc -l)" = $((before + 1))
  "$ROOT/nginx/dev-server.sh" stop "$sched_state" >/dev/null 2>&1
else
  fail "a second server starts for the scheduled rotation" "$(tail -5 "$sched_state/service.log" 2>/dev/null)"
fi
rm -rf "$sched_state"

# accessctl, complete (issue #15, item 4): every user and client command with
# its effect seen through HTTP, --json lists, --version, and the wording of
# its refusals: one line each, naming what the operator typed.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_cli_app
ctl_bin=$ROOT/$BUILD/accessctl
version=$(sed -n 's/.*kVersion\[\] = "\(.*\)";/\1/p' "$ROOT/include/access/core/version.h")
# one_line_error EXPECTED_RC TEXT COMMAND...: exit status, exactly one line on
# stderr holding TEXT, nothing on stdout.
one_line_error() {
  local rc=$1 text=$2 out err got
  shift 2
  out=$("$@" 2>"$STATE/ctl.err" </dev/null)
  got=$?
  err=$(cat "$STATE/ctl.err")
  [[ $got == "$rc" && -z $out && $(wc -l <<<"$err") == 1 && $err == *"$text"* ]] && return 0
  echo "       rc $got, stdout '${out:0:80}', stderr: $err"
  return 1
}

# The command line itself.
check "accessctl without a command: one line, exit 2" one_line_error 2 "a command is required" "$ctl_bin"
check "an unknown command is named, not the whole usage" \
  one_line_error 2 "accessctl: unknown command frobnicate (accessctl --help" $CTL frobnicate
check "an unknown subcommand is named" one_line_error 2 "unknown command user frob" $CTL user frob
check "--config is required, said in one line" one_line_error 2 "accessctl: --config is required" "$ctl_bin" user list
check "an unknown option names itself and its command" \
  one_line_error 2 "unknown option --bogus for user list" $CTL user list --bogus
check "a missing operand is named" one_line_error 2 "user delete needs EMAIL" $CTL user delete
check "an extra argument is named" one_line_error 2 "unexpected argument extra for key list" $CTL key list extra
check "a config that cannot be read says why (no such file)" \
  one_line_error 1 "/nonexistent/c.yaml: cannot read the config file: no such file or directory" \
  "$ctl_bin" --config /nonexistent/c.yaml user list
check "accessctl --version" test "$("$ctl_bin" --version)" = "accessctl $version"
check "access-service --version" test "$("$ROOT/$BUILD/access-service" --version)" = "access-service $version"
check "access-service without --config says so in one line" \
  bash -c "'$ROOT/$BUILD/access-service' 2>&1 | head -1 | grep -qx 'access-service: --config is required'"
help=$("$ctl_bin" --help)
for c in "user enable" "user delete" "user password" "client show" "client enable" "client disable" \
  "client delete" "client rotate-secret" "migrate" "backup DIR" "restore DIR"; do
  check "--help lists $c" grep -q "^  $c" <<<"$help"
done

quiet_jq() { jq -e "$1" >/dev/null; }  # quiet_jq FILTER <<<JSON

# Users.
check "user add without --role lists the roles" \
  one_line_error 1 "--role is required (one of ROLE_SYSTEM_ADMIN, ROLE_ORG_ADMIN, ROLE_ORIGINATOR, ROLE_COLLABORATOR, ROLE_ADHOC_COLLABORATOR)" \
  $CTL user add x@example.com --password-stdin
check "user add with an unknown role names it and lists the roles" \
  one_line_error 1 "--role ROLE_KING is not a role: one of ROLE_SYSTEM_ADMIN," $CTL user add x@example.com --role ROLE_KING
check "user add without a terminal: one cause, one message" \
  one_line_error 1 "no terminal to ask for the password: use --password-stdin" \
  $CTL user add x@example.com --role ROLE_ORIGINATOR
# On a terminal (script(1) gives one), two different passwords.
differ=$(printf 'first-password-1\nsecond-password-2\n' |
  script -qec "$CTL user add tty@example.com --role ROLE_ORIGINATOR" /dev/null 2>&1)
check "two different passwords on a terminal: 'passwords differ'" \
  bash -c "grep -q 'accessctl: passwords differ' <<<'$differ' && ! grep -q 'no terminal' <<<'$differ'"
# not_listed USER: `user list` succeeds and does not name USER (a failing
# list names no one, so its status is checked first).
not_listed() {
  local out
  out=$($CTL user list) || { echo "       accessctl user list failed"; return 1; }
  ! grep -q "^$1" <<<"$out"
}
check "... and no user was made" not_listed tty@example.com
out=$(echo 'bad-email-password-1' | $CTL user add not-an-email --role ROLE_ORIGINATOR --password-stdin 2>&1)
check "a bad email names EMAIL, not the JSON member ($out)" \
  bash -c "grep -q 'EMAIL' <<<'$out' && ! grep -q '\"email\"\|^accessctl: email' <<<'$out'"

U=cli-user@example.com U_PW='cli-user-password-1'
echo "$U_PW" | $CTL user add "$U" --role ROLE_ORIGINATOR --password-stdin >/dev/null
token cli "$CLI_SECRET" "$U" "$U_PW"
expect "the new user signs in" 200
U_AT=$(jq -r .access_token <<<"$BODY") U_RT=$(jq -r .refresh_token <<<"$BODY")
users_json=$($CTL user list --json)
check "user list --json is the API's list shape" \
  quiet_jq "(.count == (.items | length)) and any(.items[]; .email == \"$U\" and .enabled == true and (.roles | index(\"ROLE_ORIGINATOR\")))" <<<"$users_json"

out=$($CTL user disable "$U")
token cli "$CLI_SECRET" "$U" "$U_PW"
check "user disable: the user cannot sign in ($STATUS)" test "$STATUS" = 400
req GET /api/v1/users/me -H "$(bearer "$U_AT")"
expect "user disable: their access token is dead" 401 .error invalid_token
check "user enable of a disabled user" grep -qx "enabled $U" <<<"$($CTL user enable "$U")"
check "user enable again: said, not an error" grep -q "is enabled already" <<<"$($CTL user enable "$U")"
token cli "$CLI_SECRET" "$U" "$U_PW"
expect "after user enable the user signs in again" 200
U_RT=$(jq -r .refresh_token <<<"$BODY")

check "user password: a short one is refused with the rule" \
  one_line_error 1 "the password must be" bash -c "echo short | $CTL user password $U --password-stdin"
check "user password for an unknown email" one_line_error 1 "no user with email nobody@example.com" \
  bash -c "echo long-enough-password-1 | $CTL user password nobody@example.com --password-stdin"
out=$(echo 'new-cli-user-password-2' | $CTL user password "$U" --password-stdin)
check "user password changes it ($out)" grep -q "password of $U changed" <<<"$out"
token cli "$CLI_SECRET" "$U" "$U_PW"
check "the old password no longer works ($STATUS)" test "$STATUS" = 400
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$U_RT"
expect "the refresh token issued before the reset is revoked" 400 .error invalid_grant
token cli "$CLI_SECRET" "$U" 'new-cli-user-password-2'
expect "the new password works" 200
U_AT=$(jq -r .access_token <<<"$BODY")

check "user delete of an unknown email" one_line_error 1 "no user with email nobody@example.com" \
  $CTL user delete nobody@example.com
out=$($CTL user delete "$U")
check "user delete ($out)" grep -q "^deleted $U" <<<"$out"
req GET /api/v1/users/me -H "$(bearer "$U_AT")"
expect "user delete: their access token is dead" 401 .error invalid_token
check "user delete: gone from the list" not_listed "$U"
echo "$U_PW" | $CTL user add "$U" --role ROLE_ORIGINATOR --password-stdin >/dev/null
check "the email is free again after user delete" test $? = 0

# Client apps.
app_json=$($CTL client add --client-id ctlapp --name "CTL App" --grant password --grant refresh_token \
  --access-seconds 300 --refresh-seconds 3600)
APP_SECRET=$(jq -r .clientSecret <<<"$app_json")
check "client add without --client-id names the option" \
  one_line_error 1 "--client-id is required" $CTL client add --name X --grant password --access-seconds 60
out=$($CTL client add --client-id x2 --name X --grant password --grant refresh_token --access-seconds 600 --refresh-seconds 60 2>&1)
check "client add: a rule's message names options, not JSON members ($out)" \
  bash -c "grep -q -- '--refresh-seconds must be greater than --access-seconds' <<<'$out' && ! grep -q 'ValiditySeconds' <<<'$out'"
show=$($CTL client show ctlapp)
check "client show prints the registration without its secret" \
  quiet_jq '.clientId == "ctlapp" and .appName == "CTL App" and (has("clientSecret") | not)' <<<"$show"
check "client show of an unknown id" one_line_error 1 "no app with client id nope" $CTL client show nope
check "client list --json" quiet_jq 'any(.items[]; .clientId == "ctlapp") and .count >= 1' <<<"$($CTL client list --json)"
token ctlapp "$APP_SECRET" "$U" "$U_PW"
expect "the app's password grant" 200
A_AT=$(jq -r .access_token <<<"$BODY")

$CTL client disable ctlapp >/dev/null
token ctlapp "$APP_SECRET" "$U" "$U_PW"
expect "client disable: the app cannot authenticate" 401 .error invalid_client
req GET /api/v1/users/me -H "$(bearer "$A_AT")"
expect "client disable: its access token stops working" 401 .error invalid_token
check "client disable again: said, not an error" grep -q "disabled already" <<<"$($CTL client disable ctlapp)"
$CTL client enable ctlapp >/dev/null
req GET /api/v1/users/me -H "$(bearer "$A_AT")"
expect "client enable: its unexpired access token works again" 200

new_secret=$($CTL client rotate-secret ctlapp 2>/dev/null)
check "client rotate-secret prints the new secret alone: one line, 256 bits base64url" \
  test "$(wc -l <<<"$new_secret")" = 1 -a ${#new_secret} = 43
token ctlapp "$APP_SECRET" "$U" "$U_PW"
expect "rotate-secret: the old secret stops working" 401 .error invalid_client
token ctlapp "$new_secret" "$U" "$U_PW"
expect "rotate-secret: the new one works" 200
check "rotate-secret from stdin applies the secret rule" \
  one_line_error 1 "the secret must be" bash -c "echo short | $CTL client rotate-secret ctlapp --secret-stdin"
token ctlapp "$new_secret" "$U" "$U_PW"
expect "a refused rotate-secret changes nothing" 200
A_AT=$(jq -r .access_token <<<"$BODY")

out=$($CTL client delete ctlapp)
check "client delete ($out)" grep -q '^deleted ctlapp' <<<"$out"
token ctlapp "$new_secret" "$U" "$U_PW"
expect "client delete: the app is unknown" 401 .error invalid_client
req GET /api/v1/users/me -H "$(bearer "$A_AT")"
expect "client delete: its access token is dead" 401 .error invalid_token
check "client delete of an unknown id" one_line_error 1 "no app with client id ctlapp" $CTL client delete ctlapp
# Leave the users as found: later files count them.
$CTL user delete "$U" >/dev/null
check "key list --json" quiet_jq '.count >= 1 and any(.items[]; .state == "signing")' <<<"$($CTL key list --json)"

# Run by root in a state directory another user owns, accessctl refuses
# (files root made there would lock the service out); that user may run it.
if [[ $(id -u) == 0 ]]; then
  own=$(mktemp -d)
  chmod 0755 "$own"
  mkdir "$own/state" "$own/bin"
  cp "$ctl_bin" "$own/bin/" && chmod 0755 "$own/bin" "$own/bin/accessctl"
  chown nobody:nogroup "$own/state"
  printf 'issuer: "http://127.0.0.1:1"\nserver: {listen: "unix:%s/fcgi.sock"}\nstore: {path: "%s/state/access.db"}\nkeys: {dir: "%s/state/keys", jwks_file: "%s/state/jwks.json"}\n' \
    "$own" "$own" "$own" "$own" >"$own/c.yaml"
  chmod 0644 "$own/c.yaml"
  check "root in nobody's state directory: refused, naming the user to run as" \
    one_line_error 1 "run accessctl as nobody, the owner of $own/state (runuser -u nobody -- accessctl" \
    "$own/bin/accessctl" --config "$own/c.yaml" init
  check "... and nothing was made there" test -z "$(ls -A "$own/state")"
  as_owner() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" >/dev/null; }
  check "the owner may" as_owner "$own/bin/accessctl" --config "$own/c.yaml" init
  rm -rf "$own"
else
  skip "accessctl run by root in another user's state directory" "needs root"
fi

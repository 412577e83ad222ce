#!/usr/bin/env python3
"""Searches every log of the smoke suite for every secret the suite used.

    log_secrets.py CAPTURE_DIR LOG_FILE...

CAPTURE_DIR holds what tests/smoke/lib.sh recorded while the suite ran:
  curl-args    the arguments of every curl call (fields 0x1f, records 0x1e)
  responses    the headers and body of every reply `req` read (records 0x1e)
  variables    the suite's shell variables whose names say they hold a
               secret, as NAME 0x1f VALUE 0x1e
From them it collects passwords, client secrets, access, refresh and
restrictive tokens, authorization codes, PKCE verifiers, TOTP and recovery
codes, device passcodes, session cookies and CSRF tokens (request side:
-u, Authorization and Cookie headers, form and JSON members, query
parameters; reply side: token members, clientSecret, authenticator URIs,
recovery codes, Location parameters, Set-Cookie values).

Secrets of 8 characters or more are searched as plain substrings anywhere in
every log. Shorter ones count only when they are digits (TOTP codes, device
passcodes; every real password and secret is longer): such numbers occur by
chance inside UUIDs, timestamps and pids, so they are searched as whole
values: between quotes, or after '=' or ':' and before a space, '&', ',',
'"', '}' or the end of the line, with the pid fields blanked first.

A value the suite also sent as a name (username, email, clientId, appName,
...) is not counted: the service logs usernames as typed by design, and the
hostile-input tests send one payload in every field.

Prints each hit (file, line number, the secret's first 4 characters and
where it came from) and exits 1 if there is any; prints how many secrets
and log files were searched and exits 0 otherwise. Exits 2 when fewer than
MIN_SECRETS secrets were found (a capture that failed must not pass):
20, the full suite's floor, or LOG_SECRETS_MIN (tests/smoke/run.sh sets it
when it runs only some files, which use fewer secrets).
"""
import json
import os
import re
import sys
import urllib.parse

MIN_SECRETS = int(os.environ.get("LOG_SECRETS_MIN") or 20)

FORM_KEYS = {"password", "passcode", "mfa_code", "code", "code_verifier", "refresh_token", "token",
             "mfa_token", "client_secret", "csrf_token", "access_token", "currentPassword",
             "newPassword"}
JSON_KEYS = {"password", "clientSecret", "passcode", "currentPassword", "newPassword", "code",
             "access_token", "refresh_token", "mfa_token", "csrfToken", "secret"}
COOKIES = {"access_session", "access_rid"}
VAR_RE = re.compile(r"(^|_)(PW|PASSWORD|SECRET|AT|RT|TOKEN|CODE|VERIFIER|CSRF|TOTP|PASSCODE)"
                    r"([0-9]*)($|_)", re.I)
NOT_SECRET_VARS = re.compile(r"(CHALLENGE|RID|JTI|KID|_ID$|JAR|STATUS|PORT|NOW|JSON_PATH)", re.I)


def records(path, sep="\x1e"):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [r for r in data.split(sep) if r]


PUBLIC_KEYS = {"username", "email", "clientId", "client_id", "appName", "firstName", "lastName",
               "otherName", "mobileNumber", "deviceId", "device_id", "state", "scope", "redirect_uri"}


class Secrets:
    def __init__(self):
        self.found = {}  # secret -> where it came from
        self.public = set()  # values also sent as names

    def add(self, value, origin):
        if not isinstance(value, str):
            return
        value = value.strip()
        if len(value) < 8 and not (len(value) >= 4 and value.isdigit()):
            return
        self.found.setdefault(value, origin)
        decoded = urllib.parse.unquote_plus(value)
        if decoded != value and len(decoded) >= 4:
            self.found.setdefault(decoded, origin)

    def from_json(self, text, origin):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return
        stack = [doc]
        while stack:
            d = stack.pop()
            if isinstance(d, list):
                stack.extend(d)
            elif isinstance(d, dict):
                for k, v in d.items():
                    if k in PUBLIC_KEYS and isinstance(v, str):
                        self.public.add(v)
                    if k in JSON_KEYS:
                        self.add(v if isinstance(v, str) else str(v), origin + " ." + k)
                    elif k == "recoveryCodes" and isinstance(v, list):
                        for c in v:
                            self.add(c, origin + " .recoveryCodes")
                    elif k == "authenticatorUri" and isinstance(v, str):
                        self.from_query(urllib.parse.urlsplit(v).query, origin, {"secret"})
                    else:
                        stack.append(v)

    def from_query(self, query, origin, keys=FORM_KEYS):
        for part in query.split("&"):
            k, _, v = part.partition("=")
            name = urllib.parse.unquote_plus(k)
            if name in keys:
                self.add(v, origin + " " + k)
            elif name in PUBLIC_KEYS:
                self.public.update({v, urllib.parse.unquote_plus(v)})

    def from_header(self, line, origin):
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "authorization":
            scheme, _, cred = value.partition(" ")
            if scheme.lower() == "bearer":
                self.add(cred, origin + " bearer")
            elif scheme.lower() == "basic":
                import base64
                try:
                    raw = base64.b64decode(cred, validate=True).decode("utf-8", "replace")
                    self.add(raw.partition(":")[2], origin + " basic")
                except ValueError:
                    pass
        elif name in ("cookie", "set-cookie"):
            for c in value.split(";"):
                k, _, v = c.strip().partition("=")
                if k in COOKIES:
                    self.add(v, origin + " cookie " + k)
        elif name == "location":
            u = urllib.parse.urlsplit(value)
            self.from_query(u.query, origin + " location")
            self.from_query(u.fragment, origin + " location")


def collect(capture):
    s = Secrets()
    for rec in records(os.path.join(capture, "curl-args")):
        args = rec.split("\x1f")
        for i, a in enumerate(args):
            nxt = args[i + 1] if i + 1 < len(args) else ""
            if a in ("-u", "--user"):
                s.add(nxt.partition(":")[2], "curl -u")
                s.public.add(nxt.partition(":")[0])
            elif a in ("-H", "--header"):
                s.from_header(nxt, "curl -H")
            elif a in ("-b", "--cookie") and "=" in nxt:
                s.from_header("Cookie: " + nxt, "curl -b")
            elif a in ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "-F", "--form"):
                if nxt.lstrip().startswith("{"):
                    s.from_json(nxt, "curl body")
                else:
                    s.from_query(nxt, "curl form")
                    if a == "--data-urlencode":  # k=v with v as typed
                        k, _, v = nxt.partition("=")
                        if k in FORM_KEYS:
                            s.add(v, "curl form " + k)
                        elif k in PUBLIC_KEYS:
                            s.public.add(v)
            elif "://" in a or a.startswith("/"):
                u = urllib.parse.urlsplit(a)
                s.from_query(u.query, "curl url")
    for rec in records(os.path.join(capture, "responses")):
        head, _, body = rec.partition("\x1f")
        for line in head.splitlines():
            s.from_header(line, "reply")
        if body.lstrip().startswith("{"):
            s.from_json(body, "reply")
    for rec in records(os.path.join(capture, "variables")):
        name, _, value = rec.partition("\x1f")
        if not VAR_RE.search(name) or NOT_SECRET_VARS.search(name):
            continue
        if value.lstrip().startswith("{"):
            s.from_json(value, "$" + name)
        elif "\n" not in value and " " not in value:
            s.add(value, "$" + name)
    return {k: v for k, v in s.found.items() if k not in s.public}


def pattern(secret):
    if len(secret) >= 8:
        return None
    return re.compile(r'(?:(?<=")|(?<==)|(?<=:))' + re.escape(secret) + r'(?=[\s&,"}]|$)', re.M)


def main():
    if len(sys.argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    found = collect(sys.argv[1])
    logs = [p for p in sys.argv[2:] if os.path.isfile(p)]
    if len(found) < MIN_SECRETS:
        print(f"only {len(found)} secrets captured (at least {MIN_SECRETS} expected)")
        return 2
    hits = 0
    compiled = [(sec, origin, pattern(sec)) for sec, origin in found.items()]
    pids = re.compile(r'"pid":\d+|\[\d+\]')
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        blanked = pids.sub("pid", text)
        for sec, origin, pat in compiled:
            if (pat.search(blanked) if pat else sec in text):
                hits += 1
                lineno = text[:text.find(sec)].count("\n") + 1 if sec in text else 0
                print(f"{path}:{lineno}: {sec[:4]}... ({origin})")
    print(f"searched {len(logs)} logs for {len(found)} secrets: {hits} hits")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())

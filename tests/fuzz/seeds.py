#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/.

The seeds are checked in; run this again only to change them. Each seed is a
small, meaningful input: a valid request piece, and the hostile variants the
parsers must refuse. The jwt seeds are signed with the fixed test keys that
tests/fuzz/jwt.cpp embeds (the PEMs named in TEST_KEYS), read from that file.
"""
import base64
import hashlib
import json
import os
import re
import sys

import jwt
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64u(raw):
    if isinstance(raw, str):
        raw = raw.encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def params():
    put("params", "password-grant", "grant_type=password&username=alice%40example.com&password=s3cret+pw")
    put("params", "refresh-grant", "grant_type=refresh_token&refresh_token=Zm9vYmFy-_&scope=read+write")
    put("params", "code-grant", "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    put("params", "authorize", "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=read%20write&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256")
    put("params", "paging", "limit=10&offset=20&orderBy=DESC&sortBy=appName")
    put("params", "paging-huge", "limit=99999999999999999999&offset=-1&sortBy=secret")
    put("params", "duplicate", "grant_type=password&grant_type=password")
    put("params", "bad-escape", "username=%ZZ&password=%4")
    put("params", "nul", "username=a%00b")
    put("params", "overlong", "username=%C0%AF%E0%80%AF")
    put("params", "surrogate", "username=%ED%A0%80")
    put("params", "utf8", "appName=%E2%82%AC%F0%9F%98%80&x=%C3%A9")
    put("params", "raw-utf8-invalid", b"username=\xff\xfe&password=\xc3")
    put("params", "empty-pieces", "&&=&a=&=b&&")
    put("params", "too-many", "&".join("f%d=%d" % (i, i) for i in range(101)))
    put("params", "sql-shell", "username=%27%3B+DROP+TABLE+users%3B--&password=%24%28reboot%29%60id%60")


def basic():
    put("basic", "basic", "Basic " + base64.b64encode(b"cli:cli-secret-0123456789").decode())
    put("basic", "basic-escaped", "Basic " + base64.b64encode(b"my%20app:p%3Ass+word").decode())
    put("basic", "basic-bare", base64.b64encode(b"a:b").decode())
    put("basic", "basic-no-colon", "Basic " + base64.b64encode(b"nocolon").decode())
    put("basic", "basic-not-base64", "Basic !!!notbase64")
    put("basic", "basic-nul", "Basic " + base64.b64encode(b"a\x00:b").decode())
    put("basic", "basic-lowercase", "basic   " + base64.b64encode(b"x:y").decode())
    put("basic", "bearer", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    put("basic", "bearer-bad-char", "Bearer abc def\"")
    put("basic", "content-type", "application/x-www-form-urlencoded; charset=UTF-8")
    put("basic", "content-type-json", "Application/JSON ; charset=utf-8")


def cookie():
    put("cookie", "session", "access_session=Zm9vYmFyYmF6; theme=dark")
    put("cookie", "session-last", "a=1;b=2; access_session=x")
    put("cookie", "no-value", "access_session; =; ;;")
    put("cookie", "named", "csrf\ncsrf=abc; access_session=def")
    put("cookie", "empty-name", "\n=v; x=y")


def json_body():
    client = {"appName": "Web portal", "clientId": "portal",
              "authorizedGrantTypes": ["authorization_code", "refresh_token"],
              "registeredRedirectUris": ["https://portal.example.com/cb", "com.example.app:/cb",
                                         "http://127.0.0.1:8080/cb"],
              "accessTokenValiditySeconds": 300, "refreshTokenValiditySeconds": 3600,
              "scope": ["read", "write"], "autoApprove": False,
              "clientSecret": "a-secret-of-24-characters"}
    put("json_body", "client", json.dumps(client))
    put("json_body", "client-put", '{"appName":"Portal 2","scope":["read"],"refreshTokenValiditySeconds":null}')
    put("json_body", "client-bad-uri", '{"appName":"A","clientId":"a","authorizedGrantTypes":["implicit"],"registeredRedirectUris":["javascript:alert(1)","http://evil.example.com/","https://a.example.com/#f"],"accessTokenValiditySeconds":300}')
    put("json_body", "client-huge-int", '{"appName":"A","clientId":"a","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":99999999999999999999999,"refreshTokenValiditySeconds":-9223372036854775809}')
    put("json_body", "client-float", '{"accessTokenValiditySeconds":300.5,"refreshTokenValiditySeconds":1e400}')
    put("json_body", "user", '{"email":"Bob@Example.com","roles":["ROLE_ORIGINATOR","ROLE_ORIGINATOR"],"password":"bob-password-123","firstName":"Bob","mobileNumber":"+61 400 000 000"}')
    put("json_body", "profile", '{"firstName":"Al\\u00efce","lastName":null,"otherName":"\\u0000","mobileNumber":"+"}')
    put("json_body", "sql", '{"appName":"A\'; DROP TABLE clients;--","clientId":"sql","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300,"scope":["$(id)","`id`"]}')
    put("json_body", "unknown-member", '{"email":"a@b.c","roles":["ROLE_COLLABORATOR"],"isAdmin":true}')
    put("json_body", "duplicate-keys", '{"email":"a@b.c","email":"x","roles":[]}')
    put("json_body", "deep-33", "[" * 33 + "]" * 33)
    put("json_body", "deep-32", '{"a":' * 31 + '{}' + "}" * 31)
    put("json_body", "invalid-utf8", b'{"firstName":"\xff\xfe"}')
    put("json_body", "escaped-surrogate", '{"firstName":"\\ud800"}')
    put("json_body", "not-object", '["email"]')
    put("json_body", "client-control-chars", json.dumps(
        {"appName": "A\u0000B\u001b[31m", "clientId": "ctl", "clientSecret": "0123456789abcdef\u0000",
         "authorizedGrantTypes": ["password"], "accessTokenValiditySeconds": 300}))
    put("json_body", "brackets-in-strings", '{"firstName":"[[[[{{{{\\"]]]"}')


TEST_KEYS = ("kRsaPem", "kPsPem", "kEcPem", "kEc384Pem", "kEdPem")


def test_keys():
    src = open(os.path.join(HERE, "jwt.cpp")).read()
    keys = []
    for name in TEST_KEYS:
        body = re.search(r"const char %s\[\] =\n((?:    \".*\";?\n)+)" % name, src).group(1)
        pem = "\n".join(re.findall(r'"(.*)\\n"', body)) + "\n"
        keys.append(serialization.load_pem_private_key(pem.encode(), None))
    return keys


def thumbprint(jwk):
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
    req = {k: jwk[k] for k in members[jwk["kty"]]}
    return b64u(hashlib.sha256(json.dumps(req, sort_keys=True, separators=(",", ":")).encode()).digest())


def jwts():
    rsa, pss, ec, ec384, ed = test_keys()
    algs = (("RS256", rsa, jwt.algorithms.RSAAlgorithm), ("PS256", pss, jwt.algorithms.RSAAlgorithm),
            ("ES256", ec, jwt.algorithms.ECAlgorithm), ("ES384", ec384, jwt.algorithms.ECAlgorithm),
            ("EdDSA", ed, jwt.algorithms.OKPAlgorithm))
    claims = {"exp": 4102444800, "iat": 1700000000, "iss": "https://auth.example.com",
              "sub": "5b0e4d8c-0000-4000-8000-000000000000", "user_name": "alice@example.com",
              "authorities": ["ROLE_COLLABORATOR"], "jti": "8d3c9a62-0000-4000-8000-000000000000",
              "client_id": "cli", "scope": ["read", "write"]}
    for alg, key, algo in algs:
        jwk = json.loads(algo.to_jwk(key.public_key()))
        kid = thumbprint(jwk)
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})
        put("jwt", "valid-" + alg, token)
        head, payload, sig = token.split(".")
        put("jwt", "tampered-" + alg, head + "." + b64u(json.dumps(dict(claims, sub="admin"))) + "." + sig)
        put("jwt", "four-segments-" + alg, token + ".x")
        put("jwt", "header-payload-" + alg,
            json.dumps({"alg": alg, "typ": "JWT", "kid": kid}) + "\n" + json.dumps(claims))
        put("jwt", "wrong-alg-" + alg,
            json.dumps({"alg": "RS256" if alg != "RS256" else "ES256", "kid": kid}) + "\n{}")
    put("jwt", "alg-none", b64u('{"alg":"none","typ":"JWT"}') + "." + b64u(json.dumps(claims)) + ".")
    put("jwt", "hs256", jwt.encode(claims, "secret", algorithm="HS256"))
    put("jwt", "claims", json.dumps(claims))
    put("jwt", "claims-odd", '{"exp":1e400,"n":-0.0,"s":"\\u00e9\\ud83d\\ude00","a":[[],{}]}')
    put("jwt", "segments-10k", ".".join(["eyJ"] * 10000))
    put("jwt", "padding", "eyJhbGciOiJSUzI1NiJ9==.e30=.c2ln")
    put("jwt", "trailing-bits", "eyJhbGciOiJSUzI1NiJ9.e31.c2lo")
    put("jwt", "header-not-object", b64u('["alg"]') + "." + b64u("{}") + ".AA")


def config():
    dev = open(os.path.join(HERE, "..", "..", "conf", "dev.yaml.in")).read()
    dev = dev.replace("@PORT@", "8080").replace("@STATE@", "/var/lib/x").replace("@WORKERS@", "2").replace("@GRACE@", "0")
    put("config", "dev", dev)
    put("config", "production", open(os.path.join(HERE, "..", "..", "conf", "access-service.yaml")).read())
    minimal = ('issuer: "https://auth.example.com"\nserver:\n  listen: "127.0.0.1:9000"\n'
               'store:\n  path: access.db\nkeys:\n  dir: keys\n  jwks_file: jwks.json\n')
    put("config", "minimal-relative", minimal)
    put("config", "bad-values", minimal + "tokens:\n  refresh_reuse_grace_seconds: 99999999999999999999\n"
        "store:\n  synchronous: SOMETIMES\n")
    put("config", "all-interfaces", minimal.replace("127.0.0.1:9000", "0.0.0.0:9000"))
    put("config", "unknown", minimal + "bogus_key: 1\nserver2:\n  x: 1\n")
    put("config", "types", 'issuer: [1, 2]\nserver: {listen: {a: b}, workers: -1, socket_mode: "0999"}\n')
    put("config", "anchors", 'a: &x {b: *x}\nissuer: &i "http://localhost:1"\nkeys: {dir: *i}\n')
    put("config", "syntax", "issuer: \"unterminated\nserver:\n\t- [\n")
    put("config", "deep", "a: " + "[" * 200 + "]" * 200 + "\n")


if __name__ == "__main__":
    params()
    basic()
    cookie()
    json_body()
    jwts()
    config()
    print("seeds written to", CORPUS, file=sys.stderr)

#!/usr/bin/env python3
"""burst.py N URL [HEADER ...] < BODY: N identical POSTs released at one moment.

Each request gets its own connection, opened first; a barrier then lets every
thread send at once, so the requests really overlap in the workers (separate
curl processes start milliseconds apart and mostly do not). Prints one line
per request: the status, then the Location header ("-" when none).
"""
import http.client
import sys
import threading
import urllib.parse

n, url, headers = int(sys.argv[1]), urllib.parse.urlsplit(sys.argv[2]), sys.argv[3:]
body = sys.stdin.buffer.read()
hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
for h in headers:
    name, _, value = h.partition(":")
    hdrs[name.strip()] = value.strip()
barrier = threading.Barrier(n)
results = [None] * n


def one(i):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.connect()
    barrier.wait()
    conn.request("POST", url.path, body=body, headers=hdrs)
    r = conn.getresponse()
    r.read()
    results[i] = f"{r.status} {r.getheader('Location') or '-'}"


threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(r or "error -" for r in results))

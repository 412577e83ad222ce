// The loopback rule, in one place: which hosts are this machine, for the
// three things that allow plain http or a listening TCP port only there
// (the issuer of a development server, config.h; server.listen; a native
// app's redirect URI, RFC 8252 7.3 and 8.3, client_rules.h and browser.h).
//
// The loopback hosts are exactly "127.0.0.1", "localhost" and "[::1]"
// (IPv6 in brackets, as in a URI authority or "[::1]:9000"). Nothing else is:
// not "127.0.0.2", not "localhost.example.com", not "127.0.0.1.nip.io".
#pragma once

#include <sys/socket.h>

#include <string>

namespace access_service {

// True when `host` is one of the loopback hosts above, compared exactly
// (callers lower-case a URI's host first when case does not matter).
bool is_loopback_host(const std::string& host);

// A loopback http URI split where its port ends: "http://127.0.0.1:8080/cb?x"
// gives *origin "http://127.0.0.1" (without the port) and *rest "/cb?x". The
// URI must start with "http://" and a loopback host, then an optional
// ":digits" port (at least one digit), then nothing, '/' or '?'; anything else (another host, a
// longer host that merely starts like one, "http://localhost:x", userinfo)
// returns false and leaves the outputs alone. The scheme and host are
// compared as written (lower case).
bool split_loopback_http(const std::string& uri, std::string* origin, std::string* rest);

// The socket address of server.listen's TCP form, "<loopback host>:<port>"
// (config.h checks it at load): "[::1]:9000" gives IPv6 ::1, "127.0.0.1:9000"
// and "localhost:9000" IPv4 127.0.0.1; the master binds it, `accessctl
// restore` connects to it. False when `listen` is not that form.
bool loopback_socket_address(const std::string& listen, sockaddr_storage* addr, socklen_t* len);

}  // namespace access_service

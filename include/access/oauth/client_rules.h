// The rules of a client app registration (API.md section 2), shared by the
// admin API and `accessctl client add` so that both accept exactly the same
// apps, and the app's JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access/store/store.h"

namespace access_service {

// Applies the members of `body` to `app` and checks every rule on the result.
// create=true: required members must be present, defaults are filled in, and
// a secret is generated when `clientSecret` is absent or null. create=false
// (PUT): `app` is the stored app; members present replace stored values, a
// null `clientSecret` keeps the stored secret.
//
// Writable: appName, clientId, clientSecret (write-only: never returned after
// creation), authorizedGrantTypes, registeredRedirectUris,
// accessTokenValiditySeconds, refreshTokenValiditySeconds (null removes it),
// scope, autoApprove, requirePkce, enabled.
// Read-only (json_members.h): `id` and `createdAt`. On PUT they are ignored
// when equal to the stored values (an object read with GET, edited and sent
// back) and refused when they differ. On create they are ignored whatever
// their value: the server assigns both, and an object read from another
// server (for example when moving apps from the original service) can be
// registered as it is.
// Members the server does not know are ignored.
//
// On success `new_secret` holds the plaintext secret when one was given or
// generated (the caller hashes it), "" otherwise. On failure: the message for
// a 400 invalid_request, naming the member.
std::optional<std::string> apply_client_json(const nlohmann::json& body, bool create,
                                             ClientApp* app, std::string* new_secret);

// True for a redirect URI the registry accepts: absolute, no fragment, no
// whitespace or control characters, http only for loopback hosts, no
// javascript:/data:/file:/vbscript: schemes.
bool valid_redirect_uri(const std::string& uri);

// The object of API.md section 2 (without clientSecret).
nlohmann::json client_to_json(const ClientApp& app);

}  // namespace access_service

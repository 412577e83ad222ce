// One home for the rules of a user's and an app's life that the admin API
// (handlers/users.cpp, handlers/clientapps.cpp), the account page and
// accessctl all apply, so that the copies cannot drift (issue #17: they had:
// `accessctl user disable` once left browser sessions alive).
//
// Each runs inside the caller's open WriteTransaction and records no audit
// event itself: the caller adds its own (the actor differs: the bearer user,
// or "accessctl") with commit_audited. Errors are the store's: kNotFound for
// an unknown user id, kConflict for an email or client id taken,
// kUnavailable when the database cannot be written.
#pragma once

#include <cstdint>
#include <string>

#include "access/core/status.h"
#include "access/store/store.h"

namespace access_service {

// Ends every sign-in of the user: every refresh token family (and so the
// access tokens issued from them), every other access token (the user's
// watermark) and every browser session.
Status end_sign_ins(Store& store, const std::string& user_id, int64_t now);

// Enables or disables a user. A disabled user keeps nothing: end_sign_ins.
// Enabling brings no token back.
Status enable_user(Store& store, const std::string& user_id, bool enabled, int64_t now);

// An administrator's new password (PHC string, hashed by the caller before
// the transaction): whoever held the old one loses every sign-in.
Status reset_password(Store& store, const std::string& user_id, const std::string& phc,
                      int64_t now);

// Stores a new user (fields checked by user_rules.h, password hashed by the
// caller): sets its id and created_at.
Status add_user(Store& store, User* user, int64_t now);

// Stores a new client app (fields checked by client_rules.h, secret hashed
// by the caller): sets its id and created_at.
Status add_client(Store& store, ClientApp* app, int64_t now);

}  // namespace access_service

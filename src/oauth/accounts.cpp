#include "access/oauth/accounts.h"

#include "access/crypto/crypto.h"

namespace access_service {

Status end_sign_ins(Store& store, const std::string& user_id, int64_t now) {
  Status st = store.revoke_user_tokens(user_id, now);
  if (st.ok()) st = store.delete_user_sessions(user_id);
  return st;
}

Status enable_user(Store& store, const std::string& user_id, bool enabled, int64_t now) {
  Status st = store.set_user_enabled(user_id, enabled);
  if (st.ok() && !enabled) st = end_sign_ins(store, user_id, now);
  return st;
}

Status reset_password(Store& store, const std::string& user_id, const std::string& phc,
                      int64_t now) {
  Status st = store.set_user_password(user_id, phc);
  if (st.ok()) st = end_sign_ins(store, user_id, now);
  return st;
}

Status add_user(Store& store, User* user, int64_t now) {
  user->id = uuid4();
  user->created_at = now;
  return store.insert_user(*user);
}

Status add_client(Store& store, ClientApp* app, int64_t now) {
  app->id = uuid4();
  app->created_at = now;
  return store.insert_client(*app);
}

}  // namespace access_service

// open_store: the backend named by store.backend; the defaults of the
// shared key files for a store that does not share keys; app_id_of.
#include "access/store/store.h"

namespace access_service {

Result<std::unique_ptr<Store>> open_store(const Config& config) {
  return config.postgresql() ? open_pg_store(config) : open_sqlite_store(config);
}

Result<std::string> app_id_of(Store& store, const AccessCheck& t) {
  if (!t.app_id.empty()) return t.app_id;
  Result<ClientApp> app = store.find_client_by_client_id(t.client_id);
  if (!app.ok()) return app.status();
  return app->id;
}

Result<std::vector<std::pair<std::string, std::string>>> Store::list_key_files() {
  return Status::Invalid("this store does not share keys");
}
Status Store::put_key_file(const std::string&, const std::string&, int64_t) {
  return Status::Invalid("this store does not share keys");
}
Status Store::delete_key_file(const std::string&) {
  return Status::Invalid("this store does not share keys");
}

}  // namespace access_service

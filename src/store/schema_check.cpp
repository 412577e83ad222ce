// check_schema (store.h): the service serves only the schema it was built
// for. Upgrades are `accessctl migrate`, which takes a backup first, so a
// restart after installing a new build never changes the database behind the
// administrator's back, and an older build never reads a newer schema.
#include "access/store/store.h"

namespace access_service {

Status check_schema(Store& store, bool create_if_empty) {
  Result<int64_t> version = store.schema_version();
  if (!version.ok()) return version.status();
  const int64_t latest = store.latest_schema_version();
  if (*version == latest) return Status::Ok();
  if (*version == 0) {
    if (create_if_empty) return store.migrate();
    return Status::Invalid("the database has no schema yet: run accessctl init");
  }
  const std::string at = "database schema version " + std::to_string(*version) + " is ";
  const std::string build = " than this build's (" + std::to_string(latest) + ")";
  if (*version > latest)
    return Status::Invalid(at + "newer" + build +
                           ": run the newer build, or restore the backup taken before the upgrade");
  return Status::Invalid(at + "older" + build +
                         ": upgrade it with accessctl migrate (it takes a backup first)");
}

}  // namespace access_service

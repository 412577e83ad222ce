// accessctl's audit events (audit.h): actor "accessctl", no address.
#include "access/oauth/audit.h"
#include "ctl.h"

namespace access_service {
namespace ctl {

AuditEvent ctl_event(const std::string& type, const nlohmann::json& details) {
  AuditEvent e = new_audit_event(type);
  e.actor = "accessctl";
  set_details(&e, details);
  return e;
}

Status record(Store& store, const std::vector<AuditEvent>& events) {
  WriteTransaction txn(store);
  return commit_audited(store, txn, events);
}

}  // namespace ctl
}  // namespace access_service

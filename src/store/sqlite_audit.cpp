// SqliteStore (sqlite_store.h): audit events (audit.h). list_audit builds its
// statement from the filters that are set, so it uses the text-keyed cache.
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {
namespace {

std::optional<std::string> or_null(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

Status SqliteStore::insert_audit(const AuditEvent& e) {
  Query q = query(Stmt::kInsertAudit);
  q.bind(e.created_ms).bind(e.id).bind(e.type).bind(or_null(e.ip)).bind(or_null(e.user_agent));
  q.bind(or_null(e.actor)).bind(or_null(e.user_id)).bind(or_null(e.client_id));
  q.bind(or_null(e.username)).bind(e.outcome).bind(e.details.empty() ? "{}" : e.details);
  return q.exec();
}

Result<ListResult<AuditEvent>> SqliteStore::list_audit(const AuditFilter& f, const Page& page) {
  // Fixed fragments chosen by which filters are set (values are bound),
  // so each combination is one cached statement that can use an index.
  std::string where = " WHERE 1=1";
  if (!f.type_prefix.empty()) where += " AND type >= ?1 AND type < ?2";
  // The indexes leave token.issued rows out (sqlite_schema.h): saying so
  // lets a filter that cannot match them use the indexes.
  if (!f.type_prefix.empty() && std::string("token.issued").rfind(f.type_prefix, 0) != 0)
    where += " AND type <> 'token.issued'";
  if (!f.user_id.empty()) where += " AND user_id = ?3";
  if (!f.client_id.empty()) where += " AND client_id = ?4";
  if (f.since_ms) where += " AND created_at >= ?5";
  if (f.until_ms) where += " AND created_at <= ?6";
  // Types are [a-z_.]: '~' sorts after each of them, so [p, p + "~") is
  // every type that starts with p.
  auto bind_filters = [&](Query& q) {
    q.bind(f.type_prefix).bind(f.type_prefix + "~").bind(f.user_id).bind(f.client_id);
    q.bind(f.since_ms.value_or(0)).bind(f.until_ms.value_or(0));
  };
  const char* dir = page.descending ? " DESC" : " ASC";
  Query q = query(
      "SELECT created_at, id, type, ip, user_agent, actor, user_id, client_id, "
      "username, outcome, details FROM audit_events" +
      where + " ORDER BY created_at" + dir + ", id" + dir + " LIMIT ?7 OFFSET ?8");
  bind_filters(q);
  q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
  ListResult<AuditEvent> out;
  while (q.step() == SQLITE_ROW) {
    AuditEvent e;
    e.created_ms = q.integer(0);
    e.id = q.text(1);
    e.type = q.text(2);
    e.ip = q.text(3);
    e.user_agent = q.text(4);
    e.actor = q.text(5);
    e.user_id = q.text(6);
    e.client_id = q.text(7);
    e.username = q.text(8);
    e.outcome = q.text(9);
    e.details = q.text(10);
    out.items.push_back(std::move(e));
  }
  if (!q.error().is_not_found()) return q.error();
  Query c = query("SELECT count(*) FROM audit_events" + where);
  bind_filters(c);
  if (c.step() != SQLITE_ROW) return c.error();
  out.count = c.integer(0);
  return out;
}

Result<int64_t> SqliteStore::purge_audit(int64_t before_ms, int batch) {
  Status st = begin_write();
  if (!st.ok()) return st;
  Query q = query(Stmt::kPurgeAudit);
  st = q.bind(before_ms).bind(int64_t{batch}).exec();
  int64_t n = q.changes();
  if (st.ok()) st = commit();
  if (!st.ok()) {
    rollback();
    return st;
  }
  return n;
}

}  // namespace sqlite
}  // namespace access_service

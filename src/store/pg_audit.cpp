// PgStore (pg_store.h): audit events (audit.h). list_audit builds its
// statement from the filters that are set, so it is prepared by its text.
#include "pg_store.h"

namespace access_service {
namespace pg {
namespace {

Param or_null(const std::string& v) { return v.empty() ? Param::null() : Param(v); }

}  // namespace

void PgStore::append_audit_params(const AuditEvent& e, std::vector<Param>* out) {
  for (Param p :
       {Param(static_cast<long long>(e.created_ms)), Param(e.id), Param(e.type), or_null(e.ip),
        or_null(e.user_agent), or_null(e.actor), or_null(e.user_id), or_null(e.client_id),
        or_null(e.username), Param(e.outcome), Param(e.details.empty() ? "{}" : e.details)})
    out->push_back(std::move(p));
}

Status PgStore::insert_audit(const AuditEvent& e) {
  std::vector<Param> params;
  append_audit_params(e, &params);
  return done(run(Stmt::kInsertAudit, params));
}

Result<ListResult<AuditEvent>> PgStore::list_audit(const AuditFilter& f, const Page& page) {
  // Fixed fragments chosen by which filters are set, numbered in the order
  // they are added (PostgreSQL infers a type for every parameter, so none
  // may go unused); each combination is one prepared statement.
  std::string where = " WHERE true";
  std::vector<Param> params;
  auto add = [&](const std::string& fragment, Param value) {
    params.push_back(std::move(value));
    const std::string n = "$" + std::to_string(params.size());
    std::string out = fragment;
    for (size_t at; (at = out.find('?')) != std::string::npos;) out.replace(at, 1, n);
    where += out;
  };
  if (!f.type_prefix.empty()) {
    // Types are [a-z_.]: '~' sorts after each of them, so [p, p || '~')
    // is every type that starts with p (byte-wise: COLLATE "C").
    add(" AND type COLLATE \"C\" >= ?", f.type_prefix);
    add(" AND type COLLATE \"C\" < ?", f.type_prefix + "~");
    // The indexes leave token.issued rows out (pg_schema.h).
    if (std::string("token.issued").rfind(f.type_prefix, 0) != 0)
      where += " AND type <> 'token.issued'";
  }
  if (!f.user_id.empty()) add(" AND user_id = ?", f.user_id);
  if (!f.client_id.empty()) add(" AND client_id = ?", f.client_id);
  if (f.since_ms) add(" AND created_at >= ?", static_cast<long long>(*f.since_ms));
  if (f.until_ms) add(" AND created_at <= ?", static_cast<long long>(*f.until_ms));
  const std::vector<Param> filters = params;
  const char* dir = page.descending ? " DESC" : " ASC";
  params.push_back(limit(page));
  params.push_back(Param(page.offset));
  const std::string n = std::to_string(params.size());
  Result<Rows> r = db_.run(std::string("SELECT ") + kAuditCols + " FROM audit_events" + where +
                               " ORDER BY created_at" + dir + ", id" + dir + " LIMIT $" +
                               std::to_string(params.size() - 1) + " OFFSET $" + n,
                           params);
  if (!r.ok()) return r.status();
  ListResult<AuditEvent> out;
  for (int i = 0; i < r->size(); ++i) {
    AuditEvent e;
    e.created_ms = r->integer(i, 0);
    e.id = r->text(i, 1);
    e.type = r->text(i, 2);
    e.ip = r->text(i, 3);
    e.user_agent = r->text(i, 4);
    e.actor = r->text(i, 5);
    e.user_id = r->text(i, 6);
    e.client_id = r->text(i, 7);
    e.username = r->text(i, 8);
    e.outcome = r->text(i, 9);
    e.details = r->text(i, 10);
    out.items.push_back(std::move(e));
  }
  Result<Rows> c = db_.run("SELECT count(*) FROM audit_events" + where, filters);
  if (!c.ok()) return c.status();
  out.count = c->integer(0, 0);
  return out;
}

Result<int64_t> PgStore::purge_audit(int64_t before_ms, int batch) {
  int64_t n = 0;
  Status st = atomically([&]() -> Status {
    Result<Rows> r = run(Stmt::kPurgeAudit, {static_cast<long long>(before_ms), batch});
    if (!r.ok()) return r.status();
    n = r->affected();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return n;
}

}  // namespace pg
}  // namespace access_service

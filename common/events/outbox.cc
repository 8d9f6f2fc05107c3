#include "common/events/outbox.h"

#include "absl/strings/str_cat.h"
#include "common/events/pg_internal.h"
#include "pqxx/binarystring"
#include "pqxx/transaction_base"

namespace relief::events {

void AppendEvent(pqxx::transaction_base& tx, absl::string_view schema,
                 const Event& event) {
  tx.exec_params(
      absl::StrCat("INSERT INTO ", tx.quote_name(std::string(schema)),
                   ".outbox (event_type, aggregate_id, payload)"
                   " VALUES ($1, $2, $3)"),
      event.event_type, event.aggregate_id,
      pqxx::binarystring(event.payload.data(), event.payload.size()));
}

void AppendAudit(pqxx::transaction_base& tx, absl::string_view schema,
                 const AuditRecord& record) {
  tx.exec_params(
      absl::StrCat("INSERT INTO ", tx.quote_name(std::string(schema)),
                   ".audit (actor, on_behalf_of, role, action, target_id,"
                   " request_id, recorded_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)"),
      record.actor, record.on_behalf_of, record.role, record.action,
      record.target_id, record.request_id,
      internal::PgTimestamp(record.recorded_at));
}

}  // namespace relief::events

// Writers of the outbox and audit tables (DESIGN.md §2, §5): called inside
// the caller's libpqxx transaction, the same transaction as the change, so
// the rows commit or vanish with it. Rows are inserted unnumbered; the
// service's Sequencer (sequencer.h) numbers them after commit. Writers
// never NOTIFY (NOTIFY takes a database-wide lock at commit and would
// serialise every writer).
#ifndef RELIEF_COMMON_EVENTS_OUTBOX_H_
#define RELIEF_COMMON_EVENTS_OUTBOX_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pqxx/transaction_base"

namespace relief::events {

// An event for other services. Ids and codes only, never personal data.
struct Event {
  // The message type of `payload`, e.g. "relief.registry.PersonRegistered".
  std::string event_type;
  // The id of the thing that changed (a person id, a jti, ...).
  std::string aggregate_id;
  // A serialized protobuf named by event_type (any bytes).
  std::string payload;
};

// Who did what to which id. Ids and codes only, never personal data.
struct AuditRecord {
  std::string actor;         // the caller's subject
  std::string on_behalf_of;  // the user a service acted for; empty if none
  std::string role;          // the caller's role
  std::string action;        // e.g. "person.register", "person.read"
  std::string target_id;     // a person id, a query label, ...
  std::string request_id;
  // When it happened, from the writer's Clock. Stored (and hashed) in UTC
  // microseconds: sub-microsecond digits are dropped (rounded down).
  absl::Time recorded_at;
};

// Inserts `event` into <schema>.outbox inside `tx`. Throws what libpqxx
// throws (call it from a pg::TxBody, which maps exceptions to a Status).
void AppendEvent(pqxx::transaction_base& tx, absl::string_view schema,
                 const Event& event);

// Inserts `record` into <schema>.audit inside `tx`. Throws what libpqxx
// throws, as AppendEvent.
void AppendAudit(pqxx::transaction_base& tx, absl::string_view schema,
                 const AuditRecord& record);

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_OUTBOX_H_

// Helpers shared by the Postgres code of relief_events. Internal: not for
// use outside common/events.
#ifndef RELIEF_COMMON_EVENTS_PG_INTERNAL_H_
#define RELIEF_COMMON_EVENTS_PG_INTERNAL_H_

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pqxx/binarystring"
#include "pqxx/field"

namespace relief::events::internal {

// `t` truncated (rounded down) to whole microseconds.
inline absl::Time TruncateToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

// Postgres input text for `t` in UTC with microseconds
// ("2021-08-15 03:04:05.123456+00"): parsed exactly whatever the session's
// TimeZone or DateStyle.
inline std::string PgTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", TruncateToMicros(t),
                          absl::UTCTimeZone());
}

// SQL for the int64 UTC microseconds of timestamptz expression `column`
// (exact: extract() returns numeric since Postgres 14).
inline std::string MicrosOf(absl::string_view column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

// SQL selecting the audit fields that are hashed, as exact UTF-8 bytes
// (bytea), whatever the session's client_encoding: actor, on_behalf_of,
// role, action, target_id, request_id, recorded_at in UTC microseconds.
inline std::string AuditRecordColumns() {
  return absl::StrCat(
      "convert_to(actor, 'UTF8'), convert_to(on_behalf_of, 'UTF8'),"
      " convert_to(role, 'UTF8'), convert_to(action, 'UTF8'),"
      " convert_to(target_id, 'UTF8'), convert_to(request_id, 'UTF8'), ",
      MicrosOf("recorded_at"));
}

// The raw bytes of a bytea field ("" when NULL).
inline std::string Bytes(const pqxx::field& f) {
  return f.is_null() ? std::string() : pqxx::binarystring(f).str();
}

// A microseconds field as absl::Time; InfinitePast when NULL.
inline absl::Time TimeFromMicrosField(const pqxx::field& f) {
  return f.is_null() ? absl::InfinitePast()
                     : absl::FromUnixMicros(f.as<int64_t>());
}

// The NOTIFY channel of `schema`'s event feed.
inline std::string ChannelOf(absl::string_view schema) {
  return absl::StrCat(schema, "_events");
}

// `conninfo` (URL or key=value) with `application_name` and
// `connect_timeout` (seconds) added.
inline std::string WithSessionOptions(absl::string_view conninfo,
                                      absl::string_view application_name,
                                      absl::Duration connect_timeout) {
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(connect_timeout)));
  if (conninfo.find("://") != absl::string_view::npos) {
    return absl::StrCat(
        conninfo, conninfo.find('?') == absl::string_view::npos ? "?" : "&",
        "connect_timeout=", timeout, "&application_name=", application_name);
  }
  return absl::StrCat(conninfo, " connect_timeout=", timeout,
                      " application_name=", application_name);
}

}  // namespace relief::events::internal

#endif  // RELIEF_COMMON_EVENTS_PG_INTERNAL_H_

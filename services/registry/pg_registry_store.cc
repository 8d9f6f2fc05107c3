#include "services/registry/pg_registry_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/base/failpoint.h"
#include "common/base/status.h"
#include "common/events/outbox.h"
#include "common/pg/common_migrations.h"
#include "common/pg/idempotency.h"
#include "common/pg/transaction.h"
#include "common/text/vn_text.h"
#include "common/units/pg_units.h"
#include "pqxx/pqxx"

std::vector<relief::pg::Migration> RegistryMigrations();

namespace relief::registry {
namespace {

using pg::ArrayLiteral;

constexpr absl::string_view kSchema = "registry";

// Runs `fn`, turning a libpqxx exception into a Status (this adapter is
// where library errors become values).
// `fn` returns absl::Status or absl::StatusOr<T>; so does Guard.
template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return pg::StatusFromException(e);
  }
}

// Postgres text for an absl::Time (UTC, microseconds).
std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

std::optional<std::string> OrNull(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string Text(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str());
}

std::string DoubleArray(const std::vector<double>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? "," : "", items[i]);
  }
  return out + "}";
}

// Name tokens of `r` and the people-count token "", sorted (rows of
// name_token_counts are always touched in this order).
std::vector<std::string> CountedTokens(const MatchRecord& r) {
  std::vector<std::string> tokens = NameTokens(r.full_name);
  tokens.insert(tokens.begin(), "");
  return tokens;
}

// The shard of name_token_counts a person's counts go to (FNV-1a: the same
// in every process, so a correction takes back what was added).
int CountShard(absl::string_view person_id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : person_id) h = (h ^ c) * 16777619u;
  return static_cast<int>(h % 8);
}

std::vector<std::string> ParseArray(const pqxx::field& f) {
  std::vector<std::string> out;
  pqxx::array_parser parser = f.as_array();
  for (auto item = parser.get_next();
       item.first != pqxx::array_parser::juncture::done;
       item = parser.get_next()) {
    if (item.first == pqxx::array_parser::juncture::string_value) {
      out.push_back(item.second);
    }
  }
  return out;
}

std::vector<double> ParseDoubles(const pqxx::field& f) {
  std::vector<double> out;
  for (const std::string& s : ParseArray(f)) out.push_back(std::stod(s));
  return out;
}

constexpr absl::string_view kReviewColumns =
    "review_id, kind, state, person_id, candidate_ids, scores, doc_keys,"
    " home_commune_code, (extract(epoch FROM created_at) * 1000000)::bigint,"
    " decision, same_as";

ReviewRow ReadReview(const pqxx::row& r) {
  return {.review_id = Text(r[0]),
          .kind = Text(r[1]),
          .open = Text(r[2]) == "OPEN",
          .person_id = Text(r[3]),
          .candidate_ids = ParseArray(r[4]),
          .scores = ParseDoubles(r[5]),
          .doc_keys = ParseArray(r[6]),
          .home_commune_code = Text(r[7]),
          .created_at = absl::FromUnixMicros(r[8].as<int64_t>()),
          .decision = Text(r[9]),
          .same_as = Text(r[10])};
}


// The columns of a match record (ReadMatchRecord), of registry.persons p.
constexpr absl::string_view kMatchSelect =
    "SELECT p.person_id, p.full_name, p.birth_year, p.birth_month,"
    " p.birth_day, p.sex, p.phone, p.home_commune_code, p.merged_into";

MatchRecord ReadMatchRecord(const pqxx::row& r) {
  return {.id = Text(r[0]),
          .full_name = Text(r[1]),
          .birth_date = {r[2].as<int>(), r[3].as<int>(), r[4].as<int>()},
          .sex = static_cast<Sex>(r[5].as<int>()),
          .phone = Text(r[6]),
          .home_commune_code = Text(r[7]),
          .merged_into = Text(r[8])};
}

std::vector<MatchRecord> MatchRecordsOfIds(pqxx::transaction_base& tx,
                                           const std::vector<std::string>& ids) {
  std::vector<MatchRecord> out;
  if (ids.empty()) return out;
  for (const auto& r : tx.exec_params(
           absl::StrCat(kMatchSelect, " FROM registry.persons p",
                        " WHERE p.person_id = ANY($1::uuid[]) ORDER BY"
                        " p.person_id"),
           ArrayLiteral(ids))) {
    out.push_back(ReadMatchRecord(r));
  }
  return out;
}

absl::StatusOr<Person> Load(pqxx::transaction_base& tx,
                            absl::string_view person_id) {
  const std::string id(person_id);
  pqxx::result rows = tx.exec_params(
      "SELECT full_name, birth_year, birth_month, birth_day, sex, phone,"
      " home_commune_code, home_district_code, home_province_code,"
      " host_province_code, host_district_code, street, need_kind, need_note,"
      " source, partner_id, partner_external_ref, state,"
      " (extract(epoch FROM created_at) * 1000000)::bigint,"
      " (extract(epoch FROM updated_at) * 1000000)::bigint, merged_into"
      " FROM registry.persons WHERE person_id = $1",
      id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("no person ", person_id));
  }
  const auto& r = rows[0];
  Person p;
  p.id = id;
  p.full_name = Text(r[0]);
  p.birth_date = {r[1].as<int>(), r[2].as<int>(), r[3].as<int>()};
  p.sex = static_cast<Sex>(r[4].as<int>());
  p.phone = Text(r[5]);
  p.home_commune_code = Text(r[6]);
  p.home_district_code = Text(r[7]);
  p.home_province_code = Text(r[8]);
  p.host_province_code = Text(r[9]);
  p.host_district_code = Text(r[10]);
  p.street = Text(r[11]);
  p.need_kind = static_cast<NeedKind>(r[12].as<int>());
  p.need_note = Text(r[13]);
  p.source = static_cast<Source>(r[14].as<int>());
  p.partner_id = Text(r[15]);
  p.partner_external_ref = Text(r[16]);
  p.state = static_cast<PersonState>(r[17].as<int>());
  p.created_at = absl::FromUnixMicros(r[18].as<int64_t>());
  p.updated_at = absl::FromUnixMicros(r[19].as<int64_t>());
  p.merged_into = Text(r[20]);
  for (const auto& d : tx.exec_params(
           "SELECT doc_type, number, doc_key, linked FROM registry.documents"
           " WHERE person_id = $1 ORDER BY created_at, doc_type, number",
           id)) {
    p.documents.push_back({.type = static_cast<DocumentType>(d[0].as<int>()),
                           .number = Text(d[1]),
                           .key = Text(d[2]),
                           .linked = d[3].as<bool>()});
  }
  for (const auto& rel : tx.exec_params(
           "SELECT name, relationship, phone FROM registry.relatives"
           " WHERE person_id = $1 ORDER BY ordinal",
           id)) {
    p.relatives.push_back({Text(rel[0]), Text(rel[1]), Text(rel[2])});
  }
  return p;
}

// Inserts `documents` of `person_id`; ABORTED (a lost race) when a linked
// key was taken by someone else meanwhile.
absl::Status InsertDocuments(pqxx::transaction_base& tx,
                             absl::string_view person_id,
                             const std::vector<Document>& documents,
                             absl::string_view request_id) {
  for (const Document& d : documents) {
    // ON CONFLICT without a target covers both the primary key (the same
    // document again) and the linked-key index (someone else's key).
    pqxx::result r = tx.exec_params(
        "INSERT INTO registry.documents (person_id, doc_type, number, doc_key,"
        " linked, created_at, request_id) VALUES ($1, $2, $3, $4, $5, now(),"
        " $6) ON CONFLICT DO NOTHING RETURNING 1",
        std::string(person_id), static_cast<int>(d.type), d.number,
        OrNull(d.key), d.linked, std::string(request_id));
    if (r.empty() && d.linked && !d.key.empty()) {
      pqxx::result owner = tx.exec_params(
          "SELECT person_id FROM registry.documents WHERE doc_key = $1 AND"
          " linked",
          d.key);
      if (owner.empty() || Text(owner[0][0]) != person_id) {
        return pg::RaceLost(absl::StrCat("document key of ", person_id));
      }
    }
  }
  return absl::OkStatus();
}

class PgRegistryTx final : public RegistryTx {
 public:
  PgRegistryTx(pqxx::transaction_base& tx, const Clock& clock)
      : tx_(tx), clock_(clock) {}

  absl::StatusOr<std::optional<std::string>> ClaimRequest(
      const RequestKey& key, absl::string_view request_hash) override {
    return Guard([&]() -> absl::StatusOr<std::optional<std::string>> {
      absl::StatusOr<std::optional<std::string>> out;
      out = idempotency_.Claim(
          tx_, {key.method, key.principal, key.request_id}, request_hash);
      return out;
    });
  }

  absl::Status CompleteRequest(const RequestKey& key,
                               absl::string_view answer) override {
    return Guard([&] {
      idempotency_.Complete(tx_, {key.method, key.principal, key.request_id},
                            answer);
      return failpoint::Hit("registry.register.before_commit");
    });
  }

  absl::Status LockDocumentKeys(const std::vector<std::string>& keys) override {
    return Guard([&] {
      pg::LockKeys(tx_, "registry.document", keys);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
  FindDocumentOwners(const std::vector<std::string>& keys) override {
    absl::flat_hash_map<std::string, std::string> owners;
    if (keys.empty()) return owners;
    absl::Status s = Guard([&] {
      for (const auto& row : tx_.exec_params(
               "SELECT doc_key, person_id FROM registry.documents"
               " WHERE linked AND doc_key = ANY($1::text[])",
               ArrayLiteral(keys))) {
        owners[Text(row[0])] = Text(row[1]);
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return owners;
  }

  absl::StatusOr<std::optional<std::string>> FindByPartnerRef(
      absl::string_view partner_id, absl::string_view external_ref) override {
    return Guard([&]() -> absl::StatusOr<std::optional<std::string>> {
      std::optional<std::string> out;
      pqxx::result r = tx_.exec_params(
          "SELECT person_id FROM registry.persons WHERE partner_id = $1 AND"
          " partner_external_ref = $2",
          std::string(partner_id), std::string(external_ref));
      if (!r.empty()) out = Text(r[0][0]);
      return out;
    });
  }

  absl::Status InsertPerson(const Person& p, const Principal& actor,
                            absl::string_view request_id) override {
    return Guard([&]() -> absl::Status {
      pqxx::result r = tx_.exec_params(
          "INSERT INTO registry.persons (person_id, full_name, name_key,"
          " birth_year, birth_month, birth_day, sex, phone, home_commune_code,"
          " home_district_code, home_province_code, host_province_code,"
          " host_district_code, street, need_kind, need_note, source,"
          " partner_id, partner_external_ref, state, created_at, updated_at,"
          " created_by, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
          " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,"
          " $22, $23, $24) ON CONFLICT DO NOTHING RETURNING 1",
          p.id, p.full_name, text::MatchKey(p.full_name), p.birth_date.year,
          p.birth_date.month, p.birth_date.day, static_cast<int>(p.sex),
          OrNull(p.phone), p.home_commune_code, p.home_district_code,
          p.home_province_code, p.host_province_code,
          OrNull(p.host_district_code), OrNull(p.street),
          static_cast<int>(p.need_kind), OrNull(p.need_note),
          static_cast<int>(p.source), OrNull(p.partner_id),
          OrNull(p.partner_external_ref), static_cast<int>(p.state),
          PgTime(p.created_at), PgTime(p.updated_at), actor.subject,
          std::string(request_id));
      // Only the partner reference can collide: a concurrent registration
      // of the same (partner, external_ref) won; answer as it did.
      if (r.empty()) return pg::RaceLost("partner reference");
      RELIEF_RETURN_IF_ERROR(failpoint::Hit("registry.register.after_person"));
      RELIEF_RETURN_IF_ERROR(
          InsertDocuments(tx_, p.id, p.documents, request_id));
      for (size_t i = 0; i < p.relatives.size(); ++i) {
        const Relative& rel = p.relatives[i];
        tx_.exec_params(
            "INSERT INTO registry.relatives (person_id, ordinal, name,"
            " relationship, phone) VALUES ($1, $2, $3, $4, $5)",
            p.id, static_cast<int>(i), rel.name, rel.relationship,
            OrNull(rel.phone));
      }
      return absl::OkStatus();
    });
  }

  absl::Status AddDocuments(absl::string_view person_id,
                            const std::vector<Document>& documents,
                            absl::string_view request_id) override {
    return Guard([&] {
      return InsertDocuments(tx_, person_id, documents, request_id);
    });
  }

  absl::Status InsertReview(const ReviewItem& review, const Principal& actor,
                            absl::string_view request_id) override {
    return Guard([&] {
      tx_.exec_params(
          "INSERT INTO registry.reviews (review_id, kind, state, person_id,"
          " candidate_ids, doc_keys, home_commune_code, created_at,"
          " created_by, request_id, scores) VALUES ($1, $8, 'OPEN',"
          " $2, $3::uuid[], $4::text[], $5, now(), $6, $7,"
          " $9::double precision[])",
          review.review_id, review.person_id,
          ArrayLiteral(review.candidate_ids), ArrayLiteral(review.doc_keys),
          review.home_commune_code, actor.subject, std::string(request_id),
          review.kind, DoubleArray(review.scores));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Person> LockPerson(absl::string_view person_id) override {
    return Guard([&]() -> absl::StatusOr<Person> {
      absl::StatusOr<Person> out;
      if (tx_.exec_params("SELECT 1 FROM registry.persons WHERE person_id ="
                          " $1 FOR UPDATE",
                          std::string(person_id))
              .empty()) {
        out = absl::NotFoundError(absl::StrCat("no person ", person_id));
      } else {
        out = Load(tx_, person_id);
      }
      return out;
    });
  }

  absl::Status ChangeState(absl::string_view person_id, PersonState from,
                           PersonState to, const Principal& actor,
                           absl::string_view reason, absl::string_view case_id,
                           absl::string_view request_id,
                           absl::Time at) override {
    return Guard([&]() -> absl::Status {
      const pqxx::result r = tx_.exec_params(
          "UPDATE registry.persons SET state = $2, updated_at = "
          "to_timestamp($4::double precision / 1000000) WHERE person_id = $1"
          " AND state = $3 RETURNING 1",
          std::string(person_id), static_cast<int>(to), static_cast<int>(from),
          absl::ToUnixMicros(at));
      if (r.empty()) return pg::RaceLost("person state");
      tx_.exec_params(
          "INSERT INTO registry.person_history (person_id, from_state,"
          " to_state, at, actor, reason, case_id, request_id) VALUES ($1, $2,"
          " $3, to_timestamp($4::double precision / 1000000), $5, $6, $7, $8)",
          std::string(person_id), static_cast<int>(from), static_cast<int>(to),
          absl::ToUnixMicros(at), actor.subject, std::string(reason),
          OrNull(std::string(case_id)), std::string(request_id));
      return absl::OkStatus();
    });
  }

  absl::Status LockBlocks(const std::vector<std::string>& blocks) override {
    return Guard([&] {
      pg::LockKeys(tx_, "registry.block", blocks);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<MatchRecord>> FindCandidates(
      const std::vector<std::string>& blocks, int limit) override {
    return Guard([&]() -> absl::StatusOr<std::vector<MatchRecord>> {
      std::vector<MatchRecord> out;
      // The people sharing the most keys first: a cap never drops a close
      // candidate for an old one (the block index alone ranks them).
      for (const auto& r : tx_.exec_params(
               absl::StrCat("WITH c AS (SELECT person_id, count(*) AS shared"
                            " FROM registry.person_blocks WHERE block ="
                            " ANY($1::text[]) GROUP BY person_id ORDER BY"
                            " shared DESC, person_id LIMIT $2) ",
                            kMatchSelect,
                            " FROM c JOIN registry.persons p USING (person_id)"
                            " ORDER BY c.shared DESC, p.person_id"),
               ArrayLiteral(blocks), limit)) {
        out.push_back(ReadMatchRecord(r));
      }
      return out;
    });
  }

  absl::StatusOr<std::vector<MatchRecord>> MatchRecordsOf(
      const std::vector<std::string>& ids) override {
    return Guard([&]() -> absl::StatusOr<std::vector<MatchRecord>> {
      std::vector<MatchRecord> out;
      out = MatchRecordsOfIds(tx_, ids);
      return out;
    });
  }

  absl::StatusOr<TokenStats> LoadTokenStats(
      const std::vector<std::string>& tokens) override {
    std::vector<std::string> asked = tokens;
    asked.push_back("");
    return Guard([&]() -> absl::StatusOr<TokenStats> {
      absl::flat_hash_map<std::string, int64_t> counts;
      int64_t people = 0;
      for (const auto& r : tx_.exec_params(
               "SELECT token, sum(people)::bigint FROM"
               " registry.name_token_counts WHERE token = ANY($1::text[])"
               " GROUP BY token",
               ArrayLiteral(asked))) {
        if (r[0].size() == 0) {
          people = r[1].as<int64_t>();
        } else {
          counts[Text(r[0])] = r[1].as<int64_t>();
        }
      }
      return TokenStats(std::move(counts), people);
    });
  }

  absl::Status IndexPerson(const MatchRecord& record) override {
    return Reindex(record, +1);
  }
  absl::Status UnindexPerson(const MatchRecord& record) override {
    return Reindex(record, -1);
  }

  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> FinalSurvivors(
      const std::vector<std::string>& ids) override {
    return Guard([&]() -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
      absl::flat_hash_map<std::string, std::string> out;
      if (ids.empty()) return out;
      for (const auto& r : tx_.exec_params(
               "WITH RECURSIVE chain (start, cur, depth) AS ("
               "  SELECT person_id, person_id, 0 FROM registry.persons"
               "  WHERE person_id = ANY($1::uuid[])"
               "  UNION ALL"
               "  SELECT c.start, p.merged_into, c.depth + 1 FROM chain c"
               "  JOIN registry.persons p ON p.person_id = c.cur"
               "  WHERE p.merged_into IS NOT NULL AND c.depth < 1000)"
               " SELECT DISTINCT ON (start) start, cur FROM chain"
               " ORDER BY start, depth DESC",
               ArrayLiteral(ids))) {
        out[Text(r[0])] = Text(r[1]);
      }
      return out;
    });
  }

  absl::StatusOr<bool> RelativesCorrectedSince(
      absl::string_view person_id, absl::string_view merge_id) override {
    return Guard([&]() -> absl::StatusOr<bool> {
      bool out = false;
      out = tx_.exec_params1(
                   "SELECT EXISTS (SELECT 1 FROM registry.person_corrections c"
                   " JOIN registry.merges g ON g.merge_id = $2::uuid"
                   " WHERE c.person_id = $1::uuid AND c.at >= g.at AND"
                   " 'relatives' = ANY(c.fields))",
                   std::string(person_id), std::string(merge_id))[0]
                .as<bool>();
      return out;
    });
  }

  absl::StatusOr<std::vector<std::string>> UnderReviewWith(
      absl::string_view person_id) override {
    return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const auto& r : tx_.exec_params(
               "SELECT DISTINCT x FROM registry.reviews,"
               " unnest(candidate_ids || person_id) AS x"
               " WHERE state = 'OPEN' AND (person_id = $1::uuid OR"
               " candidate_ids @> ARRAY[$1::uuid]) AND x <> $1::uuid",
               std::string(person_id))) {
        out.push_back(Text(r[0]));
      }
      return out;
    });
  }

  absl::StatusOr<std::vector<std::string>> DistinctFrom(
      absl::string_view person_id) override {
    return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const auto& r : tx_.exec_params(
               "SELECT b FROM registry.distinct_pairs WHERE a = $1::uuid"
               " UNION SELECT a FROM registry.distinct_pairs WHERE b = $1::uuid",
               std::string(person_id))) {
        out.push_back(Text(r[0]));
      }
      return out;
    });
  }

  absl::StatusOr<ReviewRow> LockReview(absl::string_view review_id) override {
    return Guard([&]() -> absl::StatusOr<ReviewRow> {
      absl::StatusOr<ReviewRow> out;
      pqxx::result r = tx_.exec_params(
          absl::StrCat("SELECT ", kReviewColumns,
                       " FROM registry.reviews WHERE review_id = $1 FOR UPDATE"),
          std::string(review_id));
      if (r.empty()) {
        out = absl::NotFoundError(absl::StrCat("no review ", review_id));
      } else {
        out = ReadReview(r[0]);
      }
      return out;
    });
  }

  absl::Status CloseReview(absl::string_view review_id,
                           absl::string_view decision, absl::string_view same_as,
                           const Principal& actor, absl::string_view reason,
                           absl::string_view request_id, absl::Time at) override {
    return Guard([&] {
      tx_.exec_params(
          "UPDATE registry.reviews SET state = 'DECIDED', decision = $2,"
          " same_as = $3, decided_at = to_timestamp($4::double precision /"
          " 1000000), decided_by = $5, decision_reason = $6,"
          " decision_request_id = $7 WHERE review_id = $1",
          std::string(review_id), std::string(decision),
          OrNull(std::string(same_as)), absl::ToUnixMicros(at), actor.subject,
          std::string(reason), std::string(request_id));
      return absl::OkStatus();
    });
  }

  absl::Status RememberDistinct(absl::string_view a, absl::string_view b,
                                const Principal& actor,
                                absl::string_view review_id,
                                absl::Time at) override {
    std::string lo(a), hi(b);
    if (hi < lo) std::swap(lo, hi);
    return Guard([&] {
      tx_.exec_params(
          "INSERT INTO registry.distinct_pairs (a, b, decided_at, decided_by,"
          " review_id) VALUES ($1, $2, to_timestamp($3::double precision /"
          " 1000000), $4, $5) ON CONFLICT DO NOTHING",
          lo, hi, absl::ToUnixMicros(at), actor.subject,
          OrNull(std::string(review_id)));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<std::string>> MergeInto(
      const MergeRecord& m, const Principal& actor, absl::string_view reason,
      absl::string_view request_id, absl::Time at) override {
    std::vector<std::string> moot;
    absl::Status s = Guard([&]() -> absl::Status {
      // History first, so the MERGED row below stays with the merged record.
      const pqxx::result history = tx_.exec_params(
          "UPDATE registry.person_history SET person_id = $2 WHERE person_id"
          " = $1 RETURNING id",
          m.merged_id, m.survivor_id);
      std::vector<std::string> history_ids;
      for (const auto& r : history) history_ids.push_back(Text(r[0]));
      // Documents the survivor does not have yet.
      const pqxx::result docs = tx_.exec_params(
          "UPDATE registry.documents d SET person_id = $2 WHERE d.person_id ="
          " $1 AND NOT EXISTS (SELECT 1 FROM registry.documents s WHERE"
          " s.person_id = $2 AND s.doc_type = d.doc_type AND s.number ="
          " d.number) RETURNING doc_type, number",
          m.merged_id, m.survivor_id);
      std::vector<std::string> moved_docs;
      for (const auto& r : docs) {
        moved_docs.push_back(absl::StrCat(Text(r[0]), "|", Text(r[1])));
      }
      // Relatives, numbered after the survivor's own.
      const pqxx::result rels = tx_.exec_params(
          "WITH base AS (SELECT coalesce(max(ordinal), -1) AS top FROM"
          " registry.relatives WHERE person_id = $2),"
          " moved AS (UPDATE registry.relatives r SET person_id = $2,"
          "  ordinal = (SELECT top FROM base) + 1 + r.ordinal"
          "  WHERE r.person_id = $1 RETURNING r.ordinal)"
          " SELECT ordinal - (SELECT top FROM base) - 1, ordinal FROM moved",
          m.merged_id, m.survivor_id);
      std::vector<std::string> rel_from, rel_to;
      for (const auto& r : rels) {
        rel_from.push_back(Text(r[0]));
        rel_to.push_back(Text(r[1]));
      }
      // Open items about the merged record now concern the survivor.
      const pqxx::result reviews = tx_.exec_params(
          "SELECT review_id, person_id, candidate_ids, scores FROM"
          " registry.reviews WHERE state = 'OPEN' AND (person_id = $1 OR"
          " candidate_ids @> ARRAY[$1::uuid]) FOR UPDATE",
          m.merged_id);
      RELIEF_RETURN_IF_ERROR(ChangeState(m.merged_id, m.state_before,
                                         PersonState::kMerged, actor, reason,
                                         "", request_id, at));
      tx_.exec_params(
          "UPDATE registry.persons SET merged_into = $2 WHERE person_id = $1",
          m.merged_id, m.survivor_id);
      tx_.exec_params(
          "INSERT INTO registry.merges (merge_id, merged_id, survivor_id,"
          " review_id, state_before, moved_documents, relatives_from,"
          " relatives_to, moved_history, at, actor, reason, request_id)"
          " VALUES ($1, $2, $3, $4, $5, $6::text[], $7::smallint[],"
          " $8::smallint[], $9::bigint[], to_timestamp($10::double precision"
          " / 1000000), $11, $12, $13)",
          m.merge_id, m.merged_id, m.survivor_id, OrNull(m.review_id),
          static_cast<int>(m.state_before), ArrayLiteral(moved_docs),
          ArrayLiteral(rel_from), ArrayLiteral(rel_to),
          ArrayLiteral(history_ids), absl::ToUnixMicros(at), actor.subject,
          std::string(reason), std::string(request_id));
      for (const auto& r : reviews) {
        const std::string review_id = Text(r[0]);
        if (review_id == m.review_id) continue;
        tx_.exec_params(
            "INSERT INTO registry.merge_moved_reviews (merge_id, review_id,"
            " person_id, candidate_ids, scores) VALUES ($1, $2, $3,"
            " $4::uuid[], $5::double precision[])",
            m.merge_id, review_id, Text(r[1]), Text(r[2]), Text(r[3]));
        // Re-pointed at the survivor: the merged record becomes the
        // survivor, a candidate equal to the item's record or repeated is
        // dropped (keeping its best score), scores stay aligned.
        const std::string old_person = Text(r[1]);
        const std::string person =
            old_person == m.merged_id ? m.survivor_id : old_person;
        const std::vector<std::string> old_ids = ParseArray(r[2]);
        const std::vector<double> old_scores = ParseDoubles(r[3]);
        const bool scored = old_scores.size() == old_ids.size();
        std::vector<std::string> ids;
        std::vector<double> scores;
        for (size_t i = 0; i < old_ids.size(); ++i) {
          const std::string id =
              old_ids[i] == m.merged_id ? m.survivor_id : old_ids[i];
          if (id == person) continue;
          const auto at = std::find(ids.begin(), ids.end(), id);
          if (at == ids.end()) {
            ids.push_back(id);
            if (scored) scores.push_back(old_scores[i]);
          } else if (scored) {
            double& best = scores[at - ids.begin()];
            best = std::max(best, old_scores[i]);
          }
        }
        tx_.exec_params(
            "UPDATE registry.reviews SET person_id = $2, candidate_ids ="
            " $3::uuid[], scores = $4::double precision[], home_commune_code ="
            " (SELECT home_commune_code FROM registry.persons WHERE person_id ="
            " $2) WHERE review_id = $1",
            review_id, person, ArrayLiteral(ids), DoubleArray(scores));
        if (ids.empty()) {
          RELIEF_RETURN_IF_ERROR(CloseReview(review_id, "MOOT", "", actor,
                                             reason, request_id, at));
          moot.push_back(review_id);
        }
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return moot;
  }

  absl::StatusOr<std::optional<MergeRecord>> LastMerge(
      absl::string_view merged_id) override {
    return Guard([&]() -> absl::StatusOr<std::optional<MergeRecord>> {
      std::optional<MergeRecord> out;
      pqxx::result r = tx_.exec_params(
          "SELECT merge_id, survivor_id, review_id, state_before FROM"
          " registry.merges WHERE merged_id = $1 AND undone_at IS NULL"
          " ORDER BY at DESC LIMIT 1",
          std::string(merged_id));
      if (!r.empty()) {
        out = MergeRecord{.merge_id = Text(r[0][0]),
                          .merged_id = std::string(merged_id),
                          .survivor_id = Text(r[0][1]),
                          .review_id = Text(r[0][2]),
                          .state_before =
                              static_cast<PersonState>(r[0][3].as<int>())};
      }
      return out;
    });
  }

  absl::Status UndoMerge(const MergeRecord& m, const Principal& actor,
                         absl::string_view reason, absl::string_view request_id,
                         absl::Time at) override {
    return Guard([&]() -> absl::Status {
      tx_.exec_params(
          "UPDATE registry.documents d SET person_id = $1 FROM registry.merges"
          " g WHERE g.merge_id = $3 AND d.person_id = $2 AND"
          " (d.doc_type::text || '|' || d.number) = ANY(g.moved_documents)",
          m.merged_id, m.survivor_id, m.merge_id);
      tx_.exec_params(
          "UPDATE registry.relatives r SET person_id = $1, ordinal ="
          " g.relatives_from[array_position(g.relatives_to, r.ordinal)]"
          " FROM registry.merges g WHERE g.merge_id = $3 AND r.person_id = $2"
          " AND r.ordinal = ANY(g.relatives_to)",
          m.merged_id, m.survivor_id, m.merge_id);
      tx_.exec_params(
          "UPDATE registry.person_history h SET person_id = $1 FROM"
          " registry.merges g WHERE g.merge_id = $3 AND h.person_id = $2 AND"
          " h.id = ANY(g.moved_history)",
          m.merged_id, m.survivor_id, m.merge_id);
      // Open items the merge re-pointed are as they were. Items it closed
      // as moot were about this pair only, which is now two people: they
      // stay closed.
      tx_.exec_params(
          "UPDATE registry.reviews r SET person_id = o.person_id,"
          " candidate_ids = o.candidate_ids, scores = o.scores"
          " FROM registry.merge_moved_reviews o WHERE o.merge_id = $1 AND"
          " o.review_id = r.review_id AND r.state = 'OPEN'",
          m.merge_id);
      tx_.exec_params(
          "UPDATE registry.persons SET merged_into = NULL WHERE person_id = $1",
          m.merged_id);
      RELIEF_RETURN_IF_ERROR(ChangeState(m.merged_id, PersonState::kMerged,
                                         m.state_before, actor, reason, "",
                                         request_id, at));
      tx_.exec_params(
          "UPDATE registry.merges SET undone_at = to_timestamp($2::double"
          " precision / 1000000), undone_by = $3, undo_reason = $4 WHERE"
          " merge_id = $1",
          m.merge_id, absl::ToUnixMicros(at), actor.subject,
          std::string(reason));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<std::string>> MergedInto(
      absl::string_view person_id) override {
    return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const auto& r : tx_.exec_params(
               "WITH RECURSIVE merged (id, depth) AS ("
               "  SELECT person_id, 1 FROM registry.persons WHERE merged_into"
               "  = $1::uuid"
               "  UNION ALL"
               "  SELECT p.person_id, m.depth + 1 FROM merged m JOIN"
               "  registry.persons p ON p.merged_into = m.id WHERE m.depth <"
               "  1000)"
               " SELECT id FROM merged ORDER BY id",
               std::string(person_id))) {
        out.push_back(Text(r[0]));
      }
      return out;
    });
  }

  absl::Status UpdatePerson(const Person& p,
                            const std::vector<std::string>& fields,
                            absl::string_view before_proto,
                            const Principal& actor, absl::string_view reason,
                            absl::string_view request_id,
                            absl::Time at) override {
    return Guard([&] {
      tx_.exec_params(
          "UPDATE registry.persons SET full_name = $2, name_key = $3,"
          " birth_year = $4, birth_month = $5, birth_day = $6, sex = $7,"
          " phone = $8, home_commune_code = $9, home_district_code = $10,"
          " home_province_code = $11, host_province_code = $12,"
          " host_district_code = $13, street = $14, need_kind = $15,"
          " need_note = $16, updated_at = to_timestamp($17::double precision"
          " / 1000000) WHERE person_id = $1",
          p.id, p.full_name, text::MatchKey(p.full_name), p.birth_date.year,
          p.birth_date.month, p.birth_date.day, static_cast<int>(p.sex),
          OrNull(p.phone), p.home_commune_code, p.home_district_code,
          p.home_province_code, p.host_province_code,
          OrNull(p.host_district_code), OrNull(p.street),
          static_cast<int>(p.need_kind), OrNull(p.need_note),
          absl::ToUnixMicros(at));
      // Open items about the person are decided where the person now
      // lives.
      tx_.exec_params(
          "UPDATE registry.reviews SET home_commune_code = $2 WHERE state ="
          " 'OPEN' AND person_id = $1 AND home_commune_code <> $2",
          p.id, p.home_commune_code);
      tx_.exec_params("DELETE FROM registry.relatives WHERE person_id = $1",
                      p.id);
      for (size_t i = 0; i < p.relatives.size(); ++i) {
        const Relative& rel = p.relatives[i];
        tx_.exec_params(
            "INSERT INTO registry.relatives (person_id, ordinal, name,"
            " relationship, phone) VALUES ($1, $2, $3, $4, $5)",
            p.id, static_cast<int>(i), rel.name, rel.relationship,
            OrNull(rel.phone));
      }
      tx_.exec_params(
          "INSERT INTO registry.person_corrections (person_id, fields, before,"
          " at, actor, reason, request_id) VALUES ($1, $2::text[], $3,"
          " to_timestamp($4::double precision / 1000000), $5, $6, $7)",
          p.id, ArrayLiteral(fields),
          pqxx::binarystring(before_proto.data(), before_proto.size()),
          absl::ToUnixMicros(at), actor.subject, std::string(reason),
          std::string(request_id));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<bool> HasOpenReview(absl::string_view person_id) override {
    bool open = false;
    absl::Status s = Guard([&] {
      open = !tx_.exec_params(
                     "SELECT 1 FROM registry.reviews WHERE state = 'OPEN' AND"
                     " (person_id = $1::uuid OR candidate_ids @> ARRAY[$1::uuid])"
                     " LIMIT 1",
                     std::string(person_id))
                  .empty();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return open;
  }

  absl::Status InsertIssuedToken(const IssuedToken& t, const Principal& actor,
                                 absl::string_view request_id) override {
    return Guard([&] {
      tx_.exec_params(
          "INSERT INTO registry.issued_tokens (jti, subject, role, scope, kid,"
          " issued_at, expires_at, issued_by, request_id) VALUES ($1, $2, $3,"
          " $4, $5, to_timestamp($6::double precision / 1000000),"
          " to_timestamp($7::double precision / 1000000), $8, $9)",
          t.jti, t.subject, t.role, t.scope, t.kid,
          absl::ToUnixMicros(t.issued_at), absl::ToUnixMicros(t.expires_at),
          actor.subject, std::string(request_id));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<IssuedToken>> FindIssuedToken(
      absl::string_view jti) override {
    return Guard([&]() -> absl::StatusOr<std::optional<IssuedToken>> {
      std::optional<IssuedToken> out;
      pqxx::result r = tx_.exec_params(
          "SELECT subject, role, scope, kid,"
          " (extract(epoch FROM issued_at) * 1000000)::bigint,"
          " (extract(epoch FROM expires_at) * 1000000)::bigint"
          " FROM registry.issued_tokens WHERE jti = $1",
          std::string(jti));
      if (!r.empty()) {
        out = IssuedToken{.jti = std::string(jti),
                          .subject = Text(r[0][0]),
                          .role = Text(r[0][1]),
                          .scope = Text(r[0][2]),
                          .kid = Text(r[0][3]),
                          .issued_at = absl::FromUnixMicros(r[0][4].as<int64_t>()),
                          .expires_at = absl::FromUnixMicros(r[0][5].as<int64_t>())};
      }
      return out;
    });
  }

  absl::StatusOr<bool> InsertRevocation(const IssuedToken& t,
                                        absl::Time revoked_at,
                                        absl::string_view reason,
                                        const Principal& actor,
                                        absl::string_view request_id) override {
    bool inserted = false;
    absl::Status s = Guard([&] {
      inserted = !tx_.exec_params(
                         "INSERT INTO registry.revocations (jti, revoked_at,"
                         " expires_at, reason, revoked_by, request_id) VALUES"
                         " ($1, to_timestamp($2::double precision / 1000000),"
                         " to_timestamp($3::double precision / 1000000), $4,"
                         " $5, $6) ON CONFLICT DO NOTHING RETURNING 1",
                         t.jti, absl::ToUnixMicros(revoked_at),
                         absl::ToUnixMicros(t.expires_at), std::string(reason),
                         actor.subject, std::string(request_id))
                      .empty();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return inserted;
  }

  absl::Status AppendEvent(const DomainEvent& event) override {
    return Guard([&] {
      events::AppendEvent(tx_, kSchema,
                          {.event_type = event.type,
                           .aggregate_id = event.aggregate_id,
                           .payload = event.payload});
      return absl::OkStatus();
    });
  }

  absl::Status AppendAudit(const Principal& actor,
                           const AuditEntry& entry) override {
    return Guard([&] {
      events::AppendAudit(tx_, kSchema,
                          {.actor = actor.subject,
                           .on_behalf_of = actor.on_behalf_of,
                           .role = actor.role,
                           .action = entry.action,
                           .target_id = entry.target_id,
                           .request_id = entry.request_id,
                           .recorded_at = clock_.Now()});
      return absl::OkStatus();
    });
  }

  absl::StatusOr<Person> LoadPerson(absl::string_view person_id) override {
    return Guard([&]() -> absl::StatusOr<Person> {
      absl::StatusOr<Person> out;
      out = Load(tx_, person_id);
      return out;
    });
  }

 private:
  absl::Status Reindex(const MatchRecord& record, int delta) {
    return Guard([&] {
      const std::vector<std::string> blocks = BlockKeys(record);
      // Counted once per filing: a person already filed is not counted
      // again (the sweep may index a person twice), one not filed is not
      // taken back.
      pqxx::result changed;
      if (delta > 0) {
        changed = tx_.exec_params(
            "INSERT INTO registry.person_blocks (block, person_id)"
            " SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING RETURNING 1",
            ArrayLiteral(blocks), record.id);
      } else {
        changed = tx_.exec_params(
            "DELETE FROM registry.person_blocks WHERE person_id = $1"
            " RETURNING 1",
            record.id);
      }
      if (changed.empty()) return absl::OkStatus();
      tx_.exec_params(
          "INSERT INTO registry.name_token_counts (token, shard, people)"
          " SELECT t, $2, $3 FROM unnest($1::text[]) WITH ORDINALITY AS u (t, n)"
          " ORDER BY n"
          " ON CONFLICT (token, shard) DO UPDATE"
          " SET people = registry.name_token_counts.people + $3",
          ArrayLiteral(CountedTokens(record)), CountShard(record.id), delta);
      return absl::OkStatus();
    });
  }

  pqxx::transaction_base& tx_;
  const Clock& clock_;
  const pg::IdempotencyStore idempotency_{kSchema};
};

}  // namespace

std::vector<pg::MigrationSet> RegistryMigrationSets() {
  return {units::UnitsMigrationSet(),
          pg::CommonMigrationSet(std::string(kSchema)),
          pg::MigrationSet{std::string(kSchema), "registry",
                           RegistryMigrations()}};
}

absl::Status PgRegistryStore::InTransaction(
    const std::function<absl::Status(RegistryTx&)>& body) {
  return pg::RunInTransaction(pool_, [&](pqxx::transaction_base& tx) {
    PgRegistryTx registry_tx(tx, clock_);
    return body(registry_tx);
  });
}

absl::Status PgRegistryStore::Read(
    const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  absl::StatusOr<pg::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  absl::Status s = Guard([&] {
    pqxx::read_transaction tx(lease->conn());
    return fn(tx);
  });
  if (pg::IsConnectionError(s)) lease->MarkBroken();
  return s;
}

absl::StatusOr<std::vector<std::pair<PersonState, int64_t>>>
PgRegistryStore::CountByState(absl::string_view home_commune_code) {
  std::vector<std::pair<PersonState, int64_t>> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(
             "SELECT state, count(*) FROM registry.persons"
             " WHERE home_commune_code = $1 GROUP BY state ORDER BY state",
             std::string(home_commune_code))) {
      out.emplace_back(static_cast<PersonState>(row[0].as<int>()),
                       row[1].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ReviewRow>> PgRegistryStore::FindReviews(
    const std::vector<std::string>& home_communes, absl::string_view after_id,
    int limit) {
  std::vector<ReviewRow> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_params(
             absl::StrCat("SELECT ", kReviewColumns,
                          " FROM registry.reviews WHERE state = 'OPEN' AND"
                          " home_commune_code = ANY($1::text[]) AND ($2 = ''"
                          " OR review_id > $2::uuid) ORDER BY review_id"
                          " LIMIT $3"),
             ArrayLiteral(home_communes), std::string(after_id), limit)) {
      out.push_back(ReadReview(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> PgRegistryStore::RecentPeople(
    absl::Time since, absl::string_view after_id, int limit) {
  std::vector<std::string> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_params(
             "SELECT person_id FROM registry.persons WHERE created_at >="
             " to_timestamp($1::double precision / 1000000) AND state <> $2"
             " AND ($4 = '' OR person_id > $4::uuid)"
             " ORDER BY person_id LIMIT $3",
             absl::ToUnixMicros(since), static_cast<int>(PersonState::kMerged),
             limit, std::string(after_id))) {
      out.push_back(Text(r[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> PgRegistryStore::UnindexedPeople(
    int limit) {
  std::vector<std::string> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_params(
             "SELECT p.person_id FROM registry.persons p WHERE NOT EXISTS"
             " (SELECT 1 FROM registry.person_blocks b WHERE b.person_id ="
             " p.person_id) ORDER BY p.person_id LIMIT $1",
             limit)) {
      out.push_back(Text(r[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<MatchRecord>> PgRegistryStore::MatchRecordsAfter(
    absl::string_view after_id, int limit) {
  std::vector<MatchRecord> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_params(
             absl::StrCat(kMatchSelect, " FROM registry.persons p",
                          " WHERE ($1 = '' OR p.person_id > $1::uuid) ORDER BY"
                          " p.person_id LIMIT $2"),
             std::string(after_id), limit)) {
      out.push_back(ReadMatchRecord(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<MatchRecord>> PgRegistryStore::MatchRecordsOf(
    const std::vector<std::string>& ids) {
  std::vector<MatchRecord> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    out = MatchRecordsOfIds(tx, ids);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> PgRegistryStore::CacheEpoch() {
  std::string epoch;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    epoch = Text(tx.exec1("SELECT epoch FROM registry.cache_epoch")[0]);
    return absl::OkStatus();
  }));
  return epoch;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
PgRegistryStore::LinkedDocumentKeys(absl::string_view after_key, int limit) {
  std::vector<std::pair<std::string, std::string>> out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(
             "SELECT doc_key, person_id FROM registry.documents"
             " WHERE linked AND doc_key IS NOT NULL AND doc_key > $1"
             " ORDER BY doc_key LIMIT $2",
             std::string(after_key), limit)) {
      out.emplace_back(Text(row[0]), Text(row[1]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
PgRegistryStore::DocumentKeysOf(const std::vector<std::string>& person_ids) {
  std::vector<std::pair<std::string, std::string>> out;
  if (person_ids.empty()) return out;
  RELIEF_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_params(
             "SELECT doc_key, person_id FROM registry.documents"
             " WHERE linked AND doc_key IS NOT NULL"
             " AND person_id = ANY($1::uuid[])",
             ArrayLiteral(person_ids))) {
      out.emplace_back(Text(row[0]), Text(row[1]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<RevocationRow>> PgRegistryStore::ListRevocations(
    int64_t after_position, int limit) {
  absl::StatusOr<pg::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<RevocationRow> out;
  absl::Status s = Guard([&] {
    pqxx::read_transaction tx(lease->conn());
    for (const auto& row : tx.exec_params(
             "SELECT o.position, r.jti,"
             " (extract(epoch FROM r.expires_at) * 1000000)::bigint"
             " FROM registry.outbox o JOIN registry.revocations r"
             " ON r.jti = o.aggregate_id"
             " WHERE o.event_type = 'relief.auth.TokenRevoked'"
             " AND o.position > $1 ORDER BY o.position LIMIT $2",
             after_position, limit)) {
      out.push_back({.jti = Text(row[1]),
                     .expires_at = absl::FromUnixMicros(row[2].as<int64_t>()),
                     .position = row[0].as<int64_t>()});
    }
    return absl::OkStatus();
  });
  if (pg::IsConnectionError(s)) lease->MarkBroken();
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<Person>> PgRegistryStore::FindPeople(
    const PeopleQuery& q) {
  using Kind = PeopleQuery::Kind;
  // One statement per kind; every one filters by the optional commune list
  // ($2) and pages by key ($3, $4), ordered by that key.
  std::string where;
  std::string order = "p.person_id";
  // ($4 is the second key part, used by name searches only.)
  std::string after_cond =
      "($3 = '' OR p.person_id > $3::uuid) AND $4::text IS NULL";
  switch (q.kind) {
    case Kind::kDocumentKeys:
      where =
          "p.person_id IN (SELECT person_id FROM registry.documents"
          " WHERE linked AND doc_key = ANY($1::text[]))";
      break;
    case Kind::kPhone:
      where = "p.phone = ($1::text[])[1]";
      break;
    case Kind::kNamePrefix:
      // LIKE with text_pattern_ops: the prefix is matched literally.
      where =
          "p.name_key LIKE replace(replace(replace(($1::text[])[1], '\\',"
          " '\\\\'), '%', '\\%'), '_', '\\_') || '%'";
      order = "p.name_key, p.person_id";
      after_cond = "($3 = '' OR (p.name_key, p.person_id) > ($3, $4::uuid))";
      break;
    case Kind::kHomeCommune:
      where = "p.home_commune_code = ($1::text[])[1]";
      break;
    case Kind::kHostProvince:
      where = "p.host_province_code = ($1::text[])[1]";
      break;
  }
  const std::string sql = absl::StrCat(
      "SELECT p.person_id FROM registry.persons p WHERE ", where,
      " AND (cardinality($2::text[]) = 0 OR p.home_commune_code = ANY($2))",
      " AND ($6 = '' OR p.partner_id = $6)",
      " AND ($7 = 0 OR p.state = $7)",
      " AND ", after_cond, " ORDER BY ", order, " LIMIT $5");
  std::string after1, after2;
  if (q.kind == Kind::kNamePrefix && q.after.size() == 2) {
    after1 = q.after[0];
    after2 = q.after[1];
  } else if (q.after.size() == 1) {
    after1 = q.after[0];
  }
  absl::StatusOr<pg::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<Person> out;
  absl::Status s = Guard([&]() -> absl::Status {
    pqxx::read_transaction tx(lease->conn());
    pqxx::result ids = tx.exec_params(
        sql, ArrayLiteral(q.values), ArrayLiteral(q.home_communes), after1,
        after2.empty() ? std::optional<std::string>() : after2, q.limit,
        q.partner_id, static_cast<int>(q.state));
    for (const auto& row : ids) {
      RELIEF_ASSIGN_OR_RETURN(Person p, Load(tx, row[0].c_str()));
      out.push_back(std::move(p));
    }
    return absl::OkStatus();
  });
  if (pg::IsConnectionError(s)) lease->MarkBroken();
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<Person> PgRegistryStore::GetPerson(absl::string_view person_id) {
  absl::StatusOr<pg::Pool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  absl::StatusOr<Person> out;
  absl::Status s = Guard([&] {
    pqxx::read_transaction tx(lease->conn());
    out = Load(tx, person_id);
    return absl::OkStatus();
  });
  if (pg::IsConnectionError(s)) lease->MarkBroken();
  if (!s.ok()) return s;
  return out;
}

}  // namespace relief::registry

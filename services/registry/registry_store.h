// Ports of the registry manager: the system of record (Postgres) and the
// document cache (Redis). Adapters: pg_registry_store, redis_document_cache.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_STORE_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/principal.h"
#include "services/registry/duplicates.h"
#include "services/registry/person.h"

namespace relief::registry {

struct RequestKey {
  std::string method;
  std::string principal;
  std::string request_id;
};

// What a registration writes besides the person.
struct ReviewItem {
  std::string review_id;
  // DOCUMENT_CONFLICT (documents of two people) or POSSIBLE_DUPLICATE (the
  // fuzzy pass: `scores` in bits, one per candidate).
  std::string kind = "DOCUMENT_CONFLICT";
  std::vector<double> scores;
  std::string person_id;
  std::vector<std::string> candidate_ids;
  std::vector<std::string> doc_keys;
  std::string home_commune_code;
};

// A review item as stored.
struct ReviewRow {
  std::string review_id;
  std::string kind;  // DOCUMENT_CONFLICT or POSSIBLE_DUPLICATE
  bool open = true;
  std::string person_id;
  std::vector<std::string> candidate_ids;
  std::vector<double> scores;  // POSSIBLE_DUPLICATE: one per candidate
  std::vector<std::string> doc_keys;
  std::string home_commune_code;
  absl::Time created_at;
  std::string decision;  // SAME, DISTINCT, MOOT; empty while open
  std::string same_as;
};

// Provenance of a SAME decision (registry.merges).
struct MergeRecord {
  std::string merge_id;
  std::string merged_id;
  std::string survivor_id;
  std::string review_id;
  PersonState state_before = PersonState::kUnspecified;
};

// An event for the outbox (ids and codes only).
struct DomainEvent {
  std::string type;          // e.g. "relief.registry.PersonRegistered"
  std::string aggregate_id;  // the person id
  std::string payload;       // serialized proto named by `type`
};

// An audit row: who did what to which id (ids and codes only).
struct AuditEntry {
  std::string action;     // e.g. "person.register", "person.read"
  std::string target_id;  // a person id, or a query label
  std::string request_id;
};

// A read of people, paged by key.
struct PeopleQuery {
  enum class Kind { kDocumentKeys, kPhone, kNamePrefix, kHomeCommune, kHostProvince };
  Kind kind = Kind::kHomeCommune;
  // Document keys (kDocumentKeys); or one value: an E.164 phone, a name
  // match-key prefix, a commune or province code.
  std::vector<std::string> values;
  // Restrict to these home communes (a scoped caller); empty: no limit.
  std::vector<std::string> home_communes;
  // Restrict to records this partner sent; empty: no limit.
  std::string partner_id;
  // Restrict to this state; kUnspecified: any.
  PersonState state = PersonState::kUnspecified;
  // Keyset: the sort key of the previous page's last row (empty: start).
  // Sort key: (name_key, person_id) for names, (person_id) otherwise.
  std::vector<std::string> after;
  int limit = 50;
};

// A token the Tokens service issued (never the token text).
struct IssuedToken {
  std::string jti;
  std::string subject;
  std::string role;
  std::string scope;
  std::string kid;
  absl::Time issued_at;
  absl::Time expires_at;
};

struct RevocationRow {
  std::string jti;
  absl::Time expires_at;
  int64_t position = 0;
};

// One transaction on the system of record. Every change of one command goes
// through one RegistryTx, with its event and audit rows, so it commits or
// vanishes whole. Methods return UNAVAILABLE / ABORTED /
// DEADLINE_EXCEEDED / INTERNAL for database failures; after any error the
// transaction is rolled back by the store.
class RegistryTx {
 public:
  virtual ~RegistryTx() = default;

  // Idempotency (DESIGN.md §3): nullopt when the key is new, else the
  // stored answer; ALREADY_EXISTS when the key was used with another hash.
  virtual absl::StatusOr<std::optional<std::string>> ClaimRequest(
      const RequestKey& key, absl::string_view request_hash) = 0;
  virtual absl::Status CompleteRequest(const RequestKey& key,
                                       absl::string_view answer) = 0;

  // Serialises transactions that may create the same document keys.
  virtual absl::Status LockDocumentKeys(const std::vector<std::string>& keys) = 0;
  // Owner of each linked key among `keys` (absent keys are unknown).
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
  FindDocumentOwners(const std::vector<std::string>& keys) = 0;
  // The person registered by `partner_id` under `external_ref`, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindByPartnerRef(
      absl::string_view partner_id, absl::string_view external_ref) = 0;

  // Inserts `person` with its documents and relatives. A linked document
  // key taken meanwhile returns ABORTED (RaceLost: the store retries).
  virtual absl::Status InsertPerson(const Person& person,
                                    const Principal& actor,
                                    absl::string_view request_id) = 0;
  // Adds documents to an existing person (already-known ones are skipped).
  virtual absl::Status AddDocuments(absl::string_view person_id,
                                    const std::vector<Document>& documents,
                                    absl::string_view request_id) = 0;
  virtual absl::Status InsertReview(const ReviewItem& review,
                                    const Principal& actor,
                                    absl::string_view request_id) = 0;
  // NOT_FOUND when there is no such person.
  virtual absl::StatusOr<Person> LoadPerson(absl::string_view person_id) = 0;

  // Reads a person and locks the row until the transaction ends (callers
  // lock several in ascending id order). NOT_FOUND when absent.
  virtual absl::StatusOr<Person> LockPerson(absl::string_view person_id) = 0;
  // Moves the person from `from` to `to` and records who, when and why.
  virtual absl::Status ChangeState(absl::string_view person_id,
                                   PersonState from, PersonState to,
                                   const Principal& actor,
                                   absl::string_view reason,
                                   absl::string_view case_id,
                                   absl::string_view request_id,
                                   absl::Time at) = 0;
  // The fuzzy duplicate pass (duplicates.h). Serialises transactions whose
  // records share a blocking key (advisory locks, taken in sorted order).
  virtual absl::Status LockBlocks(const std::vector<std::string>& blocks) = 0;
  // People filed under any of `blocks`, at most `limit`.
  virtual absl::StatusOr<std::vector<MatchRecord>> FindCandidates(
      const std::vector<std::string>& blocks, int limit) = 0;
  // People counts of `tokens` (and of everyone).
  virtual absl::StatusOr<TokenStats> LoadTokenStats(
      const std::vector<std::string>& tokens) = 0;
  // Files the person under its blocking keys and counts its name tokens;
  // Unindex undoes exactly that (before a correction re-files it).
  virtual absl::Status IndexPerson(const MatchRecord& record) = 0;
  virtual absl::Status UnindexPerson(const MatchRecord& record) = 0;
  // id -> the person it was finally merged into (itself when not merged),
  // for each of `ids` that exists.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
  FinalSurvivors(const std::vector<std::string>& ids) = 0;
  // The match records of `ids` that exist (a cache hint, confirmed).
  virtual absl::StatusOr<std::vector<MatchRecord>> MatchRecordsOf(
      const std::vector<std::string>& ids) = 0;
  // True when the relatives of `person_id` were corrected after the merge
  // `merge_id` (their ordinals changed).
  virtual absl::StatusOr<bool> RelativesCorrectedSince(
      absl::string_view person_id, absl::string_view merge_id) = 0;
  // People sharing an open review item with `person_id` (either side).
  virtual absl::StatusOr<std::vector<std::string>> UnderReviewWith(
      absl::string_view person_id) = 0;
  // People decided DISTINCT from `person_id`.
  virtual absl::StatusOr<std::vector<std::string>> DistinctFrom(
      absl::string_view person_id) = 0;

  // The review queue. LockReview: NOT_FOUND when absent.
  virtual absl::StatusOr<ReviewRow> LockReview(absl::string_view review_id) = 0;
  virtual absl::Status CloseReview(absl::string_view review_id,
                                   absl::string_view decision,
                                   absl::string_view same_as,
                                   const Principal& actor,
                                   absl::string_view reason,
                                   absl::string_view request_id,
                                   absl::Time at) = 0;
  // Remembers that `a` and `b` are two people (never flagged again).
  virtual absl::Status RememberDistinct(absl::string_view a,
                                        absl::string_view b,
                                        const Principal& actor,
                                        absl::string_view review_id,
                                        absl::Time at) = 0;
  // Merges `merged` into `survivor` (both locked by the caller): history,
  // documents the survivor lacks, relatives and open review items move;
  // `merged` becomes MERGED pointing at `survivor`; provenance is stored
  // under `merge.merge_id`. Returns the review items the move made moot
  // (closed: about one person only).
  virtual absl::StatusOr<std::vector<std::string>> MergeInto(
      const MergeRecord& merge, const Principal& actor,
      absl::string_view reason, absl::string_view request_id,
      absl::Time at) = 0;
  // The latest merge of `merged_id` not yet undone.
  virtual absl::StatusOr<std::optional<MergeRecord>> LastMerge(
      absl::string_view merged_id) = 0;
  // Puts back what `merge` moved and restores the state before it.
  virtual absl::Status UndoMerge(const MergeRecord& merge,
                                 const Principal& actor,
                                 absl::string_view reason,
                                 absl::string_view request_id,
                                 absl::Time at) = 0;
  // Every id whose merge chain ends at `person_id` (not itself).
  virtual absl::StatusOr<std::vector<std::string>> MergedInto(
      absl::string_view person_id) = 0;
  // Writes the corrected fields of `after` (same id as `before`) and keeps
  // `before_proto` (the record before, serialized) with who, when and why.
  virtual absl::Status UpdatePerson(const Person& after,
                                    const std::vector<std::string>& fields,
                                    absl::string_view before_proto,
                                    const Principal& actor,
                                    absl::string_view reason,
                                    absl::string_view request_id,
                                    absl::Time at) = 0;

  // True when an open review item involves the person.
  virtual absl::StatusOr<bool> HasOpenReview(absl::string_view person_id) = 0;

  // Tokens (the Tokens service lives in the registry's schema).
  virtual absl::Status InsertIssuedToken(const IssuedToken& token,
                                         const Principal& actor,
                                         absl::string_view request_id) = 0;
  virtual absl::StatusOr<std::optional<IssuedToken>> FindIssuedToken(
      absl::string_view jti) = 0;
  // False when the token was already revoked.
  virtual absl::StatusOr<bool> InsertRevocation(
      const IssuedToken& token, absl::Time revoked_at, absl::string_view reason,
      const Principal& actor, absl::string_view request_id) = 0;

  // Outbox and audit rows, written in this transaction (the sequencer
  // numbers them after commit).
  virtual absl::Status AppendEvent(const DomainEvent& event) = 0;
  virtual absl::Status AppendAudit(const Principal& actor,
                                   const AuditEntry& entry) = 0;
};

// Thread-safe.
class RegistryStore {
 public:
  virtual ~RegistryStore() = default;
  // Runs `body` in one transaction, committing when it returns OK. The body
  // may run more than once (serialization failures, lost races): it must
  // not have effects outside the transaction.
  virtual absl::Status InTransaction(
      const std::function<absl::Status(RegistryTx&)>& body) = 0;
  // Reads one person outside any write. NOT_FOUND when absent.
  virtual absl::StatusOr<Person> GetPerson(absl::string_view person_id) = 0;
  // The cache epoch (schema registry.cache_epoch).
  virtual absl::StatusOr<std::string> CacheEpoch() = 0;
  // Linked document keys and their owners, in key order, after `after_key`,
  // at most `limit` (a cache refill pages through them).
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  LinkedDocumentKeys(absl::string_view after_key, int limit) = 0;
  // Linked document keys of `person_ids` and their owners.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  DocumentKeysOf(const std::vector<std::string>& person_ids) = 0;
  // Revocations numbered after `after_position` (by the sequencer), in
  // position order, at most `limit`.
  virtual absl::StatusOr<std::vector<RevocationRow>> ListRevocations(
      int64_t after_position, int limit) = 0;
  // The sweep's work: people created at or after `since` (not MERGED), and
  // people not yet filed under blocking keys (created before the duplicate
  // pass existed); ids in id order (after `after_id`), at most `limit`.
  virtual absl::StatusOr<std::vector<std::string>> RecentPeople(
      absl::Time since, absl::string_view after_id, int limit) = 0;
  virtual absl::StatusOr<std::vector<std::string>> UnindexedPeople(int limit) = 0;
  // Match records of every person after `after_id` in id order, at most
  // `limit` (a cache refill pages through them); and of `ids`.
  virtual absl::StatusOr<std::vector<MatchRecord>> MatchRecordsAfter(
      absl::string_view after_id, int limit) = 0;
  virtual absl::StatusOr<std::vector<MatchRecord>> MatchRecordsOf(
      const std::vector<std::string>& ids) = 0;
  // How many people of `home_commune_code` are in each state.
  virtual absl::StatusOr<std::vector<std::pair<PersonState, int64_t>>>
  CountByState(absl::string_view home_commune_code) = 0;
  // Open review items about people of `home_communes`, in review id
  // (creation) order after `after_id`.
  virtual absl::StatusOr<std::vector<ReviewRow>> FindReviews(
      const std::vector<std::string>& home_communes, absl::string_view after_id,
      int limit) = 0;
  // Reads people matching `query`, at most query.limit, in key order.
  virtual absl::StatusOr<std::vector<Person>> FindPeople(
      const PeopleQuery& query) = 0;
};

// Document key -> person id, a cache in front of the store. Thread-safe.
// Every answer is a hint to be confirmed in the store. The cache is filled
// from the outbox after commit (DocumentCacheFeeder), never by writers.
class DocumentCache {
 public:
  virtual ~DocumentCache() = default;
  // Cached owners of `keys`; UNAVAILABLE when the cache is down.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>& keys) = 0;
};

// Blocking key -> the people filed under it (their match records), a cache
// in front of registry.person_blocks. Thread-safe. Every answer is a hint:
// the registry confirms a candidate in the store before linking to it, and
// falls back to the locked pass of the store when the hint is not enough.
class CandidateCache {
 public:
  virtual ~CandidateCache() = default;
  // Records filed under any of `blocks`; empty when the cache is empty,
  // flushed or refilling; UNAVAILABLE when it is down.
  virtual absl::StatusOr<std::vector<MatchRecord>> Lookup(
      const std::vector<std::string>& blocks) = 0;
};

// A cache that knows nothing (no Redis configured).
class NoDocumentCache final : public DocumentCache {
 public:
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>&) override {
    return absl::flat_hash_map<std::string, std::string>();
  }
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_STORE_H_

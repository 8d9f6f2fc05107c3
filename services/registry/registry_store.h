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
#include "common/base/principal.h"
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
  std::string person_id;
  std::vector<std::string> candidate_ids;
  std::vector<std::string> doc_keys;
  std::string home_commune_code;
};

// One transaction on the system of record. Every change of one command goes
// through one RegistryTx, so it commits or vanishes whole; [2/8] adds the
// event and audit rows here. Methods return UNAVAILABLE / ABORTED /
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
};

// Document key -> person id, a cache in front of the store. Thread-safe.
// Every answer is a hint to be confirmed in the store.
class DocumentCache {
 public:
  virtual ~DocumentCache() = default;
  // Cached owners of `keys`; UNAVAILABLE when the cache is down.
  virtual absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>& keys) = 0;
  // Records that `keys` belong to `person_id` (after commit). Best effort.
  virtual void Remember(const std::vector<std::string>& keys,
                        absl::string_view person_id) = 0;
};

// A cache that knows nothing (no Redis configured).
class NoDocumentCache final : public DocumentCache {
 public:
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Lookup(
      const std::vector<std::string>&) override {
    return absl::flat_hash_map<std::string, std::string>();
  }
  void Remember(const std::vector<std::string>&, absl::string_view) override {}
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_STORE_H_

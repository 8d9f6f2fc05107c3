// The registry's system of record in Postgres (schema "registry"). The only
// registry files that include libpqxx.
#ifndef RELIEF_SERVICES_REGISTRY_PG_REGISTRY_STORE_H_
#define RELIEF_SERVICES_REGISTRY_PG_REGISTRY_STORE_H_

#include <vector>

#include "common/base/clock.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "pqxx/transaction_base"
#include "services/registry/registry_store.h"

namespace relief::registry {

// Every migration set the registry applies at start, in order: the unit
// table (schema ref), the common tables and the registry's own.
std::vector<pg::MigrationSet> RegistryMigrationSets();

// Thread-safe. `pool` must outlive the store.
class PgRegistryStore final : public RegistryStore {
 public:
  // `clock` stamps audit rows.
  PgRegistryStore(pg::Pool& pool, const Clock& clock)
      : pool_(pool), clock_(clock) {}

  absl::Status InTransaction(
      const std::function<absl::Status(RegistryTx&)>& body) override;
  absl::StatusOr<Person> GetPerson(absl::string_view person_id) override;
  absl::StatusOr<std::vector<Person>> FindPeople(
      const PeopleQuery& query) override;
  absl::StatusOr<std::vector<RevocationRow>> ListRevocations(
      int64_t after_position, int limit) override;
  absl::StatusOr<std::string> CacheEpoch() override;
  absl::StatusOr<std::vector<std::string>> RecentPeople(
      absl::Time since, absl::string_view after_id, int limit) override;
  absl::StatusOr<std::vector<std::string>> UnindexedPeople(int limit) override;
  absl::StatusOr<std::vector<MatchRecord>> MatchRecordsAfter(
      absl::string_view after_id, int limit) override;
  absl::StatusOr<std::vector<MatchRecord>> MatchRecordsOf(
      const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<ReviewRow>> FindReviews(
      const std::vector<std::string>& home_communes, absl::string_view after_id,
      int limit) override;
  absl::StatusOr<std::vector<std::pair<PersonState, int64_t>>> CountByState(
      absl::string_view home_commune_code) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  LinkedDocumentKeys(absl::string_view after_key, int limit) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
  DocumentKeysOf(const std::vector<std::string>& person_ids) override;

 private:
  // Runs `fn(tx)` in a read-only transaction on a pooled connection.
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);

  pg::Pool& pool_;
  const Clock& clock_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_PG_REGISTRY_STORE_H_

// The registry's rules: who is a new person, who is already registered, and
// what a registration stores. No gRPC, libpqxx or hiredis here: the store
// and cache are ports.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/base/clock.h"
#include "common/base/config.h"
#include "common/base/ids.h"
#include "common/base/principal.h"
#include "common/units/unit_catalog.h"
#include "services/registry/person.h"
#include "services/registry/registration.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

inline constexpr absl::string_view kRegisterMethod =
    "relief.registry.v1.Registry/Register";

// Thread-safe. References must outlive the manager.
class RegistryManager {
 public:
  struct Deps {
    RegistryStore& store;
    DocumentCache& cache;
    IdGenerator& ids;
    const Clock& clock;
  };

  RegistryManager(DeploymentConfig config, units::UnitCatalog units, Deps deps);

  // Registers `input` for `actor`, or finds the person already registered
  // (DESIGN.md §4.1). `request_hash` identifies the request body without its
  // request_id (idempotency). Returns the outcome; a retry with the same
  // request_id returns the first answer.
  // Errors: INVALID_ARGUMENT (field violations; nothing stored),
  // ALREADY_EXISTS (request_id reused with another body), UNAVAILABLE,
  // ABORTED (contention persisted), DEADLINE_EXCEEDED.
  absl::StatusOr<RegisterResult> Register(const Principal& actor,
                                          const RegistrationInput& input,
                                          absl::string_view request_hash);

  // INVALID_ARGUMENT for a malformed id, NOT_FOUND when absent.
  absl::StatusOr<Person> GetPerson(const Principal& actor,
                                   absl::string_view person_id);

  const units::UnitCatalog& units() const { return units_; }

 private:
  // The decision inside the transaction; `cached` are cache hints.
  absl::StatusOr<RegisterResult> RegisterInTx(
      RegistryTx& tx, const Principal& actor, const RequestKey& key,
      absl::string_view request_hash, const Registration& reg,
      const absl::flat_hash_map<std::string, std::string>& cached);

  const DeploymentConfig config_;
  const units::UnitCatalog units_;
  Deps deps_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_

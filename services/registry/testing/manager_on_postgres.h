// A RegistryManager on a fresh test database (cloned from the migrated
// template; RELIEF_TEST_PG), with no document cache: for integration tests
// of the registry's rules on real Postgres.
#ifndef RELIEF_SERVICES_REGISTRY_TESTING_MANAGER_ON_POSTGRES_H_
#define RELIEF_SERVICES_REGISTRY_TESTING_MANAGER_ON_POSTGRES_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/base/page_token.h"
#include "common/pg/pool.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/rate_limiter.h"
#include "common/units/pg_units.h"
#include "services/registry/pg_registry_store.h"
#include "services/registry/registry_manager.h"

namespace relief::registry::testing {

struct ManagerOnPostgres {
  std::unique_ptr<pg::testing::TestDatabase> db;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<PgRegistryStore> store;
  NoDocumentCache cache;
  UuidV7Generator ids{SystemClock()};
  PageTokenCodec page_tokens{"test-key"};
  redis::RedisRateLimiter limiter{nullptr, SystemClock(), {.limit = 5}};
  std::unique_ptr<units::UnitCatalog> units;
  std::unique_ptr<RegistryManager> manager;

  static absl::StatusOr<std::unique_ptr<ManagerOnPostgres>> Create(
      MatchConfig match = {}) {
    auto env = std::make_unique<ManagerOnPostgres>();
    auto db = pg::testing::TestDatabase::Create(RegistryMigrationSets());
    if (!db.ok()) return db.status();
    env->db = *std::move(db);
    env->pool = std::make_unique<pg::Pool>(
        pg::PoolOptions{.conninfo = env->db->url(), .size = 8});
    env->store = std::make_unique<PgRegistryStore>(*env->pool, SystemClock());
    auto units = units::LoadUnitCatalog(*env->pool, absl::CivilDay(2021, 8, 15));
    if (!units.ok()) return units.status();
    env->units = std::make_unique<units::UnitCatalog>(*units);
    env->manager = std::make_unique<RegistryManager>(
        DeploymentConfig{}, *std::move(units),
        RegistryManager::Deps{*env->store, env->cache, env->ids, SystemClock(),
                              env->page_tokens, env->limiter},
        match);
    return env;
  }

  int64_t Count(absl::string_view sql) const {
    absl::StatusOr<int64_t> n = db->QueryInt(sql);
    return n.ok() ? *n : -1;
  }
};

}  // namespace relief::registry::testing

#endif  // RELIEF_SERVICES_REGISTRY_TESTING_MANAGER_ON_POSTGRES_H_

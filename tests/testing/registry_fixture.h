// The fixture every end-to-end registry test starts from: a fresh test
// database migrated for the registry, and the run's Redis. Both are required:
// without them the test fails, it never skips.
#ifndef RELIEF_TESTS_TESTING_REGISTRY_FIXTURE_H_
#define RELIEF_TESTS_TESTING_REGISTRY_FIXTURE_H_

#include <memory>
#include <string>

#include "common/pg/testing/test_database.h"
#include "common/redis/testing/redis_server.h"
#include "gtest/gtest.h"
#include "services/registry/pg_registry_store.h"

namespace relief::testing {

class RegistryDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db =
        pg::testing::TestDatabase::Create(registry::RegistryMigrationSets());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto redis = redis::testing::TestRedisAddress();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_address_ = *redis;
  }

  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::string redis_address_;
};

}  // namespace relief::testing

#endif  // RELIEF_TESTS_TESTING_REGISTRY_FIXTURE_H_

#include "common/pg/testing/test_database.h"

#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/pg/pool.h"
#include "pqxx/pqxx"
#include "pqxx/connection"
#include "pqxx/nontransaction"

namespace relief::pg::testing {

absl::StatusOr<std::string> AdminUrl() {
  const char* url = std::getenv("RELIEF_TEST_PG");
  if (url == nullptr || *url == '\0') {
    return absl::FailedPreconditionError(
        "RELIEF_TEST_PG is not set: integration tests need a real Postgres. "
        "Run them with tests/run, which starts one.");
  }
  return std::string(url);
}

std::string WithDatabase(absl::string_view url, absl::string_view database) {
  const size_t scheme = url.find("://");
  const size_t slash =
      url.find('/', scheme == absl::string_view::npos ? 0 : scheme + 3);
  absl::string_view base =
      slash == absl::string_view::npos ? url : url.substr(0, slash);
  return absl::StrCat(base, "/", database);
}

TestDatabase::TestDatabase(std::string admin_url, std::string name)
    : admin_url_(std::move(admin_url)),
      name_(std::move(name)),
      url_(WithDatabase(admin_url_, name_)) {}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(
    const std::vector<MigrationSet>& sets) {
  absl::StatusOr<std::string> admin_url = AdminUrl();
  if (!admin_url.ok()) return admin_url.status();
  const std::string tpl =
      absl::StrCat("test_tpl_", MigrationsFingerprint(sets).substr(0, 16));
  absl::BitGen gen;
  const std::string name =
      absl::StrFormat("test_%016x", absl::Uniform<uint64_t>(gen));
  try {
    pqxx::connection admin(*admin_url);
    auto exec = [&](const std::string& sql) {
      pqxx::nontransaction tx(admin);
      pqxx::result r = tx.exec(sql);
      tx.commit();
      return r;
    };
    exec("SELECT pg_advisory_lock(hashtext('relief.test_template'))");
    if (exec(absl::StrCat("SELECT 1 FROM pg_database WHERE datname = '", tpl,
                          "'"))
            .empty()) {
      const std::string building = absl::StrCat(tpl, "_building");
      exec(absl::StrCat("DROP DATABASE IF EXISTS ", building, " WITH (FORCE)"));
      exec(absl::StrCat("CREATE DATABASE ", building,
                        " TEMPLATE template0 ENCODING 'UTF8'"));
      {
        Pool pool(PoolOptions{.conninfo = WithDatabase(*admin_url, building),
                              .size = 1});
        absl::Status migrated = ApplyMigrations(pool, sets);
        if (!migrated.ok()) {
          exec("SELECT pg_advisory_unlock(hashtext('relief.test_template'))");
          return migrated;
        }
      }
      exec(absl::StrCat("ALTER DATABASE ", building, " RENAME TO ", tpl));
    }
    exec(absl::StrCat("CREATE DATABASE ", name, " TEMPLATE ", tpl));
    exec("SELECT pg_advisory_unlock(hashtext('relief.test_template'))");
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("test database setup failed (is the Postgres of "
                     "RELIEF_TEST_PG running?): ",
                     e.what()));
  }
  return std::unique_ptr<TestDatabase>(new TestDatabase(*admin_url, name));
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"));
  } catch (const std::exception&) {
    // The cluster is thrown away at the end of the run anyway.
  }
}

absl::StatusOr<int64_t> TestDatabase::QueryInt(absl::string_view sql) const {
  try {
    pqxx::connection conn(url_);
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec(std::string(sql));
    if (r.empty() || r[0][0].is_null()) {
      return absl::NotFoundError("query returned no value");
    }
    return r[0][0].as<int64_t>();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

absl::Status TestDatabase::Exec(absl::string_view sql) const {
  try {
    pqxx::connection conn(url_);
    pqxx::nontransaction tx(conn);
    tx.exec(std::string(sql));
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

}  // namespace relief::pg::testing

// Throwaway databases for integration tests, cloned from a template that is
// migrated once per set of migrations. The cluster comes from the
// environment variable RELIEF_TEST_PG (a URL to its maintenance database as
// a superuser), which tests/run sets. There is no fallback: without it, or
// with the server down, Create() fails and so does the test.
#ifndef RELIEF_COMMON_PG_TESTING_TEST_DATABASE_H_
#define RELIEF_COMMON_PG_TESTING_TEST_DATABASE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/migrate.h"

namespace relief::pg::testing {

// RELIEF_TEST_PG, or FAILED_PRECONDITION explaining how to run the tests.
absl::StatusOr<std::string> AdminUrl();

// `url` with its database replaced by `database`.
std::string WithDatabase(absl::string_view url, absl::string_view database);

class TestDatabase {
 public:
  // Creates "test_<random>" from the template for `sets` (built on first
  // use, under an advisory lock, so parallel tests share one build).
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(
      const std::vector<MigrationSet>& sets);
  // Drops the database, forcing out leftover sessions.
  ~TestDatabase();

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

  // Runs `sql` and returns the first column of the first row as int64
  // (e.g. "SELECT count(*) FROM registry.persons").
  absl::StatusOr<int64_t> QueryInt(absl::string_view sql) const;
  // Runs `sql` for its effect.
  absl::Status Exec(absl::string_view sql) const;

 private:
  TestDatabase(std::string admin_url, std::string name);
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace relief::pg::testing

#endif  // RELIEF_COMMON_PG_TESTING_TEST_DATABASE_H_

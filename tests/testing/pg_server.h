// A private Postgres cluster for tests that disturb the database.

#ifndef RELIEF_TESTS_TESTING_PG_SERVER_H_
#define RELIEF_TESTS_TESTING_PG_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace relief::testing {

// A Postgres cluster of the test's own, for fault tests: tests that stop,
// restart or crash the database under a service. Tests that only need a
// database use the shared server named by RELIEF_TEST_PG instead.
//
// The cluster lives in a fresh folder (mode 0755) under $RELIEF_TEST_TMPDIR
// (set by tests/run, which also stops clusters a killed test leaves behind),
// or under /tmp when that is unset. It listens on 127.0.0.1 on a free port,
// trusts every connection, and its superuser is "postgres". It runs with
// fsync=off: data survive a Stop() (a clean shutdown), not a machine crash.
//
// Starting and stopping go through deploy/local/lib.sh (relief_pg_start,
// relief_pg_stop, relief_free_port), the same code deploy/local/up and
// tests/run use; the path comes from the compile definition
// RELIEF_SOURCE_DIR. So it needs what they need: the postgresql package, and
// root (initdb then runs as the postgres user through runuser) or a user
// that may run initdb itself. Each call blocks until the server is up or
// down: about 1 s for Start() (initdb), 0.2 s for Restart().
//
// Thread-compatible: calls on one object must not overlap.
class PostgresServerProcess {
 public:
  // Creates a new cluster and starts it. INTERNAL, with the script's output,
  // when it cannot be started; nothing is left behind then.
  static absl::StatusOr<std::unique_ptr<PostgresServerProcess>> Start();

  PostgresServerProcess(const PostgresServerProcess&) = delete;
  PostgresServerProcess& operator=(const PostgresServerProcess&) = delete;

  // Stops the server at once (no clean shutdown) and deletes its folder.
  ~PostgresServerProcess();

  // Stops the server: clients are disconnected and their transactions
  // rolled back ("fast" shutdown); returns when it is down. OK when it is
  // already stopped. INTERNAL when pg_ctl fails.
  absl::Status Stop();

  // Stops the server when it runs, then starts it again on the same port
  // with the same data; returns when it accepts connections. INTERNAL when
  // it cannot start (e.g. another process took the port meanwhile).
  absl::Status Restart();

  // Stops the server as a crash would ("immediate": no checkpoint; the next
  // start runs crash recovery). OK when it is already stopped.
  absl::Status Kill();

  // The TCP port on 127.0.0.1.
  int port() const { return port_; }

  // "postgresql://postgres@127.0.0.1:PORT/postgres": the superuser, database
  // "postgres".
  std::string admin_url() const;

  // "postgresql://USER@127.0.0.1:PORT/DATABASE".
  std::string url(const std::string& database,
                  const std::string& user = "postgres") const;

  // The cluster's folder: data/ and the server log `log`.
  const std::string& dir() const { return dir_; }

 private:
  PostgresServerProcess(std::string dir, int port);

  // Runs `relief_pg_stop dir_ mode`.
  absl::Status StopWithMode(const char* mode);

  std::string dir_;
  int port_;
};

}  // namespace relief::testing

#endif  // RELIEF_TESTS_TESTING_PG_SERVER_H_

// relief-registry: flags/env -> options -> wire objects -> serve.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/base/config.h"
#include "common/base/failpoint.h"
#include "common/base/logging.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/redis_client.h"
#include "common/server/auth.h"
#include "common/server/server_runner.h"
#include "common/units/pg_units.h"
#include "services/registry/pg_registry_store.h"
#include "services/registry/redis_document_cache.h"
#include "services/registry/registry_grpc_service.h"
#include "services/registry/registry_manager.h"
#include "spdlog/spdlog.h"

namespace relief::registry {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:50051";
  std::string pg;
  std::string redis;
  std::string home_province = "26";
  std::string reference_date = "2021-08-15";
  std::string failpoints;
  std::string log_level = "info";
  int pool_size = 16;
  int health_interval_ms = 1000;
  std::string port_file;
};

int Run(const Flags& flags) {
  InitLogging("registry", flags.log_level);
  if (absl::Status s = failpoint::Configure(flags.failpoints); !s.ok()) {
    spdlog::error("event=bad_flag flag=--failpoints error=\"{}\"", s.message());
    return 2;
  }
  absl::StatusOr<absl::CivilDay> reference_date =
      ParseIsoDay(flags.reference_date);
  if (!reference_date.ok()) {
    spdlog::error("event=bad_flag flag=--reference-date error=\"{}\"",
                  reference_date.status().message());
    return 2;
  }
  const DeploymentConfig config{.home_province_code = flags.home_province,
                                .reference_date = *reference_date};

  pg::Pool pool(pg::PoolOptions{.conninfo = flags.pg,
                                .size = flags.pool_size,
                                .application_name = "relief-registry"});
  std::unique_ptr<redis::RedisClient> redis_client;
  std::unique_ptr<DocumentCache> cache;
  if (flags.redis.empty()) {
    spdlog::warn("event=no_redis msg=\"running without a cache\"");
    cache = std::make_unique<NoDocumentCache>();
  } else {
    absl::StatusOr<redis::RedisOptions> options =
        redis::ParseRedisAddress(flags.redis);
    if (!options.ok()) {
      spdlog::error("event=bad_flag flag=--redis error=\"{}\"",
                    options.status().message());
      return 2;
    }
    options->key_prefix = "relief:registry:";
    redis_client = redis::RedisClient::Create(*options);
    cache = std::make_unique<RedisDocumentCache>(*redis_client);
  }

  TrustingAuthenticator auth;
  RegistryGrpcService service(auth);
  ServerRunner runner(ServerOptions{.listen = flags.listen,
                                    .service_name = "relief.registry.v1.Registry"});
  runner.AddService(&service);
  if (absl::Status s = runner.Start(); !s.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", s.message());
    return 1;
  }
  if (!flags.port_file.empty()) {
    // Written whole, then renamed: a reader never sees a partial number.
    const std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << runner.port() << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }

  PgRegistryStore store(pool);
  UuidV7Generator ids(SystemClock());
  std::unique_ptr<RegistryManager> manager;
  std::atomic<int> exit_code{0};
  absl::Notification stopping;
  // Migrations and readiness run beside the server: health stays
  // NOT_SERVING until Postgres is reachable and migrated.
  std::thread startup([&] {
    const auto retry = absl::Seconds(1);
    while (!stopping.HasBeenNotified()) {
      absl::Status s = failpoint::Hit("registry.before_migrations");
      if (s.ok()) s = pg::ApplyMigrations(pool, RegistryMigrationSets());
      absl::StatusOr<units::UnitCatalog> catalog;
      if (s.ok()) {
        catalog = units::LoadUnitCatalog(pool, config.reference_date);
        s = catalog.status();
      }
      if (s.ok()) {
        const units::Unit* home = catalog->Find(config.home_province_code);
        if (home == nullptr || home->level != units::Level::kProvince) {
          spdlog::error("event=bad_config home_province={} msg=\"not a "
                        "province on {}\"",
                        config.home_province_code,
                        absl::FormatCivilTime(config.reference_date));
          exit_code = 2;
          runner.Stop();
          return;
        }
        manager = std::make_unique<RegistryManager>(
            config, *std::move(catalog),
            RegistryManager::Deps{store, *cache, ids, SystemClock()});
        service.SetManager(manager.get());
        spdlog::info("event=ready home_province={} reference_date={}",
                     config.home_province_code,
                     absl::FormatCivilTime(config.reference_date));
        break;
      }
      if (s.code() == absl::StatusCode::kFailedPrecondition) {
        spdlog::error("event=migrations_refused error=\"{}\"", s.message());
        exit_code = 2;
        runner.Stop();
        return;
      }
      spdlog::warn("event=waiting_for_postgres error=\"{}\"", s.message());
      stopping.WaitForNotificationWithTimeout(retry);
    }
    if (stopping.HasBeenNotified()) return;
    HealthPoller poller(
        [&] { return pool.Ping(); },
        [&](const absl::Status& s) {
          if (!s.ok()) {
            spdlog::warn("event=postgres_down error=\"{}\"", s.message());
          }
          runner.SetServing(s.ok());
        },
        absl::Milliseconds(flags.health_interval_ms));
    stopping.WaitForNotification();
  });

  runner.Wait();
  stopping.Notify();
  startup.join();
  return exit_code;
}

}  // namespace
}  // namespace relief::registry

int main(int argc, char** argv) {
  relief::BlockShutdownSignals();
  relief::registry::Flags flags;
  CLI::App app{"Relief registry: citizens registered exactly once."};
  app.add_option("--listen", flags.listen, "host:port to serve gRPC on")
      ->envname("RELIEF_LISTEN")
      ->capture_default_str();
  app.add_option("--pg", flags.pg, "Postgres URL (libpq) of the registry role")
      ->envname("RELIEF_PG")
      ->required();
  app.add_option("--redis", flags.redis, "host:port of Redis (empty: no cache)")
      ->envname("RELIEF_REDIS");
  app.add_option("--home-province", flags.home_province,
                 "GSO code of the home province")
      ->envname("RELIEF_HOME_PROVINCE")
      ->capture_default_str();
  app.add_option("--reference-date", flags.reference_date,
                 "YYYY-MM-DD: administrative units are resolved as of this day")
      ->envname("RELIEF_REFERENCE_DATE")
      ->capture_default_str();
  app.add_option("--failpoints", flags.failpoints,
                 "name=action;... (tests only: sleep(MS), error, kill)")
      ->envname("RELIEF_FAILPOINTS");
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error")
      ->envname("RELIEF_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--pool-size", flags.pool_size, "Postgres connections")
      ->envname("RELIEF_PG_POOL_SIZE")
      ->capture_default_str();
  app.add_option("--health-interval-ms", flags.health_interval_ms,
                 "how often Postgres reachability is checked")
      ->envname("RELIEF_HEALTH_INTERVAL_MS")
      ->capture_default_str();
  app.add_option("--port-file", flags.port_file,
                 "write the bound port here (useful with --listen=...:0)");
  CLI11_PARSE(app, argc, argv);
  return relief::registry::Run(flags);
}

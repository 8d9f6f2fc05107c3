// relief-registry: flags/env -> options -> wire objects -> serve.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/auth/key_file.h"
#include "common/auth/revocation_puller.h"
#include "common/auth/token_authenticator.h"
#include "common/auth/token_verifier.h"
#include "common/base/config.h"
#include "common/events/event_feed.h"
#include "common/events/sequencer.h"
#include "common/events/subscribe.h"
#include "common/base/failpoint.h"
#include "common/base/logging.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/base/page_token.h"
#include "common/redis/rate_limiter.h"
#include "common/redis/redis_client.h"
#include "common/server/auth.h"
#include "common/server/server_runner.h"
#include "common/units/pg_units.h"
#include "prometheus/histogram.h"
#include "services/registry/document_cache_feeder.h"
#include "services/registry/pg_registry_store.h"
#include "services/registry/redis_candidate_cache.h"
#include "services/registry/redis_document_cache.h"
#include "services/registry/registry_grpc_service.h"
#include "services/registry/registry_manager.h"
#include "services/registry/tokens_grpc_service.h"
#include "services/registry/tokens_manager.h"
#include "spdlog/spdlog.h"

namespace relief::registry {
namespace {

struct Flags {
  std::string listen = "127.0.0.1:50051";
  double match_link_bits = MatchConfig{}.link_bits;
  double match_review_bits = MatchConfig{}.review_bits;
  int sweep_interval_s = 300;
  std::string pg;
  std::string redis;
  std::string home_province = "26";
  std::string reference_date = "2021-08-15";
  std::string failpoints;
  std::string log_level = "info";
  int pool_size = 16;
  int health_interval_ms = 1000;
  std::string port_file;
  std::string page_token_key;
  int lookup_per_minute = 60;
  std::string token_keys;
  std::string signing_kid;
  int revocation_pull_ms = 30000;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string metrics_listen;
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
  // Tokens: the key file holds the public keys every token is checked
  // against and, here in the registry, the secret that signs new tokens and
  // the audit checkpoints.
  absl::StatusOr<auth::KeyFile> keys = auth::LoadKeyFile(flags.token_keys);
  if (!keys.ok()) {
    spdlog::error("event=bad_flag flag=--token-keys error=\"{}\"",
                  keys.status().message());
    return 2;
  }
  std::string kid = flags.signing_kid;
  if (kid.empty() && !keys->keys.empty()) kid = keys->keys.back().kid;
  absl::StatusOr<auth::SigningKey> signing_key = keys->SigningKeyFor(kid);
  if (!signing_key.ok()) {
    spdlog::error("event=bad_flag flag=--signing-kid error=\"{}\"",
                  signing_key.status().message());
    return 2;
  }
  auth::TokenVerifier verifier(keys->PublicKeys(), SystemClock());
  auth::TokenAuthenticator authenticator(verifier);
  RegistryGrpcService service(authenticator);
  TokensGrpcService tokens_service(authenticator);
  ServerRunner runner(ServerOptions{.listen = flags.listen,
                                    .service_name = "relief.registry.v1.Registry",
                                    .tls_cert_file = flags.tls_cert,
                                    .tls_key_file = flags.tls_key,
                                    .tls_client_ca_file = flags.tls_client_ca,
                                    .metrics_listen = flags.metrics_listen});
  std::unique_ptr<redis::RedisClient> redis_client;
  std::unique_ptr<DocumentCache> cache;
  RedisDocumentCache* redis_cache = nullptr;
  std::unique_ptr<RedisCandidateCache> candidate_cache;
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
    auto rc = std::make_unique<RedisDocumentCache>(
        *redis_client, runner.metrics().Cache("registry_documents"));
    redis_cache = rc.get();
    cache = std::move(rc);
    candidate_cache = std::make_unique<RedisCandidateCache>(
        *redis_client, runner.metrics().Cache("registry_candidates"));
  }

  runner.AddService(&service);
  runner.AddService(&tokens_service);
  if (absl::Status s = runner.Start(); !s.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", s.message());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (!flags.port_file.empty()) {
    // Written whole, then renamed: a reader never sees a partial number.
    const std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << runner.port() << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }

  prometheus::Histogram& duplicate_check =
      prometheus::BuildHistogram()
          .Name("relief_registry_duplicate_check_seconds")
          .Help("Duration of the fuzzy duplicate pass of one record")
          .Register(runner.metrics().registry())
          .Add({}, prometheus::Histogram::BucketBoundaries{
                       0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                       0.2, 0.5});
  PgRegistryStore store(pool, SystemClock());
  UuidV7Generator ids(SystemClock());
  const PageTokenCodec page_tokens(flags.page_token_key);
  redis::RedisRateLimiter lookup_limiter(
      redis_client.get(), SystemClock(),
      {.limit = flags.lookup_per_minute, .name = "ratelimit:lookup"});
  std::unique_ptr<RegistryManager> manager;
  std::unique_ptr<TokensManager> tokens;
  std::unique_ptr<DocumentCacheFeeder> feeder;
  events::Sequencer sequencer(events::SequencerOptions{
      .schema = "registry",
      .conninfo = flags.pg,
      .signing_key = *signing_key});
  events::EventFeed feed({.schema = "registry", .listen_conninfo = flags.pg},
                         pool);
  events::SubscriptionHub hub(feed);
  auth::RevocationPuller revocations(
      [&](int64_t after) -> absl::StatusOr<std::vector<auth::RevokedToken>> {
        auto rows = store.ListRevocations(after, 1000);
        if (!rows.ok()) return rows.status();
        std::vector<auth::RevokedToken> out;
        for (const RevocationRow& r : *rows) {
          out.push_back({r.jti, r.expires_at, r.position});
        }
        return out;
      },
      verifier, SystemClock(), absl::Milliseconds(flags.revocation_pull_ms));
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
            RegistryManager::Deps{store, *cache, ids, SystemClock(),
                                  page_tokens, lookup_limiter,
                                  candidate_cache.get()},
            MatchConfig{.link_bits = flags.match_link_bits,
                        .review_bits = flags.match_review_bits});
        manager->SetDuplicateCheckObserver(
            [&histogram = duplicate_check](absl::Duration d) {
              histogram.Observe(absl::ToDoubleSeconds(d));
            });
        tokens = std::make_unique<TokensManager>(TokensManager::Deps{
            .registry = *manager,
            .store = store,
            .ids = ids,
            .clock = SystemClock(),
            .signing_key = *signing_key,
            .issuer = absl::StrCat("relief:", config.home_province_code)});
        if (absl::Status st = sequencer.Start(); !st.ok()) {
          spdlog::error("event=sequencer_start_failed error=\"{}\"",
                        st.message());
        }
        if (absl::Status st = feed.Start(); !st.ok()) {
          spdlog::error("event=feed_start_failed error=\"{}\"", st.message());
        }
        revocations.Start();
        if (redis_cache != nullptr) {
          absl::StatusOr<std::string> epoch = store.CacheEpoch();
          if (epoch.ok()) {
            redis_cache->SetEpoch(*epoch);
            candidate_cache->SetEpoch(*epoch);
            feeder = std::make_unique<DocumentCacheFeeder>(*redis_client, store,
                                                           feed, *epoch);
            feeder->Start();
          } else {
            spdlog::warn("event=cache_disabled error=\"{}\"",
                         epoch.status().ToString());
          }
        }
        // People registered before the duplicate pass existed are filed
        // under blocking keys before the first registration is served.
        for (int64_t filed = 0;;) {
          absl::StatusOr<int> n = manager->FileUnindexedPeople(1000);
          if (!n.ok()) {
            spdlog::warn("event=filing_failed error=\"{}\"", n.status().ToString());
            break;  // the sweep finishes it
          }
          filed += *n;
          if (*n < 1000) {
            if (filed > 0) spdlog::info("event=people_filed count={}", filed);
            break;
          }
        }
        service.SetManager(manager.get(), &hub);
        tokens_service.SetManager(tokens.get());
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
    prometheus::Gauge& lag = runner.metrics().SequencerLag("registry");
    HealthPoller poller(
        [&] {
          lag.Set(static_cast<double>(sequencer.stats().backlog_rows));
          return pool.Ping();
        },
        [&](const absl::Status& s) {
          if (!s.ok()) {
            spdlog::warn("event=postgres_down error=\"{}\"", s.message());
          }
          runner.SetServing(s.ok());
        },
        absl::Milliseconds(flags.health_interval_ms));
    // The duplicate sweep (DESIGN.md §4.5 backstop): every interval, the
    // people of the last two intervals against older records.
    const bool sweeping = flags.sweep_interval_s > 0;
    const absl::Duration sweep_every =
        sweeping ? absl::Seconds(flags.sweep_interval_s) : absl::Hours(24);
    while (!stopping.WaitForNotificationWithTimeout(sweep_every)) {
      if (!sweeping) continue;
      absl::StatusOr<int> opened = manager->Sweep(absl::Now() - 2 * sweep_every);
      if (!opened.ok()) {
        spdlog::warn("event=sweep_failed error=\"{}\"", opened.status().ToString());
      } else if (*opened > 0) {
        spdlog::info("event=sweep reviews_opened={}", *opened);
      }
    }
    if (feeder != nullptr) feeder->Stop();
  });

  // Idle Subscribe streams end as soon as shutdown starts (clients resume
  // from their last position elsewhere).
  runner.OnShutdown([&] {
    if (!stopping.HasBeenNotified()) stopping.Notify();
    hub.Shutdown();
    feed.Shutdown();
  });
  runner.Wait();
  if (!stopping.HasBeenNotified()) stopping.Notify();
  startup.join();
  feed.Shutdown();
  sequencer.Stop();
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
  app.add_option("--page-token-key", flags.page_token_key,
                 "secret shared by replicas to sign page tokens (empty: "
                 "random per process)")
      ->envname("RELIEF_PAGE_TOKEN_KEY");
  app.add_option("--lookup-per-minute", flags.lookup_per_minute,
                 "Lookup calls allowed per caller and minute")
      ->envname("RELIEF_LOOKUP_PER_MINUTE")
      ->capture_default_str();
  app.add_option("--token-keys", flags.token_keys,
                 "key file (JSON): public keys tokens are checked against; "
                 "the secret signs new tokens and audit checkpoints")
      ->envname("RELIEF_TOKEN_KEYS")
      ->required();
  app.add_option("--signing-kid", flags.signing_kid,
                 "kid of the signing key (default: the file's last key)")
      ->envname("RELIEF_SIGNING_KID");
  app.add_option("--revocation-pull-ms", flags.revocation_pull_ms,
                 "how often revocations are pulled")
      ->envname("RELIEF_REVOCATION_PULL_MS")
      ->capture_default_str();
  app.add_option("--tls-cert", flags.tls_cert,
                 "PEM certificate chain (with --tls-key: serve TLS)")
      ->envname("RELIEF_TLS_CERT");
  app.add_option("--tls-key", flags.tls_key, "PEM private key")
      ->envname("RELIEF_TLS_KEY");
  app.add_option("--tls-client-ca", flags.tls_client_ca,
                 "PEM CA; clients must present a certificate it signed")
      ->envname("RELIEF_TLS_CLIENT_CA");
  app.add_option("--metrics-listen", flags.metrics_listen,
                 "host:port for Prometheus GET /metrics (empty: off)")
      ->envname("RELIEF_METRICS_LISTEN");
  app.add_option("--match-link-bits", flags.match_link_bits,
                 "duplicate pass: a score at or above this links a record to "
                 "the person (EXISTING)")
      ->envname("RELIEF_MATCH_LINK_BITS")
      ->capture_default_str();
  app.add_option("--match-review-bits", flags.match_review_bits,
                 "duplicate pass: a score at or above this (and below the "
                 "link score) opens a review item")
      ->envname("RELIEF_MATCH_REVIEW_BITS")
      ->capture_default_str();
  app.add_option("--sweep-interval-s", flags.sweep_interval_s,
                 "seconds between duplicate sweeps over recent registrations "
                 "(0: off)")
      ->envname("RELIEF_SWEEP_INTERVAL_S")
      ->capture_default_str();
  app.add_option("--port-file", flags.port_file,
                 "write the bound port here (useful with --listen=...:0)");
  CLI11_PARSE(app, argc, argv);
  return relief::registry::Run(flags);
}

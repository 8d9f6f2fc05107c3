// The registry's event feed, sequencer, audit chain, search, paging and
// cache, end to end: the real relief-registry binary (one or two processes)
// over gRPC, a fresh test database, real Redis, and the real reliefctl for
// `audit verify` (labels: e2e, integration; run serially because one test
// SIGKILLs a registry and another owns a private Redis).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/auth/key_file.h"
#include "common/events/audit_chain.h"
#include "common/events/outbox.h"
#include "common/pg/testing/test_database.h"
#include "common/redis/redis_client.h"
#include "common/redis/testing/redis_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "relief/events/v1/events.pb.h"
#include "services/registry/pg_registry_store.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/registry_fixture.h"
#include "tests/testing/registry_process.h"
#include "tests/testing/reliefctl_runner.h"

extern char** environ;

namespace relief::testing {
namespace {

namespace ev1 = ::relief::events::v1;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using Health = grpc::health::v1::HealthCheckResponse;

constexpr char kPersonRegistered[] = "relief.registry.PersonRegistered";

// Polls `done` every 10 ms until it holds or `timeout` passes; the last
// answer.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

// A 12-digit CCCD of a Vĩnh Phúc woman born in 1995 (as SampleRegistration).
std::string Cccd(int n) { return absl::StrFormat("0261950%05d", n); }

// A registration built on SampleRegistration with the fields these tests
// vary. `host` "79" keeps the sample's district 777; another host province
// has no district.
rv1::RegisterRequest Person(const std::string& request_id,
                            const std::string& name, const std::string& cccd,
                            const std::string& commune = "09157",
                            const std::string& host = "79") {
  rv1::RegisterRequest r = SampleRegistration(request_id, cccd);
  r.set_full_name(name);
  r.set_home_commune_code(commune);
  r.mutable_current_address()->set_province_code(host);
  if (host != "79") r.mutable_current_address()->clear_district_code();
  return r;
}

// A Subscribe stream read by its own thread into a list; heartbeats
// (position 0) are counted apart.
class FeedReader {
 public:
  FeedReader(rv1::Registry::Stub& stub, const std::string& token,
             int64_t after, absl::Duration lifetime = absl::Seconds(150)) {
    WithDeadline(ctx_, lifetime, token);
    ev1::SubscribeRequest req;
    req.set_after_position(after);
    reader_ = stub.Subscribe(&ctx_, req);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FeedReader() {
    ctx_.TryCancel();
    thread_.join();
  }

  // Waits until at least `n` events arrived, the stream ended or `timeout`
  // passed; returns every event received so far.
  std::vector<ev1::Event> WaitFor(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ready = [&] { return events_.size() >= n || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return events_;
  }

  // The stream's final status once it ended within `timeout`.
  std::optional<grpc::Status> WaitDone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
    if (!done_) return std::nullopt;
    return status_;
  }

  int heartbeats() {
    absl::MutexLock lock(&mu_);
    return heartbeats_;
  }

 private:
  void Loop() {
    ev1::Event e;
    while (reader_->Read(&e)) {
      absl::MutexLock lock(&mu_);
      if (e.position() == 0) {
        ++heartbeats_;
      } else {
        events_.push_back(e);
      }
    }
    grpc::Status s = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = s;
    done_ = true;
  }

  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<ev1::Event>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<ev1::Event> events_ ABSL_GUARDED_BY(mu_);
  int heartbeats_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

std::vector<int64_t> Positions(const std::vector<ev1::Event>& events) {
  std::vector<int64_t> out;
  for (const ev1::Event& e : events) out.push_back(e.position());
  return out;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

class RegistryFeedE2eTest : public RegistryDatabaseTest {
 protected:
  // Starts a registry on the test database and waits until it serves.
  std::unique_ptr<RegistryProcess> StartProcess(const std::string& redis,
                                                const std::string& keys = "") {
    auto p = RegistryProcess::Start(
        {.pg_url = db_->url(), .redis = redis, .token_keys = keys});
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return nullptr;
    absl::Status serving =
        (*p)->WaitForHealth(Health::SERVING, absl::Seconds(30));
    EXPECT_TRUE(serving.ok()) << serving;
    if (!serving.ok()) return nullptr;
    return *std::move(p);
  }

  void StartRegistry(const std::string& redis) {
    registry_ = StartProcess(redis);
    ASSERT_NE(registry_, nullptr);
    stub_ = rv1::Registry::NewStub(registry_->channel());
    admin_ = registry_->Token("admin");
    service_ = registry_->Token("service");
  }

  static grpc::Status Register(rv1::Registry::Stub& stub,
                               const std::string& token,
                               const rv1::RegisterRequest& req,
                               rv1::RegisterResponse* resp) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token);
    return stub.Register(&ctx, req, resp);
  }

  // Registers through the fixture's registry as admin; the response, or a
  // test failure and an empty response.
  rv1::RegisterResponse MustRegister(const rv1::RegisterRequest& req) {
    rv1::RegisterResponse resp;
    grpc::Status s = Register(*stub_, admin_, req, &resp);
    EXPECT_TRUE(s.ok()) << req.request_id() << ": " << s.error_code() << " "
                        << s.error_message();
    return resp;
  }

  grpc::Status Search(const rv1::SearchPeopleRequest& req,
                      rv1::PeoplePage* page, const std::string& token = "") {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token.empty() ? admin_ : token);
    return stub_->SearchPeople(&ctx, req, page);
  }

  // Every id a search finds, following next_page_token.
  std::set<std::string> SearchIds(rv1::SearchPeopleRequest req) {
    std::set<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      rv1::PeoplePage page;
      grpc::Status s = Search(req, &page);
      EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
      if (!s.ok()) break;
      for (const rv1::Person& p : page.people()) {
        EXPECT_TRUE(ids.insert(p.person_id()).second)
            << "repeated " << p.person_id();
      }
      if (page.next_page_token().empty()) break;
      req.set_page_token(page.next_page_token());
    }
    return ids;
  }

  grpc::Status List(const rv1::ListPeopleRequest& req, rv1::PeoplePage* page,
                    const std::string& token = "") {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), token.empty() ? admin_ : token);
    return stub_->ListPeople(&ctx, req, page);
  }

  int64_t Query(const std::string& sql) {
    absl::StatusOr<int64_t> v = db_->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << sql << ": " << v.status();
    return v.ok() ? *v : -1;
  }

  void Exec(const std::string& sql) {
    absl::Status s = db_->Exec(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s;
  }

  // Polls until every committed outbox and audit row is numbered and the
  // outbox holds at least `min_events` rows.
  bool WaitAllNumbered(int64_t min_events,
                       absl::Duration timeout = absl::Seconds(30)) {
    return PollUntil(
        [&] {
          return Query("SELECT count(*) FROM registry.outbox WHERE position"
                       " IS NULL") == 0 &&
                 Query("SELECT count(*) FROM registry.audit WHERE position"
                       " IS NULL") == 0 &&
                 Query("SELECT count(*) FROM registry.outbox") >= min_events;
        },
        timeout);
  }

  // The positions of a table in order.
  std::vector<int64_t> TablePositions(const std::string& table) {
    std::vector<int64_t> out;
    pqxx::connection conn(db_->url());
    pqxx::nontransaction tx(conn);
    for (const auto& row : tx.exec(absl::StrCat(
             "SELECT position FROM ", table, " ORDER BY position NULLS LAST,"
             " id"))) {
      out.push_back(row[0].is_null() ? -1 : row[0].as<int64_t>());
    }
    return out;
  }

  // The backend pid of the session holding this database's sequencer lock
  // (0: none).
  int64_t SequencerLeaderPid() {
    return Query(
        "SELECT coalesce((SELECT l.pid FROM pg_locks l JOIN pg_stat_activity"
        " a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND"
        " a.application_name = 'relief-sequencer' AND a.datname ="
        " current_database() LIMIT 1), 0)");
  }

  ToolResult AuditVerify(const std::string& keys = "") {
    return RunReliefctl(
        {"audit", "verify", absl::StrCat("--pg=", db_->url()),
         absl::StrCat("--keys=",
                      keys.empty() ? registry_->token_keys() : keys)});
  }

  std::unique_ptr<RegistryProcess> registry_;
  std::unique_ptr<rv1::Registry::Stub> stub_;
  std::string admin_;
  std::string service_;
};

// 1. Subscribe from the start, resumed, left open; admin refused.
TEST_F(RegistryFeedE2eTest, SubscribeStreamsDenseResumableAndLive) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  const std::vector<std::string> communes = {"08707", "08749", "08791",
                                             "08881", "08926", "08971",
                                             "09058", "09103", "09157"};
  const std::vector<std::string> districts = {"243", "244", "246",
                                              "247", "248", "249",
                                              "251", "252", "252"};
  constexpr int kN = 12;
  // Registered one after the other: each commits before the next starts,
  // so commit order (the feed's order) is registration order.
  std::vector<std::string> ids;
  std::vector<std::string> want_commune, want_district;
  for (int i = 0; i < kN; ++i) {
    const size_t c = i % communes.size();
    rv1::RegisterResponse r = MustRegister(Person(
        absl::StrCat("sub-", i), "Lê Văn Tám", Cccd(100 + i), communes[c]));
    ASSERT_EQ(r.outcome(), rv1::REGISTER_OUTCOME_CREATED);
    ids.push_back(r.person_id());
    want_commune.push_back(communes[c]);
    want_district.push_back(districts[c]);
  }

  {
    FeedReader feed(*stub_, service_, 0);
    std::vector<ev1::Event> got = feed.WaitFor(kN, absl::Seconds(30));
    ASSERT_EQ(got.size(), static_cast<size_t>(kN)) << registry_->LogTail();
    EXPECT_THAT(Positions(got), ElementsAreArray(Range(1, kN)));
    int64_t last_stamp = 0;
    for (int i = 0; i < kN; ++i) {
      const ev1::Event& e = got[i];
      EXPECT_EQ(e.type(), kPersonRegistered);
      EXPECT_EQ(e.aggregate_id(), ids[i]);
      const int64_t stamp =
          e.sequenced_at().seconds() * 1000000 + e.sequenced_at().nanos() / 1000;
      EXPECT_GE(stamp, last_stamp) << "stamps rise with position";
      last_stamp = stamp;
      rv1::PersonRegistered payload;
      ASSERT_TRUE(payload.ParseFromString(e.payload())) << i;
      EXPECT_EQ(payload.person_id(), ids[i]);
      EXPECT_EQ(payload.outcome(), rv1::REGISTER_OUTCOME_CREATED);
      EXPECT_EQ(payload.home_commune_code(), want_commune[i]);
      EXPECT_EQ(payload.home_district_code(), want_district[i]);
      EXPECT_EQ(payload.host_province_code(), "79");
      EXPECT_EQ(payload.source(), rv1::SOURCE_HOTLINE);
    }
  }

  // Resume from k: exactly k+1..N; the next event after N is the next
  // registration (nothing repeated, nothing extra in between).
  constexpr int kResume = 7;
  FeedReader resumed(*stub_, service_, kResume);
  std::vector<ev1::Event> tail = resumed.WaitFor(kN - kResume, absl::Seconds(30));
  ASSERT_EQ(tail.size(), static_cast<size_t>(kN - kResume));
  EXPECT_THAT(Positions(tail), ElementsAreArray(Range(kResume + 1, kN)));
  for (size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].aggregate_id(), ids[kResume + i]);
  }

  // A stream opened at the head, and the resumed one, both receive what is
  // registered afterwards.
  FeedReader live(*stub_, service_, kN);
  constexpr int kMore = 4;
  for (int i = 0; i < kMore; ++i) {
    rv1::RegisterResponse r = MustRegister(Person(
        absl::StrCat("sub-late-", i), "Lê Văn Tám", Cccd(200 + i), "08707"));
    ids.push_back(r.person_id());
  }
  std::vector<ev1::Event> late = live.WaitFor(kMore, absl::Seconds(30));
  ASSERT_EQ(late.size(), static_cast<size_t>(kMore)) << registry_->LogTail();
  EXPECT_THAT(Positions(late), ElementsAreArray(Range(kN + 1, kN + kMore)));
  for (int i = 0; i < kMore; ++i) {
    EXPECT_EQ(late[i].aggregate_id(), ids[kN + i]);
    rv1::PersonRegistered payload;
    ASSERT_TRUE(payload.ParseFromString(late[i].payload()));
    EXPECT_EQ(payload.home_commune_code(), "08707");
  }
  tail = resumed.WaitFor(kN + kMore - kResume, absl::Seconds(30));
  EXPECT_THAT(Positions(tail), ElementsAreArray(Range(kResume + 1, kN + kMore)));
  EXPECT_EQ(live.WaitDone(absl::ZeroDuration()), std::nullopt)
      << "a live stream stays open";

  // Only the service role subscribes.
  FeedReader denied(*stub_, admin_, 0);
  std::optional<grpc::Status> s = denied.WaitDone(absl::Seconds(20));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s->error_message();
  EXPECT_TRUE(denied.WaitFor(1, absl::ZeroDuration()).empty());
  FeedReader anonymous(*stub_, "", 0);
  s = anonymous.WaitDone(absl::Seconds(20));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error_code(), grpc::StatusCode::UNAUTHENTICATED);
  FeedReader negative(*stub_, service_, -1);
  s = negative.WaitDone(absl::Seconds(20));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// 1b. A stream the client cancelled gives its resources back at once, and a
// waiting stream holds no server thread (callback API): 80 streams opened
// and cancelled in a burst never exhaust the server's bounded thread pool
// (ServerOptions::max_threads, 64), and Register still works.
TEST_F(RegistryFeedE2eTest, CancelledStreamsReleaseTheirThreads) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  MustRegister(Person("cancel-0", "Lê Văn Tám", Cccd(150)));
  const absl::Time start = absl::Now();
  int refused = 0;
  std::string first_refusal;
  for (int i = 0; i < 80; ++i) {
    FeedReader stream(*stub_, service_, 0);
    // One event received: the handler is running; the destructor cancels.
    if (stream.WaitFor(1, absl::Seconds(20)).size() == 1) continue;
    std::optional<grpc::Status> st = stream.WaitDone(absl::Seconds(20));
    if (refused++ == 0 && st.has_value()) {
      first_refusal = absl::StrCat("stream ", i + 1, ": ", st->error_code(),
                                   " ", st->error_message());
    }
  }
  const absl::Duration opened = absl::Now() - start;
  EXPECT_EQ(refused, 0) << "after cancelling earlier streams (80 opened in "
                        << opened << "); first: " << first_refusal;
  rv1::RegisterResponse resp;
  grpc::Status s = Register(*stub_, admin_,
                            Person("cancel-1", "Lê Văn Tám", Cccd(151)), &resp);
  EXPECT_TRUE(s.ok()) << "cancelled streams still hold the server's threads: "
                      << s.error_code() << " " << s.error_message();
}

// 1c. SIGTERM after the only subscriber went away: nothing is in flight, so
// the registry stops at once instead of waiting out the stream's heartbeat
// wait (5 s).
TEST_F(RegistryFeedE2eTest, SigtermIsPromptAfterTheSubscriberLeft) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  MustRegister(Person("term-0", "Lê Văn Tám", Cccd(160)));
  {
    FeedReader stream(*stub_, service_, 0);
    ASSERT_EQ(stream.WaitFor(1, absl::Seconds(20)).size(), 1u);
  }  // cancelled
  const absl::Time stop = absl::Now();
  const int wstatus = registry_->Signal(SIGTERM);
  const absl::Duration stopping = absl::Now() - stop;
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << wstatus;
  EXPECT_LT(stopping, absl::Seconds(3))
      << "SIGTERM with no live call took " << stopping;
}

// 2. A transaction that took its outbox id early and commits late is
// numbered after the ones that committed meanwhile, never skipped.
TEST_F(RegistryFeedE2eTest, LateCommitIsNumberedLastAndNeverSkipped) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  FeedReader feed(*stub_, service_, 0);
  std::vector<std::string> ids;
  ids.push_back(MustRegister(Person("late-0", "Lê Văn Tám", Cccd(300)))
                    .person_id());
  ASSERT_EQ(feed.WaitFor(1, absl::Seconds(30)).size(), 1u);

  pqxx::connection conn(db_->url());
  auto held = std::make_unique<pqxx::work>(conn);
  rv1::PersonRegistered held_payload;
  held_payload.set_person_id("held-aggregate");
  held_payload.set_home_commune_code("08707");
  events::AppendEvent(*held, "registry",
                      {.event_type = "relief.test.Held",
                       .aggregate_id = "held-aggregate",
                       .payload = held_payload.SerializeAsString()});
  const int64_t held_id =
      held->exec("SELECT max(id) FROM registry.outbox")[0][0].as<int64_t>();

  constexpr int kLater = 5;
  for (int i = 1; i <= kLater; ++i) {
    ids.push_back(MustRegister(Person(absl::StrCat("late-", i), "Lê Văn Tám",
                                      Cccd(300 + i)))
                      .person_id());
  }
  // The later transactions are numbered while the early one is still open:
  // the sequencer neither waits for it nor skips past it for good.
  std::vector<ev1::Event> got = feed.WaitFor(1 + kLater, absl::Seconds(30));
  ASSERT_EQ(got.size(), static_cast<size_t>(1 + kLater)) << registry_->LogTail();
  EXPECT_THAT(Positions(got), ElementsAreArray(Range(1, 1 + kLater)));
  EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM registry.outbox WHERE id"
                               " > ", held_id, " AND position IS NOT NULL")),
            kLater)
      << "the later rows have higher ids and are numbered";

  held->commit();
  held.reset();
  got = feed.WaitFor(2 + kLater, absl::Seconds(30));
  ASSERT_EQ(got.size(), static_cast<size_t>(2 + kLater));
  EXPECT_EQ(got.back().position(), 2 + kLater);
  EXPECT_EQ(got.back().type(), "relief.test.Held");
  EXPECT_EQ(got.back().aggregate_id(), "held-aggregate");
  EXPECT_EQ(got.back().payload(), held_payload.SerializeAsString());
  EXPECT_EQ(Query(absl::StrCat("SELECT position FROM registry.outbox WHERE"
                               " id = ", held_id)),
            2 + kLater);

  // One more: it follows directly; nothing was delivered twice.
  ids.push_back(
      MustRegister(Person("late-last", "Lê Văn Tám", Cccd(399))).person_id());
  got = feed.WaitFor(3 + kLater, absl::Seconds(30));
  ASSERT_EQ(got.size(), static_cast<size_t>(3 + kLater));
  EXPECT_THAT(Positions(got), ElementsAreArray(Range(1, 3 + kLater)));
  std::vector<std::string> aggregates;
  for (const ev1::Event& e : got) aggregates.push_back(e.aggregate_id());
  std::vector<std::string> want = ids;
  want.insert(want.end() - 1, "held-aggregate");
  EXPECT_THAT(aggregates, ElementsAreArray(want));
  EXPECT_THAT(TablePositions("registry.outbox"),
              UnorderedElementsAreArray(Range(1, 3 + kLater)));
}

// 3. Two registries on one database: one dense sequence, across the
// leader's SIGKILL.
TEST_F(RegistryFeedE2eTest, TwoProcessesOneDenseSequenceAcrossLeaderKill) {
  std::unique_ptr<RegistryProcess> a = StartProcess(redis_address_);
  ASSERT_NE(a, nullptr);
  // Alone, `a` takes the sequencer lock: it is the leader.
  int64_t leader_pid = 0;
  ASSERT_TRUE(PollUntil(
      [&] { return (leader_pid = SequencerLeaderPid()) != 0; },
      absl::Seconds(20)))
      << a->LogTail();
  std::unique_ptr<RegistryProcess> b =
      StartProcess(redis_address_, a->token_keys());
  ASSERT_NE(b, nullptr);
  auto stub_a = rv1::Registry::NewStub(a->channel());
  auto stub_b = rv1::Registry::NewStub(b->channel());
  const std::string admin = a->Token("admin");  // one key file for both

  // Four threads, each sending alternately to a and b.
  constexpr int kThreads = 4, kPerThread = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        rv1::Registry::Stub& stub = (i + t) % 2 == 0 ? *stub_a : *stub_b;
        rv1::RegisterResponse resp;
        grpc::Status s = Register(
            stub, admin,
            Person(absl::StrCat("two-", t, "-", i),
                   registry::testing::DistinctName(
                       "Phạm Văn", Cccd(1000 + t * 100 + i)),
                   Cccd(1000 + t * 100 + i)),
            &resp);
        if (!s.ok() || resp.outcome() != rv1::REGISTER_OUTCOME_CREATED) {
          ADD_FAILURE() << s.error_code() << " " << s.error_message() << " "
                        << resp.ShortDebugString();
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  constexpr int kFirst = kThreads * kPerThread;
  ASSERT_TRUE(WaitAllNumbered(kFirst)) << a->LogTail() << b->LogTail();
  EXPECT_THAT(TablePositions("registry.outbox"),
              ElementsAreArray(Range(1, kFirst)));
  EXPECT_EQ(SequencerLeaderPid(), leader_pid) << "a still leads";

  // SIGKILL the leader while b is registering; b carries on alone.
  constexpr int kSecond = 20;
  std::atomic<int> done{0};
  std::thread survivor([&] {
    for (int i = 0; i < kSecond; ++i) {
      rv1::RegisterResponse resp;
      grpc::Status s = Register(*stub_b, admin,
                                Person(absl::StrCat("after-kill-", i),
                                       "Phạm Văn Đồng", Cccd(2000 + i)),
                                &resp);
      if (!s.ok() || resp.outcome() != rv1::REGISTER_OUTCOME_CREATED) {
        ++failures;
      }
      ++done;
    }
  });
  EXPECT_TRUE(PollUntil([&] { return done.load() >= 5; }, absl::Seconds(30)));
  EXPECT_EQ(SequencerLeaderPid(), leader_pid);
  a->Signal(SIGKILL);
  survivor.join();
  ASSERT_EQ(failures.load(), 0);
  int64_t new_leader = 0;
  EXPECT_TRUE(PollUntil(
      [&] {
        new_leader = SequencerLeaderPid();
        return new_leader != 0 && new_leader != leader_pid;
      },
      absl::Seconds(20)))
      << "b never took the sequencer lock\n"
      << b->LogTail();
  ASSERT_TRUE(WaitAllNumbered(kFirst + kSecond)) << b->LogTail();
  EXPECT_THAT(TablePositions("registry.outbox"),
              ElementsAreArray(Range(1, kFirst + kSecond)));
  const int64_t audits = Query("SELECT count(*) FROM registry.audit");
  EXPECT_THAT(TablePositions("registry.audit"),
              ElementsAreArray(Range(1, audits)));

  // The survivor's feed has all of it, once, in order.
  FeedReader feed(*stub_b, b->Token("service"), 0);
  std::vector<ev1::Event> got =
      feed.WaitFor(kFirst + kSecond, absl::Seconds(30));
  EXPECT_THAT(Positions(got), ElementsAreArray(Range(1, kFirst + kSecond)));
  absl::flat_hash_set<std::string> people;
  for (const ev1::Event& e : got) people.insert(e.aggregate_id());
  EXPECT_EQ(people.size(), static_cast<size_t>(kFirst + kSecond));
  EXPECT_EQ(Query("SELECT count(*) FROM registry.persons"), kFirst + kSecond);

  // The audit chain written by two leaders verifies (one key file).
  registry_ = std::move(b);
  ToolResult v = AuditVerify();
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// 4. `reliefctl audit verify` against the registry's real audit log.
TEST_F(RegistryFeedE2eTest, AuditVerifyCliDetectsTampering) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  std::string first_id;
  for (int i = 0; i < 6; ++i) {
    rv1::RegisterResponse r =
        MustRegister(Person(absl::StrCat("audit-", i), "Hoàng Thị Lan",
                            Cccd(400 + i)));
    if (i == 0) first_id = r.person_id();
  }
  {  // An unmasked read and a refused call are audited too.
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), admin_);
    rv1::GetPersonRequest get;
    get.set_person_id(first_id);
    rv1::Person p;
    ASSERT_TRUE(stub_->GetPerson(&ctx, get, &p).ok());
    FeedReader denied(*stub_, admin_, 0);
    ASSERT_TRUE(denied.WaitDone(absl::Seconds(20)).has_value());
  }
  ASSERT_TRUE(WaitAllNumbered(6));
  ASSERT_TRUE(PollUntil(
      [&] { return Query("SELECT count(*) FROM registry.audit_checkpoints") > 0; },
      absl::Seconds(20)));
  const int64_t rows = Query("SELECT count(*) FROM registry.audit");
  ASSERT_GE(rows, 8);
  EXPECT_EQ(Query("SELECT count(*) FROM registry.audit WHERE action ="
                  " 'denied relief.registry.v1.Registry/Subscribe' AND role ="
                  " 'admin'"),
            1);
  const int64_t checkpoint = Query(
      "SELECT min(position) FROM registry.audit_checkpoints");

  ToolResult ok = AuditVerify();
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr(absl::StrCat("verified: ", rows, " rows")));

  Exec("CREATE TABLE public.audit_backup AS SELECT * FROM registry.audit");
  const std::string restore =
      "DELETE FROM registry.audit; INSERT INTO registry.audit SELECT * FROM"
      " public.audit_backup";
  auto expect_data_loss = [&](const std::string& what,
                              const std::string& message,
                              const std::string& keys = "") {
    ToolResult r = AuditVerify(keys);
    EXPECT_EQ(r.exit_code, 10 + static_cast<int>(absl::StatusCode::kDataLoss))
        << what << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("DATA_LOSS")) << what;
    EXPECT_THAT(r.err, HasSubstr(message)) << what;
  };
  auto expect_ok = [&](const std::string& what) {
    ToolResult r = AuditVerify();
    EXPECT_EQ(r.exit_code, 0) << what << "\n" << r.out << r.err;
  };

  // An edited action.
  Exec("UPDATE registry.audit SET action = 'person.read' WHERE position = 3");
  expect_data_loss("edited row", "row at position 3: hash mismatch");
  Exec("UPDATE registry.audit a SET action = b.action FROM public.audit_backup"
       " b WHERE a.position = 3 AND b.position = 3");
  expect_ok("edit restored");

  // An edited time (a different instant, a microsecond later).
  Exec("UPDATE registry.audit SET recorded_at = recorded_at + interval '1"
       " microsecond' WHERE position = 2");
  expect_data_loss("edited time", "row at position 2: hash mismatch");
  Exec(restore);
  expect_ok("time restored");

  // A middle row deleted.
  Exec("DELETE FROM registry.audit WHERE position = 4");
  expect_data_loss("deleted row", "gap: position 4 missing");
  Exec("INSERT INTO registry.audit SELECT * FROM public.audit_backup WHERE"
       " position = 4");
  expect_ok("deleted row put back");

  // Two rows swapped (positions exchanged, hashes kept).
  Exec("UPDATE registry.audit SET position = -position WHERE position IN"
       " (2, 3); UPDATE registry.audit SET position = CASE position WHEN -2"
       " THEN 3 ELSE 2 END WHERE position IN (-2, -3)");
  expect_data_loss("swapped rows",
                   "row at position 2: previous hash does not match the hash"
                   " of position 1");
  Exec(restore);
  expect_ok("swap restored");

  // Row 1 edited and the whole chain re-hashed: only the signed checkpoint
  // can tell.
  {
    pqxx::connection conn(db_->url());
    pqxx::work tx(conn);
    std::string prev = events::GenesisHash();
    for (const auto& r : tx.exec(
             "SELECT position, actor, on_behalf_of, role, action, target_id,"
             " request_id, (extract(epoch FROM recorded_at) * 1000000)::bigint"
             " FROM registry.audit ORDER BY position")) {
      const int64_t position = r[0].as<int64_t>();
      events::AuditRecord rec{.actor = r[1].c_str(),
                              .on_behalf_of = r[2].c_str(),
                              .role = r[3].c_str(),
                              .action = r[4].c_str(),
                              .target_id = r[5].c_str(),
                              .request_id = r[6].c_str(),
                              .recorded_at =
                                  absl::FromUnixMicros(r[7].as<int64_t>())};
      if (position == 1) rec.action = "person.read";
      const std::string hash = events::AuditRowHash(position, rec, prev);
      tx.exec_params(
          "UPDATE registry.audit SET action = $1, prev_hash = decode($2,"
          " 'hex'), hash = decode($3, 'hex') WHERE position = $4",
          rec.action, absl::BytesToHexString(prev),
          absl::BytesToHexString(hash), position);
      prev = hash;
    }
    tx.commit();
  }
  expect_data_loss("re-hashed chain",
                   absl::StrCat("checkpoint ", checkpoint,
                                ": head hash differs from the chain"));
  Exec(restore);
  expect_ok("re-hash restored");

  // A forged checkpoint signature.
  Exec("CREATE TABLE public.cp_backup AS SELECT * FROM"
       " registry.audit_checkpoints");
  Exec(absl::StrCat("UPDATE registry.audit_checkpoints SET signature ="
                    " set_byte(signature, 0, (get_byte(signature, 0) + 1) %"
                    " 256) WHERE position = ", checkpoint));
  expect_data_loss("forged checkpoint",
                   absl::StrCat("checkpoint ", checkpoint,
                                " signature invalid"));
  Exec("DELETE FROM registry.audit_checkpoints; INSERT INTO"
       " registry.audit_checkpoints SELECT * FROM public.cp_backup");
  expect_ok("checkpoint restored");

  // Verified against keys that did not sign it.
  char tmpl[] = "/tmp/relief-keys-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto same_kid = auth::GenerateKeyPair("test-k1");
  auto other_kid = auth::GenerateKeyPair("other-k9");
  ASSERT_TRUE(same_kid.ok() && other_kid.ok());
  ASSERT_TRUE(auth::SaveKeyFile(dir + "/same.json", {{*same_kid}}).ok());
  ASSERT_TRUE(auth::SaveKeyFile(dir + "/other.json", {{*other_kid}}).ok());
  expect_data_loss("wrong key", "signature invalid", dir + "/same.json");
  expect_data_loss("unknown kid", "unknown key id", dir + "/other.json");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  // Unreadable input is a usage error, not a verdict.
  ToolResult usage = RunReliefctl({"audit", "verify"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;

  // The registry keeps chaining after the restores.
  MustRegister(Person("audit-after", "Hoàng Thị Lan", Cccd(499)));
  ASSERT_TRUE(WaitAllNumbered(7));
  expect_ok("after more rows");
}

// 5. Search by name (diacritics, case, spaces; prefix), document and phone.
TEST_F(RegistryFeedE2eTest, SearchByNameDocumentAndPhone) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  rv1::RegisterRequest an_req =
      Person("search-an", "Nguyễn Văn An", "026090001234");
  an_req.set_sex(rv1::SEX_MALE);
  an_req.mutable_birth_date()->set_year(1990);
  an_req.set_phone("0912345678");
  const std::string an = MustRegister(an_req).person_id();
  rv1::RegisterRequest anh_req = Person("search-anh", "Nguyễn Văn Anh", "");
  anh_req.set_sex(rv1::SEX_MALE);
  anh_req.set_phone("0987654321");
  const std::string anh = MustRegister(anh_req).person_id();
  const std::string thi_an =
      MustRegister(Person("search-thi-an", "Nguyễn Thị An", Cccd(501)))
          .person_id();
  const std::string other =
      MustRegister(Person("search-other", "Trần Văn An", Cccd(502)))
          .person_id();
  ASSERT_FALSE(an.empty() || anh.empty() || thi_an.empty() || other.empty());

  auto by_name = [&](const std::string& name) {
    rv1::SearchPeopleRequest req;
    req.set_name(name);
    return SearchIds(req);
  };
  // "NGUYEN VAN AN" is a prefix of "NGUYEN VAN ANH" too.
  for (const std::string q :
       {"NGUYEN VAN AN", "nguyen  van an", "Nguyễn Văn An", " nguyễn văn an ",
        "NGUYỄN VĂN AN"}) {
    EXPECT_THAT(by_name(q), UnorderedElementsAre(an, anh)) << q;
  }
  EXPECT_THAT(by_name("Nguyễn Văn Anh"), UnorderedElementsAre(anh));
  EXPECT_THAT(by_name("nguyen thi an"), UnorderedElementsAre(thi_an));
  EXPECT_THAT(by_name("NGUYEN"), UnorderedElementsAre(an, anh, thi_an));
  EXPECT_THAT(by_name("Nguyễn Văn"), UnorderedElementsAre(an, anh));
  EXPECT_TRUE(by_name("Nguyễn Văn Bình").empty());
  {  // Paging a name search with page_size 1 walks all three.
    rv1::SearchPeopleRequest req;
    req.set_name("nguyen");
    req.set_page_size(1);
    EXPECT_THAT(SearchIds(req), UnorderedElementsAre(an, anh, thi_an));
  }

  auto by_doc = [&](const std::string& number, rv1::DocumentType type) {
    rv1::SearchPeopleRequest req;
    req.set_document_number(number);
    req.set_document_type(type);
    return SearchIds(req);
  };
  for (const std::string n :
       {"026090001234", "026 090 001 234", "026.090.001.234",
        "026-090-001-234"}) {
    EXPECT_THAT(by_doc(n, rv1::DOCUMENT_TYPE_UNSPECIFIED),
                UnorderedElementsAre(an))
        << n;
    EXPECT_THAT(by_doc(n, rv1::DOCUMENT_TYPE_CCCD), UnorderedElementsAre(an))
        << n;
  }
  EXPECT_TRUE(by_doc("026 090 001 235", rv1::DOCUMENT_TYPE_CCCD).empty());

  auto by_phone = [&](const std::string& phone) {
    rv1::SearchPeopleRequest req;
    req.set_phone(phone);
    return SearchIds(req);
  };
  for (const std::string p :
       {"0912 345 678", "+84912345678", "0912.345.678", "84912345678"}) {
    EXPECT_THAT(by_phone(p), UnorderedElementsAre(an)) << p;
  }
  EXPECT_THAT(by_phone("0987 654 321"), UnorderedElementsAre(anh));

  // Full answers carry the person; bad queries are INVALID_ARGUMENT.
  rv1::SearchPeopleRequest req;
  req.set_phone("+84912345678");
  rv1::PeoplePage page;
  ASSERT_TRUE(Search(req, &page).ok());
  ASSERT_EQ(page.people_size(), 1);
  EXPECT_EQ(page.people(0).full_name(), "Nguyễn Văn An");
  EXPECT_EQ(page.people(0).phone(), "+84912345678");
  req.set_name("a");
  EXPECT_EQ(Search(req, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req.set_phone("12345");
  EXPECT_EQ(Search(req, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// 6. Paging a host province while registrations continue.
TEST_F(RegistryFeedE2eTest, PagingWhileRegistrationsContinue) {
  ASSERT_NO_FATAL_FAILURE(StartRegistry(redis_address_));
  constexpr int kBefore = 120, kThreads = 6;
  std::mutex ids_mu;
  std::set<std::string> before;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kBefore; i += kThreads) {
        rv1::RegisterResponse resp;
        grpc::Status s = Register(
            *stub_, admin_,
            Person(absl::StrCat("page-", i), "Đỗ Thị Mai", Cccd(3000 + i),
                   "09157", "01"),
            &resp);
        if (!s.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(ids_mu);
        before.insert(resp.person_id());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(before.size(), static_cast<size_t>(kBefore));
  // Someone elsewhere, who must never show up in Hà Nội's list.
  const std::string elsewhere =
      MustRegister(Person("page-hcm", "Đỗ Thị Mai", Cccd(3999))).person_id();

  // Registrations continue while the list is paged (bounded, so the list
  // ends).
  std::atomic<bool> stop{false};
  std::atomic<int> during{0};
  std::set<std::string> during_ids;
  std::thread writer([&] {
    for (int i = 0; i < 300 && !stop.load(); ++i) {
      rv1::RegisterResponse resp;
      grpc::Status s = Register(
          *stub_, admin_,
          Person(absl::StrCat("page-during-", i), "Đỗ Thị Mai",
                 Cccd(5000 + i), "08707", "01"),
          &resp);
      if (!s.ok()) {
        ++failures;
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(ids_mu);
        during_ids.insert(resp.person_id());
      }
      ++during;
    }
  });
  ASSERT_TRUE(PollUntil([&] { return during.load() > 0; }, absl::Seconds(20)));

  std::vector<std::string> listed;
  std::set<std::string> seen;
  std::string first_token;
  rv1::ListPeopleRequest req;
  req.set_host_province_code("01");
  req.set_page_size(25);
  int pages = 0;
  for (; pages < 100; ++pages) {
    rv1::PeoplePage page;
    grpc::Status s = List(req, &page);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    EXPECT_LE(page.people_size(), 25);
    for (const rv1::Person& p : page.people()) {
      EXPECT_TRUE(seen.insert(p.person_id()).second)
          << "person repeated across pages: " << p.person_id();
      EXPECT_EQ(p.current_address().province_code(), "01");
      listed.push_back(p.person_id());
    }
    if (first_token.empty()) first_token = page.next_page_token();
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  stop = true;
  writer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(pages, kBefore / 25);
  for (const std::string& id : before) {
    EXPECT_EQ(seen.count(id), 1u) << "registered before the listing: " << id;
  }
  EXPECT_EQ(seen.count(elsewhere), 0u);
  for (const std::string& id : seen) {
    EXPECT_TRUE(before.count(id) == 1 || during_ids.count(id) == 1) << id;
  }
  // Registration order: ids (UUIDv7) ascend along the list.
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  std::printf("listed %zu people in %d pages while %d more registered\n",
              listed.size(), pages + 1, during.load());

  // The page token is bound to its query and caller.
  ASSERT_FALSE(first_token.empty());
  rv1::PeoplePage page;
  rv1::ListPeopleRequest other_query;
  other_query.set_host_province_code("79");
  other_query.set_page_size(25);
  other_query.set_page_token(first_token);
  EXPECT_EQ(List(other_query, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  rv1::ListPeopleRequest by_commune;
  by_commune.set_home_commune_code("09157");
  by_commune.set_page_size(25);
  by_commune.set_page_token(first_token);
  EXPECT_EQ(List(by_commune, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  rv1::SearchPeopleRequest search;
  search.set_name("do thi mai");
  search.set_page_size(25);
  search.set_page_token(first_token);
  EXPECT_EQ(Search(search, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  rv1::ListPeopleRequest same_query;
  same_query.set_host_province_code("01");
  same_query.set_page_size(25);
  same_query.set_page_token(first_token);
  EXPECT_EQ(List(same_query, &page,
                 registry_->Token("admin", "", "another-admin"))
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  same_query.set_page_token(first_token + "x");
  EXPECT_EQ(List(same_query, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  same_query.set_page_token(first_token);
  ASSERT_TRUE(List(same_query, &page).ok()) << "the owner may still use it";
  EXPECT_EQ(page.people_size(), 25);
}

// 7. Redis flushed, then restarted, under a running registry. Keys count
// only under the cache epoch; the feeder refills a Redis that lacks it.
TEST_F(RegistryFeedE2eTest, RedisFlushedAndRestartedKeepsAnswersRight) {
  redis::testing::RedisServerProcess server;
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NO_FATAL_FAILURE(StartRegistry(server.address()));
  auto connect = [&] {
    auto options = redis::ParseRedisAddress(server.address());
    EXPECT_TRUE(options.ok());
    return redis::RedisClient::Create(*options);
  };
  std::unique_ptr<redis::RedisClient> client = connect();
  const std::string cccd = "026195012345";
  const std::string cache_key = "relief:registry:doc:ID12:026195012345";
  const std::string epoch_key = "relief:registry:epoch";
  auto get = [&](const std::string& key) -> std::string {
    auto v = client->Get(key);
    return v.ok() && v->has_value() ? **v : "";
  };
  // The cache holds `id` for the document under a current epoch.
  auto cached_under_epoch = [&](const std::string& id) {
    return PollUntil(
        [&] { return !get(epoch_key).empty() && get(cache_key) == id; },
        absl::Seconds(20));
  };

  rv1::RegisterResponse first =
      MustRegister(Person("redis-1", "Vũ Thị Hoa", cccd));
  ASSERT_EQ(first.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  const std::string id = first.person_id();
  ASSERT_TRUE(cached_under_epoch(id)) << registry_->LogTail();
  const std::string epoch = get(epoch_key);

  auto search_doc = [&](const std::string& number) {
    rv1::SearchPeopleRequest req;
    req.set_document_number(number);
    req.set_document_type(rv1::DOCUMENT_TYPE_CCCD);
    return SearchIds(req);
  };

  // FLUSHALL: the registry answers from Postgres, and the cache is refilled
  // under the same epoch.
  auto flushed = client->Command({"FLUSHALL"});
  ASSERT_TRUE(flushed.ok()) << flushed.status();
  rv1::RegisterResponse again =
      MustRegister(Person("redis-2", "Vũ Thị Hoa", "026 195 012 345"));
  EXPECT_EQ(again.outcome(), rv1::REGISTER_OUTCOME_EXISTING);
  EXPECT_EQ(again.person_id(), id);
  EXPECT_THAT(search_doc(cccd), UnorderedElementsAre(id));
  EXPECT_TRUE(cached_under_epoch(id)) << registry_->LogTail();
  EXPECT_EQ(get(epoch_key), epoch);

  // Restarted empty (no persistence), on the same port.
  client.reset();
  ASSERT_TRUE(server.Restart().ok());
  client = connect();
  rv1::RegisterResponse after_restart =
      MustRegister(Person("redis-3", "Vũ Thị Hoa", "026.195.012.345"));
  EXPECT_EQ(after_restart.outcome(), rv1::REGISTER_OUTCOME_EXISTING);
  EXPECT_EQ(after_restart.person_id(), id);
  EXPECT_THAT(search_doc("026195012345"), UnorderedElementsAre(id));
  EXPECT_TRUE(cached_under_epoch(id)) << registry_->LogTail();

  // A wrong hint under the current epoch (another real person, or no one)
  // is confirmed in Postgres and ignored.
  const std::string someone_else =
      MustRegister(Person("redis-other", "Vũ Văn Hải", Cccd(6001))).person_id();
  ASSERT_FALSE(someone_else.empty());
  for (const std::string& hint :
       {someone_else, std::string("0190f0e0-0000-7000-8000-000000000000")}) {
    ASSERT_FALSE(get(epoch_key).empty());
    ASSERT_TRUE(client->Set(cache_key, hint).ok());
    rv1::RegisterResponse hinted = MustRegister(
        Person(absl::StrCat("redis-hint-", hint), "Vũ Thị Hoa", cccd));
    EXPECT_EQ(hinted.outcome(), rv1::REGISTER_OUTCOME_EXISTING) << hint;
    EXPECT_EQ(hinted.person_id(), id) << hint;
  }
  EXPECT_EQ(Query("SELECT count(*) FROM registry.persons"), 2);
  EXPECT_EQ(Query("SELECT count(*) FROM registry.documents WHERE linked AND"
                  " doc_key = 'ID12:026195012345'"),
            1);
  // The feeder puts the right owner back after the EXISTING registration.
  EXPECT_TRUE(cached_under_epoch(id)) << registry_->LogTail();
}

}  // namespace
}  // namespace relief::testing

// Integration tests for RedisClient against real redis-server processes:
// the shared server named by RELIEF_TEST_REDIS ("host:port"), and private
// servers (RedisServerProcess) for the outage tests, which stop, pause and
// restart them. No mocks.
#include "common/redis/redis_client.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/redis/testing/redis_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace relief::redis {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr char kHowToRun[] =
    "These integration tests need a running Redis named by the environment "
    "variable RELIEF_TEST_REDIS=host:port. Run them through tests/run, which "
    "starts one, or by hand:\n"
    "  redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no "
    "--daemonize yes --dir /tmp\n"
    "  RELIEF_TEST_REDIS=127.0.0.1:6390 ctest -L integration";

// A key prefix no other test (or parallel run) uses.
std::string UniquePrefix() {
  std::random_device device;
  const uint64_t bits = (static_cast<uint64_t>(device()) << 32) ^ device();
  return absl::StrCat("test:redis_client:", absl::Hex(bits, absl::kZeroPad16),
                      ":");
}

// Calls `done` until it returns true or `timeout` passes; true if it did.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));  // Poll interval, not a wait.
  }
  return true;
}

// Records log lines so tests can count the warnings an outage produces.
class RecordingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  int Count(spdlog::level::level_enum level, absl::string_view needle) {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(
        std::count_if(lines_.begin(), lines_.end(), [&](const auto& line) {
          return line.first == level && absl::StrContains(line.second, needle);
        }));
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.level,
                        std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::vector<std::pair<spdlog::level::level_enum, std::string>> lines_;
};

// Attaches a RecordingSink to the default logger for its lifetime.
class ScopedLogRecorder {
 public:
  ScopedLogRecorder() : sink_(std::make_shared<RecordingSink>()) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~ScopedLogRecorder() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  RecordingSink& sink() { return *sink_; }

 private:
  std::shared_ptr<RecordingSink> sink_;
};

// ---------------------------------------------------------------------------
// Options and address parsing (no server needed).

TEST(RedisOptionsTest, DefaultsAreTheDocumentedOnes) {
  const RedisOptions options;
  EXPECT_EQ(options.host, "127.0.0.1");
  EXPECT_EQ(options.port, 6379);
  EXPECT_EQ(options.connect_timeout, absl::Milliseconds(200));
  EXPECT_EQ(options.command_timeout, absl::Milliseconds(200));
  EXPECT_EQ(options.pool_size, 8);
  EXPECT_EQ(options.reconnect_backoff, absl::Milliseconds(500));
  EXPECT_EQ(options.key_prefix, "");
}

TEST(ParseRedisAddressTest, AcceptsHostPortAndBracketedIpv6) {
  absl::StatusOr<RedisOptions> a = ParseRedisAddress("10.0.0.7:6380");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "10.0.0.7");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->pool_size, 8);

  absl::StatusOr<RedisOptions> b = ParseRedisAddress("redis.internal:1");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->host, "redis.internal");
  EXPECT_EQ(b->port, 1);

  absl::StatusOr<RedisOptions> c = ParseRedisAddress("[::1]:65535");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 65535);
}

TEST(ParseRedisAddressTest, RejectsMalformedAddresses) {
  for (absl::string_view bad :
       {"", "localhost", ":6379", "host:", "host:0", "host:65536", "host:-1",
        "host:+80", "host:63x", "::1:6379", "[::1]", "[::1:6379", "host: 80"}) {
    absl::StatusOr<RedisOptions> parsed = ParseRedisAddress(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << "address \"" << bad << "\" gave " << parsed.status();
  }
}

// ---------------------------------------------------------------------------
// Against the shared server (RELIEF_TEST_REDIS).

class SharedRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* address = std::getenv("RELIEF_TEST_REDIS");
    ASSERT_TRUE(address != nullptr && *address != '\0')
        << "RELIEF_TEST_REDIS is not set.\n"
        << kHowToRun;
    absl::StatusOr<RedisOptions> options = ParseRedisAddress(address);
    ASSERT_TRUE(options.ok()) << options.status() << "\n" << kHowToRun;
    options->key_prefix = UniquePrefix();
    // The shared server may be busy with parallel tests: be generous.
    options->command_timeout = absl::Seconds(2);
    options->connect_timeout = absl::Seconds(2);
    options_ = *options;
    client_ = RedisClient::Create(options_);
    const absl::Status ping = client_->Ping();
    ASSERT_TRUE(ping.ok()) << "cannot reach RELIEF_TEST_REDIS=" << address
                           << ": " << ping << "\n"
                           << kHowToRun;
  }

  // Deletes every key under this test's prefix.
  void TearDown() override {
    if (client_ == nullptr || !client_->Ping().ok()) return;
    std::string cursor = "0";
    do {
      absl::StatusOr<Reply> page =
          client_->Command({"SCAN", cursor, "MATCH", options_.key_prefix + "*",
                            "COUNT", "1000"});
      if (!page.ok() || page->elements.size() != 2) return;
      cursor = page->elements[0].str;
      for (const Reply& key : page->elements[1].elements) {
        (void)client_->Command({"DEL", key.str});
      }
    } while (cursor != "0");
  }

  // PTTL of the prefixed `key`, in ms (-1 no expiry, -2 missing).
  int64_t Pttl(absl::string_view key) {
    absl::StatusOr<Reply> reply = client_->Command({"PTTL", client_->Key(key)});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->integer : -3;
  }

  RedisOptions options_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(SharedRedisTest, GetOfMissingKeyIsNullopt) {
  absl::StatusOr<std::optional<std::string>> value = client_->Get("missing");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, std::nullopt);
}

TEST_F(SharedRedisTest, SetThenGetRoundTripsAndOverwrites) {
  ASSERT_TRUE(client_->Set("k", "v1").ok());
  EXPECT_THAT(*client_->Get("k"), Optional(std::string("v1")));
  ASSERT_TRUE(client_->Set("k", "second value").ok());
  EXPECT_THAT(*client_->Get("k"), Optional(std::string("second value")));
  ASSERT_TRUE(client_->Set("empty", "").ok());
  EXPECT_THAT(*client_->Get("empty"), Optional(std::string()));
}

TEST_F(SharedRedisTest, SetWithTtlExpiresAndWithoutTtlDoesNot) {
  ASSERT_TRUE(client_->Set("k", "v", absl::Seconds(10)).ok());
  const int64_t pttl = Pttl("k");
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 10000);

  // Set without a ttl replaces the expiry with none.
  ASSERT_TRUE(client_->Set("k", "v").ok());
  EXPECT_EQ(Pttl("k"), -1);
  ASSERT_TRUE(client_->Set("k", "v", absl::InfiniteDuration()).ok());
  EXPECT_EQ(Pttl("k"), -1);

  // A sub-millisecond ttl is rounded up, not down to "no expiry".
  ASSERT_TRUE(client_->Set("short", "v", absl::Microseconds(300)).ok());
  EXPECT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<std::optional<std::string>> v = client_->Get("short");
        return v.ok() && !v->has_value();
      },
      absl::Seconds(5)))
      << "a key set with a 1 ms ttl never expired";
}

TEST_F(SharedRedisTest, NegativeTtlIsInvalidArgument) {
  EXPECT_EQ(client_->Set("k", "v", absl::Seconds(-1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->SetIfAbsent("k", "v", absl::Seconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->Incr("k", absl::Seconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(*client_->Get("k"), std::nullopt);
}

TEST_F(SharedRedisTest, SetIfAbsentStoresOnlyTheFirstValue) {
  absl::StatusOr<bool> first =
      client_->SetIfAbsent("nx", "first", absl::Seconds(30));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first);
  absl::StatusOr<bool> second = client_->SetIfAbsent("nx", "second");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(*second);
  EXPECT_THAT(*client_->Get("nx"), Optional(std::string("first")));
  // The losing call left the winner's ttl in place.
  const int64_t pttl = Pttl("nx");
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 30000);
}

TEST_F(SharedRedisTest, DelRemovesTheKeyAndIgnoresMissingOnes) {
  ASSERT_TRUE(client_->Set("gone", "v").ok());
  ASSERT_TRUE(client_->Del("gone").ok());
  EXPECT_EQ(*client_->Get("gone"), std::nullopt);
  EXPECT_TRUE(client_->Del("never-existed").ok());
}

TEST_F(SharedRedisTest, BinaryKeysAndValuesWithNulRoundTrip) {
  const std::string key("bin\0key", 7);
  const std::string value("\0a\0b\xff\r\n\0", 8);
  ASSERT_EQ(value.size(), 8u);
  ASSERT_TRUE(client_->Set(key, value).ok());

  absl::StatusOr<std::optional<std::string>> got = client_->Get(key);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, value);
  EXPECT_EQ((*got)->size(), 8u);

  // The key really contains the NUL: the part before it is another key.
  EXPECT_EQ(*client_->Get("bin"), std::nullopt);

  absl::StatusOr<std::vector<std::optional<std::string>>> many =
      client_->MGet({key});
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_THAT(*many, ElementsAre(Optional(value)));

  // A large binary value (every byte value, 1 MiB).
  std::string large(1 << 20, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i);
  ASSERT_TRUE(client_->Set("large", large).ok());
  absl::StatusOr<std::optional<std::string>> large_got = client_->Get("large");
  ASSERT_TRUE(large_got.ok()) << large_got.status();
  EXPECT_TRUE(large_got->has_value() && **large_got == large);
}

TEST_F(SharedRedisTest, MGetReturnsValuesInOrderWithNulloptForMissing) {
  ASSERT_TRUE(client_->Set("a", "1").ok());
  ASSERT_TRUE(client_->Set("c", "3").ok());
  ASSERT_TRUE(client_->Command({"RPUSH", client_->Key("list"), "x"}).ok());
  absl::StatusOr<std::vector<std::optional<std::string>>> values =
      client_->MGet({"c", "b", "a", "list", "a"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_THAT(*values, ElementsAre(Optional(std::string("3")), std::nullopt,
                                   Optional(std::string("1")), std::nullopt,
                                   Optional(std::string("1"))));
}

TEST_F(SharedRedisTest, MGetOfNoKeysDoesNotContactRedis) {
  const int64_t before = client_->stats().commands;
  absl::StatusOr<std::vector<std::optional<std::string>>> values =
      client_->MGet({});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_TRUE(values->empty());
  EXPECT_EQ(client_->stats().commands, before);
}

TEST_F(SharedRedisTest, IncrCountsAndSetsTheTtlOnlyWhenItCreatesTheKey) {
  absl::StatusOr<int64_t> first = client_->Incr("rate", absl::Seconds(60));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1);
  int64_t pttl = Pttl("rate");
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 60000);

  // Shorten the expiry by hand: later increments must not extend it.
  ASSERT_TRUE(client_->Command({"PEXPIRE", client_->Key("rate"), "5000"}).ok());
  EXPECT_EQ(*client_->Incr("rate", absl::Seconds(60)), 2);
  EXPECT_EQ(*client_->Incr("rate", absl::Seconds(60)), 3);
  pttl = Pttl("rate");
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 5000);
  EXPECT_THAT(*client_->Get("rate"), Optional(std::string("3")));

  // No ttl: the counter never expires.
  EXPECT_EQ(*client_->Incr("forever", absl::ZeroDuration()), 1);
  EXPECT_EQ(Pttl("forever"), -1);
}

TEST_F(SharedRedisTest, ErrorRepliesAreInternalAndNotOutages) {
  ASSERT_TRUE(client_->Set("text", "abc").ok());
  absl::StatusOr<int64_t> incr = client_->Incr("text", absl::Seconds(5));
  EXPECT_EQ(incr.status().code(), absl::StatusCode::kInternal) << incr.status();
  EXPECT_THAT(std::string(incr.status().message()),
              HasSubstr("not an integer"));
  // The failed script did not give the existing key an expiry.
  EXPECT_EQ(Pttl("text"), -1);

  ASSERT_TRUE(client_->Command({"RPUSH", client_->Key("list"), "x"}).ok());
  absl::StatusOr<std::optional<std::string>> get = client_->Get("list");
  EXPECT_EQ(get.status().code(), absl::StatusCode::kInternal) << get.status();
  EXPECT_THAT(std::string(get.status().message()), HasSubstr("WRONGTYPE"));

  const RedisClient::Stats stats = client_->stats();
  EXPECT_EQ(stats.errors, 2);
  EXPECT_EQ(stats.outages, 0);
  EXPECT_TRUE(stats.available);
  EXPECT_TRUE(client_->Ping().ok());
}

TEST_F(SharedRedisTest, CommandReturnsTypedReplies) {
  const std::string list = client_->Key("list");
  EXPECT_EQ(*client_->Command({"SET", client_->Key("s"), "v"}),
            Reply::Status("OK"));
  EXPECT_EQ(*client_->Command({"GET", client_->Key("nothing")}), Reply::Nil());
  EXPECT_EQ(*client_->Command({"RPUSH", list, "a", std::string("b\0c", 3)}),
            Reply::Integer(2));
  EXPECT_EQ(*client_->Command({"LRANGE", list, "0", "-1"}),
            Reply::Array(
                {Reply::String("a"), Reply::String(std::string("b\0c", 3))}));

  // An error inside an array stays an element; only a top-level error
  // becomes a status.
  absl::StatusOr<Reply> nested = client_->Command(
      {"EVAL", "return {1, 'x', redis.error_reply('boom')}", "0"});
  ASSERT_TRUE(nested.ok()) << nested.status();
  ASSERT_EQ(nested->type, Reply::Type::kArray) << nested->DebugString();
  ASSERT_EQ(nested->elements.size(), 3u) << nested->DebugString();
  EXPECT_EQ(nested->elements[0], Reply::Integer(1));
  EXPECT_EQ(nested->elements[1], Reply::String("x"));
  EXPECT_EQ(nested->elements[2].type, Reply::Type::kError);
  EXPECT_THAT(nested->elements[2].str, HasSubstr("boom"));

  absl::StatusOr<Reply> unknown = client_->Command({"NOSUCHCOMMAND", "x"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(unknown.status().message()),
              StartsWith("redis: ERR"));

  EXPECT_EQ(client_->Command({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SharedRedisTest, KeyPrefixSeparatesClients) {
  RedisOptions other_options = options_;
  other_options.key_prefix = UniquePrefix();
  std::unique_ptr<RedisClient> other = RedisClient::Create(other_options);

  ASSERT_TRUE(client_->Set("shared-name", "mine").ok());
  EXPECT_EQ(*other->Get("shared-name"), std::nullopt);
  EXPECT_EQ(client_->Key("shared-name"), options_.key_prefix + "shared-name");
  // The prefixed key is a plain key for Command().
  EXPECT_EQ(*other->Command({"GET", client_->Key("shared-name")}),
            Reply::String("mine"));
}

TEST_F(SharedRedisTest, SixteenThreadsIncrementingOneKeyCountExactly) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 500;
  absl::Mutex mu;
  std::vector<int64_t> seen;
  std::vector<absl::Status> failures;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<int64_t> mine;
      mine.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<int64_t> v = client_->Incr("hot", absl::Minutes(5));
        if (!v.ok()) {
          absl::MutexLock lock(&mu);
          failures.push_back(v.status());
          continue;
        }
        mine.push_back(*v);
      }
      absl::MutexLock lock(&mu);
      seen.insert(seen.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : threads) t.join();

  ASSERT_TRUE(failures.empty())
      << failures.size() << " failures, first: " << failures.front();
  // Every increment returned a distinct value, and together they are
  // exactly 1..N.
  const std::set<int64_t> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kPerThread);
  EXPECT_THAT(*client_->Get("hot"),
              Optional(absl::StrCat(kThreads * kPerThread)));
  EXPECT_GT(Pttl("hot"), 0);

  const RedisClient::Stats stats = client_->stats();
  EXPECT_EQ(stats.errors, 0);
  EXPECT_LE(stats.open_connections, options_.pool_size);
  EXPECT_LE(stats.connect_attempts, options_.pool_size);
}

// The server closing our connection (CLIENT KILL) while we write a large
// command must give UNAVAILABLE, not a SIGPIPE that kills the process; the
// client then reconnects by itself.
TEST_F(SharedRedisTest, ConnectionClosedByServerIsDiscardedWithoutSigpipe) {
  RedisOptions options = options_;
  options.pool_size = 1;
  options.reconnect_backoff = absl::Milliseconds(10);
  std::unique_ptr<RedisClient> victim = RedisClient::Create(options);
  absl::StatusOr<Reply> id = victim->Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(id->type, Reply::Type::kInteger);

  ASSERT_TRUE(
      client_->Command({"CLIENT", "KILL", "ID", absl::StrCat(id->integer)})
          .ok());
  const std::string big(8 << 20, 'x');
  const absl::Status write = victim->Set("big", big);
  EXPECT_EQ(write.code(), absl::StatusCode::kUnavailable) << write;
  EXPECT_THAT(std::string(write.message()), StartsWith("redis: "));
  EXPECT_EQ(victim->stats().outages, 1);

  EXPECT_TRUE(PollUntil([&] { return victim->Set("big", big).ok(); },
                        absl::Seconds(10)))
      << "the client did not reconnect after its connection was killed";
  EXPECT_EQ(victim->stats().outages, 1);
  EXPECT_TRUE(victim->stats().available);
}

// ---------------------------------------------------------------------------
// Outages, against a private server that the test stops, pauses and restarts.

using testing::RedisServerProcess;

RedisOptions OptionsFor(int port) {
  RedisOptions options;
  options.port = port;
  options.command_timeout = absl::Milliseconds(200);
  options.reconnect_backoff = absl::Milliseconds(500);
  options.key_prefix = UniquePrefix();
  return options;
}

// Makes `calls` calls while Redis is unreachable; each must be UNAVAILABLE.
// Returns the total time and records the slowest call.
absl::Duration TimeFailingCalls(RedisClient& client, int calls,
                                absl::Duration* slowest) {
  *slowest = absl::ZeroDuration();
  const absl::Time start = absl::Now();
  for (int i = 0; i < calls; ++i) {
    const absl::Time before = absl::Now();
    const absl::StatusOr<std::optional<std::string>> got =
        client.Get(absl::StrCat("k", i));
    *slowest = std::max(*slowest, absl::Now() - before);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable)
        << "call " << i << ": " << got.status();
    EXPECT_THAT(std::string(got.status().message()), StartsWith("redis: "));
  }
  return absl::Now() - start;
}

TEST(RedisOutageTest, CreateNeverFailsAndConnectsOnceRedisComesUp) {
  absl::StatusOr<int> port = RedisServerProcess::PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  std::unique_ptr<RedisClient> client = RedisClient::Create(OptionsFor(*port));
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->stats().connect_attempts, 0) << "Create() connected";

  const absl::Status refused = client->Ping();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("refused"));
  EXPECT_EQ(client->stats().outages, 1);
  EXPECT_FALSE(client->stats().available);

  RedisServerProcess server;
  ASSERT_TRUE(server.Start(*port).ok());
  EXPECT_TRUE(PollUntil([&] { return client->Ping().ok(); }, absl::Seconds(10)))
      << "client never connected to the server started after it";
  EXPECT_TRUE(client->Set("k", "v").ok());
  EXPECT_THAT(*client->Get("k"), Optional(std::string("v")));
  EXPECT_EQ(client->stats().outages, 1);
  EXPECT_TRUE(client->stats().available);
}

TEST(RedisOutageTest, StoppedRedisFailsFastThenClientRecoversByItself) {
  ScopedLogRecorder logs;
  RedisServerProcess server;
  const absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  const RedisOptions options = OptionsFor(server.port());
  std::unique_ptr<RedisClient> client = RedisClient::Create(options);
  ASSERT_TRUE(client->Set("k", "v").ok());
  ASSERT_TRUE(client->Ping().ok());
  EXPECT_EQ(client->stats().outages, 0);

  ASSERT_TRUE(server.Stop().ok());
  const int64_t connects_before = client->stats().connect_attempts;
  absl::Duration slowest;
  const absl::Duration total = TimeFailingCalls(*client, 100, &slowest);
  std::printf("stopped redis: 100 calls in %s, slowest %s\n",
              absl::FormatDuration(total).c_str(),
              absl::FormatDuration(slowest).c_str());
  // Loose bounds: fail fast, not one timeout per call.
  EXPECT_LT(total, absl::Seconds(2));
  EXPECT_LT(slowest, options.command_timeout + absl::Seconds(1));
  // Backoff: at most one reconnect attempt per reconnect_backoff.
  EXPECT_LE(client->stats().connect_attempts - connects_before,
            2 + total / options.reconnect_backoff);

  RedisClient::Stats down = client->stats();
  EXPECT_EQ(down.outages, 1);
  EXPECT_FALSE(down.available);
  EXPECT_GE(down.errors, 100);

  const absl::Status restarted = server.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_TRUE(PollUntil([&] { return client->Ping().ok(); }, absl::Seconds(10)))
      << "client did not recover after Redis restarted";
  ASSERT_TRUE(client->Set("k", "again").ok());
  EXPECT_THAT(*client->Get("k"), Optional(std::string("again")));

  const RedisClient::Stats up = client->stats();
  EXPECT_EQ(up.outages, 1);
  EXPECT_TRUE(up.available);
  // One warning for the outage and one info for the recovery, not one per
  // failed call.
  EXPECT_EQ(logs.sink().Count(spdlog::level::warn, "redis unavailable"), 1);
  EXPECT_EQ(logs.sink().Count(spdlog::level::warn, "continuing without cache"),
            1);
  EXPECT_EQ(logs.sink().Count(spdlog::level::info, "redis available again"), 1);
}

TEST(RedisOutageTest, PausedRedisCostsOneTimeoutThenFailsFast) {
  RedisServerProcess server;
  const absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  const RedisOptions options = OptionsFor(server.port());
  std::unique_ptr<RedisClient> client = RedisClient::Create(options);
  ASSERT_TRUE(client->Ping().ok());

  ASSERT_TRUE(server.Pause().ok());
  const absl::Time before = absl::Now();
  const absl::Status timed_out = client->Ping();
  const absl::Duration first = absl::Now() - before;
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kUnavailable) << timed_out;
  EXPECT_THAT(std::string(timed_out.message()), HasSubstr("no reply"));
  EXPECT_LT(first, options.command_timeout + absl::Seconds(1));

  absl::Duration slowest;
  const absl::Duration total = TimeFailingCalls(*client, 100, &slowest);
  std::printf("paused redis: first call %s; next 100 calls in %s, slowest %s\n",
              absl::FormatDuration(first).c_str(),
              absl::FormatDuration(total).c_str(),
              absl::FormatDuration(slowest).c_str());
  EXPECT_LT(total, absl::Seconds(2));
  EXPECT_LT(slowest, options.command_timeout + absl::Seconds(1));
  EXPECT_EQ(client->stats().outages, 1);

  ASSERT_TRUE(server.Resume().ok());
  EXPECT_TRUE(PollUntil([&] { return client->Ping().ok(); }, absl::Seconds(10)))
      << "client did not recover after Redis resumed";
  EXPECT_EQ(client->stats().outages, 1);
  EXPECT_TRUE(client->stats().available);
}

TEST(RedisServerProcessTest, StartStopRestartOnTheSamePort) {
  RedisServerProcess server;
  EXPECT_EQ(server.Restart().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(server.running());
  const int port = server.port();
  EXPECT_GT(port, 0);
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<RedisOptions> options = ParseRedisAddress(server.address());
  ASSERT_TRUE(options.ok()) << options.status();
  std::unique_ptr<RedisClient> client = RedisClient::Create(*options);
  EXPECT_TRUE(client->Ping().ok());

  ASSERT_TRUE(server.Restart().ok());
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.port(), port);
  ASSERT_TRUE(server.Stop().ok());
  EXPECT_FALSE(server.running());
  EXPECT_TRUE(server.Stop().ok());
}

}  // namespace
}  // namespace relief::redis

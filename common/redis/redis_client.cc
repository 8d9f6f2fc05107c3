#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <cstddef>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"

namespace relief::redis {
namespace {

using SteadyClock = std::chrono::steady_clock;

// INCR that gives a key it creates an expiry in the same atomic step.
// KEYS[1] = key, ARGV[1] = ttl in milliseconds.
constexpr absl::string_view kIncrWithTtlScript =
    "local new = redis.call('EXISTS', KEYS[1]) == 0\n"
    "local v = redis.call('INCR', KEYS[1])\n"
    "if new then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
    "return v\n";

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<void, ReplyDeleter>;

// hiredis writes with write(2): a peer that closed the connection would
// raise SIGPIPE and, with the default disposition, kill the process. Blocks
// SIGPIPE on the calling thread for one command and discards a SIGPIPE the
// command raised (the libpq approach), without touching the process-wide
// disposition.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        const struct timespec zero = {0, 0};
        sigtimedwait(&sigpipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

Reply ToReply(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(r.str, r.len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR: {
      Reply reply;
      reply.type = Reply::Type::kError;
      reply.str.assign(r.str, r.len);
      return reply;
    }
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(r.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) {
        elements.push_back(ToReply(*r.element[i]));
      }
      return Reply::Array(std::move(elements));
    }
    case REDIS_REPLY_NIL:
    default:
      return Reply::Nil();
  }
}

// Milliseconds for PX / PEXPIRE, or nullopt for "no expiry".
absl::StatusOr<std::optional<int64_t>> TtlMillis(absl::Duration ttl) {
  if (ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "redis: ttl must not be negative, got ", absl::FormatDuration(ttl)));
  }
  if (ttl == absl::ZeroDuration() || ttl == absl::InfiniteDuration()) {
    return std::nullopt;
  }
  return absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1)));
}

std::string Endpoint(const RedisOptions& options) {
  return absl::StrCat(options.host, ":", options.port);
}

}  // namespace

// ---------------------------------------------------------------------------
// Reply

Reply Reply::Integer(int64_t value) {
  Reply r;
  r.type = Type::kInteger;
  r.integer = value;
  return r;
}

Reply Reply::String(std::string value) {
  Reply r;
  r.type = Type::kString;
  r.str = std::move(value);
  return r;
}

Reply Reply::Status(std::string value) {
  Reply r;
  r.type = Type::kStatus;
  r.str = std::move(value);
  return r;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply r;
  r.type = Type::kArray;
  r.elements = std::move(elements);
  return r;
}

std::string Reply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "(nil)";
    case Type::kInteger:
      return absl::StrCat("(integer) ", integer);
    case Type::kString:
      return absl::StrCat("\"", absl::CEscape(str), "\"");
    case Type::kStatus:
      return absl::StrCat("(status) ", str);
    case Type::kError:
      return absl::StrCat("(error) ", str);
    case Type::kArray:
      return absl::StrCat("[",
                          absl::StrJoin(elements, ", ",
                                        [](std::string* out, const Reply& e) {
                                          out->append(e.DebugString());
                                        }),
                          "]");
  }
  return "(unknown)";
}

// ---------------------------------------------------------------------------
// ParseRedisAddress

absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address) {
  const std::string original(address);
  auto invalid = [&original](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "redis address \"", original, "\": ", why, " (expected host:port)"));
  };
  absl::string_view host;
  absl::string_view port_text;
  if (absl::ConsumePrefix(&address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) return invalid("missing ']'");
    host = address.substr(0, close);
    absl::string_view rest = address.substr(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) return invalid("missing port");
    port_text = rest;
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return invalid("missing port");
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (absl::StrContains(host, ':')) {
      return invalid("an IPv6 host must be written in brackets");
    }
  }
  if (host.empty()) return invalid("empty host");
  int port = 0;
  if (port_text.empty() || !absl::ascii_isdigit(port_text[0]) ||
      !absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return invalid("port must be an integer in [1, 65535]");
  }
  RedisOptions options;
  options.host = std::string(host);
  options.port = port;
  return options;
}

// ---------------------------------------------------------------------------
// Connection: one hiredis context, owned exclusively by one caller at a time.

class RedisClient::Connection {
 public:
  // Connects and sets the command timeout. UNAVAILABLE on any failure.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const RedisOptions& options, uint64_t generation) {
    redisContext* raw = nullptr;
    if (options.connect_timeout > absl::ZeroDuration()) {
      raw = redisConnectWithTimeout(options.host.c_str(), options.port,
                                    absl::ToTimeval(options.connect_timeout));
    } else {
      raw = redisConnect(options.host.c_str(), options.port);
    }
    if (raw == nullptr) {
      return absl::UnavailableError(
          "redis: cannot allocate a connection context");
    }
    ContextPtr context(raw);
    if (context->err != 0) {
      return absl::UnavailableError(absl::StrCat("redis: connect to ",
                                                 Endpoint(options),
                                                 " failed: ", context->errstr));
    }
    if (options.command_timeout > absl::ZeroDuration() &&
        redisSetTimeout(context.get(),
                        absl::ToTimeval(options.command_timeout)) != REDIS_OK) {
      return absl::UnavailableError(
          absl::StrCat("redis: cannot set the command timeout on ",
                       Endpoint(options), ": ", context->errstr));
    }
    return std::unique_ptr<Connection>(
        new Connection(std::move(context), generation));
  }

  // Sends one command and reads its reply. An error reply is a Reply of type
  // kError; UNAVAILABLE means the connection is unusable.
  absl::StatusOr<Reply> Execute(const std::vector<absl::string_view>& argv,
                                const RedisOptions& options) {
    std::vector<const char*> pointers;
    std::vector<size_t> lengths;
    pointers.reserve(argv.size());
    lengths.reserve(argv.size());
    for (absl::string_view arg : argv) {
      pointers.push_back(arg.data() != nullptr ? arg.data() : "");
      lengths.push_back(arg.size());
    }
    ReplyPtr reply;
    {
      ScopedSigpipeBlock block_sigpipe;
      reply.reset(redisCommandArgv(context_.get(),
                                   static_cast<int>(pointers.size()),
                                   pointers.data(), lengths.data()));
    }
    if (reply == nullptr) return DescribeFailure(options);
    return ToReply(*static_cast<const redisReply*>(reply.get()));
  }

  uint64_t generation() const { return generation_; }
  bool probe() const { return probe_; }
  void set_probe(bool probe) { probe_ = probe; }

 private:
  Connection(ContextPtr context, uint64_t generation)
      : context_(std::move(context)), generation_(generation) {}

  absl::Status DescribeFailure(const RedisOptions& options) const {
    const redisContext& c = *context_;
    const absl::string_view errstr = c.errstr;
    if (c.err == REDIS_ERR_IO &&
        (absl::StrContains(errstr, "temporarily unavailable") ||
         absl::StrContains(errstr, "timed out"))) {
      return absl::UnavailableError(absl::StrCat(
          "redis: no reply from ", Endpoint(options), " within ",
          absl::FormatDuration(options.command_timeout), " (", errstr, ")"));
    }
    if (c.err == 0) {
      return absl::UnavailableError(
          absl::StrCat("redis: command to ", Endpoint(options), " failed"));
    }
    return absl::UnavailableError(
        absl::StrCat("redis: I/O error on ", Endpoint(options), ": ", errstr));
  }

  ContextPtr context_;
  const uint64_t generation_;
  bool probe_ = false;
};

// ---------------------------------------------------------------------------
// RedisClient

std::unique_ptr<RedisClient> RedisClient::Create(RedisOptions options) {
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(options)));
}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)),
      pool_size_(options_.pool_size < 1 ? 1 : options_.pool_size) {}

RedisClient::~RedisClient() = default;

std::string RedisClient::Key(absl::string_view key) const {
  return absl::StrCat(options_.key_prefix, key);
}

RedisClient::Stats RedisClient::stats() const {
  Stats s;
  s.commands = commands_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.connect_attempts = connect_attempts_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  s.outages = outages_;
  s.open_connections = open_;
  s.available = available_;
  return s;
}

bool RedisClient::CanAcquireLocked() const {
  return !idle_.empty() || open_ < pool_size_ || !available_;
}

absl::StatusOr<std::unique_ptr<RedisClient::Connection>>
RedisClient::Acquire() {
  const absl::Time wait_deadline =
      options_.command_timeout > absl::ZeroDuration()
          ? absl::Now() + options_.command_timeout
          : absl::InfiniteFuture();
  uint64_t generation = 0;
  bool probe = false;
  {
    absl::MutexLock lock(&mu_);
    while (true) {
      if (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      if (!available_ && (probing_ || SteadyClock::now() < next_connect_at_ ||
                          open_ >= pool_size_)) {
        // Fail fast: a dead or paused Redis must cost callers nothing.
        return absl::UnavailableError(
            absl::StrCat("redis: unavailable (", last_error_, ")"));
      }
      if (open_ < pool_size_) {
        ++open_;
        generation = generation_;
        if (!available_) {
          probing_ = true;
          probe = true;
        }
        break;
      }
      if (!mu_.AwaitWithDeadline(
              absl::Condition(this, &RedisClient::CanAcquireLocked),
              wait_deadline)) {
        return absl::UnavailableError(
            absl::StrCat("redis: all ", pool_size_, " connections to ",
                         Endpoint(options_), " stayed busy for ",
                         absl::FormatDuration(options_.command_timeout)));
      }
    }
  }

  connect_attempts_.fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(options_, generation);
  if (conn.ok()) {
    (*conn)->set_probe(probe);
    return conn;
  }
  std::vector<std::unique_ptr<Connection>> dropped;
  bool went_down = false;
  {
    absl::MutexLock lock(&mu_);
    --open_;
    if (probe) probing_ = false;
    RecordFailureLocked(conn.status(), &dropped, &went_down);
  }
  dropped.clear();
  if (went_down) {
    spdlog::warn("redis unavailable: {}; continuing without cache",
                 std::string(conn.status().message()));
  }
  return conn.status();
}

void RedisClient::RecordFailureLocked(
    const absl::Status& failure,
    std::vector<std::unique_ptr<Connection>>* dropped, bool* went_down) {
  const SteadyClock::time_point now = SteadyClock::now();
  last_error_ = std::string(failure.message());
  next_connect_at_ =
      now + absl::ToChronoNanoseconds(options_.reconnect_backoff);
  ++generation_;
  open_ -= static_cast<int>(idle_.size());
  for (std::unique_ptr<Connection>& conn : idle_) {
    dropped->push_back(std::move(conn));
  }
  idle_.clear();
  if (available_) {
    available_ = false;
    down_since_ = now;
    ++outages_;
    *went_down = true;
  }
}

void RedisClient::Release(std::unique_ptr<Connection> conn,
                          const absl::Status& failure) {
  std::vector<std::unique_ptr<Connection>> dropped;
  bool went_down = false;
  bool came_up = false;
  SteadyClock::duration downtime{};
  {
    absl::MutexLock lock(&mu_);
    if (conn->probe()) {
      probing_ = false;
      conn->set_probe(false);
    }
    if (!failure.ok()) {
      --open_;
      dropped.push_back(std::move(conn));
      RecordFailureLocked(failure, &dropped, &went_down);
    } else {
      if (!available_) {
        available_ = true;
        came_up = true;
        downtime = SteadyClock::now() - down_since_;
      }
      if (conn->generation() != generation_) {
        --open_;
        dropped.push_back(std::move(conn));
      } else {
        idle_.push_back(std::move(conn));
      }
    }
  }
  dropped.clear();  // Closes sockets outside the lock.
  if (went_down) {
    spdlog::warn("redis unavailable: {}; continuing without cache",
                 std::string(failure.message()));
  }
  if (came_up) {
    spdlog::info("redis available again at {} after {} ms", Endpoint(options_),
                 std::chrono::duration_cast<std::chrono::milliseconds>(downtime)
                     .count());
  }
}

absl::StatusOr<Reply> RedisClient::Run(
    const std::vector<absl::string_view>& argv) {
  commands_.fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<std::unique_ptr<Connection>> conn = Acquire();
  if (!conn.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return conn.status();
  }
  absl::StatusOr<Reply> reply = (*conn)->Execute(argv, options_);
  Release(std::move(*conn), reply.status());
  if (!reply.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return reply.status();
  }
  if (reply->type == Reply::Type::kError) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return absl::InternalError(absl::StrCat("redis: ", reply->str));
  }
  return reply;
}

namespace {

// The status for a well-formed reply of a type the call does not expect.
absl::Status UnexpectedReply(absl::string_view command, const Reply& reply) {
  return absl::InternalError(absl::StrCat("redis: unexpected reply to ",
                                          command, ": ", reply.DebugString()));
}

}  // namespace

absl::StatusOr<std::optional<std::string>> RedisClient::Get(
    absl::string_view key) {
  const std::string full_key = Key(key);
  absl::StatusOr<Reply> reply = Run({"GET", full_key});
  if (!reply.ok()) return reply.status();
  switch (reply->type) {
    case Reply::Type::kNil:
      return std::optional<std::string>();
    case Reply::Type::kString:
      return std::optional<std::string>(std::move(reply->str));
    default:
      errors_.fetch_add(1, std::memory_order_relaxed);
      return UnexpectedReply("GET", *reply);
  }
}

absl::Status RedisClient::Set(absl::string_view key, absl::string_view value,
                              absl::Duration ttl) {
  absl::StatusOr<std::optional<int64_t>> ttl_ms = TtlMillis(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  const std::string full_key = Key(key);
  std::vector<absl::string_view> argv = {"SET", full_key, value};
  std::string ms;
  if (ttl_ms->has_value()) {
    ms = absl::StrCat(**ttl_ms);
    argv.push_back("PX");
    argv.push_back(ms);
  }
  absl::StatusOr<Reply> reply = Run(argv);
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kStatus) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return UnexpectedReply("SET", *reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RedisClient::SetIfAbsent(absl::string_view key,
                                              absl::string_view value,
                                              absl::Duration ttl) {
  absl::StatusOr<std::optional<int64_t>> ttl_ms = TtlMillis(ttl);
  if (!ttl_ms.ok()) return ttl_ms.status();
  const std::string full_key = Key(key);
  std::vector<absl::string_view> argv = {"SET", full_key, value, "NX"};
  std::string ms;
  if (ttl_ms->has_value()) {
    ms = absl::StrCat(**ttl_ms);
    argv.push_back("PX");
    argv.push_back(ms);
  }
  absl::StatusOr<Reply> reply = Run(argv);
  if (!reply.ok()) return reply.status();
  switch (reply->type) {
    case Reply::Type::kStatus:
      return true;
    case Reply::Type::kNil:
      return false;
    default:
      errors_.fetch_add(1, std::memory_order_relaxed);
      return UnexpectedReply("SET NX", *reply);
  }
}

absl::Status RedisClient::Del(absl::string_view key) {
  const std::string full_key = Key(key);
  absl::StatusOr<Reply> reply = Run({"DEL", full_key});
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kInteger) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return UnexpectedReply("DEL", *reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisClient::Incr(absl::string_view key,
                                          absl::Duration ttl_if_new) {
  absl::StatusOr<std::optional<int64_t>> ttl_ms = TtlMillis(ttl_if_new);
  if (!ttl_ms.ok()) return ttl_ms.status();
  const std::string full_key = Key(key);
  absl::StatusOr<Reply> reply;
  if (ttl_ms->has_value()) {
    const std::string ms = absl::StrCat(**ttl_ms);
    reply = Run({"EVAL", kIncrWithTtlScript, "1", full_key, ms});
  } else {
    reply = Run({"INCR", full_key});
  }
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kInteger) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return UnexpectedReply("INCR", *reply);
  }
  return reply->integer;
}

absl::StatusOr<std::vector<std::optional<std::string>>> RedisClient::MGet(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  if (keys.empty()) return values;
  std::vector<std::string> full_keys;
  full_keys.reserve(keys.size());
  for (const std::string& key : keys) full_keys.push_back(Key(key));
  std::vector<absl::string_view> argv;
  argv.reserve(keys.size() + 1);
  argv.push_back("MGET");
  for (const std::string& key : full_keys) argv.push_back(key);
  absl::StatusOr<Reply> reply = Run(argv);
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kArray ||
      reply->elements.size() != keys.size()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return UnexpectedReply("MGET", *reply);
  }
  values.reserve(keys.size());
  for (Reply& element : reply->elements) {
    if (element.type == Reply::Type::kString) {
      values.emplace_back(std::move(element.str));
    } else {
      values.emplace_back(std::nullopt);
    }
  }
  return values;
}

absl::StatusOr<Reply> RedisClient::Command(
    const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return absl::InvalidArgumentError("redis: empty command");
  }
  std::vector<absl::string_view> views(argv.begin(), argv.end());
  return Run(views);
}

absl::Status RedisClient::Ping() {
  absl::StatusOr<Reply> reply = Run({"PING"});
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kStatus || reply->str != "PONG") {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return UnexpectedReply("PING", *reply);
  }
  return absl::OkStatus();
}

}  // namespace relief::redis

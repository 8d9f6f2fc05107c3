// A small, blocking Redis client over hiredis for services that use Redis as
// an optional cache (DESIGN.md §3, §6): Postgres is the system of record, so
// a Redis that is down, paused or unreachable must cost callers almost
// nothing. Calls fail fast with UNAVAILABLE while the client backs off, the
// outage is logged once and counted, and the client reconnects by itself.
//
// Error contract shared by every call below:
//   UNAVAILABLE       Redis could not be reached or did not answer in time
//                     (connection refused, I/O error, command timeout, the
//                     connection pool stayed busy for command_timeout, or the
//                     client is backing off after such a failure). Messages
//                     start with "redis: ". Retry the call later, or carry on
//                     without the cache.
//   INTERNAL          Redis answered with an error reply (e.g. WRONGTYPE, or
//                     INCR on a non-integer value), or with a reply of a type
//                     the call does not expect. The message is "redis: "
//                     followed by Redis's own text.
//   INVALID_ARGUMENT  A negative ttl.
// Nothing here throws.
#ifndef RELIEF_COMMON_REDIS_REDIS_CLIENT_H_
#define RELIEF_COMMON_REDIS_REDIS_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace relief::redis {

// Where and how to reach Redis. Plain data; copy freely.
struct RedisOptions {
  // Host name or IP address of the Redis server. Default "127.0.0.1".
  std::string host = "127.0.0.1";
  // TCP port of the Redis server. Default 6379.
  int port = 6379;
  // Upper bound on establishing one TCP connection. Default 200 ms.
  // Zero or negative: the operating system's connect timeout.
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // Upper bound on each socket read and write of one command (and on waiting
  // for a free pooled connection). Default 200 ms. Zero or negative: no
  // timeout (not recommended: a paused Redis would then block callers).
  absl::Duration command_timeout = absl::Milliseconds(200);
  // Maximum number of open connections; each call holds one exclusively for
  // the duration of its command. Default 8. Values below 1 mean 1.
  int pool_size = 8;
  // After a connection failure or a failed command, no new connection is
  // attempted for this long; calls fail fast with UNAVAILABLE meanwhile.
  // Default 500 ms.
  absl::Duration reconnect_backoff = absl::Milliseconds(500);
  // Prepended to every key passed to the typed calls (Get, Set, ...), e.g.
  // "relief:registry:". Default empty. Command() does not apply it: use Key().
  std::string key_prefix;
};

// Parses "host:port" (or "[ipv6]:port") into options with that host and port
// and every other field at its default. Returns INVALID_ARGUMENT when the
// host is empty or the port is not an integer in [1, 65535].
absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address);

// A Redis reply, as returned by Command(). A value type; copy freely.
// A top-level error reply is never a Reply (Command() returns INTERNAL
// instead); kError appears only as an element of an array (e.g. in the reply
// to EXEC), with the error text in `str`.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };

  Type type = Type::kNil;
  int64_t integer = 0;          // kInteger.
  std::string str;              // kString (binary-safe), kStatus, kError.
  std::vector<Reply> elements;  // kArray.

  static Reply Nil() { return Reply{}; }
  static Reply Integer(int64_t value);
  static Reply String(std::string value);
  static Reply Status(std::string value);
  static Reply Array(std::vector<Reply> elements);

  bool is_nil() const { return type == Type::kNil; }
  // A short human-readable rendering, for logs and test failure messages.
  std::string DebugString() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

// A client for one Redis server with a small pool of blocking connections.
//
// Thread-safe: any number of threads may call any method concurrently; each
// call borrows one pooled connection exclusively. The client must outlive
// every call made on it.
//
// Connections are opened lazily, on the first call that finds no idle one,
// so Create() succeeds while Redis is down. A connection that saw an I/O
// error or a timeout is discarded, and so is every other connection opened
// before that failure (they most likely point at the same dead or paused
// server). For reconnect_backoff after a failure no connection is attempted
// and calls fail fast with UNAVAILABLE; after that, one caller at a time
// probes Redis until a command succeeds again. The first failure after a
// success logs one warning and counts one outage; the first success after a
// failure logs one info line. A failed call is never retried inside the
// client (INCR and SET are not idempotent).
//
// Values and keys are binary-safe: they may contain NUL bytes.
class RedisClient {
 public:
  // Observability counters. A snapshot; the fields are read one by one, not
  // atomically together.
  struct Stats {
    int64_t commands = 0;          // Calls made (each typed call counts one).
    int64_t errors = 0;            // Calls that returned UNAVAILABLE/INTERNAL.
    int64_t outages = 0;           // Transitions from available to failing.
    int64_t connect_attempts = 0;  // TCP connections attempted.
    int open_connections = 0;      // Connections open now (idle or in use).
    bool available = true;  // False from a failure until the next success.
  };

  // Never fails and never touches the network. See RedisOptions for the
  // meaning of each option.
  static std::unique_ptr<RedisClient> Create(RedisOptions options);

  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  ~RedisClient();

  // The value stored at key_prefix + `key`, or std::nullopt when there is
  // none. INTERNAL when the key holds a non-string value.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);

  // Stores `value` at key_prefix + `key`, replacing any value and TTL.
  // `ttl` > 0 makes the key expire after `ttl` (rounded up to whole
  // milliseconds); zero or absl::InfiniteDuration() means no expiry.
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl = absl::ZeroDuration());

  // SET NX: stores `value` (with `ttl` as in Set) only when the key does not
  // exist. Returns true when it stored, false when the key already existed
  // (the existing value and TTL are left unchanged).
  absl::StatusOr<bool> SetIfAbsent(absl::string_view key,
                                   absl::string_view value,
                                   absl::Duration ttl = absl::ZeroDuration());

  // Removes key_prefix + `key`. OK whether or not the key existed.
  absl::Status Del(absl::string_view key);

  // Atomically increments the integer at key_prefix + `key` (a missing key
  // counts as 0) and returns the new value. When this call creates the key
  // and `ttl_if_new` > 0, the key expires after `ttl_if_new`, set in the same
  // atomic step (a Lua script), so a crash can never leave a counter without
  // its expiry; later calls do not extend it (fixed-window rate limits).
  // INTERNAL when the stored value is not an integer.
  absl::StatusOr<int64_t> Incr(absl::string_view key,
                               absl::Duration ttl_if_new);

  // The values of `keys` (each prefixed), in the same order, std::nullopt
  // for missing keys and keys holding non-string values. An empty `keys`
  // returns an empty vector without contacting Redis.
  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      const std::vector<std::string>& keys);

  // Sends `argv` (command name first) as one binary-safe command and returns
  // Redis's reply. key_prefix is NOT applied: wrap keys with Key(). Returns
  // INVALID_ARGUMENT for an empty `argv`, INTERNAL for an error reply.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);

  // Round-trips PING. OK when Redis answered.
  absl::Status Ping();

  // key_prefix + `key`: the key the typed calls use for `key`.
  std::string Key(absl::string_view key) const;

  const RedisOptions& options() const { return options_; }

  Stats stats() const;

 private:
  class Connection;  // One hiredis context (RAII); defined in the .cc.
  using SteadyTime = std::chrono::steady_clock::time_point;

  explicit RedisClient(RedisOptions options);

  // Sends one command on a pooled connection. Counts commands and errors.
  absl::StatusOr<Reply> Run(const std::vector<absl::string_view>& argv);
  // Borrows an idle connection or opens one; UNAVAILABLE while backing off,
  // when connecting fails, or when the pool stays busy for command_timeout.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  // Returns `conn` to the pool after a reply (`failure` OK), or discards it
  // and records the failure.
  void Release(std::unique_ptr<Connection> conn, const absl::Status& failure);
  // Records a failure: starts the backoff, drops idle connections, and on a
  // transition from available counts an outage. Returns the connections to
  // destroy (outside the lock) and whether to log the transition.
  void RecordFailureLocked(const absl::Status& failure,
                           std::vector<std::unique_ptr<Connection>>* dropped,
                           bool* went_down) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanAcquireLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const RedisOptions options_;
  const int pool_size_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  // Idle plus in-use connections, including one being opened.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped on every failure; connections of an older generation are
  // discarded when they come back.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  // While !available_: true while one caller is probing with a new
  // connection (others fail fast meanwhile).
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
  SteadyTime next_connect_at_ ABSL_GUARDED_BY(mu_);
  SteadyTime down_since_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  int64_t outages_ ABSL_GUARDED_BY(mu_) = 0;

  std::atomic<int64_t> commands_{0};
  std::atomic<int64_t> errors_{0};
  std::atomic<int64_t> connect_attempts_{0};
};

}  // namespace relief::redis

#endif  // RELIEF_COMMON_REDIS_REDIS_CLIENT_H_

#include "common/redis/testing/redis_server.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace relief::redis::testing {
namespace {

// The executable `binary` names: itself if it contains a '/', else the first
// executable match on PATH. Resolved before fork() so the child only makes
// async-signal-safe calls.
absl::StatusOr<std::string> ResolveBinary(const std::string& binary) {
  if (absl::StrContains(binary, '/')) return binary;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", binary);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::InternalError(
      absl::StrCat(binary, " not found on PATH; install redis-server"));
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return absl::StrCat("exit code ", WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("signal ", WTERMSIG(wait_status));
  }
  return absl::StrCat("wait status ", wait_status);
}

// True when a Redis on 127.0.0.1:`port` answers PING with PONG.
bool AnswersPing(int port) {
  redisContext* c = redisConnectWithTimeout(
      "127.0.0.1", port, absl::ToTimeval(absl::Milliseconds(200)));
  if (c == nullptr) return false;
  bool ok = false;
  if (c->err == 0 &&
      redisSetTimeout(c, absl::ToTimeval(absl::Milliseconds(500))) ==
          REDIS_OK) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    if (reply != nullptr) {
      ok = reply->type == REDIS_REPLY_STATUS &&
           absl::string_view(reply->str, reply->len) == "PONG";
      freeReplyObject(reply);
    }
  }
  redisFree(c);
  return ok;
}

}  // namespace

RedisServerProcess::RedisServerProcess(std::string binary)
    : binary_(std::move(binary)) {}

RedisServerProcess::~RedisServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int wait_status = 0;
    while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

absl::StatusOr<int> RedisServerProcess::PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(fd);
    return absl::InternalError(
        absl::StrCat("bind to a free port: ", std::strerror(err)));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string RedisServerProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status RedisServerProcess::Start(int port, absl::Duration ready_timeout) {
  if (running()) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis-server already running on port ", port_));
  }
  if (port != 0) return StartOnce(port, ready_timeout);
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<int> free_port = PickFreePort();
    if (!free_port.ok()) return free_port.status();
    last = StartOnce(*free_port, ready_timeout);
    if (last.ok() || !absl::StrContains(last.message(), "in use")) {
      return last;
    }
  }
  return last;
}

absl::Status RedisServerProcess::StartOnce(int port,
                                           absl::Duration ready_timeout) {
  absl::StatusOr<std::string> binary = ResolveBinary(binary_);
  if (!binary.ok()) return binary.status();
  if (dir_.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "relief-redis-XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat("mkdtemp: ", std::strerror(errno)));
    }
    dir_ = pattern;
  }
  port_ = port;
  const std::string log_path = absl::StrCat(dir_, "/redis.log");
  // Truncate so LogTail() shows this run only.
  std::ofstream(log_path, std::ios::trunc).close();

  std::vector<std::string> args = {*binary,
                                   "--port",
                                   absl::StrCat(port),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--logfile",
                                   log_path};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (child == 0) {
    // Only async-signal-safe calls from here to exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = child;
  absl::Status ready = WaitUntilReady(ready_timeout);
  if (!ready.ok()) {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int wait_status = 0;
      while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    return absl::InternalError(
        absl::StrCat(ready.message(), "; redis log tail:\n", LogTail()));
  }
  return absl::OkStatus();
}

absl::Status RedisServerProcess::WaitUntilReady(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int wait_status = 0;
    if (ReapIfExited(&wait_status)) {
      return absl::InternalError(absl::StrCat(
          "redis-server on port ", port_, " exited (",
          DescribeWaitStatus(wait_status), ") before answering PING"));
    }
    if (AnswersPing(port_)) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::InternalError(absl::StrCat("redis-server on port ", port_,
                                              " did not answer PING within ",
                                              absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));  // Poll interval.
  }
}

bool RedisServerProcess::ReapIfExited(int* wait_status) {
  if (pid_ <= 0) return true;
  const pid_t r = waitpid(pid_, wait_status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    pid_ = -1;
    return true;
  }
  return false;
}

absl::Status RedisServerProcess::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGTERM);
  kill(pid_, SIGCONT);  // A paused server handles SIGTERM only once resumed.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int wait_status = 0;
  while (!ReapIfExited(&wait_status)) {
    if (absl::Now() >= deadline) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("redis-server on port ", port_,
                       " ignored SIGTERM for 10 s and was killed"));
    }
    absl::SleepFor(absl::Milliseconds(2));  // Poll interval.
  }
  return absl::OkStatus();
}

absl::Status RedisServerProcess::Restart(absl::Duration ready_timeout) {
  if (port_ == 0) {
    return absl::FailedPreconditionError(
        "redis-server was never started: nothing to restart");
  }
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return StartOnce(port_, ready_timeout);
}

absl::Status RedisServerProcess::Pause() {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("redis-server is not running");
  }
  if (kill(pid_, SIGSTOP) != 0) {
    return absl::InternalError(absl::StrCat("SIGSTOP: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status RedisServerProcess::Resume() {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("redis-server is not running");
  }
  if (kill(pid_, SIGCONT) != 0) {
    return absl::InternalError(absl::StrCat("SIGCONT: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string RedisServerProcess::LogTail() const {
  std::ifstream in(absl::StrCat(dir_, "/redis.log"));
  if (!in) return "(no log)";
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  constexpr size_t kTail = 2000;
  if (text.size() > kTail) text = text.substr(text.size() - kTail);
  return text;
}

absl::StatusOr<std::string> TestRedisAddress() {
  const char* address = std::getenv("RELIEF_TEST_REDIS");
  if (address == nullptr || *address == '\0') {
    return absl::FailedPreconditionError(
        "RELIEF_TEST_REDIS is not set: integration tests need a real Redis. "
        "Run them with tests/run, which starts one.");
  }
  return std::string(address);
}

}  // namespace relief::redis::testing

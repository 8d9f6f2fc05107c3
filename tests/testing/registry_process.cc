#include "tests/testing/registry_process.h"

#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/key_file.h"
#include "common/auth/token.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

extern char** environ;

namespace relief::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryProcess>> RegistryProcess::Start(
    Options options) {
  std::unique_ptr<RegistryProcess> p(new RegistryProcess());
  char tmpl[] = "/tmp/relief-registry-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  p->dir_ = tmpl;
  const std::string port_file = p->dir_ + "/port";
  p->token_keys_ = options.token_keys;
  if (p->token_keys_.empty()) {
    p->token_keys_ = p->dir_ + "/keys.json";
    absl::StatusOr<auth::KeyPair> pair = auth::GenerateKeyPair("test-k1");
    if (!pair.ok()) return pair.status();
    absl::Status saved =
        auth::SaveKeyFile(p->token_keys_, auth::KeyFile{{*pair}});
    if (!saved.ok()) return saved;
  }
  const std::string log = p->dir_ + "/registry.log";

  std::vector<std::string> args = {
      RELIEF_REGISTRY_BIN,
      "--listen=127.0.0.1:0",
      absl::StrCat("--port-file=", port_file),
      absl::StrCat("--pg=", options.pg_url),
      absl::StrCat("--health-interval-ms=", options.health_interval_ms),
      absl::StrCat("--token-keys=", p->token_keys_),
      "--revocation-pull-ms=200",
      "--log-level=debug"};
  if (!options.redis.empty()) {
    args.push_back(absl::StrCat("--redis=", options.redis));
  }
  if (!options.failpoints.empty()) {
    args.push_back(absl::StrCat("--failpoints=", options.failpoints));
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The child must not inherit a blocked SIGTERM from a test runner.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int rc =
      posix_spawn(&p->pid_, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    p->pid_ = -1;
    return absl::InternalError(absl::StrCat("cannot start ", argv[0]));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    int port = 0;
    if (absl::SimpleAtoi(ReadFile(port_file), &port) && port > 0) {
      p->port_ = port;
      p->channel_ = grpc::CreateChannel(p->address(),
                                        grpc::InsecureChannelCredentials());
      return p;
    }
    int wstatus = 0;
    if (waitpid(p->pid_, &wstatus, WNOHANG) == p->pid_) {
      p->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("registry exited at start:\n", p->LogTail()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::InternalError(
      absl::StrCat("registry did not bind a port:\n", p->LogTail()));
}

RegistryProcess::~RegistryProcess() {
  channel_.reset();
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    int wstatus = 0;
    while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
      if (absl::Now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &wstatus, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  if (!dir_.empty() && std::getenv("RELIEF_KEEP_LOGS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string RegistryProcess::Token(const std::string& role,
                                   const std::string& scope,
                                   const std::string& subject) const {
  absl::StatusOr<auth::KeyFile> keys = auth::LoadKeyFile(token_keys_);
  if (!keys.ok()) return "";
  absl::StatusOr<auth::SigningKey> key =
      keys->SigningKeyFor(keys->keys.back().kid);
  if (!key.ok()) return "";
  const absl::Time now = absl::Now();
  auth::Claims claims{.iss = "relief-test",
                      .sub = subject.empty() ? "test-" + role : subject,
                      .role = role,
                      .scope = scope,
                      .iat = now,
                      .exp = now + absl::Hours(1),
                      .jti = absl::StrCat("test-", role, "-", absl::ToUnixNanos(now))};
  absl::StatusOr<std::string> token = auth::SignToken(claims, *key);
  return token.ok() ? *token : "";
}

std::string RegistryProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::StatusOr<ServingStatus> RegistryProcess::Health() const {
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) return absl::UnavailableError(s.error_message());
  return resp.status();
}

absl::Status RegistryProcess::WaitForHealth(ServingStatus want,
                                            absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    absl::StatusOr<ServingStatus> s = Health();
    if (s.ok() && *s == want) return absl::OkStatus();
    last = s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*s)
                  : s.status().ToString();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "health never became ",
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(want),
      " (last: ", last, ")\n", LogTail()));
}

int RegistryProcess::Signal(int sig, bool wait) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  if (!wait) return 0;
  int wstatus = 0;
  waitpid(pid_, &wstatus, 0);
  pid_ = -1;
  return wstatus;
}

std::string RegistryProcess::LogTail() const {
  std::string log = ReadFile(dir_ + "/registry.log");
  const size_t keep = 4000;
  return log.size() > keep ? log.substr(log.size() - keep) : log;
}

}  // namespace relief::testing

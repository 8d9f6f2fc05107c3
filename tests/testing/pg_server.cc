#include "tests/testing/pg_server.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

#ifndef RELIEF_SOURCE_DIR
#error "RELIEF_SOURCE_DIR must name the source tree (set by the CMake target)"
#endif

extern char** environ;

namespace relief::testing {
namespace {

constexpr char kLibSh[] = RELIEF_SOURCE_DIR "/deploy/local/lib.sh";

// Attempts at finding a port that stays free until Postgres binds it.
constexpr int kStartAttempts = 3;

struct ScriptResult {
  int exit_code = -1;
  // stdout and stderr, interleaved.
  std::string output;
};

// Runs `function args...` from deploy/local/lib.sh in a new bash, with
// RELIEF_PG_FAST=1, and returns its exit code and output. INTERNAL when bash
// cannot be run at all.
absl::StatusOr<ScriptResult> RunLibFunction(std::vector<std::string> args) {
  std::vector<std::string> argv_strings = {
      "/bin/bash", "-c", "export RELIEF_PG_FAST=1; source \"$0\" && \"$@\"",
      kLibSh};
  for (std::string& arg : args) argv_strings.push_back(std::move(arg));
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int spawn_error =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawn_error != 0) {
    close(fds[0]);
    return absl::InternalError(
        absl::StrCat("cannot run /bin/bash: ", std::strerror(spawn_error)));
  }

  ScriptResult result;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      result.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);

  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      return absl::InternalError(
          absl::StrCat("waitpid: ", std::strerror(errno)));
    }
  }
  result.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                            : 128 + WTERMSIG(wait_status);
  return result;
}

// Runs a lib.sh function; INTERNAL naming the call and its output when it
// fails.
absl::StatusOr<std::string> RunOrError(std::vector<std::string> args) {
  const std::string call = absl::StrJoin(args, " ");
  absl::StatusOr<ScriptResult> result = RunLibFunction(std::move(args));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(call, " (", kLibSh, ") exited ",
                                            result->exit_code, ": ",
                                            result->output));
  }
  return std::move(result->output);
}

absl::StatusOr<int> FreePort() {
  absl::StatusOr<std::string> output = RunOrError({"relief_free_port"});
  if (!output.ok()) return output.status();
  // The port is the last line (stderr carries nothing on success).
  absl::string_view text = absl::StripTrailingAsciiWhitespace(*output);
  const size_t newline = text.rfind('\n');
  if (newline != absl::string_view::npos) text.remove_prefix(newline + 1);
  int port = 0;
  if (!absl::SimpleAtoi(text, &port) || port <= 0 || port > 65535) {
    return absl::InternalError(
        absl::StrCat("relief_free_port printed no port: ", *output));
  }
  return port;
}

// A new folder for a cluster, that the postgres user can traverse.
absl::StatusOr<std::string> MakeClusterDir() {
  const char* base = std::getenv("RELIEF_TEST_TMPDIR");
  std::string path = absl::StrCat(
      (base != nullptr && *base != '\0') ? base : "/tmp", "/relief-pg-XXXXXX");
  if (mkdtemp(path.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", path, ": ", std::strerror(errno)));
  }
  if (chmod(path.c_str(), 0755) != 0) {
    return absl::InternalError(
        absl::StrCat("chmod ", path, ": ", std::strerror(errno)));
  }
  return path;
}

void RemoveTree(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace

PostgresServerProcess::PostgresServerProcess(std::string dir, int port)
    : dir_(std::move(dir)), port_(port) {}

absl::StatusOr<std::unique_ptr<PostgresServerProcess>>
PostgresServerProcess::Start() {
  absl::StatusOr<std::string> dir = MakeClusterDir();
  if (!dir.ok()) return dir.status();
  absl::Status last_error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) {
      last_error = port.status();
      break;
    }
    // A failed attempt keeps the initialised data: the next one only starts.
    absl::StatusOr<std::string> started =
        RunOrError({"relief_pg_start", *dir, absl::StrCat(*port)});
    if (started.ok()) {
      return std::unique_ptr<PostgresServerProcess>(
          new PostgresServerProcess(*std::move(dir), *port));
    }
    last_error = started.status();
  }
  (void)RunLibFunction({"relief_pg_stop", *dir, "immediate"});
  RemoveTree(*dir);
  return last_error;
}

PostgresServerProcess::~PostgresServerProcess() {
  (void)StopWithMode("immediate");
  RemoveTree(dir_);
}

absl::Status PostgresServerProcess::Stop() { return StopWithMode("fast"); }

absl::Status PostgresServerProcess::Kill() { return StopWithMode("immediate"); }

absl::Status PostgresServerProcess::Restart() {
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return RunOrError({"relief_pg_start", dir_, absl::StrCat(port_)}).status();
}

absl::Status PostgresServerProcess::StopWithMode(const char* mode) {
  return RunOrError({"relief_pg_stop", dir_, mode}).status();
}

std::string PostgresServerProcess::admin_url() const { return url("postgres"); }

std::string PostgresServerProcess::url(const std::string& database,
                                       const std::string& user) const {
  return absl::StrCat("postgresql://", user, "@127.0.0.1:", port_, "/",
                      database);
}

}  // namespace relief::testing

// The real relief-registry binary as a child process, for end-to-end and
// fault tests: started on a free port, driven over gRPC, killed at will.
#ifndef RELIEF_TESTS_TESTING_REGISTRY_PROCESS_H_
#define RELIEF_TESTS_TESTING_REGISTRY_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"

namespace relief::testing {

using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

// Thread-compatible.
class RegistryProcess {
 public:
  struct Options {
    std::string pg_url;  // required
    std::string redis;   // host:port, or empty for no cache
    std::string failpoints;
    int health_interval_ms = 100;
    // Key file for tokens; empty: a fresh one in the process's folder.
    std::string token_keys;
    std::vector<std::string> extra_args;
  };

  // Starts the binary (path compiled in as RELIEF_REGISTRY_BIN) listening
  // on a free port, and returns once the port is bound (health may still be
  // NOT_SERVING). INTERNAL, with the log's tail, when it does not start.
  static absl::StatusOr<std::unique_ptr<RegistryProcess>> Start(Options options);
  // SIGTERM, then SIGKILL after 10 s.
  ~RegistryProcess();

  std::string address() const;

  // A token signed with the process's key, valid for an hour.
  std::string Token(const std::string& role, const std::string& scope = "",
                    const std::string& subject = "") const;
  const std::string& token_keys() const { return token_keys_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // One health Check ("" service); UNAVAILABLE when it does not answer.
  absl::StatusOr<ServingStatus> Health() const;
  // Polls Health() until it reports `want`; DEADLINE_EXCEEDED otherwise.
  absl::Status WaitForHealth(ServingStatus want, absl::Duration timeout) const;

  // Sends `sig`; with wait, reaps the process and returns its wait status.
  int Signal(int sig, bool wait = true);
  bool running() const { return pid_ > 0; }
  // The last lines the process logged.
  std::string LogTail() const;

 private:
  RegistryProcess() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string token_keys_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace relief::testing

#endif  // RELIEF_TESTS_TESTING_REGISTRY_PROCESS_H_

// Transport security shared by servers and clients: server credentials from
// ServerOptions' PEM files (server_runner.h), and one way for clients
// (reliefctl, peer stubs, tests) to build channel credentials.
#ifndef RELIEF_COMMON_SERVER_TLS_H_
#define RELIEF_COMMON_SERVER_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace relief {

// Server side, PEM files. Plaintext when cert_file and key_file are both
// empty.
struct ServerTlsOptions {
  // Certificate chain of this server (leaf first). Default: none.
  std::string cert_file;
  // Private key of cert_file's leaf. Default: none.
  std::string key_file;
  // CA bundle for client certificates. When set, every client must present
  // a certificate signed by it (mutual TLS). Default: none, no client
  // certificate is asked for.
  std::string client_ca_file;
};

// Credentials for ServerBuilder::AddListeningPort: TLS when cert and key are
// set, insecure when neither is. INVALID_ARGUMENT, naming the option and the
// file, when only one of cert/key is set, client_ca_file is set without
// them, or a file cannot be read or holds no PEM block.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerTlsOptions& options);

// Client side, PEM files.
struct ClientTlsOptions {
  // CA bundle that signed the server's certificate. Empty: plaintext channel
  // (insecure; loopback and tests only). Default: empty.
  std::string ca_file;
  // Client certificate chain and its key, for servers that require client
  // certificates. Both or neither; only with ca_file. Default: none.
  std::string cert_file;
  std::string key_file;
};

// Channel credentials for grpc::CreateChannel: TLS verifying the server
// against ca_file (the target's host must be in the server certificate's
// subjectAltName: DNS name or IP), with the client certificate when given;
// insecure when ca_file is empty. INVALID_ARGUMENT, naming the option and
// the file, when a file cannot be read or holds no PEM block, or when
// cert/key are set without each other or without ca_file.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const ClientTlsOptions& options);

// Whether a gRPC listen address ("host:port", "[v6]:port", "unix:path")
// only accepts local connections: localhost, 127.0.0.0/8, ::1, unix sockets.
bool IsLoopbackAddress(absl::string_view listen);

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_TLS_H_

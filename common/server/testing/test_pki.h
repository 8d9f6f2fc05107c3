// A throwaway PKI for TLS tests, made with the openssl CLI (Debian's
// openssl package): two unrelated CAs ("ca", "other"), a server certificate
// for localhost and 127.0.0.1 and a client certificate, both signed by "ca".
#ifndef RELIEF_COMMON_SERVER_TESTING_TEST_PKI_H_
#define RELIEF_COMMON_SERVER_TESTING_TEST_PKI_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace relief::testing {

class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/relief-tls-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) dir_ = tmpl;
  }
  ~Pki() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // Runs openssl; false (with the log in error()) when any step fails.
  bool Generate() {
    if (dir_.empty()) return false;
    std::ofstream(Path("server.ext"))
        << "basicConstraints=CA:FALSE\n"
           "keyUsage=digitalSignature\n"
           "extendedKeyUsage=serverAuth\n"
           "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    std::ofstream(Path("client.ext")) << "basicConstraints=CA:FALSE\n"
                                         "keyUsage=digitalSignature\n"
                                         "extendedKeyUsage=clientAuth\n";
    const std::string key =
        "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    return Run(absl::StrCat("openssl req -x509 ", key,
                            " -keyout ca.key -out ca.pem -days 2"
                            " -subj '/CN=Relief Test CA'")) &&
           Run(absl::StrCat("openssl req -x509 ", key,
                            " -keyout other.key -out other.pem -days 2"
                            " -subj '/CN=Relief Other CA'")) &&
           Leaf("server", "localhost") && Leaf("client", "service:test");
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }
  const std::string& error() const { return error_; }

 private:
  bool Leaf(const std::string& name, const std::string& cn) {
    return Run(absl::StrCat("openssl req -new -newkey ec -pkeyopt "
                            "ec_paramgen_curve:prime256v1 -nodes -keyout ",
                            name, ".key -out ", name, ".csr -subj '/CN=", cn,
                            "'")) &&
           Run(absl::StrCat("openssl x509 -req -in ", name,
                            ".csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                            " -days 2 -out ",
                            name, ".pem -extfile ", name, ".ext"));
  }

  bool Run(const std::string& command) {
    const std::string full =
        absl::StrCat("cd '", dir_, "' && ", command, " >>openssl.log 2>&1");
    if (std::system(full.c_str()) == 0) return true;
    std::ifstream log(Path("openssl.log"));
    error_ = absl::StrCat(command, " failed:\n",
                          std::string(std::istreambuf_iterator<char>(log), {}));
    return false;
  }

  std::string dir_;
  std::string error_;
};

}  // namespace relief::testing

#endif  // RELIEF_COMMON_SERVER_TESTING_TEST_PKI_H_

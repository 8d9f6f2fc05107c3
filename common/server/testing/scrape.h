// Test helpers for metrics: fetch /metrics over a plain socket and read one
// sample out of the Prometheus text format. Header-only, tests only.
#ifndef RELIEF_COMMON_SERVER_TESTING_SCRAPE_H_
#define RELIEF_COMMON_SERVER_TESTING_SCRAPE_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace relief::testing {

// GET `path` from 127.0.0.1:`port` (HTTP/1.0, 5 s socket timeouts): the body
// of a 200 answer; UNAVAILABLE when the connection fails, INTERNAL on any
// other status line.
inline absl::StatusOr<std::string> HttpGet(
    int port, const std::string& path = "/metrics") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to port ", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return absl::UnavailableError("send failed");
    }
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      ::close(fd);
      return absl::UnavailableError("recv failed");
    }
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t header_end = response.find("\r\n\r\n");
  const std::string status_line = response.substr(0, response.find("\r\n"));
  if (header_end == std::string::npos ||
      status_line.find(" 200") == std::string::npos) {
    return absl::InternalError(absl::StrCat("bad answer: ", status_line));
  }
  return response.substr(header_end + 4);
}

// The value of the sample `name` whose labels are exactly `labels`, in a
// Prometheus text exposition; nullopt when there is none.
inline std::optional<double> SampleValue(
    absl::string_view text, absl::string_view name,
    const std::map<std::string, std::string>& labels = {}) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == absl::string_view::npos || line.substr(0, name_end) != name)
      continue;
    std::map<std::string, std::string> found;
    absl::string_view rest = line.substr(name_end);
    if (rest[0] == '{') {
      const size_t close = rest.rfind('}');
      if (close == absl::string_view::npos) continue;
      // Label values in these tests hold no '"' or ',' of their own.
      for (absl::string_view pair :
           absl::StrSplit(rest.substr(1, close - 1), ',', absl::SkipEmpty())) {
        const size_t eq = pair.find('=');
        if (eq == absl::string_view::npos || pair.size() < eq + 3) continue;
        found[std::string(pair.substr(0, eq))] =
            std::string(pair.substr(eq + 2, pair.size() - eq - 3));
      }
      rest = rest.substr(close + 1);
    }
    if (found != labels) continue;
    absl::string_view value = absl::StripAsciiWhitespace(rest);
    value = value.substr(0, value.find(' '));  // drop a timestamp
    double v = 0;
    if (absl::SimpleAtod(value, &v)) return v;
  }
  return std::nullopt;
}

}  // namespace relief::testing

#endif  // RELIEF_COMMON_SERVER_TESTING_SCRAPE_H_

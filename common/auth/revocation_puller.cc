#include "common/auth/revocation_puller.h"

#include "common/base/logging.h"
#include "spdlog/spdlog.h"

namespace relief::auth {

RevocationPuller::RevocationPuller(RevocationSource source,
                                   TokenVerifier& verifier, const Clock& clock,
                                   absl::Duration interval)
    : source_(std::move(source)),
      verifier_(verifier),
      clock_(clock),
      interval_(interval) {}

RevocationPuller::~RevocationPuller() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status RevocationPuller::PullOnce() {
  absl::MutexLock lock(&mu_);
  while (true) {
    absl::StatusOr<std::vector<RevokedToken>> page = source_(position_);
    if (!page.ok()) {
      if (!failing_) {
        spdlog::warn(
            "event=revocations_unreachable error=\"{}\" msg=\"keeping the "
            "last list ({} tokens)\"",
            page.status().ToString(), revoked_.size());
      }
      failing_ = true;
      return page.status();
    }
    if (failing_) spdlog::info("event=revocations_reachable");
    failing_ = false;
    if (page->empty()) break;
    for (const RevokedToken& r : *page) {
      revoked_[r.jti] = r.expires_at;
      position_ = std::max(position_, r.position);
    }
  }
  const absl::Time now = clock_.Now();
  absl::erase_if(revoked_, [&](const auto& kv) { return kv.second <= now; });
  std::vector<std::string> jtis;
  jtis.reserve(revoked_.size());
  for (const auto& [jti, exp] : revoked_) jtis.push_back(jti);
  verifier_.SetRevoked(std::move(jtis));
  return absl::OkStatus();
}

void RevocationPuller::Start() {
  thread_ = std::thread([this] {
    do {
      (void)PullOnce();
    } while (!stop_.WaitForNotificationWithTimeout(interval_));
  });
}

size_t RevocationPuller::revoked_count() const {
  absl::MutexLock lock(&mu_);
  return revoked_.size();
}

}  // namespace relief::auth

#include "common/base/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace relief::failpoint {
namespace {

enum class Kind { kSleep, kError, kKill };

struct Action {
  Kind kind;
  absl::Duration sleep;
  int remaining;  // -1: unlimited
};

struct Registry {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, Action> armed ABSL_GUARDED_BY(mu);
};

std::atomic<bool> any_armed{false};

Registry& GetRegistry() {
  static Registry* r = new Registry();
  return *r;
}

// Parses `action`; nullopt for "off".
absl::StatusOr<std::optional<Action>> ParseAction(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  Action a{Kind::kError, absl::ZeroDuration(), -1};
  if (size_t star = text.find('*'); star != absl::string_view::npos) {
    if (!absl::SimpleAtoi(text.substr(0, star), &a.remaining) ||
        a.remaining <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("failpoint: bad count in \"", text, "\""));
    }
    text = text.substr(star + 1);
  }
  if (text == "off") return std::optional<Action>();
  if (text == "error") {
    a.kind = Kind::kError;
  } else if (text == "kill") {
    a.kind = Kind::kKill;
  } else if (absl::ConsumePrefix(&text, "sleep(") &&
             absl::ConsumeSuffix(&text, ")")) {
    int ms = 0;
    if (!absl::SimpleAtoi(text, &ms) || ms < 0) {
      return absl::InvalidArgumentError("failpoint: bad sleep duration");
    }
    a.kind = Kind::kSleep;
    a.sleep = absl::Milliseconds(ms);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("failpoint: unknown action \"", text, "\""));
  }
  return std::optional<Action>(a);
}

}  // namespace

absl::Status Arm(absl::string_view name, absl::string_view action) {
  auto parsed = ParseAction(action);
  if (!parsed.ok()) return parsed.status();
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  if (parsed->has_value()) {
    r.armed[std::string(name)] = **parsed;
  } else {
    r.armed.erase(std::string(name));
  }
  any_armed.store(!r.armed.empty(), std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status Configure(absl::string_view spec) {
  std::vector<std::pair<std::string, std::string>> items;
  for (absl::string_view item :
       absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    std::string name(absl::StripAsciiWhitespace(kv.first));
    if (name.empty() || kv.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("failpoint: expected name=action, got \"", item, "\""));
    }
    if (auto a = ParseAction(kv.second); !a.ok()) return a.status();
    items.emplace_back(std::move(name), std::move(kv.second));
  }
  for (const auto& [name, action] : items) {
    absl::Status s = Arm(name, action);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void DisarmAll() {
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  r.armed.clear();
  any_armed.store(false, std::memory_order_relaxed);
}

absl::Status Hit(absl::string_view name) {
  if (!any_armed.load(std::memory_order_relaxed)) return absl::OkStatus();
  Action action;
  {
    Registry& r = GetRegistry();
    absl::MutexLock lock(&r.mu);
    auto it = r.armed.find(name);
    if (it == r.armed.end()) return absl::OkStatus();
    action = it->second;
    if (it->second.remaining > 0 && --it->second.remaining == 0) {
      r.armed.erase(it);
      any_armed.store(!r.armed.empty(), std::memory_order_relaxed);
    }
  }
  switch (action.kind) {
    case Kind::kSleep:
      absl::SleepFor(action.sleep);
      return absl::OkStatus();
    case Kind::kKill:
      ::kill(::getpid(), SIGKILL);
      ::_exit(137);  // not reached
    case Kind::kError:
      return absl::UnavailableError(absl::StrCat("failpoint ", name));
  }
  return absl::OkStatus();
}

}  // namespace relief::failpoint

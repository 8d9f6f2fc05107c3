#include "services/registry/document_cache_feeder.h"

#include "common/base/logging.h"
#include "common/base/status.h"
#include "relief/registry/v1/registry.pb.h"
#include "services/registry/redis_candidate_cache.h"
#include "services/registry/redis_document_cache.h"
#include "spdlog/spdlog.h"

namespace relief::registry {

constexpr int kBatch = 500;

DocumentCacheFeeder::DocumentCacheFeeder(redis::RedisClient& redis,
                                         RegistryStore& store,
                                         events::EventFeed& feed,
                                         std::string epoch)
    : redis_(redis), store_(store), feed_(feed), epoch_(std::move(epoch)) {}

DocumentCacheFeeder::~DocumentCacheFeeder() { Stop(); }

absl::Status DocumentCacheFeeder::Write(
    const std::vector<std::pair<std::string, std::string>>& kv) {
  if (kv.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"MSET"};
  for (const auto& [key, person] : kv) {
    argv.push_back(redis_.Key(DocumentCacheKey(key)));
    argv.push_back(person);
  }
  return redis_.Command(argv).status();
}

absl::Status DocumentCacheFeeder::Refill() {
  // Everything numbered up to `start` is in Postgres now; later events are
  // applied after the refill (again, harmlessly, for rows the scan saw).
  const int64_t start = feed_.Head().position;
  std::string after;
  int64_t written = 0;
  while (true) {
    RELIEF_ASSIGN_OR_RETURN(auto page, store_.LinkedDocumentKeys(after, kBatch));
    if (page.empty()) break;
    RELIEF_RETURN_IF_ERROR(Write(page));
    written += static_cast<int64_t>(page.size());
    after = page.back().first;
  }
  std::string after_id;
  int64_t people = 0;
  while (true) {
    RELIEF_ASSIGN_OR_RETURN(std::vector<MatchRecord> page,
                            store_.MatchRecordsAfter(after_id, kBatch));
    if (page.empty()) break;
    RELIEF_RETURN_IF_ERROR(WriteCandidates(redis_, page));
    people += static_cast<int64_t>(page.size());
    after_id = page.back().id;
  }
  // The epoch goes last: until now readers treated this Redis as empty.
  RELIEF_RETURN_IF_ERROR(redis_.Set(kEpochKey, epoch_));
  position_ = start;
  spdlog::info("event=cache_refilled cache=registry keys={} people={} "
               "position={}",
               written, people, start);
  return absl::OkStatus();
}

absl::Status DocumentCacheFeeder::Step() {
  RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> epoch,
                          redis_.Get(kEpochKey));
  if (position_ < 0 || !epoch.has_value() || *epoch != epoch_) {
    RELIEF_RETURN_IF_ERROR(Refill());
  }
  std::vector<events::StoredEvent> batch;
  do {
    batch.clear();
    RELIEF_RETURN_IF_ERROR(feed_.Read(position_, kBatch, &batch));
    // People whose documents or match records may have changed.
    std::vector<std::string> people;
    for (const events::StoredEvent& e : batch) {
      if (e.event_type == "relief.registry.PersonRegistered" ||
          e.event_type == "relief.registry.PersonUpdated" ||
          e.event_type == "relief.registry.PersonUnmerged") {
        people.push_back(e.aggregate_id);
      } else if (e.event_type == "relief.registry.PersonMerged") {
        people.push_back(e.aggregate_id);
        registry::v1::PersonMerged merged;
        if (merged.ParseFromString(e.payload)) {
          people.push_back(merged.survivor_person_id());  // took the documents
        }
      }
    }
    RELIEF_ASSIGN_OR_RETURN(auto kv, store_.DocumentKeysOf(people));
    RELIEF_RETURN_IF_ERROR(Write(kv));
    RELIEF_ASSIGN_OR_RETURN(std::vector<MatchRecord> records,
                            store_.MatchRecordsOf(people));
    RELIEF_RETURN_IF_ERROR(WriteCandidates(redis_, records));
    if (!batch.empty()) position_ = batch.back().position;
  } while (static_cast<int>(batch.size()) == kBatch);
  return absl::OkStatus();
}

void DocumentCacheFeeder::Start() {
  thread_ = std::thread([this] {
    bool failing = false;
    while (!stop_.HasBeenNotified()) {
      absl::Status s = Step();
      if (!s.ok() && !failing) {
        spdlog::warn("event=cache_feeder_paused error=\"{}\"", s.ToString());
      }
      failing = !s.ok();
      if (failing) {
        stop_.WaitForNotificationWithTimeout(absl::Seconds(1));
      } else {
        feed_.WaitForNew(position_, absl::Seconds(1));
      }
    }
  });
}

void DocumentCacheFeeder::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace relief::registry

#include "services/registry/redis_document_cache.h"

#include "absl/strings/str_cat.h"
#include "common/base/ids.h"

namespace relief::registry {
namespace {

std::string DocKey(absl::string_view key) { return absl::StrCat("doc:", key); }

}  // namespace

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
RedisDocumentCache::Lookup(const std::vector<std::string>& keys) {
  std::vector<std::string> redis_keys;
  redis_keys.reserve(keys.size());
  for (const std::string& k : keys) redis_keys.push_back(DocKey(k));
  absl::StatusOr<std::vector<std::optional<std::string>>> values =
      client_.MGet(redis_keys);
  if (!values.ok()) return values.status();
  absl::flat_hash_map<std::string, std::string> out;
  for (size_t i = 0; i < keys.size(); ++i) {
    // Anything but a well-formed id is ignored: the cache is only a hint.
    if ((*values)[i].has_value() && IsUuid(*(*values)[i])) {
      out[keys[i]] = *(*values)[i];
    }
  }
  return out;
}

void RedisDocumentCache::Remember(const std::vector<std::string>& keys,
                                  absl::string_view person_id) {
  for (const std::string& k : keys) {
    // Best effort: a failure is counted and logged by the client.
    (void)client_.Set(DocKey(k), person_id, ttl_);
  }
}

}  // namespace relief::registry

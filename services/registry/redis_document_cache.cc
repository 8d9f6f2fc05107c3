#include "services/registry/redis_document_cache.h"

#include "absl/strings/str_cat.h"
#include "common/base/ids.h"

namespace relief::registry {

std::string DocumentCacheKey(absl::string_view document_key) {
  return absl::StrCat("doc:", document_key);
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
RedisDocumentCache::Lookup(const std::vector<std::string>& keys) {
  absl::flat_hash_map<std::string, std::string> out;
  const std::string epoch = gate_.epoch();
  if (epoch.empty() || keys.empty()) return out;
  std::vector<std::string> redis_keys = {std::string(kEpochKey)};
  for (const std::string& k : keys) redis_keys.push_back(DocumentCacheKey(k));
  absl::StatusOr<std::vector<std::optional<std::string>>> values =
      client_.MGet(redis_keys);
  if (!values.ok()) {
    gate_.Failed();
    return values.status();
  }
  if (!(*values)[0].has_value() || *(*values)[0] != epoch) {
    // Flushed, replaced or still refilling: as good as empty.
    for (size_t i = 0; i < keys.size(); ++i) gate_.counters().Miss();
    return out;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::optional<std::string>& v = (*values)[i + 1];
    // Anything but a well-formed id is ignored: the cache is only a hint.
    if (v.has_value() && IsUuid(*v)) {
      out[keys[i]] = *v;
      gate_.counters().Hit();
    } else {
      gate_.counters().Miss();
    }
  }
  return out;
}

}  // namespace relief::registry

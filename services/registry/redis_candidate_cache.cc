#include "services/registry/redis_candidate_cache.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/ids.h"
#include "services/registry/redis_document_cache.h"

namespace relief::registry {
namespace {

// KEYS[1] = epoch key, KEYS[2..] = candidate sets; ARGV[1] = the current
// epoch, ARGV[2] = the client's key prefix, ARGV[3] = the candidate cap.
// Reading everything in one script means no write lands in between.
constexpr char kLookupScript[] = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local ids = redis.call('SUNION', unpack(KEYS, 2))
local keys = {}
for i, id in ipairs(ids) do
  if i > tonumber(ARGV[3]) then break end
  keys[i] = ARGV[2] .. 'mr:' .. id
end
if #keys == 0 then return {} end
return redis.call('MGET', unpack(keys))
)lua";

// ARGV = prefix, then (block, id) pairs, then "|", then (id, record) pairs.
constexpr char kWriteScript[] = R"lua(
local prefix = ARGV[1]
local i = 2
while ARGV[i] ~= '|' do
  redis.call('SADD', prefix .. 'blk:' .. ARGV[i], ARGV[i + 1])
  i = i + 2
end
i = i + 1
while i <= #ARGV do
  redis.call('SET', prefix .. 'mr:' .. ARGV[i], ARGV[i + 1])
  i = i + 2
end
return 0
)lua";

}  // namespace

std::string CandidateSetKey(absl::string_view block) {
  return absl::StrCat("blk:", block);
}

std::string MatchRecordKey(absl::string_view person_id) {
  return absl::StrCat("mr:", person_id);
}

std::string EncodeMatchRecord(const MatchRecord& r) {
  // Names are single-line with single spaces (NormalizeName): no tabs.
  return absl::StrCat(r.id, "\t", r.full_name, "\t", r.birth_date.year, "\t",
                      r.birth_date.month, "\t", r.birth_date.day, "\t",
                      static_cast<int>(r.sex), "\t", r.phone, "\t",
                      r.home_commune_code, "\t", r.merged_into);
}

std::optional<MatchRecord> DecodeMatchRecord(absl::string_view text) {
  const std::vector<std::string> f = absl::StrSplit(text, '\t');
  MatchRecord r;
  int sex = 0;
  if (f.size() != 9 || !IsUuid(f[0]) || (!f[8].empty() && !IsUuid(f[8])) ||
      !absl::SimpleAtoi(f[2], &r.birth_date.year) ||
      !absl::SimpleAtoi(f[3], &r.birth_date.month) ||
      !absl::SimpleAtoi(f[4], &r.birth_date.day) ||
      !absl::SimpleAtoi(f[5], &sex)) {
    return std::nullopt;
  }
  r.id = f[0];
  r.full_name = f[1];
  r.sex = static_cast<Sex>(sex);
  r.phone = f[6];
  r.home_commune_code = f[7];
  r.merged_into = f[8];
  return r;
}

absl::Status WriteCandidates(redis::RedisClient& client,
                             const std::vector<MatchRecord>& records) {
  if (records.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"EVAL", kWriteScript, "0", client.Key("")};
  for (const MatchRecord& r : records) {
    for (std::string& block : BlockKeys(r)) {
      argv.push_back(std::move(block));
      argv.push_back(r.id);
    }
  }
  argv.push_back("|");
  for (const MatchRecord& r : records) {
    argv.push_back(r.id);
    argv.push_back(EncodeMatchRecord(r));
  }
  return client.Command(argv).status();
}

absl::StatusOr<std::vector<MatchRecord>> RedisCandidateCache::Lookup(
    const std::vector<std::string>& blocks) {
  std::vector<MatchRecord> out;
  const std::string epoch = gate_.epoch();
  if (epoch.empty() || blocks.empty()) return out;
  std::vector<std::string> argv = {"EVAL", kLookupScript,
                                   absl::StrCat(blocks.size() + 1),
                                   client_.Key(kEpochKey)};
  for (const std::string& b : blocks) argv.push_back(client_.Key(CandidateSetKey(b)));
  argv.push_back(epoch);
  argv.push_back(client_.Key(""));
  argv.push_back(absl::StrCat(kMaxCandidates));
  absl::StatusOr<redis::Reply> reply = client_.Command(argv);
  if (!reply.ok()) {
    gate_.Failed();
    return reply.status();
  }
  if (reply->type != redis::Reply::Type::kArray) {
    gate_.counters().Miss();  // no epoch: flushed, replaced or still refilling
    return out;
  }
  for (const redis::Reply& e : reply->elements) {
    if (e.type != redis::Reply::Type::kString) continue;
    // Anything malformed is ignored: the cache is only a hint.
    if (std::optional<MatchRecord> r = DecodeMatchRecord(e.str)) {
      out.push_back(*std::move(r));
    }
  }
  if (out.empty()) {
    gate_.counters().Miss();
  } else {
    gate_.counters().Hit();
  }
  return out;
}

}  // namespace relief::registry

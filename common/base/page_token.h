// Opaque page tokens for keyset paging (DESIGN.md §3): the last key of a
// page, bound to the query and the caller, authenticated with a server key
// so a client cannot forge or reuse one for another query.
#ifndef RELIEF_COMMON_BASE_PAGE_TOKEN_H_
#define RELIEF_COMMON_BASE_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// The page size to use for a requested one: 0 -> 50; INVALID_ARGUMENT
// (field "page_size") when negative or above 500.
absl::StatusOr<int> PageSize(int requested);

// Thread-safe (immutable).
class PageTokenCodec {
 public:
  // `key` authenticates tokens: replicas of one service share it. Any
  // length; an empty key draws a random one (tokens then die with the
  // process).
  explicit PageTokenCodec(absl::string_view key);

  // A token carrying `last_key` (the sort key of the page's last row),
  // bound to `binding` (e.g. method + query + caller subject).
  std::string Encode(const std::vector<std::string>& last_key,
                     absl::string_view binding) const;

  // The last key carried by `token`. INVALID_ARGUMENT (field "page_token")
  // when the token is malformed, forged, or was issued for another binding.
  absl::StatusOr<std::vector<std::string>> Decode(
      absl::string_view token, absl::string_view binding) const;

 private:
  std::string key_;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_PAGE_TOKEN_H_

#include "common/auth/internal/strict_json.h"

#include <set>
#include <string>
#include <vector>

namespace relief::auth::internal {

std::optional<nlohmann::json> ParseStrictJson(absl::string_view text,
                                              std::string* error) {
  using Json = nlohmann::json;
  // Member names seen in each open object, innermost last. A key event
  // always belongs to the innermost open object.
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  Json::parser_callback_t callback =
      [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
        switch (event) {
          case Json::parse_event_t::object_start:
            open_objects.emplace_back();
            break;
          case Json::parse_event_t::object_end:
            if (!open_objects.empty()) open_objects.pop_back();
            break;
          case Json::parse_event_t::key:
            if (open_objects.empty() ||
                !open_objects.back().insert(parsed.get<std::string>()).second) {
              duplicate = true;
            }
            break;
          default:
            break;
        }
        return true;
      };
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), callback,
                        /*allow_exceptions=*/true,
                        /*ignore_comments=*/false);
  } catch (const Json::parse_error& e) {
    // e.what() quotes the input near the error: never pass it on.
    if (error != nullptr) {
      *error = "not valid JSON (byte " + std::to_string(e.byte) + ")";
    }
    return std::nullopt;
  } catch (const Json::exception&) {
    if (error != nullptr) *error = "not valid JSON";
    return std::nullopt;
  }
  if (duplicate) {
    if (error != nullptr) *error = "repeats a member name";
    return std::nullopt;
  }
  return value;
}

}  // namespace relief::auth::internal

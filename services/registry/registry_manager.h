// The registry's rules: who is a new person, who is already registered, and
// what a registration stores. No gRPC, libpqxx or hiredis here: the store
// and cache are ports.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/base/clock.h"
#include "common/base/config.h"
#include "common/base/ids.h"
#include "common/authz/authorizer.h"
#include "common/base/page_token.h"
#include "common/base/principal.h"
#include "common/base/rate_limiter.h"
#include "common/units/unit_catalog.h"
#include "services/registry/duplicates.h"
#include "services/registry/person.h"
#include "services/registry/registration.h"
#include "services/registry/registry_store.h"

namespace relief::registry {

struct SearchInput {
  enum class Kind { kDocument, kPhone, kName };
  Kind kind = Kind::kName;
  std::string text;
  DocumentType document_type = DocumentType::kUnspecified;
  int page_size = 0;
  std::string page_token;
};

struct ListInput {
  // Exactly one is set.
  std::string home_commune_code;
  std::string host_province_code;
  int page_size = 0;
  std::string page_token;
  // Only this state; kUnspecified: any.
  PersonState state = PersonState::kUnspecified;
};

struct PeoplePage {
  std::vector<Person> people;
  std::string next_page_token;
  bool masked = false;
  // Listing a home commune: people per state (the working list's counts).
  std::vector<std::pair<PersonState, int64_t>> state_counts;
};

// The state changes of DESIGN.md §1 / [3/8].
enum class Transition { kVerify, kReject, kWithdraw, kReopen };

struct TransitionInput {
  std::string request_id;
  std::string person_id;
  std::string reason;
  std::string case_id;  // Reopen only: the appeal case, if any
};

// A review item as the officer sees it: the record and each candidate side
// by side, with per-field scores.
struct ReviewCandidateView {
  Person person;
  MatchScore score;
};
struct ReviewView {
  ReviewRow row;
  Person person;
  std::vector<ReviewCandidateView> candidates;
};
struct ReviewPage {
  std::vector<ReviewView> reviews;
  std::string next_page_token;
};

enum class Decision { kUnspecified = 0, kSame = 1, kDistinct = 2 };
struct DecisionInput {
  std::string review_id;
  Decision decision = Decision::kUnspecified;
  // SAME: the candidate the record is (optional with one candidate).
  std::string same_as;
};

// Update's paths (registry.proto UpdateRequest).
inline constexpr absl::string_view kUpdatableFields[] = {
    "full_name", "birth_date", "sex", "phone", "home_commune_code",
    "current_address", "needs", "relatives"};

struct UpdateInput {
  std::string request_id;
  std::string person_id;
  std::string reason;
  // New values (raw, as for a registration) of the fields named in `fields`.
  Person values;
  std::vector<std::string> fields;
};

struct UpdateResult {
  Person person;
  std::string review_id;
  std::vector<std::string> matched_person_ids;
  std::vector<std::string> warnings;
};

enum class Purpose { kUnspecified = 0, kCash = 1, kRice = 2 };
enum class IneligibleReason {
  kNone = 0,
  kNotVerified = 1,
  kMerged = 2,
  kWithdrawn = 3,
  kRejected = 4,
  kReviewOpen = 5,
  kDocumentNotThisPerson = 6,
  kNoCitizenshipDocument = 7,
};

struct EligibilityInput {
  std::string person_id;
  Purpose purpose = Purpose::kUnspecified;
  // The document shown (rice); type kUnspecified: none.
  Document presented;
};

struct Eligibility {
  bool eligible = false;
  IneligibleReason reason = IneligibleReason::kNone;
  std::string detail;
  std::string canonical_person_id;
  std::vector<std::string> merged_person_ids;
  PersonState state = PersonState::kUnspecified;
  std::string home_commune_code;
  std::string home_district_code;
  std::string host_province_code;
  std::string host_district_code;
  bool document_proves_citizenship = false;
};

struct LookupResult {
  bool known = false;
  PersonState state = PersonState::kUnspecified;
  std::string home_province_code;
};

// Thread-safe. References must outlive the manager.
class RegistryManager {
 public:
  struct Deps {
    RegistryStore& store;
    DocumentCache& cache;
    IdGenerator& ids;
    const Clock& clock;
    const PageTokenCodec& page_tokens;
    RateLimiter& lookup_limiter;
    // Blocking-key candidate sets (Redis); none when null.
    CandidateCache* candidates = nullptr;
  };

  RegistryManager(DeploymentConfig config, units::UnitCatalog units, Deps deps,
                  MatchConfig match = {});

  // Registers `input` for `actor`, or finds the person already registered
  // (DESIGN.md §4.1). `request_hash` identifies the request body without its
  // request_id (idempotency). Returns the outcome; a retry with the same
  // request_id returns the first answer.
  // Errors: INVALID_ARGUMENT (field violations; nothing stored),
  // ALREADY_EXISTS (request_id reused with another body), UNAVAILABLE,
  // ABORTED (contention persisted), DEADLINE_EXCEEDED.
  absl::StatusOr<RegisterResult> Register(const Principal& actor,
                                          const RegistrationInput& input,
                                          absl::string_view request_hash);

  // INVALID_ARGUMENT for a malformed id, NOT_FOUND when absent,
  // PERMISSION_DENIED outside the caller's scope. Masked for roles without
  // the right to see personal data; unmasked reads are audited.
  absl::StatusOr<Person> GetPerson(const Principal& actor,
                                   absl::string_view person_id);

  // Search and list, paged by key (see registry.proto). Results outside a
  // scoped caller's units are left out. INVALID_ARGUMENT for a bad query or
  // page token; PERMISSION_DENIED when the role may not search that way.
  absl::StatusOr<PeoplePage> SearchPeople(const Principal& actor,
                                          const SearchInput& input);
  absl::StatusOr<PeoplePage> ListPeople(const Principal& actor,
                                        const ListInput& input);

  // Whether a document is known here (other provinces' systems).
  // RESOURCE_EXHAUSTED over the caller's rate; audited either way.
  absl::StatusOr<LookupResult> Lookup(const Principal& actor,
                                      DocumentType type,
                                      absl::string_view number);

  // Moves one person to the transition's state (see registry.proto).
  // INVALID_ARGUMENT (missing reason, bad id), NOT_FOUND, PERMISSION_DENIED
  // outside the scope, FAILED_PRECONDITION from a state the transition does
  // not start from, or (Verify) while a duplicate review is open. Records
  // who, when and why, an event and an audit row; idempotent by request id.
  absl::StatusOr<Person> ChangeState(const Principal& actor, Transition t,
                                     const TransitionInput& input,
                                     absl::string_view request_hash);

  // Verifies every id or none (FAILED_PRECONDITION listing each refused id
  // as "person_ids[i]"). At most 500 ids; duplicates are one.
  absl::StatusOr<std::vector<Person>> BulkVerify(
      const Principal& actor, const std::string& request_id,
      const std::vector<std::string>& person_ids, const std::string& reason,
      absl::string_view request_hash);

  // Corrects the fields named in input.fields (see registry.proto Update).
  // INVALID_ARGUMENT (field violations, as for Register; unknown or empty
  // mask; missing reason), NOT_FOUND, PERMISSION_DENIED (the old or the new
  // home commune outside the scope), FAILED_PRECONDITION (MERGED).
  absl::StatusOr<UpdateResult> Update(const Principal& actor,
                                      const UpdateInput& input,
                                      absl::string_view request_hash);

  // Open review items of the area `unit_code` (commune, district or
  // province), oldest first, paged.
  absl::StatusOr<ReviewPage> ListReviews(const Principal& actor,
                                         absl::string_view unit_code,
                                         int page_size,
                                         const std::string& page_token);

  // Decides every item or none (FAILED_PRECONDITION / PERMISSION_DENIED
  // naming each refused "decisions[i]"). At most 200 decisions.
  absl::StatusOr<std::vector<ReviewView>> DecideReviews(
      const Principal& actor, const std::string& request_id,
      const std::vector<DecisionInput>& decisions, const std::string& reason,
      absl::string_view request_hash);

  // Undoes the latest merge of `person_id` (see registry.proto Unmerge).
  absl::StatusOr<Person> Unmerge(const Principal& actor,
                                 const TransitionInput& input,
                                 absl::string_view request_hash);

  // Who the person is after merges and whether they may receive `purpose`
  // now (registry.proto CheckEligibility).
  absl::StatusOr<Eligibility> CheckEligibility(const Principal& actor,
                                               const EligibilityInput& input);

  // The backstop of DESIGN.md §4.5, run periodically by the service: files
  // people not yet under blocking keys (records from before the duplicate
  // pass), then runs the pass again for people created since `since`
  // against older records, opening a review item for any likely duplicate
  // not already under review or decided DISTINCT. Returns the number of
  // items opened. At most `limit` people per step.
  absl::StatusOr<int> Sweep(absl::Time since, int limit = 500);
  // Files up to `limit` people not yet under blocking keys; returns how
  // many. The service runs it to the end before it serves (an upgrade from
  // a registry without the duplicate pass).
  absl::StatusOr<int> FileUnindexedPeople(int limit = 500);

  // OK when `actor` may call `method` at all (streams, token methods);
  // PERMISSION_DENIED (audited) otherwise.
  absl::Status Authorize(const Principal& actor, absl::string_view method);

  // Called with the duration of every fuzzy duplicate pass (candidate
  // locks, reads and scoring): a metric, or a benchmark's sample. Set
  // before the first call; not thread-safe to change.
  void SetDuplicateCheckObserver(std::function<void(absl::Duration)> observer) {
    duplicate_check_observer_ = std::move(observer);
  }

  const units::UnitCatalog& units() const { return units_; }
  const authz::Authorizer& authorizer() const { return authorizer_; }

 private:
  // A candidate of the fuzzy pass, resolved to its final survivor.
  struct Match {
    std::string person_id;
    MatchScore score;
  };
  // The fuzzy pass (DESIGN.md §4.2-4.5) for `record` inside `tx`: locks the
  // record's blocking keys, reads candidates and returns those scoring at
  // least the review threshold, best first, one per surviving person.
  // `self` (a corrected record) and people decided DISTINCT from it are
  // left out.
  absl::StatusOr<std::vector<Match>> FuzzyPass(RegistryTx& tx,
                                               const MatchRecord& record,
                                               absl::string_view self);

  // A near-duplicate the candidate cache suggested, confirmed in the store:
  // the best hinted record scores at least the link threshold on the
  // store's own data. Then no blocking key needs to be locked (nothing new
  // is created). nullopt: decide with FuzzyPass.
  absl::StatusOr<std::optional<Match>> ConfirmHint(
      RegistryTx& tx, const MatchRecord& record,
      const std::vector<MatchRecord>& hinted);

  // The decision inside the transaction; `cached` and `hinted` are cache
  // hints (document owners, candidate records).
  absl::StatusOr<RegisterResult> RegisterInTx(
      RegistryTx& tx, const Principal& actor, const RequestKey& key,
      absl::string_view request_hash, const Registration& reg,
      const absl::flat_hash_map<std::string, std::string>& cached,
      const std::vector<MatchRecord>& hinted);

  // Inside a transaction: checks and applies `t` to the locked person.
  // Returns the refusal reason as a status (not yet audited).
  absl::StatusOr<Person> ApplyTransition(RegistryTx& tx, const Principal& actor,
                                         Transition t, absl::string_view method,
                                         const TransitionInput& input);
  // Inside a transaction: stores a review item with its ReviewOpened event
  // and audit row.
  absl::Status OpenReview(RegistryTx& tx, const Principal& actor,
                          const ReviewItem& review, absl::string_view request_id);
  // Inside a transaction: decides one review item.
  absl::StatusOr<std::string> ApplyDecision(RegistryTx& tx,
                                            const Principal& actor,
                                            const DecisionInput& d,
                                            const std::string& request_id,
                                            const std::string& reason);
  // Loads the records of `row` and scores each candidate (per field).
  absl::StatusOr<ReviewView> ViewOf(RegistryTx& tx, const Principal& actor,
                                    ReviewRow row);
  // PERMISSION_DENIED statuses are audited before they are returned.
  absl::Status Denied(const Principal& actor, absl::string_view method,
                      absl::Status status, absl::string_view request_id = "");
  absl::Status Check(const Principal& actor, absl::string_view method,
                     const authz::Target& target,
                     absl::string_view request_id = "");
  // Audits one read of personal data (when unmasked) in its own
  // transaction.
  absl::Status AuditRead(const Principal& actor, absl::string_view target);
  absl::StatusOr<PeoplePage> Page(const Principal& actor,
                                  absl::string_view method, PeopleQuery query,
                                  absl::string_view binding,
                                  const std::string& page_token,
                                  int page_size);
  // What a registration answers: a matched person outside the caller's
  // scope is reduced to id, state and home units; personal data is masked
  // for roles without the right to see it.
  void ShapeForCaller(const Principal& actor, RegisterResult& result) const;
  // Masks `p` in place when `actor` may not see personal data.
  static bool MaskFor(const Principal& actor, Person& p);

  const DeploymentConfig config_;
  const units::UnitCatalog units_;
  const authz::Authorizer authorizer_;
  Deps deps_;
  const MatchConfig match_;
  std::function<void(absl::Duration)> duplicate_check_observer_;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_MANAGER_H_

#include "services/registry/registry_manager.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/base/status.h"
#include "common/text/vn_text.h"
#include "services/registry/registry_codec.h"
#include "spdlog/spdlog.h"

namespace relief::registry {

RegistryManager::RegistryManager(DeploymentConfig config,
                                 units::UnitCatalog units, Deps deps)
    : config_(std::move(config)), units_(std::move(units)), deps_(deps) {}

absl::StatusOr<RegisterResult> RegistryManager::Register(
    const Principal& actor, const RegistrationInput& input,
    absl::string_view request_hash) {
  RELIEF_ASSIGN_OR_RETURN(
      Registration reg,
      NormalizeRegistration(input, units_, config_, deps_.clock.Now()));
  const std::vector<std::string> keys = reg.document_keys();

  // Redis first: a hint that lets a known person skip the key locks. The
  // store confirms every hint before it is used.
  absl::flat_hash_map<std::string, std::string> cached;
  if (!keys.empty()) {
    absl::StatusOr<absl::flat_hash_map<std::string, std::string>> hit =
        deps_.cache.Lookup(keys);
    if (hit.ok()) cached = *std::move(hit);  // outages: logged by the client
  }

  const RequestKey key{std::string(kRegisterMethod), actor.subject,
                       input.request_id};
  RegisterResult result;
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) {
    absl::StatusOr<RegisterResult> r = RegisterInTx(tx, actor, key, request_hash, reg, cached);
    if (!r.ok()) return r.status();
    result = *std::move(r);
    return absl::OkStatus();
  }));

  if (result.outcome != RegisterOutcome::kNeedsReview && !keys.empty()) {
    deps_.cache.Remember(keys, result.person.id);
  }
  return result;
}

absl::StatusOr<RegisterResult> RegistryManager::RegisterInTx(
    RegistryTx& tx, const Principal& actor, const RequestKey& key,
    absl::string_view request_hash, const Registration& reg,
    const absl::flat_hash_map<std::string, std::string>& cached) {
  RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          tx.ClaimRequest(key, request_hash));
  if (stored.has_value()) return DecodeRegisterResult(*stored);

  const std::vector<std::string> keys = reg.document_keys();
  const Person& p = reg.person;

  // Fast path: the cache says every key belongs to one person, and the
  // store confirms it; nothing new to link, so no lock is needed.
  absl::flat_hash_map<std::string, std::string> owners;
  bool confirmed = false;
  if (!keys.empty() && cached.size() == keys.size()) {
    const std::string& hinted = cached.begin()->second;
    const bool one_person =
        std::all_of(cached.begin(), cached.end(),
                    [&](const auto& kv) { return kv.second == hinted; });
    if (one_person) {
      RELIEF_ASSIGN_OR_RETURN(owners, tx.FindDocumentOwners(keys));
      confirmed = owners.size() == keys.size() &&
                  std::all_of(owners.begin(), owners.end(), [&](const auto& kv) {
                    return kv.second == hinted;
                  });
    }
  }
  if (!confirmed) {
    RELIEF_RETURN_IF_ERROR(tx.LockDocumentKeys(keys));
    RELIEF_ASSIGN_OR_RETURN(owners, tx.FindDocumentOwners(keys));
  }

  std::set<std::string> matched;
  for (const auto& [k, owner] : owners) matched.insert(owner);
  std::optional<std::string> partner_owner;
  if (p.source == Source::kPartner) {
    RELIEF_ASSIGN_OR_RETURN(
        partner_owner,
        tx.FindByPartnerRef(p.partner_id, p.partner_external_ref));
    if (partner_owner.has_value()) matched.insert(*partner_owner);
  }

  RegisterResult result;
  result.warnings = reg.warnings;
  result.matched_person_ids.assign(matched.begin(), matched.end());
  std::string person_id;
  if (matched.empty()) {
    person_id = deps_.ids.NewId();
    Person created = p;
    created.id = person_id;
    created.created_at = created.updated_at = deps_.clock.Now();
    RELIEF_RETURN_IF_ERROR(tx.InsertPerson(created, actor, key.request_id));
    result.outcome = RegisterOutcome::kCreated;
  } else if (matched.size() == 1) {
    // The same person: link what this registration adds.
    person_id = *matched.begin();
    std::vector<Document> added;
    for (const Document& d : p.documents) {
      if (d.key.empty() || !owners.contains(d.key)) added.push_back(d);
    }
    RELIEF_RETURN_IF_ERROR(tx.AddDocuments(person_id, added, key.request_id));
    result.outcome = RegisterOutcome::kExisting;
  } else {
    // Documents of two different people: store the record on its own with
    // its documents held back, and open a review.
    person_id = deps_.ids.NewId();
    Person held = p;
    held.id = person_id;
    held.created_at = held.updated_at = deps_.clock.Now();
    for (Document& d : held.documents) d.linked = d.key.empty();
    if (partner_owner.has_value()) {
      // (partner, external_ref) names one record: the held copy cannot
      // carry it; the review links both.
      held.partner_id.clear();
      held.partner_external_ref.clear();
    }
    RELIEF_RETURN_IF_ERROR(tx.InsertPerson(held, actor, key.request_id));
    ReviewItem review{.review_id = deps_.ids.NewId(),
                      .person_id = person_id,
                      .candidate_ids = result.matched_person_ids,
                      .doc_keys = keys,
                      .home_commune_code = p.home_commune_code};
    RELIEF_RETURN_IF_ERROR(tx.InsertReview(review, actor, key.request_id));
    result.outcome = RegisterOutcome::kNeedsReview;
    result.review_id = review.review_id;
  }
  RELIEF_ASSIGN_OR_RETURN(result.person, tx.LoadPerson(person_id));
  RELIEF_RETURN_IF_ERROR(
      tx.CompleteRequest(key, EncodeRegisterResult(result)));
  return result;
}

absl::StatusOr<Person> RegistryManager::GetPerson(const Principal& actor,
                                                  absl::string_view person_id) {
  (void)actor;  // [2/8] checks scope here.
  if (!IsUuid(person_id)) {
    return InvalidArgument("person_id", "must be a UUID");
  }
  return deps_.store.GetPerson(person_id);
}

}  // namespace relief::registry

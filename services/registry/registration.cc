#include "services/registry/registration.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/text/document.h"
#include "common/text/phone.h"
#include "common/text/vn_text.h"

namespace relief::registry {
namespace {

using units::Level;

std::string At(absl::string_view field, size_t i) {
  return absl::StrCat(field, "[", i, "]");
}

// A person's or relative's name: NFC, no invisible characters, not legacy
// mojibake.
absl::StatusOr<std::string> CheckName(absl::string_view in, size_t max_chars) {
  absl::StatusOr<std::string> name = text::NormalizeName(in, max_chars);
  if (!name.ok()) return name.status();
  if (text::LooksLikeLegacyEncoding(*name)) {
    return absl::InvalidArgumentError(
        "looks like TCVN3/VNI text read in the wrong encoding; re-enter it in "
        "Unicode");
  }
  return name;
}

void CheckBirthDate(const BirthDate& d, absl::Time now, Violations& v) {
  const absl::CivilDay today =
      absl::ToCivilDay(now, VietnamTimeZone());  // the officials' today
  if (d.year == 0 && d.month == 0 && d.day == 0) {
    v.Add("birth_date", "required: a full date or the year of birth");
    return;
  }
  if (d.year < 1900) {
    v.Add("birth_date.year", "must be 1900 or later");
    return;
  }
  if (d.year > today.year()) {
    v.Add("birth_date.year", "is in the future");
    return;
  }
  if (d.year_only()) return;
  if (d.month < 1 || d.month > 12) {
    v.Add("birth_date.month", "must be 1..12, or 0 with day 0 for year only");
    return;
  }
  const absl::CivilDay day(d.year, d.month, d.day);
  if (d.day < 1 || day.month() != d.month || day.day() != d.day) {
    v.Add("birth_date.day",
          absl::StrCat("no such day: ", d.day, "/", d.month, "/", d.year));
    return;
  }
  if (day > today) v.Add("birth_date", "is in the future");
}

text::DocumentKind KindOf(DocumentType t) {
  switch (t) {
    case DocumentType::kCccd:
      return text::DocumentKind::kCccd;
    case DocumentType::kCmnd:
      return text::DocumentKind::kCmnd;
    case DocumentType::kPassport:
      return text::DocumentKind::kPassport;
    case DocumentType::kHouseholdBook:
      return text::DocumentKind::kHouseholdBook;
    case DocumentType::kResidenceConfirmation:
      return text::DocumentKind::kResidenceConfirmation;
    default:
      return text::DocumentKind::kOther;
  }
}

bool IsPrintableAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7E; });
}

void CheckUnits(const Person& in, Person& out, const units::UnitCatalog& units,
                const DeploymentConfig& config, Violations& v) {
  // Home commune: a commune of the home province.
  if (in.home_commune_code.empty()) {
    v.Add("home_commune_code", "required");
  } else if (const units::Unit* u = units.Find(in.home_commune_code);
             u == nullptr) {
    v.Add("home_commune_code",
          absl::StrCat("unknown commune code \"", in.home_commune_code, "\""));
  } else if (u->level != Level::kCommune) {
    v.Add("home_commune_code",
          absl::StrCat("\"", u->code, "\" is a ", units::LevelName(u->level),
                       ", not a commune"));
  } else if (const units::Unit* p = units.Province(u->code);
             p == nullptr || p->code != config.home_province_code) {
    v.Add("home_commune_code",
          absl::StrCat("commune \"", u->code, "\" is in province ",
                       p == nullptr ? "?" : p->code,
                       ", not in the home province ",
                       config.home_province_code));
  } else {
    out.home_commune_code = u->code;
    const units::Unit* d = units.District(u->code);
    out.home_district_code = d == nullptr ? "" : d->code;
    out.home_province_code = p->code;
  }

  // Current address: another province, optionally one of its districts.
  const std::string& host = in.host_province_code;
  if (host.empty()) {
    v.Add("current_address.province_code", "required");
  } else if (const units::Unit* u = units.Find(host);
             u == nullptr || u->level != Level::kProvince) {
    v.Add("current_address.province_code",
          absl::StrCat("unknown province code \"", host, "\""));
  } else if (host == config.home_province_code) {
    v.Add("current_address.province_code",
          absl::StrCat("must be another province than the home province ",
                       config.home_province_code));
  } else {
    out.host_province_code = host;
    if (!in.host_district_code.empty()) {
      const units::Unit* d = units.Find(in.host_district_code);
      if (d == nullptr || d->level != Level::kDistrict) {
        v.Add("current_address.district_code",
              absl::StrCat("unknown district code \"", in.host_district_code,
                           "\""));
      } else if (!units.Contains(host, d->code)) {
        v.Add("current_address.district_code",
              absl::StrCat("district \"", d->code, "\" is not in province ",
                           host));
      } else {
        out.host_district_code = d->code;
      }
    }
  }
}

}  // namespace

std::vector<std::string> Registration::document_keys() const {
  std::vector<std::string> keys;
  for (const Document& d : person.documents) {
    if (!d.key.empty()) keys.push_back(d.key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

absl::StatusOr<Document> NormalizeDocumentOf(DocumentType type,
                                             absl::string_view number) {
  if (type == DocumentType::kUnspecified) {
    return absl::InvalidArgumentError("document type required");
  }
  absl::StatusOr<text::NormalizedDocument> n =
      text::NormalizeDocument(KindOf(type), number);
  if (!n.ok()) return n.status();
  return Document{.type = type, .number = n->number, .key = n->key};
}

absl::Status CheckRequestId(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("required");
  if (id.size() > kMaxRequestIdBytes || !IsPrintableAscii(id)) {
    return absl::InvalidArgumentError(
        "must be 1..128 printable ASCII characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<Registration> NormalizeRegistration(
    const RegistrationInput& input, const units::UnitCatalog& units,
    const DeploymentConfig& config, absl::Time now) {
  const Person& in = input.person;
  Registration reg;
  Person& out = reg.person;
  Violations v;

  v.AddIfError("request_id", CheckRequestId(input.request_id));

  if (auto name = CheckName(in.full_name, kMaxNameChars); name.ok()) {
    out.full_name = *std::move(name);
  } else {
    v.Add("full_name", std::string(name.status().message()));
  }

  CheckBirthDate(in.birth_date, now, v);
  out.birth_date = in.birth_date;

  if (in.sex != Sex::kMale && in.sex != Sex::kFemale) {
    v.Add("sex", "required: SEX_MALE or SEX_FEMALE");
  }
  out.sex = in.sex;

  if (in.documents.size() > kMaxDocuments) {
    v.Add("documents", absl::StrCat("at most ", kMaxDocuments, " documents"));
  }
  for (size_t i = 0; i < in.documents.size() && i < kMaxDocuments; ++i) {
    const Document& d = in.documents[i];
    if (d.type == DocumentType::kUnspecified) {
      v.Add(At("documents", i) + ".type", "required");
      continue;
    }
    absl::StatusOr<text::NormalizedDocument> n =
        text::NormalizeDocument(KindOf(d.type), d.number);
    if (!n.ok()) {
      v.Add(At("documents", i) + ".number", std::string(n.status().message()));
      continue;
    }
    // The same document written twice is one document.
    const bool repeated = std::any_of(
        out.documents.begin(), out.documents.end(), [&](const Document& o) {
          return o.type == d.type && o.number == n->number;
        });
    if (repeated) continue;
    out.documents.push_back(
        Document{.type = d.type, .number = n->number, .key = n->key});
    // A 12-digit identity number encodes century/sex and birth year.
    if (absl::StartsWith(n->key, "ID12:") && in.birth_date.year >= 1900) {
      std::optional<bool> female;
      if (in.sex != Sex::kUnspecified) female = in.sex == Sex::kFemale;
      for (std::string& w : text::CheckIdNumberConsistency(
               n->number, in.birth_date.year, female)) {
        reg.warnings.push_back(absl::StrCat(At("documents", i), ": ", w));
      }
    }
  }

  if (!in.phone.empty()) {
    if (auto phone = text::NormalizePhone(in.phone); phone.ok()) {
      out.phone = *std::move(phone);
    } else {
      v.Add("phone", std::string(phone.status().message()));
    }
  }

  CheckUnits(in, out, units, config, v);

  if (!in.street.empty()) {
    if (auto street = text::NormalizeFreeText(in.street, kMaxStreetChars);
        street.ok()) {
      out.street = *std::move(street);
    } else {
      v.Add("current_address.street", std::string(street.status().message()));
    }
  }

  if (in.need_kind == NeedKind::kUnspecified) {
    v.Add("needs.kind", "required: medical, living or both");
  }
  out.need_kind = in.need_kind;
  if (!in.need_note.empty()) {
    if (auto note = text::NormalizeFreeText(in.need_note, kMaxNoteChars);
        note.ok()) {
      out.need_note = *std::move(note);
    } else {
      v.Add("needs.note", std::string(note.status().message()));
    }
  }

  if (in.relatives.size() > kMaxRelatives) {
    v.Add("relatives", absl::StrCat("at most ", kMaxRelatives, " relatives"));
  }
  for (size_t i = 0; i < in.relatives.size() && i < kMaxRelatives; ++i) {
    const Relative& r = in.relatives[i];
    Relative n;
    if (auto name = CheckName(r.name, kMaxNameChars); name.ok()) {
      n.name = *std::move(name);
    } else {
      v.Add(At("relatives", i) + ".name", std::string(name.status().message()));
    }
    if (auto rel = text::NormalizeName(r.relationship, kMaxRelationshipChars);
        rel.ok()) {
      n.relationship = *std::move(rel);
    } else {
      v.Add(At("relatives", i) + ".relationship",
            std::string(rel.status().message()));
    }
    if (!r.phone.empty()) {
      if (auto phone = text::NormalizePhone(r.phone); phone.ok()) {
        n.phone = *std::move(phone);
      } else {
        v.Add(At("relatives", i) + ".phone",
              std::string(phone.status().message()));
      }
    }
    out.relatives.push_back(std::move(n));
  }
  // Without papers (a child under 14, lost papers) a relative vouches.
  if (in.documents.empty() && in.relatives.empty()) {
    v.Add("relatives",
          "a person registered without documents needs at least one relative");
  }

  if (in.source == Source::kUnspecified) {
    v.Add("source", "required");
  }
  out.source = in.source;
  if (in.source == Source::kPartner) {
    if (in.partner_id.empty()) {
      v.Add("partner_id", "required when source is SOURCE_PARTNER");
    } else if (in.partner_id.size() > kMaxPartnerFieldBytes ||
               !IsPrintableAscii(in.partner_id)) {
      v.Add("partner_id", "must be 1..128 printable ASCII characters");
    }
    if (in.partner_external_ref.empty()) {
      v.Add("partner_external_ref", "required when source is SOURCE_PARTNER");
    } else if (in.partner_external_ref.size() > kMaxPartnerFieldBytes ||
               !IsPrintableAscii(in.partner_external_ref)) {
      v.Add("partner_external_ref",
            "must be 1..128 printable ASCII characters");
    }
    out.partner_id = in.partner_id;
    out.partner_external_ref = in.partner_external_ref;
  } else if (!in.partner_id.empty() || !in.partner_external_ref.empty()) {
    v.Add(in.partner_id.empty() ? "partner_external_ref" : "partner_id",
          "only for source SOURCE_PARTNER");
  }

  RELIEF_RETURN_IF_ERROR(v.ToStatus());
  out.state = PersonState::kSubmitted;
  return reg;
}

}  // namespace relief::registry

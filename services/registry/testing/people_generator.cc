#include "services/registry/testing/people_generator.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text/document.h"
#include "common/text/vn_text.h"

namespace relief::registry::testing {
namespace {

// --- Randomness -------------------------------------------------------------

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// What a random stream is for: each (seed, purpose, index) has its own.
enum Purpose : uint64_t {
  kSlotStream = 1,    // the two people of slot `index`
  kRecordStream = 2,  // the record at position `index` (GeneratePeople)
  kOrderStream = 3,   // the registration order (GeneratePeople)
  kFirstStream = 4,   // the record of person `index` (PeopleStream)
  kCccdSerial = 5,    // serial numbers (Permute)
  kCmndSerial = 6,
  kPassportSerial = 7,
};

// A seeded std::mt19937_64 with explicit distributions (the std::
// distributions are implementation-defined).
class Rng {
 public:
  Rng(uint64_t seed, uint64_t purpose, uint64_t index)
      : engine_(SplitMix64(SplitMix64(SplitMix64(seed) ^ purpose) ^ index)) {}

  // Uniform in [0, n), n > 0 (multiply-shift; bias below n / 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(engine_()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1) with 53 bits.
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  // An index drawn with the given relative weights.
  size_t Weighted(std::initializer_list<double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = Unit() * total;
    size_t i = 0;
    for (double w : weights) {
      if (u < w) return i;
      u -= w;
      ++i;
    }
    return weights.size() - 1;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  std::mt19937_64 engine_;
};

// A bijection of [0, 1000000) keyed by (seed, purpose): a 4-round Feistel
// network on 20 bits with cycle walking. Serial numbers of different people
// differ, so no two people share a document key.
uint32_t Permute(uint64_t seed, uint64_t purpose, uint64_t index) {
  constexpr uint32_t kDomain = 1000000;
  const uint64_t key = SplitMix64(SplitMix64(seed) ^ (purpose << 32));
  uint32_t x = static_cast<uint32_t>(index % kDomain);
  do {
    uint32_t l = x >> 10;
    uint32_t r = x & 1023;
    for (uint64_t round = 0; round < 4; ++round) {
      const uint32_t f =
          static_cast<uint32_t>(SplitMix64(key ^ (round << 20) ^ r) & 1023);
      const uint32_t next_l = r;
      r = l ^ f;
      l = next_l;
    }
    x = (l << 10) | r;
  } while (x >= kDomain);
  return x;
}

std::string ZeroPad(uint64_t n, int width) {
  std::string s = absl::StrCat(n);
  if (static_cast<int>(s.size()) < width) {
    s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  }
  return s;
}

// A table of names sampled by weight.
class NameTable {
 public:
  explicit NameTable(absl::Span<const WeightedName> names) {
    for (const WeightedName& n : names) {
      total_ += n.weight;
      cumulative_.push_back(total_);
      texts_.emplace_back(n.text);
    }
  }
  const std::string& Sample(Rng& rng) const {
    const double u = rng.Unit() * total_;
    size_t i = static_cast<size_t>(
        std::upper_bound(cumulative_.begin(), cumulative_.end(), u) -
        cumulative_.begin());
    return texts_[std::min(i, texts_.size() - 1)];
  }

 private:
  double total_ = 0;
  std::vector<double> cumulative_;
  std::vector<std::string> texts_;
};

struct Tables {
  NameTable family{FamilyNames()};
  NameTable middle_female{MiddleNames(Sex::kFemale)};
  NameTable middle_male{MiddleNames(Sex::kMale)};
  NameTable given_female{GivenNames(Sex::kFemale)};
  NameTable given_male{GivenNames(Sex::kMale)};

  const NameTable& Middle(Sex s) const {
    return s == Sex::kFemale ? middle_female : middle_male;
  }
  const NameTable& Given(Sex s) const {
    return s == Sex::kFemale ? given_female : given_male;
  }
};

const Tables& GetTables() {
  static const Tables* tables = new Tables();
  return *tables;
}

// --- Vietnamese letters -----------------------------------------------------

std::u32string Decode(absl::string_view s) {  // valid UTF-8 (our own text)
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1   ? c
                  : len == 2 ? (c & 0x1F)
                  : len == 3 ? (c & 0x0F)
                             : (c & 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// The Vietnamese letters with marks, lower and upper case in the same order,
// grouped by base letter.
constexpr std::u32string_view kLowerGroups[] = {U"aàáảãạăằắẳẵặâầấẩẫậ",
                                                U"đ",
                                                U"eèéẻẽẹêềếểễệ",
                                                U"iìíỉĩị",
                                                U"oòóỏõọôồốổỗộơờớởỡợ",
                                                U"uùúủũụưừứửữự",
                                                U"yỳýỷỹỵ"};
constexpr std::u32string_view kUpperGroups[] = {U"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ",
                                                U"Đ",
                                                U"EÈÉẺẼẸÊỀẾỂỄỆ",
                                                U"IÌÍỈĨỊ",
                                                U"OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ",
                                                U"UÙÚỦŨỤƯỪỨỬỮỰ",
                                                U"YỲÝỶỸỴ"};
constexpr char32_t kGroupBase[] = {U'a', U'd', U'e', U'i', U'o', U'u', U'y'};

// Where `c` is in the groups: {group, position, upper}, or nullopt.
struct Place {
  size_t group;
  size_t pos;
  bool upper;
};
std::optional<Place> Find(char32_t c) {
  for (size_t g = 0; g < std::size(kLowerGroups); ++g) {
    if (size_t p = kLowerGroups[g].find(c); p != std::u32string_view::npos) {
      return Place{g, p, false};
    }
    if (size_t p = kUpperGroups[g].find(c); p != std::u32string_view::npos) {
      return Place{g, p, true};
    }
  }
  return std::nullopt;
}

char32_t Upper(char32_t c) {
  if (c >= U'a' && c <= U'z') return c - U'a' + U'A';
  if (auto p = Find(c); p && !p->upper) return kUpperGroups[p->group][p->pos];
  return c;
}
char32_t Lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c - U'A' + U'a';
  if (auto p = Find(c); p && p->upper) return kLowerGroups[p->group][p->pos];
  return c;
}
char32_t StripMark(char32_t c) {
  if (c < 0x80) return c;
  if (auto p = Find(c)) {
    const char32_t base = kGroupBase[p->group];
    return p->upper ? base - U'a' + U'A' : base;
  }
  return c;
}

// Lower-case ASCII without marks: "Hưng" -> "hung".
std::string Fold(absl::string_view s) {
  std::u32string u = Decode(s);
  for (char32_t& c : u) c = Lower(StripMark(c));
  return Encode(u);
}

// --- Facts ------------------------------------------------------------------

// A person's true facts.
struct PersonFacts {
  int64_t index = 0;
  Sex sex = Sex::kUnspecified;
  std::string family;
  std::vector<std::string> middle;
  std::string given;
  BirthDate birth;
  std::string id12;               // 12-digit personal number, or empty
  bool id12_on_cccd = false;      // holds a CCCD carrying id12
  bool id12_on_cmnd = false;      // holds a 12-digit CMND carrying id12
  std::string cmnd9;              // 9-digit CMND, or empty
  std::string passport;           // or empty
  std::string phone;              // national, 10 digits: "0912345678"
  std::string old_phone;          // its pre-2018 11-digit form, or empty
  bool writes_old_phone = false;  // some records carry old_phone
  std::string commune;
  std::string host;
  NeedKind need = NeedKind::kLiving;
  std::string street;
  Relative relative;  // phone national, 10 digits
  HardNegativeKind hard_negative = HardNegativeKind::kNone;
  int64_t partner = -1;

  std::string FullName() const {
    std::string s = family;
    for (const std::string& m : middle) absl::StrAppend(&s, " ", m);
    absl::StrAppend(&s, " ", given);
    return s;
  }
};

struct HostWeight {
  const char* code;
  double weight;
};
// Where Vĩnh Phúc's workers were stranded in 2021: mostly the industrial
// south (HCMC, Bình Dương, Đồng Nai), some in the north.
constexpr HostWeight kHosts[] = {
    {"79", 38}, {"74", 20}, {"75", 12}, {"01", 8}, {"80", 4},
    {"27", 3},  {"48", 3},  {"72", 2},  {"77", 2}, {"92", 2},
    {"31", 2},  {"70", 2},  {"56", 1},  {"46", 1},
};

// National mobile prefixes (after the 0) with rough market shares.
struct PrefixWeight {
  const char* prefix;
  double weight;
  const char* old_prefix;  // the pre-2018 11-digit prefix, or nullptr
};
constexpr PrefixWeight kMobilePrefixes[] = {
    {"32", 4, "162"},   {"33", 4, "163"},   {"34", 4, "164"},
    {"35", 4, "165"},   {"36", 4, "166"},   {"37", 4, "167"},
    {"38", 4, "168"},   {"39", 4, "169"},   {"86", 3, nullptr},
    {"96", 5, nullptr}, {"97", 5, nullptr}, {"98", 5, nullptr},
    {"90", 4, nullptr}, {"93", 3, nullptr}, {"70", 2, "120"},
    {"79", 2, "121"},   {"77", 1, "122"},   {"76", 1, "126"},
    {"78", 1, "128"},   {"89", 2, nullptr}, {"91", 5, nullptr},
    {"94", 3, nullptr}, {"88", 2, nullptr}, {"83", 1, "123"},
    {"84", 1, "124"},   {"85", 1, "125"},   {"81", 1, "127"},
    {"82", 1, "129"},   {"92", 1, nullptr}, {"52", 1, nullptr},
    {"56", 1, "186"},   {"58", 1, "188"},   {"59", 1, "199"},
    {"99", 1, nullptr},
};

// What every person and record of one run shares.
struct Context {
  const GeneratorOptions& options;
  const std::vector<std::string>& communes;
  const Tables& tables;
  std::vector<HostWeight> hosts;  // without the home province
  double host_total = 0;
  std::string id12_prefix;  // "0" + home province: "026"
  std::string cmnd9_prefix;

  Context(const GeneratorOptions& o, const std::vector<std::string>& c)
      : options(o), communes(c), tables(GetTables()) {
    for (const HostWeight& h : kHosts) {
      if (o.home_province_code == h.code) continue;
      hosts.push_back(h);
      host_total += h.weight;
    }
    id12_prefix = absl::StrCat("0", o.home_province_code);
    // Vĩnh Phúc's 9-digit CMND numbers start 135.
    cmnd9_prefix = o.home_province_code == "26"
                       ? "135"
                       : absl::StrCat("0", o.home_province_code);
  }

  std::string Host(Rng& rng) const {
    double u = rng.Unit() * host_total;
    for (const HostWeight& h : hosts) {
      if (u < h.weight) return h.code;
      u -= h.weight;
    }
    return hosts.back().code;
  }
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "people_generator: %s\n", message.c_str());
  std::abort();
}

const std::vector<std::string>& CommunesOf(const GeneratorOptions& o) {
  if (!o.commune_codes.empty()) return o.commune_codes;
  if (o.home_province_code != "26") {
    Die("commune_codes is empty and the home province is not 26");
  }
  return DefaultVinhPhucCommuneCodes();
}

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// 1950–2005, weighted to working ages: 1975–2000 four times as likely as
// 1950–1974, 2001–2005 twice.
int BirthYear(Rng& rng) {
  switch (rng.Weighted({25 * 1.0, 26 * 4.0, 5 * 2.0})) {
    case 0:
      return rng.Between(1950, 1974);
    case 1:
      return rng.Between(1975, 2000);
    default:
      return rng.Between(2001, 2005);
  }
}

BirthDate FullDate(Rng& rng, int year) {
  const int month = rng.Between(1, 12);
  return BirthDate{year, month, rng.Between(1, DaysIn(year, month))};
}

std::string RandomDigits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s.push_back(static_cast<char>('0' + rng.Below(10)));
  return s;
}

// A mobile number: {national 10 digits, old 11-digit form or ""}.
std::pair<std::string, std::string> MobileNumber(Rng& rng) {
  double total = 0;
  for (const PrefixWeight& p : kMobilePrefixes) total += p.weight;
  double u = rng.Unit() * total;
  const PrefixWeight* chosen = &kMobilePrefixes[0];
  for (const PrefixWeight& p : kMobilePrefixes) {
    chosen = &p;
    if (u < p.weight) break;
    u -= p.weight;
  }
  const std::string subscriber = RandomDigits(rng, 7);
  return {absl::StrCat("0", chosen->prefix, subscriber),
          chosen->old_prefix == nullptr
              ? ""
              : absl::StrCat("0", chosen->old_prefix, subscriber)};
}

std::string GivenNotIn(const Context& ctx, Rng& rng, Sex sex,
                       const std::vector<std::string>& middle) {
  std::string given;
  for (int i = 0; i < 20; ++i) {
    given = ctx.tables.Given(sex).Sample(rng);
    if (std::find(middle.begin(), middle.end(), given) == middle.end()) break;
  }
  return given;
}

std::vector<std::string> MiddleNamesFor(const Context& ctx, Rng& rng, Sex sex) {
  const std::string common = sex == Sex::kFemale ? "Thị" : "Văn";
  const NameTable& table = ctx.tables.Middle(sex);
  if (!rng.Chance(0.15)) return {table.Sample(rng)};
  // Two tokens: "Thị Thu", "Văn Minh", "Ngọc Minh".
  std::string first = rng.Chance(0.6) ? common : table.Sample(rng);
  std::string second;
  for (int i = 0; i < 20; ++i) {
    second = table.Sample(rng);
    if (second != common && second != first) break;
  }
  if (second == common || second == first) return {first};
  return {first, second};
}

std::string FullNameOf(const Context& ctx, Rng& rng, Sex sex,
                       const std::string& family) {
  std::vector<std::string> middle = MiddleNamesFor(ctx, rng, sex);
  std::string s = family;
  for (const std::string& m : middle) absl::StrAppend(&s, " ", m);
  absl::StrAppend(&s, " ", GivenNotIn(ctx, rng, sex, middle));
  return s;
}

// The person's papers, drawn afresh (numbers follow birth date and sex).
void AssignDocuments(const Context& ctx, Rng& rng, PersonFacts& p) {
  p.id12.clear();
  p.id12_on_cccd = p.id12_on_cmnd = false;
  p.cmnd9.clear();
  p.passport.clear();
  switch (rng.Weighted({5, 40, 28, 15, 5, 7})) {
    case 0:  // lost papers
      break;
    case 1:
      p.id12_on_cccd = true;
      break;
    case 2:
      p.id12_on_cccd = true;
      p.cmnd9 = "x";
      break;
    case 3:
      p.cmnd9 = "x";
      break;
    case 4:  // a 12-digit CMND (2012–2016) not yet replaced
      p.id12_on_cmnd = true;
      break;
    default:  // the CMND and the CCCD that replaced it: one number
      p.id12_on_cmnd = p.id12_on_cccd = true;
      break;
  }
  const uint64_t seed = ctx.options.seed;
  if (p.id12_on_cccd || p.id12_on_cmnd) {
    const int century = p.birth.year / 100 - 19;  // 1900s: 0, 2000s: 1
    const int digit = 2 * century + (p.sex == Sex::kFemale ? 1 : 0);
    p.id12 =
        absl::StrCat(ctx.id12_prefix, digit, ZeroPad(p.birth.year % 100, 2),
                     ZeroPad(Permute(seed, kCccdSerial, p.index), 6));
  }
  if (!p.cmnd9.empty()) {
    p.cmnd9 = absl::StrCat(ctx.cmnd9_prefix,
                           ZeroPad(Permute(seed, kCmndSerial, p.index), 6));
  }
  if (rng.Chance(0.05)) {
    p.passport =
        absl::StrCat("C", rng.Between(1, 9),
                     ZeroPad(Permute(seed, kPassportSerial, p.index), 6));
  }
}

std::string Street(Rng& rng) {
  switch (rng.Below(4)) {
    case 0:
      return absl::StrCat("Số ", rng.Between(1, 300), ", đường số ",
                          rng.Between(1, 40));
    case 1:
      return absl::StrCat("Tổ ", rng.Between(1, 30), ", khu phố ",
                          rng.Between(1, 12));
    case 2:
      return absl::StrCat("Phòng trọ số ", rng.Between(1, 60), ", hẻm ",
                          rng.Between(1, 400));
    default:
      return absl::StrCat("Ấp ", rng.Between(1, 9), ", khu nhà trọ công nhân");
  }
}

Relative MakeRelative(const Context& ctx, Rng& rng, const PersonFacts& p) {
  struct Kind {
    const char* relationship;
    Sex sex;
    bool same_family;  // carries the person's family name
  };
  std::vector<Kind> kinds;
  if (p.birth.year < 1972) {
    // A woman's children carry their father's family name.
    const bool same = p.sex == Sex::kMale;
    kinds = {{"Con trai", Sex::kMale, same}, {"Con gái", Sex::kFemale, same}};
  } else {
    kinds = {{"Bố", Sex::kMale, true},       {"Mẹ", Sex::kFemale, false},
             {"Anh trai", Sex::kMale, true}, {"Chị gái", Sex::kFemale, true},
             {"Em trai", Sex::kMale, true},  {"Em gái", Sex::kFemale, true}};
    if (p.birth.year <= 1998) {
      kinds.push_back(p.sex == Sex::kMale ? Kind{"Vợ", Sex::kFemale, false}
                                          : Kind{"Chồng", Sex::kMale, false});
    }
  }
  const Kind& k = rng.Pick(kinds);
  Relative r;
  r.relationship = k.relationship;
  r.name = FullNameOf(ctx, rng, k.sex,
                      k.same_family ? p.family : ctx.tables.family.Sample(rng));
  r.phone = MobileNumber(rng).first;
  return r;
}

PersonFacts MakePerson(const Context& ctx, Rng& rng, int64_t index, Sex sex) {
  PersonFacts p;
  p.index = index;
  p.sex = sex;
  p.family = ctx.tables.family.Sample(rng);
  p.middle = MiddleNamesFor(ctx, rng, sex);
  p.given = GivenNotIn(ctx, rng, sex, p.middle);
  p.birth = FullDate(rng, BirthYear(rng));
  AssignDocuments(ctx, rng, p);
  std::tie(p.phone, p.old_phone) = MobileNumber(rng);
  p.writes_old_phone = !p.old_phone.empty() && rng.Chance(0.55);
  p.commune = rng.Pick(ctx.communes);
  p.host = ctx.Host(rng);
  p.need = std::array{NeedKind::kLiving, NeedKind::kBoth,
                      NeedKind::kMedical}[rng.Weighted({62, 25, 13})];
  if (rng.Chance(0.6)) p.street = Street(rng);
  p.relative = MakeRelative(ctx, rng, p);
  return p;
}

Sex RandomSex(Rng& rng) { return rng.Chance(0.48) ? Sex::kFemale : Sex::kMale; }

// Persons 2*slot and 2*slot + 1: two unrelated people, or (when both are
// below options.people) a twin or namesake pair.
std::array<PersonFacts, 2> MakeSlot(const Context& ctx, int64_t slot) {
  Rng rng(ctx.options.seed, kSlotStream, static_cast<uint64_t>(slot));
  const int64_t ia = 2 * slot;
  const int64_t ib = ia + 1;
  const double u = rng.Unit();
  HardNegativeKind kind = HardNegativeKind::kNone;
  if (ib < ctx.options.people) {
    if (u < 0.02) {
      kind = HardNegativeKind::kTwin;
    } else if (u < 0.04) {
      kind = HardNegativeKind::kNamesake;
    }
  }
  PersonFacts a = MakePerson(ctx, rng, ia, RandomSex(rng));
  if (kind == HardNegativeKind::kNone) {
    return {std::move(a), MakePerson(ctx, rng, ib, RandomSex(rng))};
  }
  PersonFacts b;
  if (kind == HardNegativeKind::kTwin) {
    b = a;
    b.index = ib;
    // Another given name, different even without marks.
    const std::string folded = Fold(a.given);
    for (int i = 0; i < 50 && (b.given == a.given || Fold(b.given) == folded);
         ++i) {
      b.given = GivenNotIn(ctx, rng, b.sex, b.middle);
    }
    AssignDocuments(ctx, rng, b);
    b.need = std::array{NeedKind::kLiving, NeedKind::kBoth,
                        NeedKind::kMedical}[rng.Weighted({62, 25, 13})];
  } else {
    const auto pairs = MarkOnlyPairs(a.sex);
    const auto& pair = pairs[rng.Below(pairs.size())];
    const bool swap = rng.Chance(0.5);
    a.given = swap ? pair.second : pair.first;
    if (std::find(a.middle.begin(), a.middle.end(), a.given) !=
        a.middle.end()) {
      a.middle = {a.sex == Sex::kFemale ? "Thị" : "Văn"};
    }
    b = MakePerson(ctx, rng, ib, a.sex);
    b.family = a.family;
    b.middle = a.middle;
    b.given = swap ? pair.first : pair.second;
    b.commune = a.commune;
    if (rng.Chance(0.4)) {  // the same year, another day
      do {
        b.birth = FullDate(rng, a.birth.year);
      } while (b.birth == a.birth);
    } else {
      int year;
      do {
        year = a.birth.year + (rng.Chance(0.5) ? 1 : -1) * rng.Between(1, 8);
      } while (year < 1950 || year > 2005);
      b.birth = FullDate(rng, year);
    }
    AssignDocuments(ctx, rng, b);
    while (b.phone == a.phone)
      std::tie(b.phone, b.old_phone) = MobileNumber(rng);
  }
  a.hard_negative = b.hard_negative = kind;
  a.partner = ib;
  b.partner = ia;
  return {std::move(a), std::move(b)};
}

// --- Records ----------------------------------------------------------------

std::string Group(const std::string& digits, std::initializer_list<int> sizes,
                  absl::string_view sep) {
  std::string out;
  size_t at = 0;
  for (int n : sizes) {
    if (at > 0) absl::StrAppend(&out, sep);
    out.append(digits, at, static_cast<size_t>(n));
    at += static_cast<size_t>(n);
  }
  out.append(digits, std::min(at, digits.size()));
  return out;
}

// A document number as written: plain, or grouped by spaces, dots or dashes.
std::string WriteIdNumber(const std::string& digits, Rng& rng,
                          bool& formatted) {
  const size_t style = rng.Weighted({70, 15, 8, 7});
  formatted = style != 0;
  if (style == 0) return digits;
  const absl::string_view sep = style == 1 ? " " : style == 2 ? "." : "-";
  return digits.size() == 12 ? Group(digits, {3, 3, 3, 3}, sep)
                             : Group(digits, {3, 3, 3}, sep);
}

std::string WritePhone(const std::string& national, Rng& rng, bool& formatted) {
  const std::string nsn = national.substr(1);
  if (national.size() == 11) {  // the old form
    const size_t style = rng.Weighted({60, 25, 15});
    formatted = style != 0;
    if (style == 0) return national;
    return style == 1 ? Group(national, {5, 3, 3}, " ")
                      : Group(national, {4, 3, 4}, " ");
  }
  const size_t style = rng.Weighted({55, 15, 10, 5, 5, 5, 5});
  formatted = style != 0;
  switch (style) {
    case 0:
      return national;
    case 1:
      return Group(national, {4, 3, 3}, " ");
    case 2:
      return absl::StrCat("+84", nsn);
    case 3:
      return absl::StrCat("84", nsn);
    case 4:
      return Group(national, {4, 3, 3}, ".");
    case 5:
      return Group(national, {3, 3, 4}, " ");
    default:
      return absl::StrCat("+84 ", Group(nsn, {3, 3, 3}, " "));
  }
}

// One letter substituted, deleted or inserted in one token of >= 4 letters
// (never the first letter). False when no token qualifies.
bool ApplyTypo(std::vector<std::u32string>& tokens, Rng& rng) {
  static constexpr std::u32string_view kConsonants = U"bcdghklmnpqrstvx";
  std::vector<size_t> candidates;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() >= 4) candidates.push_back(i);
  }
  if (candidates.empty()) return false;
  std::u32string& t = tokens[rng.Pick(candidates)];
  std::vector<size_t> consonants;
  for (size_t i = 1; i < t.size(); ++i) {
    if (kConsonants.find(t[i]) != std::u32string_view::npos) {
      consonants.push_back(i);
    }
  }
  switch (consonants.empty() ? 1 : rng.Below(3)) {
    case 0: {  // substitute a consonant: "Nguyễm"
      const size_t at = rng.Pick(consonants);
      char32_t c;
      do {
        c = kConsonants[rng.Below(kConsonants.size())];
      } while (c == t[at]);
      t[at] = c;
      return true;
    }
    case 1:  // delete a letter: "Ngyễn"
      t.erase(1 + rng.Below(t.size() - 1), 1);
      return true;
    default: {  // double a consonant: "Nguyễnn"
      const size_t at = rng.Pick(consonants);
      t.insert(at, 1, t[at]);
      return true;
    }
  }
}

struct NameChoices {
  bool typo = false;
  int order = 0;  // 0 as is, 1 given first, 2 family last
  bool strip = false;
  int casing = 0;   // 0 as is, 1 upper, 2 lower
  int spacing = 0;  // 0 single, 1 a double gap, 2 leading, 3 trailing, 4 all
  size_t gap = 0;
};

std::string Render(std::vector<std::u32string> tokens, const NameChoices& c) {
  if (c.order == 1) {
    std::rotate(tokens.begin(), tokens.end() - 1, tokens.end());
  } else if (c.order == 2) {
    std::rotate(tokens.begin(), tokens.begin() + 1, tokens.end());
  }
  std::u32string s;
  if (c.spacing == 2 || c.spacing == 4) s += U" ";
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0)
      s += (c.spacing == 1 || c.spacing == 4) && i == c.gap ? U"  " : U" ";
    s += tokens[i];
  }
  if (c.spacing == 3 || c.spacing == 4) s += U" ";
  for (char32_t& ch : s) {
    if (c.strip) ch = StripMark(ch);
    if (c.casing == 1) ch = Upper(ch);
    if (c.casing == 2) ch = Lower(ch);
  }
  return Encode(s);
}

std::string WriteName(const PersonFacts& p, bool first, Rng& rng,
                      uint32_t& variations) {
  std::vector<std::u32string> tokens;
  tokens.push_back(Decode(p.family));
  for (const std::string& m : p.middle) tokens.push_back(Decode(m));
  tokens.push_back(Decode(p.given));

  const bool namesake = p.hard_negative == HardNegativeKind::kNamesake;
  NameChoices c;
  c.typo = !namesake && rng.Chance(first ? 0.04 : 0.10);
  if (rng.Chance(first ? 0.06 : 0.18)) c.order = rng.Chance(0.7) ? 1 : 2;
  c.strip = !namesake && rng.Chance(first ? 0.12 : 0.18);
  c.casing = static_cast<int>(rng.Weighted({88, 8, 4}));
  if (rng.Chance(0.07)) c.spacing = 1 + static_cast<int>(rng.Below(4));
  c.gap = 1 + rng.Below(tokens.size() - 1);

  std::string written;
  bool typo_applied = false;
  if (c.typo) {
    // A typo must not make the name look like legacy-encoded text.
    for (int attempt = 0; attempt < 5 && !typo_applied; ++attempt) {
      std::vector<std::u32string> typoed = tokens;
      if (!ApplyTypo(typoed, rng)) break;
      written = Render(typoed, c);
      typo_applied = !text::LooksLikeLegacyEncoding(written);
    }
  }
  if (!typo_applied) written = Render(tokens, c);

  if (typo_applied) variations |= kTypo;
  if (c.order != 0) variations |= kSwappedOrder;
  if (c.strip) variations |= kMarksDropped;
  if (c.casing == 1) variations |= kUpperCase;
  if (c.casing == 2) variations |= kLowerCase;
  if (c.spacing != 0) variations |= kExtraSpaces;
  return written;
}

std::string E164(const std::string& national) {
  return absl::StrCat("+84", national.substr(1));
}

// One registration of `p`. `first`: the person's first record.
GeneratedRecord MakeRecord(const Context& ctx, const PersonFacts& p, bool first,
                           int64_t position, Rng& rng) {
  GeneratedRecord r;
  r.input.request_id = absl::StrCat("gen-", ctx.options.seed, "-", position);
  r.person = static_cast<int>(p.index);
  r.hard_negative = p.hard_negative != HardNegativeKind::kNone;
  r.hard_negative_kind = p.hard_negative;
  r.partner = static_cast<int>(p.partner);
  r.canonical_name = p.FullName();
  r.family_name = p.family;
  r.given_name = p.given;
  r.canonical_birth_date = p.birth;
  r.canonical_phone = E164(p.phone);
  r.canonical_host_province_code = p.host;

  Person& in = r.input.person;
  uint32_t& v = r.variations;
  in.sex = p.sex;
  in.full_name = WriteName(p, first, rng, v);

  in.birth_date = p.birth;
  if (rng.Chance(0.18)) {
    in.birth_date.month = in.birth_date.day = 0;
    v |= kYearOnly;
  }

  // Documents: a subset of the person's papers.
  const bool has_id12 = !p.id12.empty();
  const bool has_cmnd9 = !p.cmnd9.empty();
  const bool has_passport = !p.passport.empty();
  if ((has_id12 || has_cmnd9 || has_passport) &&
      !rng.Chance(first ? 0.12 : 0.25)) {
    bool show_id12 = has_id12;
    bool show_cmnd9 = has_cmnd9;
    if (has_id12 && has_cmnd9) {
      const size_t which = rng.Weighted({45, 35, 20});
      show_id12 = which != 1;
      show_cmnd9 = which != 0;
    }
    bool show_passport = has_passport && rng.Chance(0.4);
    if (!show_id12 && !show_cmnd9 && !show_passport) show_passport = true;
    bool formatted = false;
    if (show_id12) {
      const DocumentType type =
          p.id12_on_cccd && (!p.id12_on_cmnd || rng.Chance(0.7))
              ? DocumentType::kCccd
              : DocumentType::kCmnd;
      in.documents.push_back(
          {.type = type, .number = WriteIdNumber(p.id12, rng, formatted)});
      if (formatted) v |= kFormattedDocument;
    }
    if (show_cmnd9) {
      in.documents.push_back(
          {.type = DocumentType::kCmnd,
           .number = WriteIdNumber(p.cmnd9, rng, formatted)});
      if (formatted) v |= kFormattedDocument;
    }
    if (show_passport) {
      std::string number = p.passport;
      if (rng.Chance(0.15)) {
        number[0] = 'c';
        v |= kFormattedDocument;
      }
      in.documents.push_back(
          {.type = DocumentType::kPassport, .number = std::move(number)});
    }
    // Papers are not always presented in the same order.
    if (in.documents.size() > 1 && rng.Chance(0.5)) {
      std::reverse(in.documents.begin(), in.documents.end());
    }
  }
  if (in.documents.empty()) v |= kNoDocument;
  for (const Document& d : in.documents) {
    text::DocumentKind kind =
        d.type == DocumentType::kCccd   ? text::DocumentKind::kCccd
        : d.type == DocumentType::kCmnd ? text::DocumentKind::kCmnd
                                        : text::DocumentKind::kPassport;
    absl::StatusOr<text::NormalizedDocument> n =
        text::NormalizeDocument(kind, d.number);
    if (!n.ok()) {
      Die(absl::StrCat("generated an invalid document number \"", d.number,
                       "\": ", n.status().ToString()));
    }
    if (!n->key.empty()) r.document_keys.push_back(n->key);
  }
  std::sort(r.document_keys.begin(), r.document_keys.end());
  r.document_keys.erase(
      std::unique(r.document_keys.begin(), r.document_keys.end()),
      r.document_keys.end());

  // Phone.
  if (rng.Chance(0.07)) {
    v |= kNoPhone;
  } else {
    const bool old = p.writes_old_phone && rng.Chance(0.6);
    bool formatted = false;
    in.phone = WritePhone(old ? p.old_phone : p.phone, rng, formatted);
    if (old) v |= kOldPhone;
    if (formatted) v |= kFormattedPhone;
  }

  in.home_commune_code = p.commune;
  in.host_province_code = p.host;
  if (!first && rng.Chance(0.05) && ctx.hosts.size() > 1) {
    std::string other;
    do {
      other = ctx.Host(rng);
    } while (other == p.host);
    in.host_province_code = other;
    v |= kHostChanged;
  }
  in.street = first || rng.Chance(0.7) ? p.street : "";
  in.need_kind = p.need;
  if (!first && rng.Chance(0.1)) {
    in.need_kind = std::array{NeedKind::kLiving, NeedKind::kBoth,
                              NeedKind::kMedical}[rng.Below(3)];
  }
  // Without papers a relative vouches; others name one sometimes.
  if (in.documents.empty() || rng.Chance(0.25)) {
    Relative rel = p.relative;
    bool formatted = false;
    rel.phone = WritePhone(rel.phone, rng, formatted);
    in.relatives.push_back(std::move(rel));
  }
  in.source = std::array{Source::kSelf, Source::kCommuneList,
                         Source::kHotline}[rng.Weighted({50, 35, 15})];
  return r;
}

void CheckOptions(const GeneratorOptions& o) {
  if (o.people < 1) Die("people must be at least 1");
  if (o.duplicates && o.records < o.people) Die("records must be >= people");
  if (o.home_province_code.size() != 2) {
    Die("home_province_code must be a 2-digit province code");
  }
}

}  // namespace

// --- GeneratePeople ---------------------------------------------------------

std::vector<GeneratedRecord> GeneratePeople(const GeneratorOptions& options) {
  CheckOptions(options);
  const Context ctx(options, CommunesOf(options));
  const int people = options.people;
  const int extra = options.duplicates ? options.records - people : 0;

  std::vector<PersonFacts> persons;
  persons.reserve(static_cast<size_t>(people) + 1);
  for (int64_t slot = 0; 2 * slot < people; ++slot) {
    for (PersonFacts& p : MakeSlot(ctx, slot)) persons.push_back(std::move(p));
  }
  persons.resize(static_cast<size_t>(people));

  // Registration order: each person's first record at a random time in
  // [0, 1); each duplicate of a random person a while (0.02..0.62) after
  // that person's first record, so duplicates spread through the stream.
  struct Entry {
    double time;
    int person;
    bool first;
  };
  std::vector<Entry> entries;
  entries.reserve(static_cast<size_t>(people + extra));
  Rng order(options.seed, kOrderStream, 0);
  for (int p = 0; p < people; ++p) entries.push_back({order.Unit(), p, true});
  for (int k = 0; k < extra; ++k) {
    const int p = static_cast<int>(order.Below(static_cast<uint64_t>(people)));
    entries.push_back(
        {entries[static_cast<size_t>(p)].time + 0.02 + 0.6 * order.Unit(), p,
         false});
  }
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const Entry& a, const Entry& b) { return a.time < b.time; });

  std::vector<GeneratedRecord> records;
  records.reserve(entries.size());
  std::vector<std::vector<std::string>> keys_seen(static_cast<size_t>(people));
  for (size_t pos = 0; pos < entries.size(); ++pos) {
    const Entry& e = entries[pos];
    Rng rng(options.seed, kRecordStream, pos);
    GeneratedRecord r = MakeRecord(ctx, persons[static_cast<size_t>(e.person)],
                                   e.first, static_cast<int64_t>(pos), rng);
    std::vector<std::string>& seen = keys_seen[static_cast<size_t>(e.person)];
    r.duplicate = !e.first;
    if (r.duplicate) {
      r.no_shared_key = std::none_of(
          r.document_keys.begin(), r.document_keys.end(), [&](const auto& k) {
            return std::find(seen.begin(), seen.end(), k) != seen.end();
          });
    }
    for (const std::string& k : r.document_keys) {
      if (std::find(seen.begin(), seen.end(), k) == seen.end())
        seen.push_back(k);
    }
    records.push_back(std::move(r));
  }
  return records;
}

// --- PeopleStream -----------------------------------------------------------

PeopleStream::PeopleStream(GeneratorOptions options)
    : options_(std::move(options)) {
  options_.duplicates = false;
  CheckOptions(options_);
  (void)CommunesOf(options_);  // fail early
}

GeneratedRecord PeopleStream::Next() {
  const int64_t i = next_++;
  if (i / 2 != slot_index_) {
    slot_index_ = i / 2;
    const Context ctx(options_, CommunesOf(options_));
    slot_records_.clear();
    for (const PersonFacts& p : MakeSlot(ctx, slot_index_)) {
      Rng rng(options_.seed, kFirstStream, static_cast<uint64_t>(p.index));
      slot_records_.push_back(MakeRecord(ctx, p, /*first=*/true, p.index, rng));
    }
  }
  // Each record of the pair is returned once.
  return std::move(slot_records_[static_cast<size_t>(i % 2)]);
}

// --- Summaries and helpers --------------------------------------------------

double GeneratorStats::Share(int count) const {
  return records == 0 ? 0.0 : static_cast<double>(count) / records;
}

std::string GeneratorStats::ToString() const {
  auto pct = [&](int n) { return absl::StrFormat("%.1f%%", 100 * Share(n)); };
  return absl::StrFormat(
      "records=%d people=%d duplicates=%d (no shared key %.1f%% of "
      "duplicates) hard negatives %s (%d twin, %d namesake pairs) "
      "Nguyễn %.1f%% of people | no document %s, year only %s, swapped "
      "order %s, typo %s, marks dropped %s, upper %s, lower %s, extra spaces "
      "%s, formatted document %s, no phone %s, old phone %s, formatted phone "
      "%s, host changed %s",
      records, people, duplicates,
      duplicates == 0 ? 0.0 : 100.0 * no_shared_key / duplicates,
      pct(hard_negative), twin_pairs, namesake_pairs,
      people == 0 ? 0.0 : 100.0 * nguyen_people / people, pct(no_document),
      pct(year_only), pct(swapped_order), pct(typo), pct(marks_dropped),
      pct(upper_case), pct(lower_case), pct(extra_spaces),
      pct(formatted_document), pct(no_phone), pct(old_phone),
      pct(formatted_phone), pct(host_changed));
}

GeneratorStats Summarize(const std::vector<GeneratedRecord>& records) {
  GeneratorStats s;
  absl::flat_hash_set<int> people;
  int twins = 0;
  int namesakes = 0;
  for (const GeneratedRecord& r : records) {
    ++s.records;
    if (people.insert(r.person).second) {
      if (r.family_name == "Nguyễn") ++s.nguyen_people;
      if (r.hard_negative_kind == HardNegativeKind::kTwin) ++twins;
      if (r.hard_negative_kind == HardNegativeKind::kNamesake) ++namesakes;
    }
    s.duplicates += r.duplicate;
    s.no_shared_key += r.no_shared_key;
    s.hard_negative += r.hard_negative;
    const uint32_t v = r.variations;
    s.swapped_order += (v & kSwappedOrder) != 0;
    s.typo += (v & kTypo) != 0;
    s.marks_dropped += (v & kMarksDropped) != 0;
    s.upper_case += (v & kUpperCase) != 0;
    s.lower_case += (v & kLowerCase) != 0;
    s.extra_spaces += (v & kExtraSpaces) != 0;
    s.year_only += (v & kYearOnly) != 0;
    s.no_document += (v & kNoDocument) != 0;
    s.formatted_document += (v & kFormattedDocument) != 0;
    s.no_phone += (v & kNoPhone) != 0;
    s.old_phone += (v & kOldPhone) != 0;
    s.formatted_phone += (v & kFormattedPhone) != 0;
    s.host_changed += (v & kHostChanged) != 0;
  }
  s.people = static_cast<int>(people.size());
  // A pair counts once both of its people appear.
  s.twin_pairs = twins / 2;
  s.namesake_pairs = namesakes / 2;
  return s;
}

std::vector<std::string> CommuneCodesOf(const units::UnitCatalog& catalog,
                                        absl::string_view province_code) {
  std::vector<std::string> codes;
  const units::Unit* province = catalog.Find(province_code);
  if (province == nullptr || province->level != units::Level::kProvince) {
    return codes;
  }
  for (const units::Unit* child : catalog.Children(province_code)) {
    if (child->level == units::Level::kCommune) {
      codes.push_back(child->code);
      continue;
    }
    for (const units::Unit* commune : catalog.Children(child->code)) {
      if (commune->level == units::Level::kCommune) {
        codes.push_back(commune->code);
      }
    }
  }
  std::sort(codes.begin(), codes.end());
  return codes;
}

const std::vector<std::string>& DefaultVinhPhucCommuneCodes() {
  static const auto* codes = new std::vector<std::string>{
      "08707", "08710", "08713",  // 243 Vĩnh Yên
      "08734", "08737", "08740",  // 244 Phúc Yên
      "08761", "08764", "08767",  // 246 Lập Thạch
      "08869", "08872", "08875",  // 247 Tam Dương
      "08908", "08911", "08914",  // 248 Tam Đảo
      "08935", "08936", "08938",  // 249 Bình Xuyên
      "09025", "09028", "09031",  // 251 Yên Lạc
      "09076", "09079", "09082",  // 252 Vĩnh Tường
      "08773", "08776", "08779",  // 253 Sông Lô
  };
  return *codes;
}

}  // namespace relief::registry::testing

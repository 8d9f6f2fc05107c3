#include "common/units/unit_catalog.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace relief::units {

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kProvince:
      return "province";
    case Level::kDistrict:
      return "district";
    case Level::kCommune:
      return "commune";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// UnitCatalog

struct UnitCatalog::Data {
  struct Entry {
    const Unit* unit = nullptr;
    const Unit* province = nullptr;
    const Unit* district = nullptr;
    std::vector<const Unit*> children;  // Level, then code order.
  };

  absl::CivilDay as_of;
  std::vector<Unit> units;  // Level, then code order. Never resized once
                            // `by_code` points into it.
  absl::flat_hash_map<std::string, Entry> by_code;

  const Entry* Get(absl::string_view code) const {
    auto it = by_code.find(code);
    return it == by_code.end() ? nullptr : &it->second;
  }
};

namespace {

std::string DayString(absl::CivilDay day) { return absl::FormatCivilTime(day); }

}  // namespace

absl::StatusOr<UnitCatalog> UnitCatalog::Create(std::vector<Unit> units,
                                                absl::CivilDay as_of) {
  auto data = std::make_shared<Data>();
  data->as_of = as_of;

  for (Unit& unit : units) {
    if (unit.valid_to.has_value() && *unit.valid_to <= unit.valid_from) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unit ", unit.code, ": valid_to ", DayString(*unit.valid_to),
          " is not after valid_from ", DayString(unit.valid_from)));
    }
    if (unit.ValidOn(as_of)) data->units.push_back(std::move(unit));
  }
  std::sort(data->units.begin(), data->units.end(),
            [](const Unit& a, const Unit& b) {
              return std::tie(a.level, a.code) < std::tie(b.level, b.code);
            });

  data->by_code.reserve(data->units.size());
  for (const Unit& unit : data->units) {
    if (unit.code.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a ", LevelName(unit.level), " named \"", unit.name,
                       "\" has an empty code"));
    }
    auto [it, inserted] = data->by_code.try_emplace(unit.code);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unit ", unit.code, ": two versions are valid on ",
          DayString(as_of), " (from ", DayString(it->second.unit->valid_from),
          " and from ", DayString(unit.valid_from), ")"));
    }
    it->second.unit = &unit;
  }

  // Units are in level order, so every parent's entry is complete before its
  // children are visited.
  for (const Unit& unit : data->units) {
    Data::Entry& entry = data->by_code.find(unit.code)->second;
    if (unit.level == Level::kProvince) {
      if (!unit.parent_code.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("province ", unit.code, " has parent ",
                         unit.parent_code, "; provinces have none"));
      }
      entry.province = &unit;
      continue;
    }
    if (unit.parent_code.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          LevelName(unit.level), " ", unit.code, " has no parent_code"));
    }
    auto parent_it = data->by_code.find(unit.parent_code);
    if (parent_it == data->by_code.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          LevelName(unit.level), " ", unit.code, ": parent ", unit.parent_code,
          " is not a unit on ", DayString(as_of)));
    }
    Data::Entry& parent = parent_it->second;
    const Level parent_level = parent.unit->level;
    const bool parent_ok =
        unit.level == Level::kDistrict
            ? parent_level == Level::kProvince
            : parent_level == Level::kProvince ||
                  parent_level == Level::kDistrict;
    if (!parent_ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          LevelName(unit.level), " ", unit.code, ": parent ", unit.parent_code,
          " is a ", LevelName(parent_level)));
    }
    entry.province = parent.province;
    entry.district =
        unit.level == Level::kDistrict
            ? &unit
            : (parent_level == Level::kDistrict ? parent.unit : nullptr);
    parent.children.push_back(&unit);
  }
  return UnitCatalog(std::move(data));
}

UnitCatalog::UnitCatalog(std::shared_ptr<const Data> data)
    : data_(std::move(data)) {}

UnitCatalog::~UnitCatalog() = default;

const Unit* UnitCatalog::Find(absl::string_view code) const {
  const Data::Entry* entry = data_->Get(code);
  return entry == nullptr ? nullptr : entry->unit;
}

const Unit* UnitCatalog::Province(absl::string_view code) const {
  const Data::Entry* entry = data_->Get(code);
  return entry == nullptr ? nullptr : entry->province;
}

const Unit* UnitCatalog::District(absl::string_view code) const {
  const Data::Entry* entry = data_->Get(code);
  return entry == nullptr ? nullptr : entry->district;
}

bool UnitCatalog::Contains(absl::string_view ancestor,
                           absl::string_view code) const {
  const Data::Entry* a = data_->Get(ancestor);
  const Data::Entry* c = data_->Get(code);
  if (a == nullptr || c == nullptr) return false;
  // Create() guarantees each entry's province and district are its ancestors
  // (or itself) at those levels, so one comparison settles it.
  switch (a->unit->level) {
    case Level::kProvince:
      return c->province == a->unit;
    case Level::kDistrict:
      return c->district == a->unit;
    case Level::kCommune:
      return c->unit == a->unit;
  }
  return false;
}

std::vector<const Unit*> UnitCatalog::Children(absl::string_view code) const {
  const Data::Entry* entry = data_->Get(code);
  if (entry == nullptr) return {};
  return entry->children;
}

std::vector<const Unit*> UnitCatalog::All() const {
  std::vector<const Unit*> all;
  all.reserve(data_->units.size());
  for (const Unit& unit : data_->units) all.push_back(&unit);
  return all;
}

size_t UnitCatalog::size() const { return data_->units.size(); }

absl::CivilDay UnitCatalog::as_of() const { return data_->as_of; }

// ---------------------------------------------------------------------------
// ParseUnitsSql

namespace {

struct Token {
  enum Kind { kWord, kString, kPunct };
  Kind kind;
  std::string text;  // Word as written; string literal unescaped; punct char.
  int line;
};

absl::Status SqlError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("units SQL line ", line, ": ", message));
}

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

// Splits `sql` into statements of tokens; comments are dropped.
absl::StatusOr<std::vector<std::vector<Token>>> Tokenize(absl::string_view sql) {
  std::vector<std::vector<Token>> statements(1);
  int line = 1;
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const int start_line = line;
      i += 2;
      while (i + 1 < n && !(sql[i] == '*' && sql[i + 1] == '/')) {
        if (sql[i] == '\n') ++line;
        ++i;
      }
      if (i + 1 >= n) return SqlError(start_line, "unterminated /* comment");
      i += 2;
    } else if (c == '\'') {
      const int start_line = line;
      std::string text;
      ++i;
      while (true) {
        if (i >= n) return SqlError(start_line, "unterminated string literal");
        if (sql[i] == '\'') {
          if (i + 1 < n && sql[i + 1] == '\'') {
            text.push_back('\'');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (sql[i] == '\n') ++line;
        text.push_back(sql[i++]);
      }
      statements.back().push_back({Token::kString, std::move(text), start_line});
    } else if (IsWordChar(c)) {
      size_t j = i;
      while (j < n && IsWordChar(sql[j])) ++j;
      statements.back().push_back(
          {Token::kWord, std::string(sql.substr(i, j - i)), line});
      i = j;
    } else if (c == ';') {
      statements.emplace_back();
      ++i;
    } else {
      statements.back().push_back({Token::kPunct, std::string(1, c), line});
      ++i;
    }
  }
  if (!statements.back().empty()) {
    return SqlError(statements.back().front().line,
                    "statement not terminated by ';'");
  }
  statements.pop_back();
  return statements;
}

bool IsWord(const Token& t, absl::string_view word) {
  return t.kind == Token::kWord && absl::EqualsIgnoreCase(t.text, word);
}

bool IsPunct(const Token& t, char c) {
  return t.kind == Token::kPunct && t.text.size() == 1 && t.text[0] == c;
}

enum Column {
  kCode,
  kValidFrom,
  kValidTo,
  kLevel,
  kName,
  kNameWithType,
  kParentCode,
  kColumnCount
};

constexpr std::array<absl::string_view, kColumnCount> kColumnNames = {
    "code", "valid_from", "valid_to", "level",
    "name", "name_with_type", "parent_code"};
constexpr std::array<bool, kColumnCount> kColumnRequired = {
    true, true, false, true, true, true, false};

absl::StatusOr<absl::CivilDay> ParseDay(const Token& t, absl::string_view col) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(t.text, &day)) {
    return SqlError(t.line, absl::StrCat(col, ": '", t.text,
                                         "' is not a YYYY-MM-DD date"));
  }
  return day;
}

absl::StatusOr<Level> ParseLevel(const Token& t) {
  for (Level level : {Level::kProvince, Level::kDistrict, Level::kCommune}) {
    if (t.text == LevelName(level)) return level;
  }
  return SqlError(t.line, absl::StrCat("level: '", t.text,
                                       "' is not province, district or commune"));
}

// Parses one `INSERT INTO ref.admin_units (...) VALUES ...` statement whose
// first three tokens have been recognised.
absl::Status ParseInsert(const std::vector<Token>& tokens,
                         std::vector<Unit>& out) {
  size_t i = 3;
  auto at_end = [&] { return i >= tokens.size(); };
  const int last_line = tokens.back().line;
  auto line_here = [&] { return at_end() ? last_line : tokens[i].line; };

  // Column list.
  if (at_end() || !IsPunct(tokens[i], '(')) {
    return SqlError(line_here(), "expected '(' and a column list");
  }
  ++i;
  std::vector<Column> columns;
  std::array<bool, kColumnCount> seen{};
  while (true) {
    if (at_end() || tokens[i].kind != Token::kWord) {
      return SqlError(line_here(), "expected a column name");
    }
    const Token& name = tokens[i++];
    auto found = std::find_if(
        kColumnNames.begin(), kColumnNames.end(),
        [&](absl::string_view c) { return absl::EqualsIgnoreCase(c, name.text); });
    if (found == kColumnNames.end()) {
      return SqlError(name.line, absl::StrCat("unknown column ", name.text));
    }
    const Column col = static_cast<Column>(found - kColumnNames.begin());
    if (seen[col]) {
      return SqlError(name.line, absl::StrCat("repeated column ", name.text));
    }
    seen[col] = true;
    columns.push_back(col);
    if (!at_end() && IsPunct(tokens[i], ',')) {
      ++i;
      continue;
    }
    if (!at_end() && IsPunct(tokens[i], ')')) {
      ++i;
      break;
    }
    return SqlError(line_here(), "expected ',' or ')' in the column list");
  }
  for (int c = 0; c < kColumnCount; ++c) {
    if (kColumnRequired[c] && !seen[c]) {
      return SqlError(tokens[0].line,
                      absl::StrCat("missing column ", kColumnNames[c]));
    }
  }
  if (at_end() || !IsWord(tokens[i], "VALUES")) {
    return SqlError(line_here(), "expected VALUES");
  }
  ++i;

  // Tuples.
  while (true) {
    if (at_end() || !IsPunct(tokens[i], '(')) {
      return SqlError(line_here(), "expected '(' to open a row");
    }
    const int row_line = tokens[i].line;
    ++i;
    std::array<const Token*, kColumnCount> values{};  // nullptr = NULL.
    for (size_t k = 0; k < columns.size(); ++k) {
      if (k > 0) {
        if (at_end() || !IsPunct(tokens[i], ',')) {
          return SqlError(line_here(),
                          absl::StrCat("row has fewer than ", columns.size(),
                                       " values"));
        }
        ++i;
      }
      if (at_end()) return SqlError(last_line, "unterminated row");
      const Token& v = tokens[i++];
      if (v.kind == Token::kString) {
        values[columns[k]] = &v;
      } else if (IsWord(v, "NULL")) {
        values[columns[k]] = nullptr;
      } else {
        return SqlError(v.line, absl::StrCat(kColumnNames[columns[k]], ": '",
                                             v.text,
                                             "' is not a string literal or NULL"));
      }
    }
    if (at_end() || !IsPunct(tokens[i], ')')) {
      return SqlError(line_here(), absl::StrCat("row has more than ",
                                                columns.size(), " values"));
    }
    ++i;
    for (int c = 0; c < kColumnCount; ++c) {
      if (kColumnRequired[c] && values[c] == nullptr) {
        return SqlError(row_line,
                        absl::StrCat(kColumnNames[c], " must not be NULL"));
      }
    }

    Unit unit;
    unit.code = values[kCode]->text;
    auto from = ParseDay(*values[kValidFrom], "valid_from");
    if (!from.ok()) return from.status();
    unit.valid_from = *from;
    if (values[kValidTo] != nullptr) {
      auto to = ParseDay(*values[kValidTo], "valid_to");
      if (!to.ok()) return to.status();
      unit.valid_to = *to;
    }
    auto level = ParseLevel(*values[kLevel]);
    if (!level.ok()) return level.status();
    unit.level = *level;
    unit.name = values[kName]->text;
    unit.name_with_type = values[kNameWithType]->text;
    if (values[kParentCode] != nullptr) {
      unit.parent_code = values[kParentCode]->text;
    }
    out.push_back(std::move(unit));

    if (at_end()) return absl::OkStatus();
    if (!IsPunct(tokens[i], ',')) {
      return SqlError(tokens[i].line, "expected ',' or ';' after a row");
    }
    ++i;
  }
}

}  // namespace

absl::StatusOr<std::vector<Unit>> ParseUnitsSql(absl::string_view sql) {
  auto statements = Tokenize(sql);
  if (!statements.ok()) return statements.status();
  std::vector<Unit> units;
  for (const std::vector<Token>& tokens : *statements) {
    if (tokens.size() >= 3 && IsWord(tokens[0], "INSERT") &&
        IsWord(tokens[1], "INTO") && IsWord(tokens[2], "ref.admin_units")) {
      if (absl::Status s = ParseInsert(tokens, units); !s.ok()) return s;
    }
  }
  return units;
}

}  // namespace relief::units

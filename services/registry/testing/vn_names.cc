// Vietnamese name tables for the people generator. All text is NFC with the
// "new" tone placement (Hòa, Thủy). Frequencies: family names from the
// commonly cited national shares (Nguyễn ~38 %, Trần ~11 %, Lê ~9.5 % …);
// middle names by sex from the usual Thị/Văn dominance; given names in
// rough order of popularity, weighted 1/(rank + 5) (Zipf–Mandelbrot: the
// first name ~6 % of its sex, the last ~0.4 %).
#include <utility>
#include <vector>

#include "services/registry/testing/people_generator.h"

namespace relief::registry::testing {
namespace {

constexpr WeightedName kFamily[] = {
    // The major names (88.5 %).
    {"Nguyễn", 38.0},
    {"Trần", 11.0},
    {"Lê", 9.5},
    {"Phạm", 7.0},
    {"Hoàng", 3.4},
    {"Huỳnh", 1.6},  // together ~5 %
    {"Phan", 4.5},
    {"Vũ", 2.2},
    {"Võ", 1.7},  // together ~3.9 %
    {"Đặng", 2.1},
    {"Bùi", 2.0},
    {"Đỗ", 1.4},
    {"Hồ", 1.3},
    {"Ngô", 1.3},
    {"Dương", 1.0},
    {"Lý", 0.5},
    // The tail (11.5 %).
    {"Đào", 1.0},
    {"Đinh", 0.9},
    {"Đoàn", 0.8},
    {"Trịnh", 0.8},
    {"Hà", 0.8},
    {"Trương", 0.6},
    {"Phùng", 0.6},
    {"Lương", 0.6},
    {"Cao", 0.6},
    {"Mai", 0.5},
    {"Tạ", 0.5},
    {"Lưu", 0.5},
    {"Lâm", 0.4},
    {"Tô", 0.4},
    {"Kiều", 0.4},
    {"Chu", 0.4},
    {"Vương", 0.3},
    {"Triệu", 0.3},
    {"Quách", 0.2},
    {"Khổng", 0.2},
    {"Nghiêm", 0.2},
    {"Tăng", 0.1},
};

constexpr WeightedName kMiddleFemale[] = {
    {"Thị", 60}, {"Ngọc", 6},  {"Thu", 4},   {"Thanh", 4},  {"Minh", 3},
    {"Kim", 3},  {"Hồng", 3},  {"Thùy", 3},  {"Phương", 2}, {"Bích", 2},
    {"Diệu", 1}, {"Mai", 1},   {"Khánh", 1}, {"Hải", 1},    {"Hoài", 1},
    {"Bảo", 1},  {"Quỳnh", 1}, {"Lan", 1},   {"Tuyết", 1},  {"Mỹ", 1},
};

constexpr WeightedName kMiddleMale[] = {
    {"Văn", 45},  {"Đức", 8},   {"Minh", 6}, {"Hữu", 5},  {"Quang", 5},
    {"Xuân", 4},  {"Thanh", 4}, {"Công", 4}, {"Đình", 4}, {"Ngọc", 3},
    {"Trọng", 3}, {"Tiến", 2},  {"Mạnh", 2}, {"Huy", 1},  {"Bá", 1},
    {"Duy", 1},   {"Thế", 1},   {"Việt", 1},
};

// In rough order of popularity.
constexpr const char* kGivenFemale[] = {
    "Linh",  "Hương", "Trang", "Hà",    "Lan",   "Hoa",    "Thảo",  "Nhung",
    "Huyền", "Ngọc",  "Anh",   "Hằng",  "Mai",   "Phương", "Thủy",  "Hạnh",
    "Dung",  "Yến",   "Nga",   "Thu",   "Hiền",  "Loan",   "Vân",   "Oanh",
    "Hồng",  "Thúy",  "Liên",  "Hường", "Quỳnh", "Trâm",   "Giang", "Ngân",
    "Nhàn",  "Tâm",   "Thơ",   "Vy",    "Chi",   "Diệp",   "Duyên", "Hậu",
    "Hòa",   "Lệ",    "Liễu",  "Ly",    "My",    "Nguyệt", "Nhi",   "Phượng",
    "Quyên", "Sen",   "Tuyết", "Thắm",  "Thư",   "Thanh",  "Thoa",  "Trinh",
    "Uyên",  "Xuân",  "Bích",  "Cúc",   "Diễm",  "Đào",    "Gấm",   "Hạ",
    "Hân",   "Huệ",   "Khánh", "Lài",   "Lụa",   "Minh",   "Mơ",    "Nụ",
    "Ngà",   "Tươi",  "Vui",   "Hoài",  "Thùy",  "Châu",   "Kiều",  "Lam",
    "Lành",  "Ánh",   "Hảo",   "Dịu",   "Tình",  "Thêu",   "Trà",   "Hải",
};

constexpr const char* kGivenMale[] = {
    "Hùng",  "Dũng",   "Tuấn",  "Minh",  "Hải",    "Nam",   "Thắng", "Sơn",
    "Long",  "Trung",  "Hưng",  "Cường", "Hoàng",  "Đức",   "Quân",  "Huy",
    "Thành", "Phong",  "Tùng",  "Hiếu",  "Anh",    "Việt",  "Quang", "Toàn",
    "Tiến",  "Hiệp",   "Khánh", "Bình",  "Hòa",    "Lâm",   "Linh",  "Lợi",
    "Mạnh",  "Nghĩa",  "Phúc",  "Quý",   "Tài",    "Thái",  "Thanh", "Thịnh",
    "Thuận", "Trọng",  "Tú",    "Vinh",  "Vũ",     "Chiến", "Công",  "Cương",
    "Đạt",   "Định",   "Đông",  "Đồng",  "Giang",  "Hà",    "Hậu",   "Hiển",
    "Hoan",  "Hợp",    "Khải",  "Khoa",  "Kiên",   "Lân",   "Lĩnh",  "Luân",
    "Lực",   "Nguyên", "Ninh",  "Phú",   "Phương", "Quảng", "Quyết", "Sang",
    "Tâm",   "Tân",    "Thạch", "Thăng", "Thạnh",  "Thiện", "Thông", "Tuân",
    "Tưởng", "Vương",  "Xuân",  "Bảo",   "Chính",  "Duy",   "Khang", "Kiệt",
    "Lộc",   "Nhật",   "Tín",   "Trí",   "Vĩnh",
};

constexpr std::pair<const char*, const char*> kPairsFemale[] = {
    {"Hoa", "Hòa"}, {"Hương", "Hường"}, {"Thu", "Thư"},       {"Thúy", "Thủy"},
    {"Hà", "Hạ"},   {"Nga", "Ngà"},     {"Phương", "Phượng"},
};

constexpr std::pair<const char*, const char*> kPairsMale[] = {
    {"Hùng", "Hưng"},   {"Tuấn", "Tuân"},   {"Cường", "Cương"},
    {"Thành", "Thạnh"}, {"Quang", "Quảng"}, {"Thắng", "Thăng"},
    {"Linh", "Lĩnh"},   {"Đông", "Đồng"},
};

template <size_t N>
std::vector<WeightedName> Zipf(const char* const (&names)[N]) {
  std::vector<WeightedName> out;
  out.reserve(N);
  for (size_t i = 0; i < N; ++i) {
    out.push_back({names[i], 100.0 / static_cast<double>(i + 1 + 5)});
  }
  return out;
}

}  // namespace

absl::Span<const WeightedName> FamilyNames() { return kFamily; }

absl::Span<const WeightedName> MiddleNames(Sex sex) {
  if (sex == Sex::kFemale) return kMiddleFemale;
  return kMiddleMale;
}

absl::Span<const WeightedName> GivenNames(Sex sex) {
  static const auto* female = new std::vector<WeightedName>(Zipf(kGivenFemale));
  static const auto* male = new std::vector<WeightedName>(Zipf(kGivenMale));
  return sex == Sex::kFemale ? *female : *male;
}

absl::Span<const std::pair<const char*, const char*>> MarkOnlyPairs(Sex sex) {
  if (sex == Sex::kFemale) return kPairsFemale;
  return kPairsMale;
}

}  // namespace relief::registry::testing

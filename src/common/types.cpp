#include "pro2assist/types.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace p2a {
namespace {

constexpr std::array<std::string_view, 4> kStatus = {"just_start", "in_progress",
                                                     "about_to_finish", "transition"};
constexpr std::array<std::string_view, 6> kKind = {"instruction", "next_step", "mistake",
                                                   "hesitation",  "reminder",  "answer"};

// "Just Start" / "just-start" / "just_start" all mean the same to a model.
std::string normalise(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-') c = '_';
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

std::string_view to_string(Status s) { return kStatus.at(static_cast<std::size_t>(s)); }

std::optional<Status> parse_status(std::string_view text) {
  const std::string n = normalise(text);
  for (std::size_t i = 0; i < kStatus.size(); ++i)
    if (n == kStatus[i]) return static_cast<Status>(i);
  if (n == "step_transition") return Status::Transition;
  return std::nullopt;
}

std::string_view to_string(Kind k) { return kKind.at(static_cast<std::size_t>(k)); }

std::optional<Kind> parse_kind(std::string_view text) {
  const std::string n = normalise(text);
  for (std::size_t i = 0; i < kKind.size(); ++i)
    if (n == kKind[i]) return static_cast<Kind>(i);
  return std::nullopt;
}

}  // namespace p2a

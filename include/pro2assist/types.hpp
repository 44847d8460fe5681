// Vocabulary shared by every layer: step ids, execution status, message kinds, errors.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace p2a {

using StepId = std::string;

// Execution status of the current step (SPEC §3).
enum class Status { JustStart, InProgress, AboutToFinish, Transition };

std::string_view to_string(Status s);
std::optional<Status> parse_status(std::string_view text);  // accepts "just_start" and "just start"

// What a delivered message is for (SPEC §3).
enum class Kind { Instruction, NextStep, Mistake, Hesitation, Reminder, Answer };

std::string_view to_string(Kind k);
std::optional<Kind> parse_kind(std::string_view text);

// A one-line, user-facing error naming where it happened ("guideline tea.yaml: step 'x' ...").
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace p2a

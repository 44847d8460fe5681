// A readable timeline of a decision stream for the terminal.
#pragma once

#include <ostream>
#include <vector>

#include "pro2assist/decision.hpp"
#include "pro2assist/guideline.hpp"

namespace p2a::cli {

// One line when the step changes and one per delivered message.
void print_timeline(std::ostream& os, const Guideline& g, const std::vector<Decision>& d);

}  // namespace p2a::cli

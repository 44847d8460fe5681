// Factories of the built-in reasoners; make_reasoner() picks one by name.
#pragma once

#include <memory>

#include "pro2assist/reasoner.hpp"
#include "gsp_options.hpp"
#include "tracker_options.hpp"

namespace p2a {

std::unique_ptr<Reasoner> make_seed_reasoner(const ReasonerOptions& opt);
std::unique_ptr<Reasoner> make_raw_reasoner(bool periodic);
std::unique_ptr<Reasoner> make_tracker_reasoner(const TrackerOptions& opt);
std::unique_ptr<Reasoner> make_gsp_reasoner(const GspOptions& opt);

}  // namespace p2a

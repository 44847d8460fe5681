// What the evaluation driver and the decision-model learner share: the model a case faces, and
// a pool of workers.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "pro2assist/evaluation.hpp"

namespace p2a {

// The model a case faces under these options: a model server, none, or the simulator seeded by
// the case (every reasoner of a case faces the same answers).
std::unique_ptr<ModelClient> eval_model(const EvalCase& c, double accuracy, const EvalOptions& opt);

// Runs work(i) for every i in [0, n) on `jobs` threads (0: every core), taking items in order;
// progress(done, n), if set, after each.
void run_parallel(std::size_t n, int jobs, const std::function<void(std::size_t)>& work,
                  const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace p2a

// Step timelines from a guideline: a dependency-respecting order with realistic durations
// and gaps, and, when asked, the mistakes people make (skipped and out-of-order steps).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "eval/rng.hpp"
#include "pro2assist/sim.hpp"

namespace p2a {
namespace {

using sim::Rng;

// Kahn's algorithm with a random pick among ready steps. Half of the time the person keeps
// going on the branch they are on, so parallel branches interleave in runs rather than
// alternating at every step.
std::vector<std::size_t> random_topological_order(const Guideline& g, Rng& rng) {
  const std::size_t n = g.size();
  std::vector<std::size_t> missing_prereqs(n);
  for (std::size_t i = 0; i < n; ++i) missing_prereqs[i] = g.prereqs(i).size();
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (missing_prereqs[i] == 0) ready.push_back(i);

  std::vector<std::size_t> order;
  order.reserve(n);
  std::optional<std::size_t> last;
  while (!ready.empty()) {
    std::vector<std::size_t> follow_on;
    if (last) {
      for (std::size_t k = 0; k < ready.size(); ++k) {
        const auto& succ = g.successors(*last);
        if (std::find(succ.begin(), succ.end(), ready[k]) != succ.end()) follow_on.push_back(k);
      }
    }
    std::size_t pick = 0;
    if (!follow_on.empty() && rng.chance(0.5))
      pick = follow_on[rng.index(follow_on.size())];
    else
      pick = rng.index(ready.size());
    const std::size_t step = ready[pick];
    ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(pick));
    order.push_back(step);
    last = step;
    for (std::size_t s : g.successors(step))
      if (--missing_prereqs[s] == 0) ready.push_back(s);
  }
  if (order.size() != n)
    throw Error("guideline " + g.source + ": dependency graph has a cycle or was not finalized");
  return order;
}

double step_duration_s(const Step& step, Rng& rng) {
  double d = 0;
  if (step.duration_s && step.duration_s->max_s > 0) {
    const double lo = std::max(0.0, step.duration_s->min_s);
    const double hi = std::max(lo, step.duration_s->max_s);
    d = rng.uniform(lo, hi);
  } else {
    // Steps without a typical range: most take well under a minute, a few take two.
    d = std::clamp(std::exp(rng.normal(std::log(45.0), 0.45)), 15.0, 120.0);
  }
  // A segment needs room for its status windows.
  return std::max(d, 2.0);
}

double gap_s(Rng& rng) {
  // Usually a short reach for the next item; sometimes a longer search or a distraction.
  if (rng.chance(0.1)) return rng.uniform(10.0, 20.0);
  return rng.uniform(0.5, 8.0);
}

// Skips 1-2 steps (never the first one done), preferring steps something else depends on so
// that the skip has a visible consequence. Returns the skipped step indices.
std::vector<std::size_t> choose_skips(const Guideline& g, const std::vector<std::size_t>& order,
                                      Rng& rng) {
  if (order.size() < 3) return {};
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(rng.integer(1, 2)),
                                                  order.size() - 2);
  std::vector<std::size_t> with_dependents, others;
  for (std::size_t pos = 1; pos < order.size(); ++pos)
    (g.successors(order[pos]).empty() ? others : with_dependents).push_back(order[pos]);
  std::vector<std::size_t> skipped;
  for (auto* pool : {&with_dependents, &others}) {
    while (skipped.size() < count && !pool->empty()) {
      const std::size_t k = rng.index(pool->size());
      skipped.push_back((*pool)[k]);
      pool->erase(pool->begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return skipped;
}

// Moves one step to just before its latest-done prerequisite. Returns the moved step.
std::optional<std::size_t> move_one_early(const Guideline& g, std::vector<std::size_t>& order,
                                          Rng& rng) {
  std::vector<std::size_t> pos_of(g.size(), std::numeric_limits<std::size_t>::max());
  for (std::size_t p = 0; p < order.size(); ++p) pos_of[order[p]] = p;
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (pos of step, pos of prereq)
  for (std::size_t p = 1; p < order.size(); ++p) {
    std::optional<std::size_t> latest;
    for (std::size_t q : g.prereqs(order[p]))
      if (pos_of[q] < p && (!latest || pos_of[q] > *latest)) latest = pos_of[q];
    if (latest) candidates.emplace_back(p, *latest);
  }
  if (candidates.empty()) return std::nullopt;
  const auto [from, to] = candidates[rng.index(candidates.size())];
  const std::size_t step = order[from];
  order.erase(order.begin() + static_cast<std::ptrdiff_t>(from));
  order.insert(order.begin() + static_cast<std::ptrdiff_t>(to), step);
  return step;
}

// When a skipped step shows: the start of the first step that needed it (directly, else
// through other steps); else when it would have been done.
double missing_time_s(const Guideline& g, std::size_t skipped,
                      const std::vector<std::optional<double>>& start_of, double would_have_been_s) {
  std::optional<double> first_direct;
  for (std::size_t s : g.successors(skipped))
    if (start_of[s] && (!first_direct || *start_of[s] < *first_direct)) first_direct = start_of[s];
  if (first_direct) return *first_direct;

  std::optional<double> first_any;
  std::vector<bool> seen(g.size(), false);
  std::vector<std::size_t> stack(g.successors(skipped).begin(), g.successors(skipped).end());
  while (!stack.empty()) {
    const std::size_t s = stack.back();
    stack.pop_back();
    if (seen[s]) continue;
    seen[s] = true;
    if (start_of[s] && (!first_any || *start_of[s] < *first_any)) first_any = start_of[s];
    for (std::size_t t : g.successors(s)) stack.push_back(t);
  }
  return first_any.value_or(would_have_been_s);
}

}  // namespace

Annotations simulate_timeline(const Guideline& g, const TimelineOptions& opt) {
  Annotations out;
  const std::size_t n = g.size();
  if (n == 0) return out;

  Rng order_rng(opt.seed, "timeline-order:" + g.id);
  const std::vector<std::size_t> planned = random_topological_order(g, order_rng);

  // Durations and gaps are drawn before any mistake is chosen, so a session with mistakes
  // keeps the same pace as the clean one of the same seed.
  Rng pace_rng(opt.seed, "timeline-pace:" + g.id);
  std::vector<double> duration_s(n);
  for (std::size_t i = 0; i < n; ++i) duration_s[i] = step_duration_s(g.at(i), pace_rng);
  std::vector<double> gap_after_s(n);
  for (double& gap : gap_after_s) gap = gap_s(pace_rng);

  std::vector<std::size_t> order = planned;
  std::vector<std::size_t> skipped;
  std::optional<std::size_t> moved;
  if (opt.mistakes) {
    Rng mistake_rng(opt.seed, "timeline-mistakes:" + g.id);
    skipped = choose_skips(g, planned, mistake_rng);
    std::erase_if(order, [&](std::size_t s) {
      return std::find(skipped.begin(), skipped.end(), s) != skipped.end();
    });
    moved = move_one_early(g, order, mistake_rng);
  }

  std::vector<std::optional<double>> start_of(n);
  double t_s = opt.start_s;
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const std::size_t i = order[pos];
    start_of[i] = t_s;
    out.steps.push_back({g.at(i).id, t_s, t_s + duration_s[i]});
    t_s += duration_s[i] + gap_after_s[pos];
  }
  const double after_last_s = t_s;

  for (std::size_t k : skipped) {
    // The planned slot of a skipped step is taken by the next planned step that was done.
    double would_have_been_s = after_last_s;
    const auto it = std::find(planned.begin(), planned.end(), k);
    for (auto next = it + 1; next != planned.end(); ++next) {
      if (start_of[*next]) {
        would_have_been_s = *start_of[*next];
        break;
      }
    }
    out.errors.push_back({g.at(k).id, "missing", missing_time_s(g, k, start_of, would_have_been_s)});
  }
  if (moved) out.errors.push_back({g.at(*moved).id, "order", *start_of[*moved]});
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const GtError& a, const GtError& b) { return a.t_s < b.t_s; });

  spdlog::debug("simulated timeline for {}: {} of {} steps, {} errors, ends at {:.1f} s", g.id,
                out.steps.size(), n, out.errors.size(),
                out.steps.empty() ? 0.0 : out.steps.back().end_s);
  return out;
}

}  // namespace p2a

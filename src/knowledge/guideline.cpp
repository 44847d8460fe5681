// Guideline: the step DAG's indices, its validation, and a stable topological order.
#include "pro2assist/guideline.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <queue>
#include <string>

namespace p2a {

namespace {

std::string where(const Guideline& g) {
  return "guideline " + (g.source.empty() ? g.id : g.source) + ": ";
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void check_duration(const Guideline& g, const Step& s) {
  if (!s.duration_s) return;
  const DurationRange& d = *s.duration_s;
  const bool finite = std::isfinite(d.min_s) && std::isfinite(d.max_s);
  if (!finite || d.min_s < 0 || d.min_s > d.max_s) {
    throw Error(where(g) + "step '" + s.id + "' has an invalid duration_s [" +
                format_number(d.min_s) + ", " + format_number(d.max_s) +
                "] (need 0 <= min <= max)");
  }
}

}  // namespace

void Guideline::finalize() {
  index_.clear();
  prereq_idx_.assign(steps.size(), {});
  succ_idx_.assign(steps.size(), {});
  topo_.clear();

  if (steps.empty()) throw Error(where(*this) + "has no steps");

  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.id.empty()) throw Error(where(*this) + "step #" + std::to_string(i + 1) + " has no id");
    if (!index_.emplace(s.id, i).second) {
      throw Error(where(*this) + "duplicate step id '" + s.id + "'");
    }
    check_duration(*this, s);
  }

  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const StepId& req : steps[i].requires_) {
      auto it = index_.find(req);
      if (it == index_.end()) {
        throw Error(where(*this) + "step '" + steps[i].id + "' requires unknown step '" + req + "'");
      }
      // A step listed twice as a prerequisite is one dependency, not two.
      auto& pre = prereq_idx_[i];
      if (std::find(pre.begin(), pre.end(), it->second) == pre.end()) pre.push_back(it->second);
    }
    std::sort(prereq_idx_[i].begin(), prereq_idx_[i].end());
    for (std::size_t p : prereq_idx_[i]) succ_idx_[p].push_back(i);
  }

  // Kahn's algorithm; the min-heap picks the earliest ready step in file order, so a
  // guideline written in a valid order comes back unchanged.
  std::vector<std::size_t> indegree(steps.size());
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    indegree[i] = prereq_idx_[i].size();
    if (indegree[i] == 0) ready.push(i);
  }
  while (!ready.empty()) {
    std::size_t i = ready.top();
    ready.pop();
    topo_.push_back(i);
    for (std::size_t s : succ_idx_[i]) {
      if (--indegree[s] == 0) ready.push(s);
    }
  }
  if (topo_.size() == steps.size()) return;

  // Every step left over still has an unfinished prerequisite that is also left over, so
  // walking prerequisites from any of them must come back to a step already seen.
  std::vector<int> seen_at(steps.size(), -1);
  std::vector<std::size_t> walk;
  std::size_t cur = 0;
  while (indegree[cur] == 0) ++cur;
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(walk.size());
    walk.push_back(cur);
    for (std::size_t p : prereq_idx_[cur]) {
      if (indegree[p] > 0) {
        cur = p;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(walk.begin() + seen_at[cur], walk.end());
  std::reverse(cycle.begin(), cycle.end());  // prerequisite first: "a -> b" means a before b
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  std::string path;
  for (std::size_t i : cycle) path += steps[i].id + " -> ";
  path += steps[cycle.front()].id;
  const std::string first = steps[cycle.front()].id;
  topo_.clear();
  throw Error(where(*this) + "dependency cycle through step '" + first + "' (" + path + ")");
}

std::optional<std::size_t> Guideline::index_of(const StepId& step_id) const {
  if (index_.size() == steps.size()) {
    auto it = index_.find(step_id);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  // Not finalized (or edited since): answer from the steps themselves.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) return i;
  }
  return std::nullopt;
}

const Step* Guideline::find(const StepId& step_id) const {
  auto i = index_of(step_id);
  return i ? &steps[*i] : nullptr;
}

std::string normalise_step_text(std::string_view text) {
  std::string out;
  bool gap = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      if (gap && !out.empty()) out.push_back(' ');
      out.push_back(static_cast<char>(std::tolower(u)));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

}  // namespace p2a

// The model's looks at a step: the times of answers that named it, far enough apart not to
// share one misreading (the tracker keeps them in time order).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace p2a {

// How many looks came at or after since_s.
inline int looks_since(const std::vector<double>& looks, double since_s) {
  return static_cast<int>(looks.end() - std::lower_bound(looks.begin(), looks.end(), since_s));
}

// Whether `need` looks came within `within_s` of each other (any `need` looks when within_s
// is 0). Looks at a step really done come together, while it is done; misreadings of a step
// come one at a time, anywhere in a long task, and add up.
inline bool looks_together(const std::vector<double>& looks, int need, double within_s) {
  const auto n = static_cast<std::size_t>(std::max(1, need));
  if (looks.size() < n) return false;
  if (within_s <= 0) return true;
  for (std::size_t i = 0; i + n <= looks.size(); ++i)
    if (looks[i + n - 1] - looks[i] <= within_s) return true;
  return false;
}

}  // namespace p2a

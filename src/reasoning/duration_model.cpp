#include "duration_model.hpp"

#include <algorithm>

#include "pro2assist/metrics.hpp"

namespace p2a {
namespace {
constexpr double kZ90 = 1.2815515655446004;  // standard normal 90th percentile

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Acklam-style rational approximation is overkill here: bisection on phi is exact enough.
double phi_inv(double p) {
  double lo = -8, hi = 8;
  for (int i = 0; i < 80; ++i) {
    const double mid = 0.5 * (lo + hi);
    (phi(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}
}  // namespace

DurationModel DurationModel::from_step(const Step& s, double default_median_s,
                                       double default_sigma) {
  if (!s.duration_s || s.duration_s->max_s <= 0) return {default_median_s, default_sigma};
  const double lo = std::max(1.0, s.duration_s->min_s);
  const double hi = std::max(lo + 1.0, s.duration_s->max_s);
  const double median = std::sqrt(lo * hi);
  // Keep sigma within sane bounds. People vary more than a narrow range says: a step is done
  // in half or twice its usual time often enough (sigma at least 0.35: the 10th to 90th
  // percentiles at least 2.5 times apart; measured on the CaptainCook4D training half).
  const double sigma = std::clamp(std::log(hi / lo) / (2.0 * kZ90), 0.35, 1.2);
  return {median, sigma};
}

double DurationModel::survival(double t_s) const {
  if (t_s <= 0) return 1.0;
  return 1.0 - phi((std::log(t_s) - mu_) / sigma_);
}

double DurationModel::hazard(double t_s, double dt_s) const {
  const double s0 = survival(t_s);
  if (s0 < 1e-9) return 0.5;  // far past any usual length: keep a steady chance to end
  const double h = (s0 - survival(t_s + dt_s)) / s0;
  return std::clamp(h, 1e-4, 0.5);
}

double DurationModel::ends_within(double t_s, double dt_s) const {
  const double s0 = std::max(survival(t_s), 1e-9);
  return std::clamp(1.0 - survival(t_s + dt_s) / s0, 0.0, 1.0);
}

double DurationModel::status_window_s() const { return p2a::status_window_s(0.0, median_s()); }

double DurationModel::quantile(double p) const {
  return std::exp(mu_ + sigma_ * phi_inv(std::clamp(p, 1e-6, 1 - 1e-6)));
}

}  // namespace p2a

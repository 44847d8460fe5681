// How long a step usually takes: a log-normal fitted to the guideline's range, read as
// its 10th-90th percentiles. Gives the hazard the progress filter needs.
#pragma once

#include <cmath>
#include <optional>

#include "pro2assist/guideline.hpp"

namespace p2a {

class DurationModel {
 public:
  DurationModel() = default;
  DurationModel(double median_s, double sigma) : mu_(std::log(median_s)), sigma_(sigma) {}
  static DurationModel from_step(const Step& s, double default_median_s = 45.0,
                                 double default_sigma = 0.6);

  double median_s() const { return std::exp(mu_); }
  double mean_s() const { return std::exp(mu_ + 0.5 * sigma_ * sigma_); }
  double sigma() const { return sigma_; }
  // P(duration > t)
  double survival(double t_s) const;
  // P(ends within (t, t+dt] | lasted t)
  double hazard(double t_s, double dt_s) const;
  // The same, not held away from 0 and 1: far past any usual length it is 1.
  double ends_within(double t_s, double dt_s) const;
  // The SPEC §5 status window (just start / about to finish) of a step of median length.
  double status_window_s() const;
  double quantile(double p) const;

 private:
  double mu_ = std::log(45.0);
  double sigma_ = 0.6;
};

}  // namespace p2a

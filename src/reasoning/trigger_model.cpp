#include "trigger_model.hpp"

#include <algorithm>
#include <cmath>

#include "pro2assist/types.hpp"

namespace p2a {

const std::vector<std::string>& trigger_feature_names() {
  // Ages decay as exp(-age / 5 s) (1 = just now, 0 = never); "help" ones count only while the
  // model's help flag is judged informative.
  static const std::vector<std::string> names = {
      "bias",
      "status_just_start",            // the tracker's status estimate, one-hot (in progress: none)
      "status_about_to_finish",
      "status_transition",
      "rule",                         // the hand-built trigger: status, phases, after "next"
      "phase_just_start",             // the reported step's phases, shares of its hypotheses
      "phase_about_to_finish",
      "phase_over",
      "any_step_proactive",           // P(any step starting, ending or just over)
      "finish_probability",           // P(the reported step ends within its window)
      "over_probability",             // P(the reported step is over, the next not begun)
      "elapsed_per_window",           // time in step / its status window, at most 3
      "switched_recently",            // exp(-since the tracker moved / 5 s)
      "next_said_recently",           // exp(-since "next" was announced / 6 s)
      "step_confidence",              // the reported step's marginal
      "answer_just_start",            // the model said of the reported step: "just start" ...
      "answer_about_to_finish",       // ... "about to finish" ...
      "answer_transition",            // ... "transition" ...
      "answer_help",                  // ... help needed
      "other_step_answer",            // the model's last answer named another step ...
      "other_step_not_working",       // ... not "in progress"
      "other_step_help",              // ... saying help is needed
      "elapsed_per_median",           // time in step / its median duration, at most 3
      "hands_at_rest",                // still for 1 s or more
      "head_turn_recently",           // exp(-since a head turn / 2 s)
      "instructed_recently",          // exp(-since the step's instruction / 5 s)
      "idle_probability",             // P(between steps)
      "help_flag_informative",
      "model_available",
  };
  return names;
}

TriggerModel TriggerModel::learned() {
  // pro2assist learn-trigger --dataset ../shared/datasets/captaincook4d --split train
  //   --out weights.json (accuracy 0.5, seed 3, the five model conditions of
  //   TriggerLearnOptions): 901,662 grid points, agreement with the periods 0.774 for the rule
  //   alone, 0.809 learned.
  return TriggerModel{{
      -1.930499,  // bias
      -0.696462,  // status_just_start
      +0.331846,  // status_about_to_finish
      +0.247377,  // status_transition
      -0.121583,  // rule
      +0.150865,  // phase_just_start
      -0.762025,  // phase_about_to_finish
      +0.293592,  // phase_over
      +4.194708,  // any_step_proactive
      +1.094842,  // finish_probability
      -2.434117,  // over_probability
      -0.162428,  // elapsed_per_window
      +0.550157,  // switched_recently
      +1.439883,  // next_said_recently
      -0.329903,  // step_confidence
      +0.341053,  // answer_just_start
      +1.386217,  // answer_about_to_finish
      +0.089376,  // answer_transition
      +1.914463,  // answer_help
      +0.308675,  // other_step_answer
      +0.175811,  // other_step_not_working
      +0.871261,  // other_step_help
      +0.035989,  // elapsed_per_median
      +1.362819,  // hands_at_rest
      +1.177508,  // head_turn_recently
      +0.700244,  // instructed_recently
      -0.656560,  // idle_probability
      -0.228285,  // help_flag_informative
      -0.471097,  // model_available
  }};
}

double TriggerModel::log_odds(const std::vector<double>& x) const {
  double z = 0.0;
  const std::size_t n = std::min(x.size(), weights.size());
  for (std::size_t i = 0; i < n; ++i) z += weights[i] * x[i];
  return z;
}

void TriggerSamples::add(const std::vector<double>& row, bool label) {
  if (dim == 0) dim = row.size();
  if (row.size() != dim)
    throw Error("trigger samples: a row of " + std::to_string(row.size()) + " features, expected " +
                std::to_string(dim));
  for (double v : row) x.push_back(static_cast<float>(v));
  y.push_back(label ? 1 : 0);
}

namespace {

// Solves A v = b (A symmetric positive definite, small) by Gaussian elimination with pivoting.
bool solve(std::vector<double> a, std::vector<double> b, std::size_t n, std::vector<double>& v) {
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t p = i;
    for (std::size_t r = i + 1; r < n; ++r)
      if (std::abs(a[r * n + i]) > std::abs(a[p * n + i])) p = r;
    if (std::abs(a[p * n + i]) < 1e-12) return false;
    if (p != i) {
      for (std::size_t c = 0; c < n; ++c) std::swap(a[i * n + c], a[p * n + c]);
      std::swap(b[i], b[p]);
    }
    for (std::size_t r = i + 1; r < n; ++r) {
      const double f = a[r * n + i] / a[i * n + i];
      if (f == 0.0) continue;
      for (std::size_t c = i; c < n; ++c) a[r * n + c] -= f * a[i * n + c];
      b[r] -= f * b[i];
    }
  }
  v.assign(n, 0.0);
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t c = i + 1; c < n; ++c) s -= a[i * n + c] * v[c];
    v[i] = s / a[i * n + i];
  }
  return true;
}

}  // namespace

std::vector<double> fit_logistic(const TriggerSamples& s, double l2, int max_iter) {
  const std::size_t d = s.dim, n = s.size();
  if (n == 0 || d == 0) throw Error("logistic fit: no samples");
  if (s.x.size() != n * d) throw Error("logistic fit: rows and labels disagree");
  std::vector<double> w(d, 0.0), h(d * d), g(d), step;
  for (int it = 0; it < max_iter; ++it) {
    std::fill(h.begin(), h.end(), 0.0);
    std::fill(g.begin(), g.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const float* row = &s.x[i * d];
      double z = 0.0;
      for (std::size_t j = 0; j < d; ++j) z += w[j] * row[j];
      const double p = 1.0 / (1.0 + std::exp(-z));
      const double r = p * (1.0 - p);
      const double e = s.y[i] - p;
      for (std::size_t j = 0; j < d; ++j) {
        if (row[j] == 0.0f) continue;
        g[j] += e * row[j];
        const double rj = r * row[j];
        for (std::size_t k = j; k < d; ++k) h[j * d + k] += rj * row[k];
      }
    }
    for (std::size_t j = 0; j < d; ++j) {
      for (std::size_t k = 0; k < j; ++k) h[j * d + k] = h[k * d + j];
      if (j > 0) {
        h[j * d + j] += l2;
        g[j] -= l2 * w[j];
      } else {
        h[0] += 1e-9;
      }
    }
    if (!solve(h, g, d, step)) throw Error("logistic fit: singular system");
    double largest = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      w[j] += step[j];
      largest = std::max(largest, std::abs(step[j]));
    }
    if (largest < 1e-7) break;
  }
  return w;
}

double logistic_accuracy(const TriggerSamples& s, const std::vector<double>& w) {
  if (s.size() == 0) return 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    double z = 0.0;
    for (std::size_t j = 0; j < s.dim && j < w.size(); ++j) z += w[j] * s.x[i * s.dim + j];
    right += (z > 0.0) == (s.y[i] != 0);
  }
  return static_cast<double>(right) / static_cast<double>(s.size());
}

}  // namespace p2a

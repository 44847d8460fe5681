#include "pro2assist/decision_model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "pro2assist/types.hpp"

namespace p2a {
namespace {

double dot(const std::vector<double>& w, const std::vector<double>& x) {
  double z = 0.0;
  const std::size_t n = std::min(x.size(), w.size());
  for (std::size_t i = 0; i < n; ++i) z += w[i] * x[i];
  return z;
}

// w·x for a row of floats.
double row_dot(const std::vector<double>& w, const float* row, std::size_t d) {
  double z = 0.0;
  for (std::size_t j = 0; j < d && j < w.size(); ++j) z += w[j] * row[j];
  return z;
}

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

std::vector<double> weights_of(const nlohmann::json& j, const char* what, std::size_t n,
                               const std::string& file) {
  if (!j.is_array() || j.size() != n)
    throw Error("decision model " + file + ": \"" + what + "\" must hold " + std::to_string(n) +
                " weights");
  return j.get<std::vector<double>>();
}

}  // namespace

const std::vector<std::string>& decision_feature_names() {
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

DecisionModel DecisionModel::learned() {
  // pro2assist learn-decision-model --dataset ../shared/datasets/captaincook4d --split train
  //   --leave-one-out --out model.json (accuracy 0.5, seed 3, the five model conditions of
  //   DecisionLearnOptions; each recording's step durations learned from the others, as in use
  //   on a recording never seen): 901,623 grid points; the trigger agrees with the proactive
  //   periods at 0.808 of them (0.768 for the rule alone), the status is right at 0.807 (0.732
  //   for the estimate alone).
  // Per feature: trigger, then just start, in progress, about to finish, transition.
  static constexpr double kWeights[][5] = {
      {-1.710230, -1.155334, +1.936400, -3.058488, -4.302858},  // bias
      {-0.576438, -1.396391, +0.468030, -0.034731, +0.292730},  // status_just_start
      {+0.473519, +0.627176, -0.583914, -0.222226, +0.823549},  // status_about_to_finish
      {-0.087232, -0.044177, -0.313479, -0.413075, +0.070097},  // status_transition
      {-0.107899, +0.003046, +0.311876, +0.471471, -0.102759},  // rule
      {+0.126335, -0.983300, -0.275516, -0.360399, -0.242819},  // phase_just_start
      {-1.242719, -8.481991, +1.211876, +5.200115, -1.089919},  // phase_about_to_finish
      {+0.222206, -1.019231, -0.788220, -1.509304, +0.255998},  // phase_over
      {+3.865275, +5.899666, -3.665556, -0.192032, -1.034627},  // any_step_proactive
      {+0.791374, +1.302645, -0.920383, -0.114694, +1.162101},  // finish_probability
      {-1.472374, +0.189357, +5.075918, +1.759180, -4.758969},  // over_probability
      {-0.106206, -0.514818, +0.152584, +0.200563, +0.097810},  // elapsed_per_window
      {+0.630946, +0.403633, -0.503007, +0.935508, +0.127954},  // switched_recently
      {+1.619261, +0.248083, -1.819746, +0.816388, +1.288616},  // next_said_recently
      {-0.597147, -1.146943, +0.574461, +0.046034, -1.693946},  // step_confidence
      {+0.402806, +1.410232, -0.355470, -0.331478, -0.444329},  // answer_just_start
      {+1.607836, -0.540763, -1.696379, +2.125973, +0.002538},  // answer_about_to_finish
      {+0.051443, +0.691216, -0.216727, -0.021567, +0.252481},  // answer_transition
      {+1.652977, -0.020422, -1.609905, +1.474700, +0.503350},  // answer_help
      {+0.369814, +0.034704, -0.392085, +0.657805, +0.471239},  // other_step_answer
      {+0.155423, +0.183203, -0.223221, +0.094539, +0.083884},  // other_step_not_working
      {+0.730696, +0.210304, -0.393380, +0.147015, +0.212799},  // other_step_help
      {-0.117876, +0.035323, +0.102495, +0.065144, -0.441009},  // elapsed_per_median
      {+1.342652, -1.748444, -1.783199, -1.093279, +3.625150},  // hands_at_rest
      {+1.176065, +1.432886, -1.127753, -0.466754, +2.031706},  // head_turn_recently
      {+0.439531, +0.428797, -0.422622, -0.109827, +0.505817},  // instructed_recently
      {-0.620077, -4.397968, -2.831744, +0.382093, +9.223680},  // idle_probability
      {-0.164188, -0.011467, +0.165134, -0.164367, -0.184629},  // help_flag_informative
      {-0.395063, -0.330712, +0.162245, -0.965218, +0.628648},  // model_available
  };
  DecisionModel m;
  for (const auto& row : kWeights) {
    m.trigger.push_back(row[0]);
    for (std::size_t k = 0; k < m.status.size(); ++k) m.status[k].push_back(row[k + 1]);
  }
  return m;
}

DecisionModel DecisionModel::hand_built() {
  // Feature 0 is the bias, 1-3 the estimate's one-hot (just start, about to finish,
  // transition; in progress when none), 4 the rule.
  const std::size_t n = decision_feature_names().size();
  DecisionModel m;
  m.trigger.assign(n, 0.0);
  m.trigger[0] = -0.5;
  m.trigger[4] = 1.0;
  for (auto& w : m.status) w.assign(n, 0.0);
  m.status[static_cast<std::size_t>(Status::JustStart)][1] = 1.0;
  m.status[static_cast<std::size_t>(Status::InProgress)][0] = 0.5;
  m.status[static_cast<std::size_t>(Status::AboutToFinish)][2] = 1.0;
  m.status[static_cast<std::size_t>(Status::Transition)][3] = 1.0;
  return m;
}

bool DecisionModel::has_status() const {
  for (const auto& w : status)
    if (w.empty()) return false;
  return true;
}

bool DecisionModel::trigger_on(const std::vector<double>& x) const { return dot(trigger, x) > 0.0; }

Status DecisionModel::status_of(const std::vector<double>& x) const {
  std::size_t best = 0;
  double best_z = dot(status[0], x);
  for (std::size_t i = 1; i < status.size(); ++i) {
    const double z = dot(status[i], x);
    if (z > best_z) {
      best_z = z;
      best = i;
    }
  }
  return static_cast<Status>(best);
}

void ModelSamples::add(const std::vector<double>& row, bool label) {
  if (dim == 0) dim = row.size();
  if (row.size() != dim)
    throw Error("model samples: a row of " + std::to_string(row.size()) + " features, expected " +
                std::to_string(dim));
  for (double v : row) x.push_back(static_cast<float>(v));
  y.push_back(label ? 1 : 0);
}

std::vector<double> fit_logistic(const ModelSamples& s, double l2, int max_iter) {
  const std::size_t d = s.dim, n = s.size();
  if (n == 0 || d == 0) throw Error("logistic fit: no samples");
  if (s.x.size() != n * d) throw Error("logistic fit: rows and labels disagree");
  std::vector<double> w(d, 0.0), h(d * d), g(d), step;
  for (int it = 0; it < max_iter; ++it) {
    std::fill(h.begin(), h.end(), 0.0);
    std::fill(g.begin(), g.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const float* row = &s.x[i * d];
      const double p = 1.0 / (1.0 + std::exp(-row_dot(w, row, d)));
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

double logistic_accuracy(const ModelSamples& s, const std::vector<double>& w) {
  if (s.size() == 0) return 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    right += (row_dot(w, &s.x[i * s.dim], s.dim) > 0.0) == (s.y[i] != 0);
  return static_cast<double>(right) / static_cast<double>(s.size());
}

nlohmann::json decision_model_to_json(const DecisionModel& m) {
  nlohmann::json status = nlohmann::json::object();
  for (std::size_t k = 0; k < m.status.size(); ++k)
    status[std::string(to_string(static_cast<Status>(k)))] = m.status[k];
  return {{"features", decision_feature_names()}, {"trigger", m.trigger}, {"status", status}};
}

DecisionModel load_decision_model(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read decision model " + file.string());
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw Error("decision model " + file.string() + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("features") || !j.contains("trigger") || !j.contains("status"))
    throw Error("decision model " + file.string() + ": needs \"features\", \"trigger\" and \"status\"");
  if (j.at("features") != nlohmann::json(decision_feature_names()))
    throw Error("decision model " + file.string() +
                ": its features are not this build's (run pro2assist learn-decision-model again)");
  const std::size_t n = decision_feature_names().size();
  DecisionModel m;
  m.trigger = weights_of(j.at("trigger"), "trigger", n, file.string());
  for (std::size_t i = 0; i < m.status.size(); ++i) {
    const std::string name(to_string(static_cast<Status>(i)));
    if (!j.at("status").contains(name))
      throw Error("decision model " + file.string() + ": no weights for status " + name);
    m.status[i] = weights_of(j.at("status").at(name), name.c_str(), n, file.string());
  }
  return m;
}

}  // namespace p2a

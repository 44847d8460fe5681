// The evaluation driver: cases x reasoners x accuracies, each run through the one engine
// (replay_session) against a simulated model (or none, or a model server), scored by SPEC §5
// and pooled.
#include "pro2assist/evaluation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "eval/eval_shared.hpp"
#include "eval/rng.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/sim.hpp"

namespace p2a {
namespace {

struct WorkItem {
  std::size_t case_index = 0;
  std::size_t reasoner_index = 0;
  double accuracy = 0;
};

// What a reasoner asked of the model, whatever the model: the cost is what was asked, not
// what the decisions admit to (a reasoner may call at a pair it does not turn into a
// decision), and a server that fails must show in the results, not only in a log.
class CountingModel final : public ModelClient {
 public:
  explicit CountingModel(ModelClient& inner) : inner_(inner) {}
  ModelResult ask(const ModelQuery& q) override {
    ++calls;
    ModelResult r = inner_.ask(q);
    if (r.answer) answers.push_back({q.t_s, r.answer->step, r.answer->status});
    if (!r.answer) {
      ++failures;
      if (first_error.empty()) first_error = r.error.empty() ? "no answer" : r.error;
    }
    return r;
  }
  std::string name() const override { return inner_.name(); }
  bool available() const override { return inner_.available(); }

  std::size_t calls = 0, failures = 0;
  std::string first_error;
  std::vector<AnswerSeen> answers;

 private:
  ModelClient& inner_;
};

RunResult run_one(const EvalCase& c, const std::string& reasoner, double accuracy,
                  const EvalOptions& opt, bool keep_decisions) {
  RunResult r;
  r.case_id = c.id;
  r.reasoner = reasoner;
  r.accuracy = accuracy;
  try {
    if (!c.guideline) throw Error("case " + c.id + ": no guideline");
    auto policy = make_reasoner(reasoner, opt.reasoner);
    auto inner = eval_model(c, accuracy, opt);
    CountingModel model(*inner);
    EngineStats stats;
    // Without some motion streams: the same session, as long, with those left out.
    Session reduced;
    const Session* session = &c.session;
    if (!opt.imu || !opt.hand_motion) {
      reduced.dir = c.session.dir;
      reduced.meta = c.session.meta;
      reduced.meta.duration_s = c.session.end_s();
      if (opt.imu) reduced.imu = c.session.imu;
      if (opt.hand_motion) reduced.hand_motion = c.session.hand_motion;
      reduced.utterances = c.session.utterances;
      reduced.frames = c.session.frames;
      reduced.video = c.session.video;
      session = &reduced;
    }
    std::vector<Decision> decisions =
        replay_session(*session, *c.guideline, std::move(policy), model, &stats);
    r.metrics = score(*c.guideline, c.truth, decisions);
    if (static_cast<std::size_t>(r.metrics.model_calls) != model.calls) {
      spdlog::debug("{} / {}: model asked {} times, {} decisions marked vlm", c.id, reasoner,
                    model.calls, r.metrics.model_calls);
      r.metrics.model_calls = static_cast<int>(model.calls);
      r.metrics = pool({r.metrics});  // re-derives the ratios from the counts
    }
    score_answers(*c.guideline, c.truth, model.answers, r.metrics);
    explain_mistakes(*c.guideline, c.truth, decisions, model.answers, r.metrics);
    r.metrics.model_failures = static_cast<int>(model.failures);
    r.model_error = model.first_error;
    if (keep_decisions) r.decisions = std::move(decisions);
  } catch (const std::exception& e) {
    // An unknown reasoner, a broken guideline: a failed run, recorded, not a failed evaluation.
    r.error = e.what();
    r.metrics = Metrics{};
  }
  return r;
}

std::vector<double> ascending_unique(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string iso_time_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json metrics_to_json(const Metrics& m) {
  return {
      {"step_acc", m.step_acc},
      {"status_acc", m.status_acc},
      {"acc_p", m.acc_p},
      {"md", m.md},
      {"fd", m.fd},
      {"sts", m.sts},
      {"sts_start", m.sts_start},
      {"sts_finish", m.sts_finish},
      {"start_hit_share", m.start_hit_share},
      {"finish_hit_share", m.finish_hit_share},
      {"start_told_share", m.start_told_share},
      {"finish_told_share", m.finish_told_share},
      {"mistake_told_share", m.mistake_told_share},
      {"sts_told", m.sts_told},
      {"msg_precision", m.msg_precision},
      {"msgs_per_min", m.msgs_per_min},
      {"mistake_recall", m.mistake_recall},
      {"mistake_precision", m.mistake_precision},
      {"calls_per_min", m.calls_per_min},
      {"calls_per_moment", m.calls_per_moment},
      {"grid_points", m.grid_points},
      {"messages", m.messages},
      {"messages_in_period", m.messages_in_period},
      {"periods", m.periods},
      {"mistake_windows", m.mistake_windows},
      {"mistake_hits", m.mistake_hits},
      {"mistake_msgs", m.mistake_msgs},
      {"mistake_msgs_hit", m.mistake_msgs_hit},
      {"model_calls", m.model_calls},
      {"model_failures", m.model_failures},
      {"moments", m.moments},
      {"task_minutes", m.task_minutes},
      {"step_right", m.step_right},
      {"status_right", m.status_right},
      {"trigger_right", m.trigger_right},
      {"in_period_points", m.in_period_points},
      {"missed_points", m.missed_points},
      {"out_period_points", m.out_period_points},
      {"false_points", m.false_points},
      {"sts_sum", m.sts_sum},
      {"start_periods", m.start_periods},
      {"start_hits", m.start_hits},
      {"sts_start_sum", m.sts_start_sum},
      {"finish_periods", m.finish_periods},
      {"finish_hits", m.finish_hits},
      {"sts_finish_sum", m.sts_finish_sum},
      {"guidance_msgs", m.guidance_msgs},
      {"start_told", m.start_told},
      {"finish_told", m.finish_told},
      {"mistake_told", m.mistake_told},
      {"sts_told_sum", m.sts_told_sum},
      {"mistake_missed_time", m.mistake_missed_time},
      {"mistake_missed_unseen", m.mistake_missed_unseen},
      {"mistake_missed_named", m.mistake_missed_named},
      {"mistake_false_time", m.mistake_false_time},
      {"mistake_false_done", m.mistake_false_done},
  };
}

}  // namespace

std::unique_ptr<ModelClient> eval_model(const EvalCase& c, double accuracy, const EvalOptions& opt) {
  if (opt.endpoint) {
    // Hundreds of runs would each warn; failures are counted per run and reported instead.
    HttpModelOptions endpoint = *opt.endpoint;
    endpoint.warn_failures = false;
    return make_http_model(endpoint);
  }
  if (opt.no_model) return make_no_model();
  // Seeded by the case only: every reasoner of a case faces the same model answers.
  SimModelOptions mopt;
  mopt.accuracy = accuracy;
  mopt.mean_error_s = opt.error_run_s;
  mopt.trigger_noise = opt.trigger_noise;
  mopt.status_accuracy = opt.status_accuracy;
  mopt.wrong_trigger = opt.wrong_trigger;
  mopt.errors_nearby = opt.errors_nearby;
  mopt.seed = opt.seed ^ sim::hash_string(c.id);
  return make_simulated_model(*c.guideline, c.truth, mopt);
}

void run_parallel(std::size_t n, int jobs, const std::function<void(std::size_t)>& work,
                  const std::function<void(std::size_t, std::size_t)>& progress) {
  if (jobs <= 0) jobs = static_cast<int>(std::thread::hardware_concurrency());
  jobs = std::clamp(jobs, 1, std::max(1, static_cast<int>(n)));
  std::atomic<std::size_t> next{0}, done{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      work(i);
      const std::size_t d = ++done;
      if (progress) progress(d, n);
    }
  };
  if (jobs == 1) {
    worker();
    return;
  }
  std::vector<std::jthread> pool;
  for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
}


EvalResults run_evaluation(const std::vector<EvalCase>& cases, const EvalOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  EvalResults out;

  // Without a model, or with a model server, there is no accuracy to sweep: one pass,
  // recorded as accuracy 0.
  const std::vector<double> accuracies =
      single_pass(opt) ? std::vector<double>{0.0} : ascending_unique(opt.accuracies);
  // Case-major, so a worker's neighbouring items share a case's data in cache.
  std::vector<WorkItem> items;
  items.reserve(cases.size() * opt.reasoners.size() * accuracies.size());
  for (std::size_t c = 0; c < cases.size(); ++c)
    for (std::size_t r = 0; r < opt.reasoners.size(); ++r)
      for (double a : accuracies) items.push_back({c, r, a});
  out.runs.resize(items.size());

  run_parallel(
      items.size(), opt.jobs,
      [&](std::size_t i) {
        const WorkItem& w = items[i];
        // Each result lands at its item's index: the output order never depends on scheduling.
        out.runs[i] = run_one(cases[w.case_index], opt.reasoners[w.reasoner_index], w.accuracy,
                              opt, opt.keep_decisions || w.case_index < opt.keep_decisions_of);
      },
      opt.progress);

  // Summary: datasets in the order they first appear, reasoners as given, accuracy ascending.
  std::vector<std::string> datasets;
  for (const auto& c : cases)
    if (std::find(datasets.begin(), datasets.end(), c.dataset) == datasets.end())
      datasets.push_back(c.dataset);
  for (const auto& dataset : datasets)
    for (const auto& reasoner : opt.reasoners)
      for (double accuracy : accuracies) {
        EvalSummaryRow row;
        row.dataset = dataset;
        row.reasoner = reasoner;
        row.accuracy = accuracy;
        std::vector<Metrics> scored;
        for (std::size_t i = 0; i < items.size(); ++i) {
          const WorkItem& w = items[i];
          if (cases[w.case_index].dataset != dataset || opt.reasoners[w.reasoner_index] != reasoner ||
              w.accuracy != accuracy)
            continue;
          if (out.runs[i].error.empty())
            scored.push_back(out.runs[i].metrics);
          else
            ++row.failed;
        }
        row.sessions = static_cast<int>(scored.size());
        row.metrics = pool(scored);
        out.summary.push_back(std::move(row));
      }

  for (auto& run : out.runs) run.seed = opt.seed;
  out.seeds = {opt.seed};
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

EvalResults combine_seeds(std::vector<EvalResults> passes) {
  if (passes.empty()) throw std::invalid_argument("combine_seeds: no passes");
  if (passes.size() == 1) return std::move(passes.front());
  EvalResults out;
  out.summary = passes.front().summary;
  for (auto& row : out.summary) {
    row.per_seed.clear();
    row.sessions = row.failed = 0;
  }
  for (auto& pass : passes) {
    if (pass.summary.size() != out.summary.size())
      throw std::invalid_argument("combine_seeds: the passes have different summary rows");
    for (std::size_t i = 0; i < out.summary.size(); ++i) {
      const EvalSummaryRow& a = out.summary[i];
      const EvalSummaryRow& b = pass.summary[i];
      if (a.dataset != b.dataset || a.reasoner != b.reasoner || a.accuracy != b.accuracy)
        throw std::invalid_argument("combine_seeds: row " + std::to_string(i) + " is " +
                                    b.reasoner + " on " + b.dataset + " in one pass and " +
                                    a.reasoner + " on " + a.dataset + " in another");
      // A pass combined before brings its own passes' rows.
      if (b.per_seed.empty())
        out.summary[i].per_seed.push_back(b.metrics);
      else
        out.summary[i].per_seed.insert(out.summary[i].per_seed.end(), b.per_seed.begin(),
                                       b.per_seed.end());
      out.summary[i].sessions += b.sessions;
      out.summary[i].failed += b.failed;
    }
    std::move(pass.runs.begin(), pass.runs.end(), std::back_inserter(out.runs));
    out.seeds.insert(out.seeds.end(), pass.seeds.begin(), pass.seeds.end());
    out.wall_s += pass.wall_s;
  }
  for (auto& row : out.summary) row.metrics = pool(row.per_seed);
  return out;
}

bool single_pass(const EvalOptions& opt) { return opt.no_model || opt.endpoint.has_value(); }

std::string model_kind(const EvalOptions& opt) {
  return opt.endpoint ? "endpoint" : opt.no_model ? "none" : "simulated";
}

std::string accuracy_label(const EvalOptions& opt, double accuracy) {
  if (opt.endpoint) return "server";
  if (opt.no_model) return "none";
  return fmt::format("{:.2f}", accuracy);
}

std::string sensors_name(const EvalOptions& opt) {
  return opt.imu && opt.hand_motion ? "all" : opt.imu ? "imu" : opt.hand_motion ? "hands" : "none";
}

nlohmann::json results_to_json(const EvalResults& r, const EvalOptions& opt) {
  nlohmann::json j;
  j["generated"] = iso_time_utc();
  j["options"] = {{"reasoners", opt.reasoners},
                  {"accuracies", opt.accuracies},
                  {"model", model_kind(opt)},
                  {"error_run_s", opt.error_run_s},
                  {"trigger_noise", opt.trigger_noise},
                  {"status_accuracy", opt.status_accuracy},
                  {"wrong_trigger", opt.wrong_trigger},
                  {"wrong_steps", opt.errors_nearby ? "nearby" : "anywhere"},
                  {"sensors", sensors_name(opt)},
                  {"seed", r.seeds.empty() ? opt.seed : r.seeds.front()},
                  {"jobs", opt.jobs},
                  {"keep_decisions", opt.keep_decisions}};
  if (opt.endpoint) {
    j["options"]["endpoint"] = opt.endpoint->base_url;
    j["options"]["endpoint_model"] = opt.endpoint->model;
  }
  if (r.seeds.size() > 1) j["options"]["seeds"] = r.seeds;
  j["wall_s"] = r.wall_s;
  j["summary"] = nlohmann::json::array();
  for (const auto& row : r.summary) {
    nlohmann::json s = {{"dataset", row.dataset},
                        {"reasoner", row.reasoner},
                        {"accuracy", row.accuracy},
                        {"sessions", row.sessions},
                        {"failed", row.failed}};
    s.update(metrics_to_json(row.metrics));
    // Each seed's pass on its own, for the spread of the pooled figures.
    if (!row.per_seed.empty()) {
      s["per_seed"] = nlohmann::json::array();
      for (std::size_t k = 0; k < row.per_seed.size(); ++k) {
        nlohmann::json one = metrics_to_json(row.per_seed[k]);
        one["seed"] = k < r.seeds.size() ? r.seeds[k] : 0;
        s["per_seed"].push_back(std::move(one));
      }
    }
    j["summary"].push_back(std::move(s));
  }
  j["runs"] = nlohmann::json::array();
  for (const auto& run : r.runs) {
    nlohmann::json x = {{"case", run.case_id},
                        {"seed", run.seed},
                        {"reasoner", run.reasoner},
                        {"accuracy", run.accuracy},
                        {"metrics", run.error.empty() ? metrics_to_json(run.metrics) : nullptr},
                        {"error", run.error.empty() ? nullptr : nlohmann::json(run.error)}};
    if (!run.model_error.empty()) x["model_error"] = run.model_error;
    if (opt.keep_decisions && run.error.empty()) {
      x["decisions"] = nlohmann::json::array();
      for (const auto& d : run.decisions) x["decisions"].push_back(to_json(d));
    }
    j["runs"].push_back(std::move(x));
  }
  return j;
}

}  // namespace p2a

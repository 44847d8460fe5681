// pro2assist eval: every reasoner on a dataset, through the one engine and a simulated model
// at several accuracies (or no model, or a model server); a summary table on stdout,
// results.json (and a report) on request.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "checks.hpp"
#include "commands.hpp"
#include "pro2assist/decision_model.hpp"
#include "pro2assist/evaluation.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/report.hpp"

namespace p2a::cli {
namespace {

struct EvalArgs {
  std::string dataset;
  std::string split = "val";
  std::vector<std::string> reasoners = EvalOptions{}.reasoners;
  std::vector<double> accuracies = EvalOptions{}.accuracies;
  unsigned long long seed = 1;
  int repeats = 1;  // passes, with seeds seed, seed + 1, ...
  int jobs = 0;
  std::string report;
  int sessions_per_guideline = 4;
  std::string vlm = "sim";  // "sim", "none" or a model server's base URL
  std::string model = "default";
  double timeout_s = 10.0;
  double error_run_s = EvalOptions{}.error_run_s;
  std::string sensors = "all";
  double trigger_noise = 0.0;
  double status_accuracy = EvalOptions{}.status_accuracy;
  double wrong_trigger = EvalOptions{}.wrong_trigger;
  std::string wrong_steps = "nearby";
  std::string decision_model;
  bool leave_one_out = false;
};

std::vector<EvalCase> load_cases(const EvalArgs& a, std::uint64_t seed) {
  const auto colon = a.dataset.find(':');
  if (colon == std::string::npos)
    throw Error("eval: --dataset must be KIND:DIR (captaincook4d, sessions or guidelines), got '" +
                a.dataset + "'");
  const std::string kind = a.dataset.substr(0, colon);
  const std::filesystem::path dir = a.dataset.substr(colon + 1);
  if (!std::filesystem::is_directory(dir))
    throw Error("eval: dataset folder " + dir.string() + " does not exist");
  if (kind == "captaincook4d") return captaincook_cases(dir, a.split, seed, a.leave_one_out);
  if (a.leave_one_out)
    throw Error("eval: --leave-one-out applies to captaincook4d datasets (durations learned from "
                "their training split)");
  if (kind == "sessions") return session_cases(dir);
  if (kind == "guidelines") return guideline_cases(dir, a.sessions_per_guideline, seed);
  throw Error("eval: unknown dataset kind '" + kind + "' (captaincook4d, sessions or guidelines)");
}

bool is_url(const std::string& vlm) {
  return vlm.rfind("http://", 0) == 0 || vlm.rfind("https://", 0) == 0;
}

// Each summary row through `line`, headed by `header` at the first row of each dataset.
template <class Header, class Line>
void print_table(const EvalResults& r, Header&& header, Line&& line) {
  std::string dataset;
  for (const auto& row : r.summary) {
    if (row.dataset != dataset) {
      dataset = row.dataset;
      header(dataset);
    }
    line(row, row.metrics);
  }
}

// Over several seeds (every row then has a pass per seed): the lowest and highest of each
// pass, beside the pooled figure above. A difference between two settings smaller than this
// spread may be the seed's.
void print_spread(const EvalResults& r, const EvalOptions& opt) {
  using Field = double Metrics::*;
  const std::vector<std::pair<const char*, Field>> fields = {
      {"Step-Acc", &Metrics::step_acc},   {"Status-Acc", &Metrics::status_acc},
      {"Acc-P", &Metrics::acc_p},         {"STS", &Metrics::sts},
      {"MsgPrec", &Metrics::msg_precision}, {"MistakeR", &Metrics::mistake_recall},
      {"MistakeP", &Metrics::mistake_precision}};
  print_table(
      r,
      [&](const std::string& dataset) {
        std::printf("\n%s, spread over %zu seeds (lowest-highest of the passes pooled above)\n",
                    dataset.c_str(), r.seeds.size());
        std::printf("%-10s %5s", "reasoner", "acc");
        for (const auto& [name, field] : fields) std::printf(" %11s", name);
        std::printf("\n");
      },
      [&](const EvalSummaryRow& row, const Metrics&) {
        std::printf("%-10s %5s", row.reasoner.c_str(), accuracy_label(opt, row.accuracy).c_str());
        for (const auto& [name, field] : fields) {
          const auto [lo, hi] = std::minmax_element(
              row.per_seed.begin(), row.per_seed.end(),
              [field](const Metrics& a, const Metrics& b) { return a.*field < b.*field; });
          std::printf(" %5.3f-%5.3f", (*lo).*field, (*hi).*field);
        }
        std::printf("\n");
      });
}

void print_summary(const EvalResults& r, const EvalOptions& opt) {
  auto acc = [&](const EvalSummaryRow& row) { return accuracy_label(opt, row.accuracy); };
  print_table(
      r,
      [](const std::string& dataset) {
        std::printf("\n%s\n", dataset.c_str());
        std::printf("%-10s %5s %8s %10s %6s %6s %6s %6s %7s %7s %8s %8s %9s %12s %8s %6s\n",
                    "reasoner", "acc", "Step-Acc", "Status-Acc", "Acc-P", "MD", "FD", "STS",
                    "MsgPrec", "Msg/min", "MistakeR", "MistakeP", "Calls/min", "Calls/moment",
                    "sessions", "failed");
      },
      [&](const EvalSummaryRow& row, const Metrics& m) {
        std::printf(
            "%-10s %5s %8.3f %10.3f %6.3f %6.3f %6.3f %6.3f %7.3f %7.2f %8.3f %8.3f %9.1f "
            "%12.3f %8d %6d\n",
            row.reasoner.c_str(), acc(row).c_str(), m.step_acc, m.status_acc, m.acc_p, m.md,
            m.fd, m.sts, m.msg_precision, m.msgs_per_min, m.mistake_recall, m.mistake_precision,
            m.calls_per_min, m.calls_per_moment, row.sessions, row.failed);
      });
  // Where timeliness is won or lost: the two kinds of proactive period apart.
  print_table(
      r,
      [](const std::string& dataset) {
        std::printf("\n%s, STS by period: as a step starts, as it is about to finish "
                    "(hit: share of periods with any message for their step; told: share in "
                    "which an answer the reasoner got named the step, as about to finish for "
                    "those windows; mistake windows told: the early step named under way; "
                    "STS-told: the STS of a message at the first answer naming each period's "
                    "step)\n",
                    dataset.c_str());
        std::printf("%-10s %5s %9s %9s %10s %10s %11s %11s %12s %8s\n", "reasoner", "acc",
                    "STS-start", "hit-start", "STS-finish", "hit-finish", "told-start",
                    "told-finish", "told-mistake", "STS-told");
      },
      [&](const EvalSummaryRow& row, const Metrics& m) {
        std::printf("%-10s %5s %9.3f %9.3f %10.3f %10.3f %11.3f %11.3f %12.3f %8.3f\n",
                    row.reasoner.c_str(), acc(row).c_str(), m.sts_start, m.start_hit_share,
                    m.sts_finish, m.finish_hit_share, m.start_told_share, m.finish_told_share,
                    m.mistake_told_share, m.sts_told);
      });
  // Why mistake alerts missed or were false (explain_mistakes), as counts.
  print_table(
      r,
      [](const std::string& dataset) {
        std::printf("\n%s, mistake alerts by cause: windows hit, or missed because an alert "
                    "came off time (within 2 min), the answers named the early step under way "
                    "in fewer than two looks in the window, they named a missing prerequisite "
                    "in two looks or more before it closed, or other; alerts right, or false "
                    "because off time, about a step already begun (done), or other (mostly "
                    "misreadings)\n",
                    dataset.c_str());
        std::printf("%-10s %5s %7s %5s %8s %7s %6s %6s %7s %6s %9s %5s %6s\n", "reasoner",
                    "acc", "windows", "hit", "off-time", "unseen", "named", "other", "alerts",
                    "right", "off-time", "done", "other");
      },
      [&](const EvalSummaryRow& row, const Metrics& m) {
        const int missed_other = m.mistake_windows - m.mistake_hits - m.mistake_missed_time -
                                 m.mistake_missed_unseen - m.mistake_missed_named;
        const int false_other =
            m.mistake_msgs - m.mistake_msgs_hit - m.mistake_false_time - m.mistake_false_done;
        std::printf("%-10s %5s %7d %5d %8d %7d %6d %6d %7d %6d %9d %5d %6d\n",
                    row.reasoner.c_str(), acc(row).c_str(), m.mistake_windows, m.mistake_hits,
                    m.mistake_missed_time, m.mistake_missed_unseen, m.mistake_missed_named,
                    missed_other, m.mistake_msgs, m.mistake_msgs_hit, m.mistake_false_time,
                    m.mistake_false_done, false_other);
      });
  if (r.seeds.size() > 1) print_spread(r, opt);
}

// One warning per reasoner that failed somewhere, with the first reason: a missing reasoner
// fails every one of its runs, and a thousand identical lines would hide the other warnings.
std::size_t warn_failures(const EvalResults& r) {
  std::map<std::string, std::pair<std::size_t, const RunResult*>> by_reasoner;
  std::vector<std::string> order;
  std::size_t failed = 0;
  for (const auto& run : r.runs) {
    if (run.error.empty()) continue;
    ++failed;
    auto [it, fresh] = by_reasoner.try_emplace(run.reasoner, 0, &run);
    if (fresh) order.push_back(run.reasoner);
    ++it->second.first;
  }
  for (const auto& name : order) {
    const auto& [count, first] = by_reasoner.at(name);
    spdlog::warn("{}: {} run(s) failed; first ({} at accuracy {:.2f}): {}", name, count,
                 first->case_id, first->accuracy, first->error);
  }
  return failed;
}

// Likewise for model calls that got no usable answer: the runs go on without them (as a live
// session would), so their share must be in plain sight beside the figures they lowered.
void warn_model_failures(const EvalResults& r) {
  for (const auto& row : r.summary) {
    if (row.metrics.model_failures == 0) continue;
    std::string first;
    for (const auto& run : r.runs)
      if (run.reasoner == row.reasoner && run.accuracy == row.accuracy && !run.model_error.empty()) {
        first = run.case_id + ": " + run.model_error;
        break;
      }
    spdlog::warn("{}: {} of {} model calls failed; first ({})", row.reasoner,
                 row.metrics.model_failures, row.metrics.model_calls, first);
  }
}

// One request before hundreds of runs: a server that is down, or does not answer in the
// schema, is a one-line error now rather than every run quietly going on without a model.
void probe_endpoint(const HttpModelOptions& endpoint, const std::vector<EvalCase>& cases) {
  const EvalCase& c = cases.front();
  if (!c.guideline) return;
  HttpModelOptions quiet = endpoint;
  quiet.warn_failures = false;  // the error below says it
  auto model = make_http_model(quiet);
  ModelQuery q;
  q.session_id = c.session.meta.session_id.empty() ? c.id : c.session.meta.session_id;
  q.t_s = 0;
  q.guideline = c.guideline.get();
  const ModelResult r = model->ask(q);
  if (!r.answer)
    throw Error("eval: the model server at " + endpoint.base_url +
                " failed its first request: " + r.error);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& x : items) out += (out.empty() ? "" : ",") + x;
  return out;
}

std::string command_line(const EvalArgs& a) {
  std::vector<std::string> accuracies;
  for (double x : a.accuracies) accuracies.push_back(fmt::format("{:g}", x));
  std::string cmd = "pro2assist eval --dataset " + a.dataset;
  if (a.dataset.rfind("captaincook4d:", 0) == 0) cmd += " --split " + a.split;
  if (a.dataset.rfind("guidelines:", 0) == 0)
    cmd += " --sessions-per-guideline " + std::to_string(a.sessions_per_guideline);
  cmd += " --reasoners " + join(a.reasoners);
  if (a.vlm == "none") {
    cmd += " --vlm none";
  } else if (is_url(a.vlm)) {
    cmd += " --vlm " + a.vlm + " --model " + a.model + fmt::format(" --timeout {:g}", a.timeout_s);
  } else {
    cmd += " --accuracy " + join(accuracies) + fmt::format(" --error-run {:g}", a.error_run_s) +
           (a.trigger_noise > 0 ? fmt::format(" --trigger-noise {:g}", a.trigger_noise)
                                : std::string()) +
           (a.status_accuracy != EvalOptions{}.status_accuracy
                ? fmt::format(" --status-accuracy {:g}", a.status_accuracy)
                : std::string()) +
           (a.wrong_trigger != EvalOptions{}.wrong_trigger
                ? fmt::format(" --wrong-trigger {:g}", a.wrong_trigger)
                : std::string()) +
           (a.wrong_steps != "nearby" ? " --wrong-steps " + a.wrong_steps : std::string());
  }
  if (a.sensors != "all") cmd += " --sensors " + a.sensors;
  if (a.leave_one_out) cmd += " --leave-one-out";
  cmd += " --seed " + std::to_string(a.seed);
  if (a.repeats > 1) cmd += " --repeats " + std::to_string(a.repeats);
  return cmd;
}

// How many sessions the report draws as timelines. Their decision streams are kept during the
// runs (keeping every stream of a whole dataset would take gigabytes: periodic decides twice a
// second), so no session is run twice: a model server is asked once per moment.
constexpr int kTimelines = 6;

// DIR/results.json and DIR/report.html.
void write_report(const EvalArgs& a, const std::vector<EvalCase>& cases, const EvalOptions& opt,
                  const EvalResults& results) {
  const std::filesystem::path dir = a.report;
  std::filesystem::create_directories(dir);
  const auto json_file = dir / "results.json";
  std::ofstream out(json_file);
  if (!out) throw Error("eval: cannot write " + json_file.string());
  out << results_to_json(results, opt).dump(2) << "\n";
  out.close();
  if (!out) throw Error("eval: failed writing " + json_file.string());

  ReportInfo info;
  info.source = a.dataset;
  if (a.dataset.rfind("captaincook4d:", 0) == 0) info.split = a.split;
  info.command_line = command_line(a);
  const auto html_file = dir / "report.html";
  write_html_report(html_file, results, opt, cases, kTimelines, info);
  std::printf("results written to %s and %s\n", json_file.string().c_str(),
              html_file.string().c_str());
}

int run(const EvalArgs& a) {
  EvalOptions opt;
  opt.reasoners = a.reasoners;
  opt.accuracies = a.accuracies;
  opt.no_model = a.vlm == "none";
  if (is_url(a.vlm)) {
    HttpModelOptions endpoint;
    endpoint.base_url = a.vlm;
    endpoint.model = a.model;
    endpoint.timeout_s = a.timeout_s;
    opt.endpoint = endpoint;
  }
  opt.error_run_s = a.error_run_s;
  opt.trigger_noise = a.trigger_noise;
  opt.status_accuracy = a.status_accuracy;
  opt.wrong_trigger = a.wrong_trigger;
  opt.errors_nearby = a.wrong_steps == "nearby";
  if (!a.decision_model.empty()) opt.reasoner.decision_model = load_decision_model(a.decision_model);
  opt.imu = a.sensors == "all" || a.sensors == "imu";
  opt.hand_motion = a.sensors == "all" || a.sensors == "hands";
  if (single_pass(opt)) opt.accuracies = {0.0};
  opt.seed = a.seed;
  opt.jobs = a.jobs;
  if (!a.report.empty()) {
    make_output_folder(a.report, "eval");
    opt.keep_decisions_of = kTimelines;
  }
  const std::vector<EvalCase> cases = load_cases(a, a.seed);
  if (cases.empty()) throw Error("eval: no sessions to evaluate in " + a.dataset);
  if (opt.endpoint) probe_endpoint(*opt.endpoint, cases);
  spdlog::info("evaluating {} sessions x {} reasoners x {} accuracies{}", cases.size(),
               opt.reasoners.size(), opt.accuracies.size(),
               a.repeats > 1 ? fmt::format(" x {} seeds", a.repeats) : std::string());

  // One pass per seed, each with its own sensors, timelines and model answers; the report
  // draws its timelines from the first.
  std::vector<EvalResults> passes;
  for (int k = 0; k < a.repeats; ++k) {
    EvalOptions pass = opt;
    pass.seed = a.seed + static_cast<unsigned long long>(k);
    if (k > 0) pass.keep_decisions_of = 0;
    pass.progress = stderr_progress(
        a.repeats > 1 ? fmt::format("eval (seed {}, {} of {})", pass.seed, k + 1, a.repeats)
                      : std::string("eval"));
    // Session folders carry their own sensor streams: only the model's answers change.
    const bool reload = k > 0 && a.dataset.rfind("sessions:", 0) != 0;
    passes.push_back(run_evaluation(reload ? load_cases(a, pass.seed) : cases, pass));
  }
  const EvalResults results = combine_seeds(std::move(passes));
  print_summary(results, opt);
  std::printf("\n%zu runs in %.1f s\n", results.runs.size(), results.wall_s);
  std::fflush(stdout);  // the table before the warnings when both go to one terminal or log
  const std::size_t failed = warn_failures(results);
  warn_model_failures(results);

  if (!a.report.empty()) write_report(a, cases, opt, results);
  return failed == results.runs.size() ? 2 : 0;
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Run reasoners on a dataset against a simulated model (or none, or a model server) and "
      "score them (SPEC §5)");
  cmd->add_option("--dataset", args->dataset,
                  "captaincook4d:DIR, sessions:DIR (folders with annotations.json and a "
                  "guideline) or guidelines:DIR (simulated sessions per guideline file)")
      ->required();
  cmd->add_option("--split", args->split, "CaptainCook4D split: train, val or all")
      ->check(CLI::IsMember({"train", "val", "all"}))
      ->capture_default_str();
  cmd->add_option("--reasoners", args->reasoners, "Comma-separated reasoner names")
      ->delimiter(',')
      ->check(CLI::IsMember(reasoner_names()))
      ->capture_default_str();
  cmd->add_option("--accuracy", args->accuracies, "Comma-separated simulated model accuracies")
      ->delimiter(',')
      ->check(share_check())
      ->capture_default_str();
  cmd->add_option("--vlm", args->vlm,
                  "sim: the simulated model at each --accuracy; none: no model at all (the "
                  "tracker on durations and motion alone); or an OpenAI-compatible base URL "
                  "(SPEC §4, e.g. http://127.0.0.1:8080/v1): a real model, or a simulator of "
                  "your own answering by the request's session_id and t_s")
      ->check([](const std::string& v) {
        return v == "sim" || v == "none" || is_url(v)
                   ? std::string()
                   : "--vlm must be sim, none or an http(s) URL, not '" + v + "'";
      })
      ->capture_default_str();
  cmd->add_option("--model", args->model, "Model name sent to the server (--vlm URL)")
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout_s, "Model request timeout, seconds (--vlm URL)")
      ->check(positive_check())
      ->capture_default_str();
  cmd->add_option("--error-run", args->error_run_s,
                  "Simulated model: mean length of a run of wrong answers, seconds (its errors "
                  "are correlated over such runs; smaller is closer to independent errors)")
      ->check(positive_check())
      ->capture_default_str();
  cmd->add_option("--trigger-noise", args->trigger_noise,
                  "Simulated model: share of its right answers whose help flag (trigger) is "
                  "flipped; 0 puts it on exactly in the proactive periods")
      ->check(share_check())
      ->capture_default_str();
  cmd->add_option("--status-accuracy", args->status_accuracy,
                  "Simulated model: share of its right answers (right step) whose status is "
                  "right too; a wrong status is one of the other three")
      ->check(share_check())
      ->capture_default_str();
  cmd->add_option("--wrong-trigger", args->wrong_trigger,
                  "Simulated model: share of its wrong answers (wrong step) whose help flag is "
                  "on, at random")
      ->check(share_check())
      ->capture_default_str();
  cmd->add_option("--wrong-steps", args->wrong_steps,
                  "Simulated model: the steps its wrong runs name: nearby (mostly the previous "
                  "or next step, sometimes any) or anywhere (any step, uniformly)")
      ->check(CLI::IsMember({"nearby", "anywhere"}))
      ->capture_default_str();
  cmd->add_option("--sensors", args->sensors,
                  "Motion streams replayed: all (IMU and hand flow), imu, hands, or none (every "
                  "pair a key moment, no motion evidence)")
      ->check(CLI::IsMember({"all", "imu", "hands", "none"}))
      ->capture_default_str();
  cmd->add_option("--decision-model", args->decision_model,
                  "The tracker's status and trigger weights, from pro2assist "
                  "learn-decision-model (default: the built-in ones)");
  cmd->add_flag("--leave-one-out", args->leave_one_out,
               "captaincook4d: each training recording gets step durations learned from the "
               "other training recordings only (no in-sample advantage)");
  cmd->add_option("--seed", args->seed, "Random seed (sensors, timelines, model answers)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd->add_option("--repeats", args->repeats,
                  "Passes over the dataset, with seeds --seed, --seed + 1, ...: the figures "
                  "pool them all, and a last table shows each figure's spread over the seeds "
                  "(lowest to highest pass)")
      ->check(count_check(1))
      ->capture_default_str();
  cmd->add_option("--jobs", args->jobs, "Worker threads (0: every core)")
      ->check(count_check(0))
      ->capture_default_str();
  cmd->add_option("--report", args->report, "Folder for results.json and the HTML report");
  cmd->add_option("--sessions-per-guideline", args->sessions_per_guideline,
                  "Simulated sessions per guideline file (guidelines:DIR)")
      ->check(count_check(1))
      ->capture_default_str();
  cmd->callback([args] {
    const int code = run(*args);
    if (code != 0) {
      spdlog::error("eval: every run failed");
      throw CLI::RuntimeError(code);  // the exit code, without CLI11's usage text
    }
  });
}

}  // namespace p2a::cli

// Evaluation harness: every reasoner through the same engine, on the same sessions and the
// same simulated model, scored by SPEC §5.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pro2assist/decision.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/metrics.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

// One session to evaluate: its guideline, its ground truth (only the simulated model and the
// scorer see it) and its sensor streams.
struct EvalCase {
  std::string dataset;                 // "captaincook4d", "sessions", "guidelines"
  std::string id;                      // recording / session id
  std::shared_ptr<const Guideline> guideline;
  Annotations truth;
  Session session;
};

struct EvalOptions {
  std::vector<std::string> reasoners = {"seed", "raw", "periodic", "gsp", "tracker"};
  std::vector<double> accuracies = {0.3, 0.5, 0.7};
  std::uint64_t seed = 1;
  int jobs = 0;                         // 0: all cores
  bool keep_decisions = false;          // keep every decision stream (for report timelines) ...
  std::size_t keep_decisions_of = 0;   // ... or those of the first this many cases only
  bool no_model = false;                // no model at all (--vlm none): one pass, accuracy 0
  // A model server (--vlm URL, SPEC §4) instead of the simulator: a real model, or another
  // party's simulator answering by the request's metadata (session id, time). One pass,
  // recorded as accuracy 0; the simulator's options below do not apply.
  std::optional<HttpModelOptions> endpoint;
  double error_run_s = 3.0;             // the simulated model's mean run of wrong answers
  double trigger_noise = 0.0;           // ... and share of right answers with the flag flipped
  double status_accuracy = 0.85;        // ... and share of right answers with the status right
  double wrong_trigger = 0.3;           // ... and share of wrong answers with the flag on
  bool errors_nearby = true;            // ... whose wrong runs favour the steps around the
                                        // true one (else: any step, uniformly)
  bool imu = true;                      // motion streams replayed (--sensors): the IMU ...
  bool hand_motion = true;              // ... and hand flow; without them, every pair is a
                                        // key moment and the tracker has no motion evidence
  ReasonerOptions reasoner;             // what every reasoner is built with
  std::function<void(std::size_t done, std::size_t total)> progress;  // called from workers
};

// "all", "imu", "hands" or "none": the --sensors value for these options.
std::string sensors_name(const EvalOptions& opt);
// True when there is no accuracy to sweep: no model, or a model server.
bool single_pass(const EvalOptions& opt);
// "simulated", "none" or "endpoint".
std::string model_kind(const EvalOptions& opt);
// How a summary row's model is shown: its accuracy ("0.50"), or "none" / "server".
std::string accuracy_label(const EvalOptions& opt, double accuracy);

struct RunResult {                       // one case x reasoner x accuracy
  std::string case_id;
  std::uint64_t seed = 0;                // the seed it ran with (EvalOptions::seed)
  std::string reasoner;
  double accuracy = 0;
  Metrics metrics;
  std::string error;                     // non-empty when the run failed
  std::string model_error;               // the first failed model call's reason, if any
  std::vector<Decision> decisions;       // when kept (keep_decisions, keep_decisions_of)
};

struct EvalSummaryRow {                  // one dataset x reasoner x accuracy, pooled
  std::string dataset;
  std::string reasoner;
  double accuracy = 0;
  int sessions = 0;
  int failed = 0;
  Metrics metrics;                       // pooled with p2a::pool
  // After combine_seeds: the row of each seed's pass, in the order of EvalResults::seeds
  // (metrics pools them all). One entry per pass, so empty after a single one.
  std::vector<Metrics> per_seed;
};

struct EvalResults {
  std::vector<RunResult> runs;
  std::vector<EvalSummaryRow> summary;
  double wall_s = 0;
  std::vector<std::uint64_t> seeds;      // the seed of each pass pooled here
};

// Runs every case x reasoner x accuracy (in parallel over `jobs` threads); deterministic for
// a seed whatever the number of jobs.
EvalResults run_evaluation(const std::vector<EvalCase>& cases, const EvalOptions& opt);

// The passes of one evaluation under several seeds, as one: every run, and each summary row
// pooled over the passes (by counts, as pool() does sessions) with each pass's row kept in
// per_seed. The passes must have the same rows in the same order (the same options but the
// seed); throws std::invalid_argument otherwise.
EvalResults combine_seeds(std::vector<EvalResults> passes);

// Case builders for the --dataset forms.
// Step durations come from the training recordings. With leave_one_out, a training recording
// gets durations learned from the others only, as a recording never seen would: figures on it
// then hold no in-sample advantage (validation recordings are never learned from either way).
std::vector<EvalCase> captaincook_cases(const std::filesystem::path& dir, const std::string& split,
                                        std::uint64_t seed, bool leave_one_out = false);
std::vector<EvalCase> session_cases(const std::filesystem::path& dir);
std::vector<EvalCase> guideline_cases(const std::filesystem::path& dir, int sessions_per_guideline,
                                      std::uint64_t seed);

nlohmann::json results_to_json(const EvalResults& r, const EvalOptions& opt);

// An EvalOptions::progress that reports on stderr: an updating bar on a terminal, a plain
// line every ~5% otherwise, headed by the command's name. Thread-safe.
std::function<void(std::size_t done, std::size_t total)> stderr_progress(
    const std::string& command = "eval");

}  // namespace p2a

// pro2assist convert: dataset recordings as SPEC §1 session folders (ground truth, the
// recipe's guideline, and sensor streams synthesized from the annotated step times, since
// the datasets' videos are not shipped).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "checks.hpp"
#include "commands.hpp"
#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"
#include "pro2assist/sim.hpp"

namespace p2a::cli {
namespace {

namespace fs = std::filesystem;

// Recordings are stopped a little after the last step, as a person would.
constexpr double kTailS = 5.0;

struct CaptainCookArgs {
  std::string dir;
  std::string recording;
  bool all = false;
  std::string split = "train";
  std::string out;
  unsigned long long seed = 1;
};

void write_recording(const Recording& rec, const Guideline& g, const fs::path& out,
                     std::uint64_t seed) {
  if (rec.truth.steps.empty()) throw Error("convert: recording " + rec.id + " has no timed steps");
  double last_end_s = 0;
  for (const auto& seg : rec.truth.steps) last_end_s = std::max(last_end_s, seg.end_s);

  Session s;
  s.dir = out;
  s.meta.session_id = rec.id;
  s.meta.task = rec.recipe;
  s.meta.instruction = "I'm going to make " + (g.title.empty() ? rec.activity_name : g.title);
  s.meta.duration_s = last_end_s + kTailS;
  SensorOptions opt;
  opt.seed = seed;
  synthesize_sensors(rec.truth, *s.meta.duration_s, opt, s);

  fs::create_directories(out);
  write_session(s, out);
  write_annotations(rec.truth, out / "annotations.json");
  save_guideline(g, out / "guideline.json");

  for (const auto& u : rec.unmatched) spdlog::warn("{}: {}", rec.id, u);
  for (const auto& d : rec.dropped) spdlog::info("{}: {}", rec.id, d);
  std::printf("%s (%s): %zu segments, %zu errors, %.1f s -> %s\n", rec.id.c_str(),
              rec.recipe.c_str(), rec.truth.steps.size(), rec.truth.errors.size(),
              *s.meta.duration_s, out.string().c_str());
}

void run_captaincook(const CaptainCookArgs& a) {
  const CaptainCook4D cc = CaptainCook4D::load(a.dir);
  for (const auto& p : cc.problems()) spdlog::warn("{}", p);
  // The guideline written beside each recording has step durations learned from the training
  // split, as `eval` uses them: replaying the folder gives the tracker what it is evaluated with.
  const auto guidelines = guidelines_with_learned_durations(cc, "train");
  auto guideline = [&](const Recording& rec) -> const Guideline& {
    return guidelines.at(rec.recipe).guideline;
  };
  if (!a.all) {
    const Recording& rec = cc.recording(a.recording);
    write_recording(rec, guideline(rec), a.out, a.seed);
    return;
  }
  const auto recs = cc.recordings(a.split);
  for (const auto& rec : recs) write_recording(rec, guideline(rec), fs::path(a.out) / rec.id, a.seed);
  std::printf("%zu recordings of split '%s' -> %s\n", recs.size(), a.split.c_str(), a.out.c_str());
}

}  // namespace

void register_convert(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("convert", "Turn dataset recordings into session folders");
  cmd->require_subcommand(1);

  auto cc = std::make_shared<CaptainCookArgs>();
  CLI::App* sub = cmd->add_subcommand(
      "captaincook4d", "CaptainCook4D recordings: ground truth, recipe guideline, synthetic sensors");
  sub->add_option("--dir", cc->dir, "The CaptainCook4D folder (with task_graphs/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  auto* one = sub->add_option("--recording", cc->recording, "Recording id, e.g. 1_7");
  auto* all = sub->add_flag("--all", cc->all, "Every recording of --split, one folder each");
  one->excludes(all);
  all->excludes(one);
  sub->add_option("--split", cc->split, "With --all: train, val or all")
      ->check(CLI::IsMember({"train", "val", "all"}))
      ->capture_default_str();
  sub->add_option("--out", cc->out, "Session folder (with --all: the parent folder)")->required();
  sub->add_option("--seed", cc->seed, "Seed of the synthetic sensor streams")
      ->check(count_check(0))
      ->capture_default_str();
  sub->callback([cc] {
    if (!cc->all && cc->recording.empty())
      throw CLI::ValidationError("convert captaincook4d", "give --recording ID or --all");
    run_captaincook(*cc);
  });
}

}  // namespace p2a::cli

// pro2assist learn-durations: step durations from annotated recordings, written into
// guideline files (duration_s = the 10th-90th percentile of the observed lengths).
#include <cstdio>
#include <filesystem>
#include <map>

#include "checks.hpp"
#include "commands.hpp"
#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"

namespace p2a::cli {
namespace {

struct LearnArgs {
  std::string dataset;
  std::string split = "train";
  std::string out;
  int min_samples = kMinDurationSamples;
};

void run(const LearnArgs& a) {
  const auto ds = CaptainCook4D::load(a.dataset);
  make_output_folder(a.out, "learn-durations");
  std::size_t files = 0, steps = 0, learned = 0;
  for (const auto& [recipe, lg] : guidelines_with_learned_durations(ds, a.split, a.min_samples)) {
    const auto file = std::filesystem::path(a.out) / (recipe + ".yaml");
    save_guideline(lg.guideline, file);
    std::printf("%-28s %2zu recordings  %2d of %2zu steps learned -> %s\n", recipe.c_str(),
                lg.recordings, lg.learned, lg.guideline.size(), file.string().c_str());
    ++files;
    steps += lg.guideline.size();
    learned += static_cast<std::size_t>(lg.learned);
  }
  std::printf("%zu guidelines written, durations for %zu of %zu steps (split %s, at least %d "
              "recordings per step)\n",
              files, learned, steps, a.split.c_str(), a.min_samples);
}

}  // namespace

void register_learn_durations(CLI::App& app) {
  auto args = std::make_shared<LearnArgs>();
  auto* cmd = app.add_subcommand(
      "learn-durations", "Learn step durations from CaptainCook4D recordings into guideline files");
  cmd->add_option("--dataset", args->dataset, "CaptainCook4D folder")->required();
  cmd->add_option("--split", args->split, "train, val or all (learn on train only to evaluate on val)")
      ->check(CLI::IsMember({"train", "val", "all"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Folder for the guideline files (<recipe>.yaml)")->required();
  cmd->add_option("--min-samples", args->min_samples, "Recordings a step needs to be learned")
      ->check(count_check(1))
      ->capture_default_str();
  cmd->callback([args] { run(*args); });
}

}  // namespace p2a::cli

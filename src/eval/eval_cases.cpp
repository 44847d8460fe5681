// The sessions an evaluation runs on, from the three --dataset forms. Every builder returns
// what loads and logs what it had to leave out: one bad folder must not sink a long run.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "eval/rng.hpp"
#include "pro2assist/dataset.hpp"
#include "pro2assist/durations.hpp"
#include "pro2assist/evaluation.hpp"
#include "pro2assist/sim.hpp"

namespace p2a {
namespace fs = std::filesystem;

namespace {

// A recording is stopped a little after the last step, as a person would stop the glasses.
constexpr double kTailS = 5.0;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<double> last_end_s(const Annotations& truth) {
  std::optional<double> last;
  for (const auto& seg : truth.steps)
    if (seg.end_s > seg.start_s) last = std::max(last.value_or(seg.end_s), seg.end_s);
  return last;
}

std::string first_few(const std::vector<std::string>& items, std::size_t n = 5) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < n; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > n) out += ", ...";
  return out;
}

bool is_guideline_file(const fs::path& p) {
  const std::string ext = lowercase(p.extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

std::vector<EvalCase> captaincook_cases(const fs::path& dir, const std::string& split,
                                        std::uint64_t seed, bool leave_one_out) {
  const CaptainCook4D cc = CaptainCook4D::load(dir);
  const std::vector<Recording> recordings = cc.recordings(split);

  // Durations are learned from the train split only, whatever split is evaluated: learning
  // them from val recordings would let the guideline know how long the very sessions it is
  // scored on took, and val figures would flatter every duration-aware reasoner.
  std::map<std::string, std::shared_ptr<const Guideline>> guidelines;
  for (auto& [recipe, lg] : guidelines_with_learned_durations(cc, "train")) {
    spdlog::debug("captaincook4d {}: durations of {} of {} steps learned from {} train recordings",
                  recipe, lg.learned, lg.guideline.size(), lg.recordings);
    guidelines.emplace(recipe, std::make_shared<const Guideline>(std::move(lg.guideline)));
  }
  // Leave one out: a training recording's recipe learned from the other training recordings.
  const std::vector<Recording> train =
      leave_one_out ? cc.recordings("train") : std::vector<Recording>{};
  std::set<std::string> train_ids;
  for (const auto& t : train) train_ids.insert(t.id);
  auto guideline_for = [&](const Recording& r) -> std::shared_ptr<const Guideline> {
    if (!train_ids.count(r.id)) return guidelines.at(r.recipe);
    return std::make_shared<const Guideline>(
        with_learned_durations(cc.guideline(r.recipe), train, kMinDurationSamples, r.id)
            .guideline);
  };

  std::vector<EvalCase> cases;
  cases.reserve(recordings.size());
  std::vector<std::string> skipped;
  for (const auto& r : recordings) {
    const auto end_s = last_end_s(r.truth);
    if (!end_s) {
      skipped.push_back(r.id);
      continue;
    }
    EvalCase c;
    c.dataset = "captaincook4d";
    c.id = r.id;
    c.guideline = guideline_for(r);
    c.truth = r.truth;
    c.session.meta.session_id = r.id;
    c.session.meta.task = r.recipe;
    c.session.meta.instruction = "I'm going to make " + lowercase(r.activity_name);
    c.session.meta.duration_s = *end_s + kTailS;
    // Seeded by the recording id: a recording gets the same sensors whatever split or
    // subset it is evaluated in.
    synthesize_sensors(c.truth, *end_s + kTailS, SensorOptions{seed ^ sim::hash_string(r.id)},
                       c.session);
    cases.push_back(std::move(c));
  }
  if (!skipped.empty())
    spdlog::warn("captaincook4d: skipped {} recording(s) with no timed step segments: {}",
                 skipped.size(), first_few(skipped));
  spdlog::info("captaincook4d {}: {} recordings, {} recipes", split, cases.size(),
               guidelines.size());
  return cases;
}

std::vector<EvalCase> session_cases(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw Error("sessions " + dir.string() + ": not a folder");
  std::vector<fs::path> folders;
  // Sessions without ground truth cannot be scored: named, not dropped without a word.
  std::vector<std::string> unscored;
  const auto consider = [&](const fs::path& p) {
    if (!fs::exists(p / "session.json")) return;
    if (fs::exists(p / "annotations.json"))
      folders.push_back(p);
    else
      unscored.push_back(p == dir ? p.string() : p.filename().string());
  };
  // The folder may itself be one session.
  consider(dir);
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) consider(entry.path());
  std::sort(folders.begin(), folders.end());  // the same order on every machine
  if (!unscored.empty()) {
    std::sort(unscored.begin(), unscored.end());
    spdlog::warn("sessions {}: {} session folder(s) without annotations.json, not evaluated: {}",
                 dir.string(), unscored.size(), first_few(unscored));
  }

  std::vector<EvalCase> cases;
  std::vector<std::string> failed;
  std::set<std::string> used_ids;
  for (const auto& folder : folders) {
    try {
      EvalCase c;
      c.dataset = "sessions";
      c.session = read_session(folder);
      c.truth = read_annotations(folder / "annotations.json");
      if (const auto len = length_from_annotations(c.session, c.truth))
        spdlog::info("{}: no duration_s and no sensor rows; replaying {:.1f} s, to the end of "
                     "its annotations", folder.string(), *len);
      c.id = c.session.meta.session_id.empty() ? folder.filename().string()
                                               : c.session.meta.session_id;
      for (const char* name : {"guideline.yaml", "guideline.yml", "guideline.json"})
        if (fs::exists(folder / name)) {
          c.guideline = std::make_shared<const Guideline>(load_guideline(folder / name));
          break;
        }
      if (!c.guideline)
        throw Error("session " + folder.string() + ": no guideline.yaml or guideline.json");
      if (const auto unknown = steps_not_in(*c.guideline, c.truth); !unknown.empty())
        spdlog::warn("{}: annotations.json names {} step(s) its guideline '{}' does not have "
                     "({}): its figures will not mean much",
                     folder.string(), unknown.size(), c.guideline->id, first_few(unknown));
      // Results are keyed by case id: two folders of one session_id would be told apart by
      // their folder names.
      if (!used_ids.insert(c.id).second) {
        const std::string id = c.id + " (" + folder.filename().string() + ")";
        spdlog::warn("{}: session_id '{}' is used by another folder too; evaluated as '{}'",
                     folder.string(), c.id, id);
        c.id = id;
        used_ids.insert(id);
      }
      cases.push_back(std::move(c));
    } catch (const Error& e) {
      spdlog::warn("skipping {}", e.what());
      failed.push_back(folder.filename().string());
    }
  }
  if (!failed.empty())
    spdlog::warn("sessions {}: loaded {}, skipped {}: {}", dir.string(), cases.size(),
                 failed.size(), first_few(failed));
  return cases;
}

std::vector<EvalCase> guideline_cases(const fs::path& dir, int sessions_per_guideline,
                                      std::uint64_t seed) {
  if (!fs::is_directory(dir)) throw Error("guidelines " + dir.string() + ": not a folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && is_guideline_file(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  std::vector<EvalCase> cases;
  std::set<std::string> used_ids;
  std::size_t skipped = 0;
  for (const auto& file : files) {
    std::shared_ptr<const Guideline> g;
    try {
      g = std::make_shared<const Guideline>(load_guideline(file));
    } catch (const Error& e) {
      spdlog::warn("skipping {}", e.what());
      ++skipped;
      continue;
    }
    if (g->size() == 0) {
      spdlog::warn("skipping {}: no steps", file.string());
      ++skipped;
      continue;
    }
    // Two files may carry the same guideline id (a task and its demo variant): case ids,
    // which seed the simulation, must still differ.
    std::string base = g->id;
    if (!used_ids.insert(base).second) {
      base = fs::relative(file, dir).replace_extension().generic_string();
      used_ids.insert(base);
    }
    for (int k = 0; k < sessions_per_guideline; ++k) {
      EvalCase c;
      c.dataset = "guidelines";
      c.id = base + "-sim-" + std::to_string(k);
      c.guideline = g;
      const std::uint64_t case_seed = seed ^ sim::hash_string(c.id);
      TimelineOptions topt;
      topt.seed = case_seed;
      topt.mistakes = k % 2 == 1;  // every other session has skipped / out-of-order steps
      c.truth = simulate_timeline(*g, topt);
      const auto end_s = last_end_s(c.truth);
      if (!end_s) {
        spdlog::warn("guideline {}: simulated session {} has no timed steps", g->id, c.id);
        continue;
      }
      c.session.meta.session_id = c.id;
      c.session.meta.task = g->id;
      c.session.meta.instruction = "I'm going to " + lowercase(g->title.empty() ? g->id : g->title);
      c.session.meta.duration_s = *end_s + kTailS;
      synthesize_sensors(c.truth, *end_s + kTailS, SensorOptions{case_seed}, c.session);
      cases.push_back(std::move(c));
    }
  }
  if (skipped > 0)
    spdlog::warn("guidelines {}: skipped {} file(s) that did not load", dir.string(), skipped);
  return cases;
}

}  // namespace p2a

// Task guideline (SPEC §2): steps with dependencies (a DAG) and execution details.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pro2assist/types.hpp"

namespace p2a {

struct DurationRange {
  double min_s = 0;
  double max_s = 0;
  double mean_s() const { return 0.5 * (min_s + max_s); }
  bool operator==(const DurationRange&) const = default;
};

struct Step {
  StepId id;
  std::string text;                 // the instruction shown to the user
  std::vector<StepId> requires_;    // prerequisites ("requires" in files)
  std::string details;              // execution details
  std::optional<DurationRange> duration_s;
  bool critical = false;
  bool optional = false;
  std::string source_text;          // original text in the source file (CaptainCook4D join key)
  bool operator==(const Step&) const = default;
};

class Guideline {
 public:
  std::string id;
  std::string title;
  std::vector<std::string> aliases;
  std::vector<Step> steps;          // file order
  std::string source;               // where it was loaded from, for messages

  // Rebuilds indices; throws Error naming the step on duplicate ids, unknown
  // prerequisites or cycles. Loaders call it; call it again after editing steps.
  void finalize();

  std::optional<std::size_t> index_of(const StepId& id) const;
  const Step* find(const StepId& id) const;
  const Step& at(std::size_t i) const { return steps.at(i); }
  std::size_t size() const { return steps.size(); }

  // Prerequisite / successor indices by step index (valid after finalize()).
  const std::vector<std::size_t>& prereqs(std::size_t i) const { return prereq_idx_.at(i); }
  const std::vector<std::size_t>& successors(std::size_t i) const { return succ_idx_.at(i); }
  // A topological order that keeps file order where the graph allows it.
  const std::vector<std::size_t>& topo_order() const { return topo_; }

 private:
  std::unordered_map<StepId, std::size_t> index_;
  std::vector<std::vector<std::size_t>> prereq_idx_;
  std::vector<std::vector<std::size_t>> succ_idx_;
  std::vector<std::size_t> topo_;
};

// Loads any supported form, detected from content: native YAML/JSON, a CaptainCook4D
// task graph, or an EgoPER/ANGEL recipe YAML. Throws Error with a one-line reason.
Guideline load_guideline(const std::filesystem::path& file);
Guideline parse_guideline_text(const std::string& text, const std::string& source_name);

// A CaptainCook4D description ("Pour-Pour a small amount of water") as an instruction
// ("Pour a small amount of water"). Step::source_text keeps the original for joining.
std::string clean_captaincook_text(const std::string& description);

// Writes the native form (YAML for .yaml/.yml, JSON otherwise).
void save_guideline(const Guideline& g, const std::filesystem::path& file);
nlohmann::json guideline_to_json(const Guideline& g);

// Finds the guideline in a list that best matches a task name or spoken request
// (id, title, aliases, step words). Returns nullptr when nothing plausibly matches.
const Guideline* match_guideline(const std::vector<Guideline>& library, const std::string& task,
                                 const std::string& instruction);

// Loads every guideline file in a folder (skipping, and reporting on stderr, files that fail).
std::vector<Guideline> load_guideline_library(const std::filesystem::path& dir);

// Join key for step texts: lower case, alphanumerics only, single spaces ("Boil the water."
// and "boil the  water" are the same step).
std::string normalise_step_text(std::string_view text);

}  // namespace p2a

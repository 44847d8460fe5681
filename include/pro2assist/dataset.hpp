// CaptainCook4D (SPEC §2 note): recordings of people cooking 24 recipes, turned into a
// guideline per recipe and, per recording, ground truth in the SPEC §1 annotations form.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

struct Recording {
  std::string id;             // "1_7"
  std::string recipe;         // guideline id, e.g. "microwaveeggsandwich"
  std::string activity_name;  // "Microwave Egg Sandwich"
  Annotations truth;          // step ids are the recipe graph's ids
  std::vector<std::string> unmatched;  // annotation steps not joined to the graph, with reason
  std::vector<std::string> dropped;    // entries left out (zero length, duplicates, untagged skips)
};

// How annotation steps were joined to graph steps, over every recording loaded.
struct JoinStats {
  std::size_t steps = 0;         // performed (non-skipped) annotation steps
  std::size_t exact = 0;         // same normalised text
  std::size_t by_step_id = 0;    // via the dataset's global step id -> description table
  std::size_t by_overlap = 0;    // best token overlap above the threshold
  std::size_t unmatched = 0;
  double joined_share() const { return steps ? double(steps - unmatched) / double(steps) : 0.0; }
};

class CaptainCook4D {
 public:
  // Reads the dataset folder (error_annotations.json, complete_step_annotations.json,
  // splits.json, step_idx_description.json, task_graphs/). Throws Error when a required
  // file is missing or unreadable; a recording whose recipe graph is missing is skipped
  // and listed in problems().
  static CaptainCook4D load(const std::filesystem::path& dir);

  // Throws Error for an unknown recipe id.
  const Guideline& guideline(const std::string& recipe) const;
  std::vector<std::string> recipes() const;

  // split: "train", "val" or "all". Throws Error for another name. Order: the split file's.
  std::vector<Recording> recordings(const std::string& split) const;
  // Throws Error naming the id when there is no such recording.
  const Recording& recording(const std::string& id) const;

  const JoinStats& join_stats() const { return stats_; }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::map<std::string, Guideline> guidelines_;
  std::map<std::string, Recording> recordings_;
  std::vector<std::string> train_, val_;
  JoinStats stats_;
  std::vector<std::string> problems_;
};

// "Herb Omelet with Fried Tomatoes" -> "herbomeletwithfriedtomatoes".
std::string captaincook_recipe_id(std::string_view activity_name);

}  // namespace p2a

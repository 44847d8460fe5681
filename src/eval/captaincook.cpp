// CaptainCook4D reader: recipe graphs become guidelines, recordings become SPEC §1 ground
// truth. The annotation files number steps across all recipes, so every annotated step is
// joined to its recipe graph by description text, in three tries:
//   1. the same normalised text;
//   2. the dataset's own global id -> description table (step_idx_description.json), whose
//      text is then matched exactly: it catches descriptions edited per recording
//      ("Microwave for 1.5 minutes" annotated as id 25, "Microwave for 1 more minute");
//   3. the graph step with the best token overlap (Jaccard >= kOverlapMin).
// A few graphs repeat a text ("Stir the contents ..." twice in dressedupmeatballs): its
// occurrences in a recording go, in time order, to the repeated graph steps in the graph's
// order; occurrences beyond them stay on the last one (the cook did the step again). Skipped
// occurrences take the repeated steps left over.
#include "pro2assist/dataset.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace p2a {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr double kOverlapMin = 0.6;
// Two annotations of the same text overlapping this much (of the shorter) are one event
// annotated twice (recording 2_26 lists the same stir twice, 0.07 s apart).
constexpr double kDuplicateOverlap = 0.5;

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("captaincook4d " + file.string() + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error("captaincook4d " + file.string() + ": " + e.what());
  }
}

std::set<std::string> tokens(const std::string& normalised) {
  std::set<std::string> out;
  std::istringstream words(normalised);
  for (std::string w; words >> w;) out.insert(w);
  return out;
}

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::size_t common = 0;
  for (const auto& w : a) common += b.count(w);
  const std::size_t all = a.size() + b.size() - common;
  return all ? double(common) / double(all) : 0.0;
}

std::string format_s(double t_s) {
  std::ostringstream out;
  out << t_s;
  return out.str();
}

// A recipe graph's steps by join key, each key's steps in the guideline's topological order.
struct GraphIndex {
  std::map<std::string, std::vector<StepId>> by_text;
  std::vector<std::pair<std::set<std::string>, std::string>> token_sets;  // tokens, key

  explicit GraphIndex(const Guideline& g) {
    for (std::size_t i : g.topo_order()) {
      const Step& s = g.at(i);
      const std::string key = normalise_step_text(s.source_text.empty() ? s.text : s.source_text);
      auto& ids = by_text[key];
      if (ids.empty()) token_sets.emplace_back(tokens(key), key);
      ids.push_back(s.id);
    }
  }
};

// One step entry of a recording's annotation, with where it was joined.
struct Entry {
  int global_id = -1;
  std::string description;
  double start_s = -1, end_s = -1;
  std::vector<std::string> tags;
  std::string key;  // graph join key; empty when unmatched
  StepId step;      // assigned graph step
  bool dropped = false;
  bool skipped() const { return start_s < 0 && end_s < 0; }
};

std::string error_type(const std::string& tag) {
  if (tag == "Order Error") return "order";
  if (tag == "Missing Step") return "missing";
  std::string out;
  for (char c : tag) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Every step that needs `id` done first, directly or through others.
std::set<StepId> dependents(const Guideline& g, const StepId& id) {
  std::set<StepId> out;
  auto start = g.index_of(id);
  if (!start) return out;
  std::vector<std::size_t> todo = {*start};
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    for (std::size_t s : g.successors(i))
      if (out.insert(g.at(s).id).second) todo.push_back(s);
  }
  return out;
}

class RecordingBuilder {
 public:
  RecordingBuilder(const Guideline& g, const GraphIndex& index,
                   const std::map<int, std::string>& global_text, JoinStats& stats)
      : g_(g), index_(index), global_text_(global_text), stats_(stats) {}

  void build(const json& steps, Recording& rec) {
    read_entries(steps, rec);
    join(rec);
    assign(rec);
    emit(rec);
  }

 private:
  void read_entries(const json& steps, Recording& rec) {
    if (!steps.is_array()) throw Error("recording " + rec.id + ": step_annotations is not a list");
    for (const json& s : steps) {
      Entry e;
      try {
        e.global_id = s.value("step_id", -1);
        e.description = s.at("description").get<std::string>();
        e.start_s = s.at("start_time").get<double>();
        e.end_s = s.at("end_time").get<double>();
        if (s.contains("errors"))
          for (const json& err : s["errors"]) e.tags.push_back(err.at("tag").get<std::string>());
      } catch (const json::exception& ex) {
        rec.dropped.push_back("entry " + std::to_string(entries_.size() + 1) + ": " + ex.what());
        continue;
      }
      entries_.push_back(std::move(e));
    }
  }

  void join(Recording& rec) {
    for (Entry& e : entries_) {
      const bool counted = !e.skipped();
      if (counted) ++stats_.steps;
      const std::string key = normalise_step_text(e.description);
      if (index_.by_text.count(key)) {
        e.key = key;
        if (counted) ++stats_.exact;
        continue;
      }
      if (auto it = global_text_.find(e.global_id); it != global_text_.end()) {
        const std::string alt = normalise_step_text(it->second);
        if (index_.by_text.count(alt)) {
          e.key = alt;
          if (counted) ++stats_.by_step_id;
          continue;
        }
      }
      const auto words = tokens(key);
      double best = 0;
      for (const auto& [set, graph_key] : index_.token_sets) {
        const double j = jaccard(words, set);
        if (j > best) best = j, e.key = graph_key;
      }
      if (best >= kOverlapMin) {
        if (counted) ++stats_.by_overlap;
        continue;
      }
      e.key.clear();
      if (counted) ++stats_.unmatched;
      rec.unmatched.push_back("step_id " + std::to_string(e.global_id) + " '" + e.description +
                              "' matches no step of " + rec.recipe);
    }
  }

  // Graph steps for joined entries: performed occurrences of a text in time order, then the
  // skipped ones on the graph steps left over.
  void assign(Recording& rec) {
    std::map<std::string, std::vector<Entry*>> groups;
    for (Entry& e : entries_)
      if (!e.key.empty()) groups[e.key].push_back(&e);
    for (auto& [key, group] : groups) {
      const auto& ids = index_.by_text.at(key);
      std::vector<Entry*> done;
      std::vector<Entry*> skipped;
      for (Entry* e : group) (e->skipped() ? skipped : done).push_back(e);
      std::stable_sort(done.begin(), done.end(),
                       [](const Entry* a, const Entry* b) { return a->start_s < b->start_s; });
      std::vector<Entry*> kept;
      for (Entry* e : done) {
        if (!kept.empty() && is_duplicate(*kept.back(), *e)) {
          // One event: its error tags still count, on the annotation kept.
          e->dropped = true;
          kept.back()->tags.insert(kept.back()->tags.end(), e->tags.begin(), e->tags.end());
          rec.dropped.push_back("'" + e->description + "' at " + format_s(e->start_s) +
                                " s repeats the annotation at " + format_s(kept.back()->start_s) +
                                " s");
          continue;
        }
        e->step = ids[std::min(kept.size(), ids.size() - 1)];
        kept.push_back(e);
      }
      // A step marked skipped that was also done (4_30 covers the ramen only for its second
      // time in the microwave) is still a missing-step error, on the step that was done.
      for (std::size_t j = 0; j < skipped.size(); ++j)
        skipped[j]->step = ids[std::min(kept.size() + j, ids.size() - 1)];
    }
  }

  static bool is_duplicate(const Entry& a, const Entry& b) {
    const double overlap = std::min(a.end_s, b.end_s) - std::max(a.start_s, b.start_s);
    const double shorter = std::min(a.end_s - a.start_s, b.end_s - b.start_s);
    return shorter > 0 && overlap >= kDuplicateOverlap * shorter;
  }

  void emit(Recording& rec) {
    Annotations& truth = rec.truth;
    for (const Entry& e : entries_) {
      if (e.step.empty() || e.dropped || e.skipped()) continue;
      if (e.start_s < 0 || e.end_s <= e.start_s) {
        rec.dropped.push_back("'" + e.description + "' has no length [" + format_s(e.start_s) +
                              ", " + format_s(e.end_s) + "]");
        continue;
      }
      truth.steps.push_back({e.step, e.start_s, e.end_s});
    }
    std::stable_sort(truth.steps.begin(), truth.steps.end(),
                     [](const GtSegment& a, const GtSegment& b) { return a.start_s < b.start_s; });

    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      if (e.step.empty() || e.dropped) continue;
      if (!e.skipped()) {
        std::set<std::string> seen;
        for (const auto& tag : e.tags)
          if (seen.insert(error_type(tag)).second)
            truth.errors.push_back({e.step, error_type(tag), e.start_s});
        continue;
      }
      if (e.tags.empty()) {
        // Left out without an error tag: an optional step ("Top with more parmesan if desired").
        rec.dropped.push_back("'" + e.description + "' skipped without an error tag: no error");
        continue;
      }
      const double t_s = missing_time(i, rec);
      std::set<std::string> seen;
      for (const auto& tag : e.tags)
        if (seen.insert(error_type(tag)).second) truth.errors.push_back({e.step, error_type(tag), t_s});
    }
    std::stable_sort(truth.errors.begin(), truth.errors.end(),
                     [](const GtError& a, const GtError& b) { return a.t_s < b.t_s; });
  }

  // A skipped step shows when the first step that needed it begins; when none of those was
  // done, halfway between its neighbours in the annotation list.
  double missing_time(std::size_t i, const Recording& rec) const {
    const auto needs = dependents(g_, entries_[i].step);
    double first_s = std::numeric_limits<double>::infinity();
    for (const auto& seg : rec.truth.steps)
      if (needs.count(seg.step)) first_s = std::min(first_s, seg.start_s);
    if (first_s != std::numeric_limits<double>::infinity()) return first_s;

    auto performed = [&](std::size_t j) {
      return !entries_[j].skipped() && entries_[j].end_s > entries_[j].start_s;
    };
    std::optional<double> before_s, after_s;
    for (std::size_t j = i; j-- > 0;)
      if (performed(j)) { before_s = entries_[j].end_s; break; }
    for (std::size_t j = i + 1; j < entries_.size(); ++j)
      if (performed(j)) { after_s = entries_[j].start_s; break; }
    if (before_s && after_s) return 0.5 * (*before_s + *after_s);
    if (before_s) return *before_s;
    if (after_s) return *after_s;
    return 0.0;
  }

  const Guideline& g_;
  const GraphIndex& index_;
  const std::map<int, std::string>& global_text_;
  JoinStats& stats_;
  std::vector<Entry> entries_;
};

std::vector<std::string> string_list(const json& j, const fs::path& file, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array())
    throw Error("captaincook4d " + file.string() + ": no '" + key + "' list");
  for (const json& v : j[key]) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

}  // namespace

std::string captaincook_recipe_id(std::string_view activity_name) {
  std::string out;
  for (char c : activity_name)
    if (std::isalpha(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

CaptainCook4D CaptainCook4D::load(const fs::path& dir) {
  CaptainCook4D cc;
  const fs::path errors_file = dir / "error_annotations.json";
  const fs::path complete_file = dir / "complete_step_annotations.json";
  const fs::path splits_file = dir / "splits.json";
  const fs::path ids_file = dir / "step_idx_description.json";
  const fs::path graphs_dir = dir / "task_graphs";
  if (!fs::is_directory(graphs_dir))
    throw Error("captaincook4d " + dir.string() + ": no task_graphs/ folder");

  for (const auto& entry : fs::directory_iterator(graphs_dir)) {
    if (entry.path().extension() != ".json") continue;
    try {
      Guideline g = load_guideline(entry.path());
      const std::string id = g.id;
      cc.guidelines_.emplace(id, std::move(g));
    } catch (const Error& e) {
      cc.problems_.push_back(e.what());
    }
  }

  std::map<int, std::string> global_text;
  if (fs::exists(ids_file)) {
    const json table = read_json(ids_file);
    for (const auto& [key, text] : table.items()) {
      try {
        global_text[std::stoi(key)] = text.get<std::string>();
      } catch (const std::exception&) {
        cc.problems_.push_back(ids_file.string() + ": bad entry '" + key + "'");
      }
    }
  }

  const json complete = read_json(complete_file);
  const json errors = read_json(errors_file);
  if (!errors.is_array()) throw Error("captaincook4d " + errors_file.string() + ": not a list");

  std::map<std::string, GraphIndex> indices;
  for (const json& r : errors) {
    Recording rec;
    try {
      rec.id = r.at("recording_id").get<std::string>();
      const auto info = complete.find(rec.id);
      if (info == complete.end()) {
        cc.problems_.push_back("recording " + rec.id + ": not in " + complete_file.string());
        continue;
      }
      rec.activity_name = info->at("activity_name").get<std::string>();
      rec.recipe = captaincook_recipe_id(rec.activity_name);
      auto g = cc.guidelines_.find(rec.recipe);
      if (g == cc.guidelines_.end()) {
        cc.problems_.push_back("recording " + rec.id + ": no task graph for recipe '" +
                               rec.recipe + "'");
        continue;
      }
      // The graph files carry no title; the recordings name the dish.
      g->second.title = rec.activity_name;
      auto index = indices.find(rec.recipe);
      if (index == indices.end()) index = indices.emplace(rec.recipe, GraphIndex(g->second)).first;
      RecordingBuilder(g->second, index->second, global_text, cc.stats_)
          .build(r.at("step_annotations"), rec);
    } catch (const json::exception& e) {
      cc.problems_.push_back("recording " + (rec.id.empty() ? "?" : rec.id) + ": " + e.what());
      continue;
    }
    const std::string id = rec.id;
    cc.recordings_.emplace(id, std::move(rec));
  }

  const json splits = read_json(splits_file);
  cc.train_ = string_list(splits, splits_file, "train");
  cc.val_ = string_list(splits, splits_file, "val");
  for (const auto* list : {&cc.train_, &cc.val_})
    for (const auto& id : *list)
      if (!cc.recordings_.count(id))
        cc.problems_.push_back("recording " + id + " (in " + splits_file.string() + ") was not loaded");

  if (!cc.problems_.empty())
    spdlog::warn("captaincook4d: {} problem(s), first: {}", cc.problems_.size(), cc.problems_.front());
  spdlog::debug("captaincook4d: {} recordings, {} recipes, {:.2f}% of steps joined",
                cc.recordings_.size(), cc.guidelines_.size(), 100.0 * cc.stats_.joined_share());
  return cc;
}

const Guideline& CaptainCook4D::guideline(const std::string& recipe) const {
  auto it = guidelines_.find(recipe);
  if (it == guidelines_.end()) throw Error("captaincook4d: no recipe '" + recipe + "'");
  return it->second;
}

std::vector<std::string> CaptainCook4D::recipes() const {
  std::vector<std::string> out;
  for (const auto& [id, g] : guidelines_) out.push_back(id);
  return out;
}

std::vector<Recording> CaptainCook4D::recordings(const std::string& split) const {
  std::vector<std::string> ids;
  if (split == "train") {
    ids = train_;
  } else if (split == "val") {
    ids = val_;
  } else if (split == "all") {
    ids = train_;
    ids.insert(ids.end(), val_.begin(), val_.end());
    const std::set<std::string> listed(ids.begin(), ids.end());
    for (const auto& [id, rec] : recordings_)
      if (!listed.count(id)) ids.push_back(id);
  } else {
    throw Error("captaincook4d: unknown split '" + split + "' (train, val or all)");
  }
  std::vector<Recording> out;
  for (const auto& id : ids)
    if (auto it = recordings_.find(id); it != recordings_.end()) out.push_back(it->second);
  return out;
}

const Recording& CaptainCook4D::recording(const std::string& id) const {
  auto it = recordings_.find(id);
  if (it == recordings_.end()) throw Error("captaincook4d: no recording '" + id + "'");
  return it->second;
}

}  // namespace p2a

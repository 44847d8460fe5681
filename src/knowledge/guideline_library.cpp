// A folder of guidelines, and picking the one a session's task or spoken request means.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "pro2assist/guideline.hpp"

namespace p2a {

namespace {

// Words that say nothing about which task is meant ("I'm going to ...", "the recipe",
// "make").
const std::set<std::string> kStopWords = {
    "a",     "an",    "the",   "i",     "im",    "me",    "my",     "we",    "our",   "you",
    "your",  "it",    "its",   "is",    "am",    "are",   "was",    "be",    "to",    "of",
    "for",   "in",    "on",    "at",    "with",  "and",   "or",     "but",   "this",  "that",
    "these", "those", "go",    "going", "gonna", "want",  "wanna",  "like",  "would", "could",
    "can",   "will",  "should", "let",  "lets",  "please", "now",   "then",  "just",  "need",
    "help",  "how",   "do",    "does",  "what",  "which", "some",   "up",    "start", "begin",
    "get",   "time",  "recipe", "task", "procedure", "step", "steps", "today", "first", "next",
    "ll",    "ve",    "re",    "don",   "okay",  "ok",    "so",     "try",   "trying",
    // Verbs that fit every task: "make tea" must not pull "make pancakes" towards tea.
    "make",  "making", "made", "cook",  "cooking", "prepare", "preparing", "doing", "put",
    "fix"};

// The words of a text, lower-cased, without punctuation.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      cur += static_cast<char>(std::tolower(u));
    } else if (c != '\'') {  // "i'm" -> "im", "let's" -> "lets"
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string joined(const std::vector<std::string>& ws) {
  std::string out;
  for (const auto& w : ws) out += (out.empty() ? "" : " ") + w;
  return out;
}

// A crude stemmer, applied alike to both sides: "brewing" ~ "brew", "pancakes" ~ "pancake",
// "making" ~ "make". It only has to make the same word meet itself.
std::string stem(std::string w) {
  if (w.size() > 5 && w.ends_with("ing")) w.resize(w.size() - 3);
  if (w.size() > 3 && w.ends_with('s') && !w.ends_with("ss")) w.pop_back();
  if (w.size() > 3 && w.ends_with('e')) w.pop_back();
  return w;
}

// Content words; runs of 2-4 words are also glued together so that "mug cake" meets the
// CaptainCook4D id "mugcake".
std::set<std::string> content_tokens(const std::string& text, bool with_glued) {
  std::vector<std::string> kept;
  for (const auto& w : words(text)) {
    if (w.size() > 1 && !kStopWords.count(w)) kept.push_back(w);
  }
  std::set<std::string> out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    out.insert(stem(kept[i]));
    if (!with_glued) continue;
    std::string glued = kept[i];
    for (std::size_t j = i + 1; j < kept.size() && j < i + 4; ++j) {
      glued += kept[j];
      out.insert(stem(glued));
    }
  }
  return out;
}

struct Query {
  std::set<std::string> tokens;  // single content words
  std::set<std::string> glued;   // tokens plus glued runs
};

double score(const Guideline& g, const Query& q) {
  std::vector<std::set<std::string>> names;
  names.push_back(content_tokens(g.id, false));
  names.push_back(content_tokens(g.title, false));
  for (const auto& a : g.aliases) names.push_back(content_tokens(a, false));
  std::set<std::string> name_tokens;
  for (const auto& n : names) name_tokens.insert(n.begin(), n.end());

  // A word of the task's name is strong evidence; a word inside a glued name ("pancake" in
  // "blenderbananapancake") nearly as strong.
  double name_hits = 0;
  std::set<std::string> matched;
  for (const auto& t : q.glued) {
    if (name_tokens.count(t)) {
      name_hits += 1;
      matched.insert(t);
    }
  }
  for (const auto& t : q.tokens) {
    if (matched.count(t) || t.size() < 4) continue;
    for (const auto& n : name_tokens) {
      if (n.size() > t.size() && n.find(t) != std::string::npos) {
        name_hits += 0.75;
        matched.insert(t);
        break;
      }
    }
  }
  // How much of one of its names the request says: "brew tea" beats "tea" for "brew tea".
  double coverage = 0;
  for (const auto& n : names) {
    if (n.empty()) continue;
    std::size_t hit = std::count_if(n.begin(), n.end(), [&](const auto& t) { return q.glued.count(t); });
    coverage = std::max(coverage, static_cast<double>(hit) / static_cast<double>(n.size()));
  }
  // Words from the steps only break ties: many recipes share "water" and "bowl".
  std::set<std::string> step_tokens;
  for (const Step& s : g.steps) {
    auto t = content_tokens(s.text, false);
    step_tokens.insert(t.begin(), t.end());
  }
  std::size_t step_hits = 0;
  for (const auto& t : q.tokens) {
    if (!matched.count(t) && step_tokens.count(t)) ++step_hits;
  }
  return name_hits + 0.5 * coverage + std::min(0.5, 0.2 * static_cast<double>(step_hits));
}

// Below this nothing in the request named the task: step words alone cannot reach it.
constexpr double kMinScore = 0.75;

}  // namespace

const Guideline* match_guideline(const std::vector<Guideline>& library, const std::string& task,
                                 const std::string& instruction) {
  const std::string task_words = joined(words(task));
  const std::string said_words = joined(words(instruction));
  auto same = [&](const std::string& name) {
    const std::string n = joined(words(name));
    return !n.empty() && (n == task_words || n == said_words);
  };
  // An exact id beats an exact title, which beats any scoring.
  for (const Guideline& g : library) {
    if (same(g.id)) return &g;
  }
  for (const Guideline& g : library) {
    if (same(g.title)) return &g;
    for (const auto& a : g.aliases) {
      if (same(a)) return &g;
    }
  }

  const std::string text = task + " " + instruction;
  const Query q{content_tokens(text, false), content_tokens(text, true)};
  const Guideline* best = nullptr;
  double best_score = 0;
  for (const Guideline& g : library) {
    const double s = score(g, q);
    spdlog::debug("guideline match '{}': {} scores {:.2f}", text, g.id, s);
    if (s > best_score) {
      best_score = s;
      best = &g;
    }
  }
  return best_score >= kMinScore ? best : nullptr;
}

std::vector<Guideline> load_guideline_library(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("guideline library " + dir.string() + ": not a folder");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string ext = entry.path().extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (entry.is_regular_file() && (ext == ".json" || ext == ".yaml" || ext == ".yml")) {
      files.push_back(entry.path());
    }
  }
  if (ec) throw Error("guideline library " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());  // the same library in the same order on every machine

  std::vector<Guideline> library;
  std::size_t skipped = 0;
  for (const auto& f : files) {
    try {
      Guideline g = load_guideline(f);
      auto twin = std::find_if(library.begin(), library.end(),
                               [&](const Guideline& o) { return o.id == g.id; });
      if (twin != library.end()) {
        spdlog::warn("skipping {}: guideline id '{}' is already used by {}", f.string(), g.id,
                     twin->source);
        ++skipped;
        continue;
      }
      library.push_back(std::move(g));
    } catch (const Error& e) {
      spdlog::warn("skipping {}", e.what());
      ++skipped;
    }
  }
  if (skipped > 0) {
    spdlog::warn("guideline library {}: loaded {}, skipped {}", dir.string(), library.size(), skipped);
  }
  return library;
}

}  // namespace p2a

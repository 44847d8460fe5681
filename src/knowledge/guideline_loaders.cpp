// Reading guidelines: the native form (YAML or JSON), CaptainCook4D task graphs and
// EgoPER/ANGEL recipe YAML, told apart by their content rather than their file name.
#include <yaml-cpp/yaml.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <system_error>

#include "pro2assist/guideline.hpp"

namespace p2a {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& src, const std::string& reason) {
  throw Error("guideline " + src + ": " + reason);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string capitalise(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "recipe_mug-cake" -> "Recipe mug cake": a title for files that carry none.
std::string readable(const std::string& name) {
  std::string out;
  for (char c : name) {
    const char d = (c == '_' || c == '-') ? ' ' : c;
    if (d == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += d;
  }
  return capitalise(trim(out));
}

std::string stem_of(const std::string& source_name) {
  return std::filesystem::path(source_name).stem().string();
}

// YAML scalars become JSON strings (no type guessing): each reader below converts the
// fields it expects, so "8" and 8 are the same id and "1.50" stays "1.50" as text.
struct DuplicateKey {
  std::string key;
};

[[noreturn]] void fail_duplicate_key(const std::string& src, const std::string& key) {
  fail(src, "key '" + key + "' is given twice (a duplicate id?)");
}

json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return n.Scalar();
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(yaml_to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) {
        // A key given twice would silently keep only its last value (a second `steps:` would
        // drop the first list): an error, as a duplicate id is (SPEC §2).
        if (o.contains(kv.first.Scalar())) throw DuplicateKey{kv.first.Scalar()};
        o[kv.first.Scalar()] = yaml_to_json(kv.second);
      }
      return o;
    }
    default:
      return nullptr;
  }
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the reader wants the rest.
std::string json_reason(const std::string& what) {
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

json parse_document(const std::string& text, const std::string& src) {
  const bool json_named = lower(std::filesystem::path(src).extension().string()) == ".json";
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool looks_json = first != std::string::npos && (text[first] == '{' || text[first] == '[');
  if (json_named || looks_json) {
    try {
      // nlohmann keeps the last of keys given twice; a duplicate is reported instead (a
      // CaptainCook4D graph's "steps" keys are its step ids).
      std::vector<std::set<std::string>> keys;
      std::optional<std::string> twice;
      const json::parser_callback_t check = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        if (event == json::parse_event_t::key && !keys.empty() && !twice &&
            !keys.back().insert(parsed.get<std::string>()).second)
          twice = parsed.get<std::string>();
        return true;
      };
      json doc = json::parse(text, check);
      if (twice) fail_duplicate_key(src, *twice);
      return doc;
    } catch (const json::parse_error& e) {
      if (json_named) fail(src, "invalid JSON: " + json_reason(e.what()));
      // Flow-style YAML also opens with '{': let the YAML parser judge it.
    }
  }
  try {
    return yaml_to_json(YAML::Load(text));
  } catch (const DuplicateKey& d) {
    fail_duplicate_key(src, d.key);
  } catch (const YAML::Exception& e) {
    std::string at;
    if (!e.mark.is_null()) {
      at = " at line " + std::to_string(e.mark.line + 1) + ", column " +
           std::to_string(e.mark.column + 1);
    }
    fail(src, "invalid YAML" + at + ": " + e.msg);
  }
}

// A scalar as text; numbers and booleans are accepted because YAML authors write ids as 8.
std::optional<std::string> scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
  if (v.is_number_float() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

std::string text_field(const json& obj, const char* key, const std::string& src,
                       const std::string& owner) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  auto s = scalar_text(*it);
  if (!s) fail(src, owner + std::string(key) + " must be text");
  return *s;
}

// `what` names the value for the message, e.g. "step #3 id".
StepId id_value(const json& v, const std::string& src, const std::string& what) {
  auto s = scalar_text(v);
  if (!s || trim(*s).empty()) fail(src, what + " is empty or not a scalar: " + v.dump());
  return trim(*s);
}

// null -> none, a scalar -> one, a list -> each: authors write all three.
std::vector<std::string> id_list(const json& v, const std::string& src, const std::string& owner,
                                 const char* key) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  const std::string what = owner + std::string(key) + " entry";
  if (!v.is_array()) {
    out.push_back(id_value(v, src, what));
    return out;
  }
  for (const json& item : v) out.push_back(id_value(item, src, what));
  return out;
}

bool flag_field(const json& obj, const char* key, const std::string& src,
                const std::string& owner) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    const std::string s = lower(trim(it->get<std::string>()));
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  fail(src, owner + std::string(key) + " must be true or false, not " + it->dump());
}

double number_value(const json& v, const std::string& src, const std::string& what) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = trim(v.get<std::string>());
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  fail(src, what + " must be a number, not " + v.dump());
}

std::optional<DurationRange> duration_field(const json& obj, const std::string& src,
                                            const std::string& owner) {
  auto it = obj.find("duration_s");
  if (it == obj.end() || it->is_null()) return std::nullopt;
  const std::string what = owner + "duration_s";
  if (it->is_array()) {
    if (it->size() != 2) fail(src, what + " must be [min, max], not " + it->dump());
    return DurationRange{number_value((*it)[0], src, what), number_value((*it)[1], src, what)};
  }
  const double d = number_value(*it, src, what);  // one typical value
  return DurationRange{d, d};
}

// ---- native form -------------------------------------------------------------------------

const std::set<std::string> kNativeStepKeys = {"id",       "text",     "requires", "details",
                                               "duration_s", "critical", "optional", "source_text"};

Guideline parse_native(const json& doc, const std::string& src) {
  Guideline g;
  g.source = src;
  auto id_it = doc.find("id");
  g.id = (id_it == doc.end() || id_it->is_null()) ? stem_of(src)
                                                  : id_value(*id_it, src, "guideline id");
  g.title = text_field(doc, "title", src, "");
  if (g.title.empty()) g.title = readable(g.id);
  if (auto it = doc.find("aliases"); it != doc.end() && !it->is_null()) {
    const json list = it->is_array() ? *it : json::array({*it});
    for (const json& a : list) {
      auto s = scalar_text(a);
      if (!s) fail(src, "aliases must be a list of text");
      g.aliases.push_back(trim(*s));
    }
  }
  const json steps = doc.value("steps", json::array());
  std::size_t n = 0;
  for (const json& item : steps) {
    ++n;
    const std::string pos = "step #" + std::to_string(n) + " ";
    if (!item.is_object()) fail(src, pos + "is not a mapping with id and text");
    auto sid = item.find("id");
    if (sid == item.end() || sid->is_null()) fail(src, pos + "has no id");
    Step s;
    s.id = id_value(*sid, src, pos + "id");
    const std::string owner = "step '" + s.id + "' ";
    s.text = trim(text_field(item, "text", src, owner));
    if (s.text.empty()) fail(src, owner + "has no text");
    if (auto r = item.find("requires"); r != item.end()) s.requires_ = id_list(*r, src, owner, "requires");
    s.details = trim(text_field(item, "details", src, owner));
    s.duration_s = duration_field(item, src, owner);
    s.critical = flag_field(item, "critical", src, owner);
    s.optional = flag_field(item, "optional", src, owner);
    s.source_text = text_field(item, "source_text", src, owner);
    for (const auto& kv : item.items()) {
      // A misspelt "requires" would silently drop a dependency: say so.
      if (!kNativeStepKeys.count(kv.key())) {
        spdlog::warn("guideline {}: {}has unknown key '{}' (ignored)", src, owner, kv.key());
      }
    }
    g.steps.push_back(std::move(s));
  }
  g.finalize();
  return g;
}

// ---- CaptainCook4D task graph ------------------------------------------------------------

bool is_numeric(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool numeric_less(const std::string& a, const std::string& b) {
  if (is_numeric(a) && is_numeric(b) && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

// Does `needle` occur in `hay` starting at a word boundary? ("add" in "Extract and add ...")
bool has_word_start(const std::string& hay, const std::string& needle) {
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    if (pos == 0 || !std::isalpha(static_cast<unsigned char>(hay[pos - 1]))) return true;
  }
  return false;
}

}  // namespace

// CaptainCook4D descriptions are "Verb-Instruction" ("Pour-Pour a small amount of water").
// The label is dropped; when the instruction does not say the verb itself (as in
// "Add-1 egg to a blender" or "Measure and add-a pinch of salt"), the label is kept as
// its first words so the sentence still says what to do.
std::string clean_captaincook_text(const std::string& description) {
  const std::string whole = capitalise(trim(description));
  const auto dash = description.find('-');
  if (dash == std::string::npos) return whole;
  const std::string label = trim(description.substr(0, dash));
  std::string rest = trim(description.substr(dash + 1));
  if (label.empty() || rest.empty()) return whole;
  const bool label_is_words = std::all_of(label.begin(), label.end(), [](unsigned char c) {
    return std::isalpha(c) || c == ' ';
  });
  if (!label_is_words || std::count(label.begin(), label.end(), ' ') > 3) return whole;
  if (!has_word_start(lower(rest), lower(label))) rest = label + " " + rest;
  return capitalise(rest);
}

namespace {

bool is_terminal(const std::string& text) {
  const std::string t = trim(text);
  return t == "START" || t == "END";
}

Guideline parse_captaincook(const json& doc, const std::string& src) {
  std::vector<std::pair<std::string, std::string>> nodes;  // key, description
  std::set<std::string> terminals;
  for (const auto& kv : doc.at("steps").items()) {
    auto text = scalar_text(kv.value());
    if (!text) fail(src, "step '" + kv.key() + "' text must be a string");
    if (is_terminal(*text)) {
      terminals.insert(kv.key());
    } else {
      nodes.emplace_back(kv.key(), *text);
    }
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return numeric_less(a.first, b.first); });

  Guideline g;
  g.source = src;
  g.id = stem_of(src);
  g.title = readable(g.id);
  std::unordered_map<std::string, std::size_t> at;
  for (const auto& [key, description] : nodes) {
    Step s;
    s.id = key;
    s.source_text = description;
    s.text = clean_captaincook_text(description);
    at[key] = g.steps.size();
    g.steps.push_back(std::move(s));
  }

  const json& edges = doc.at("edges");
  if (!edges.is_array()) fail(src, "edges must be a list of [before, after] pairs");
  for (const json& e : edges) {
    auto pair_text = [&] { return e.dump(); };
    if (!e.is_array() || e.size() != 2) fail(src, "edge " + pair_text() + " is not a [before, after] pair");
    const std::string pred = id_value(e[0], src, "edge " + pair_text() + " start");
    const std::string succ = id_value(e[1], src, "edge " + pair_text() + " end");
    for (const std::string& end : {pred, succ}) {
      if (!at.count(end) && !terminals.count(end)) {
        fail(src, "edge " + pair_text() + " names unknown step '" + end + "'");
      }
    }
    if (terminals.count(pred) || terminals.count(succ)) continue;  // START/END carry no order
    auto& req = g.steps[at[succ]].requires_;
    if (std::find(req.begin(), req.end(), pred) == req.end()) req.push_back(pred);
  }
  for (Step& s : g.steps) std::sort(s.requires_.begin(), s.requires_.end(), numeric_less);

  // The graphs number steps in no useful order; list them in an order one could cook in
  // (ties by number), so "file order" means something to readers and prompts.
  g.finalize();
  std::vector<Step> ordered;
  for (std::size_t i : g.topo_order()) ordered.push_back(g.steps[i]);
  g.steps = std::move(ordered);
  g.finalize();
  return g;
}

// ---- EgoPER / ANGEL recipe YAML ----------------------------------------------------------

// "measure-12oz-water" -> "Measure 12oz water", for labels without a full sentence.
std::string label_sentence(const std::string& label) { return readable(label); }

Guideline parse_egoper(const json& doc, const std::string& src) {
  Guideline g;
  g.source = src;
  g.id = stem_of(src);
  g.title = trim(text_field(doc, "title", src, ""));
  if (g.title.empty()) g.title = readable(g.id);
  const json& labels = doc.at("labels");
  if (!labels.is_array()) fail(src, "labels must be a list");
  bool any_depends = false;
  std::size_t n = 0;
  for (const json& item : labels) {
    ++n;
    const std::string pos = "label #" + std::to_string(n) + " ";
    if (!item.is_object()) fail(src, pos + "is not a mapping");
    auto lid = item.find("id");
    if (lid == item.end() || lid->is_null()) fail(src, pos + "has no id");
    Step s;
    s.id = id_value(*lid, src, pos + "id");
    if (s.id == "0") continue;  // background, not a step
    const std::string owner = "step '" + s.id + "' ";
    const std::string label = trim(text_field(item, "label", src, owner));
    s.text = trim(text_field(item, "full_str", src, owner));
    if (s.text.empty()) s.text = label_sentence(label);
    if (s.text.empty()) fail(src, owner + "has neither full_str nor label");
    s.source_text = label;
    if (auto d = item.find("depends"); d != item.end()) {
      any_depends = true;
      s.requires_ = id_list(*d, src, owner, "depends");
    }
    g.steps.push_back(std::move(s));
  }
  // Files that never mention `depends` (the medical procedures, mug cake) are numbered
  // checklists meant to be done in order; treating them as "no prerequisites at all"
  // would let any order pass, so each step requires the one before it. A file that uses
  // `depends` anywhere is taken literally: a step without it has no prerequisites.
  if (!any_depends) {
    for (std::size_t i = 1; i < g.steps.size(); ++i) g.steps[i].requires_ = {g.steps[i - 1].id};
  }
  g.finalize();
  return g;
}

}  // namespace

Guideline parse_guideline_text(const std::string& text, const std::string& source_name) {
  const json doc = parse_document(text, source_name);
  if (doc.is_object()) {
    auto steps = doc.find("steps");
    const bool has_steps = steps != doc.end();
    if (has_steps && steps->is_object() && doc.contains("edges")) {
      return parse_captaincook(doc, source_name);
    }
    if (doc.contains("labels")) return parse_egoper(doc, source_name);
    if (has_steps && (steps->is_array() || steps->is_null())) return parse_native(doc, source_name);
  }
  fail(source_name,
       "not a recognised guideline (expected a mapping with a 'steps' list, a CaptainCook4D "
       "task graph with 'steps' and 'edges', or an EgoPER/ANGEL recipe with 'labels')");
}

Guideline load_guideline(const std::filesystem::path& file) {
  const std::string src = file.string();
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) fail(src, "no such file");
  if (std::filesystem::is_directory(status)) fail(src, "is a folder, not a guideline file");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(src, "cannot open file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(src, "read error");
  return parse_guideline_text(text.str(), src);
}

}  // namespace p2a

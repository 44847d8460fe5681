// Writing a guideline in the native form, so any loaded format can be saved, edited by
// hand and loaded back unchanged.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "pro2assist/guideline.hpp"

namespace p2a {

namespace {

// Fields are written only when they say something, in the order a person reads them;
// ordered_json keeps that order where nlohmann::json would sort the keys.
template <class Json>
Json to_native(const Guideline& g) {
  Json doc = Json::object();
  doc["id"] = g.id;
  doc["title"] = g.title;
  if (!g.aliases.empty()) doc["aliases"] = g.aliases;
  Json steps = Json::array();
  for (const Step& s : g.steps) {
    Json j = Json::object();
    j["id"] = s.id;
    j["text"] = s.text;
    j["requires"] = s.requires_;
    if (!s.details.empty()) j["details"] = s.details;
    if (s.duration_s) j["duration_s"] = {s.duration_s->min_s, s.duration_s->max_s};
    if (s.critical) j["critical"] = true;
    if (s.optional) j["optional"] = true;
    if (!s.source_text.empty()) j["source_text"] = s.source_text;
    steps.push_back(std::move(j));
  }
  doc["steps"] = std::move(steps);
  return doc;
}

// The shortest decimal that reads back as the same double ("180", not "180.00000000000000").
std::string number_text(double v) {
  char buf[40];
  for (int precision : {6, 15, 17}) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Text that a YAML reader would take for a number, a boolean or null ("1.50", "yes", "8")
// is quoted, so other tools read it back as the text it is.
bool reads_as_non_text(const std::string& s) {
  static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"};
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* w : kWords) {
    if (l == w) return true;
  }
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return s.empty() || end == s.c_str() + s.size();
}

struct Text {
  const std::string& s;
};
YAML::Emitter& operator<<(YAML::Emitter& out, const Text& t) {
  if (reads_as_non_text(t.s)) out << YAML::DoubleQuoted;
  return out << t.s;
}

std::string to_yaml(const Guideline& g) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "id" << YAML::Value << Text{g.id};
  out << YAML::Key << "title" << YAML::Value << Text{g.title};
  if (!g.aliases.empty()) {
    out << YAML::Key << "aliases" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& a : g.aliases) out << Text{a};
    out << YAML::EndSeq;
  }
  out << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
  for (const Step& s : g.steps) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << Text{s.id};
    out << YAML::Key << "text" << YAML::Value << Text{s.text};
    out << YAML::Key << "requires" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& r : s.requires_) out << Text{r};
    out << YAML::EndSeq;
    if (!s.details.empty()) out << YAML::Key << "details" << YAML::Value << Text{s.details};
    if (s.duration_s) {
      out << YAML::Key << "duration_s" << YAML::Value << YAML::Flow << YAML::BeginSeq
          << number_text(s.duration_s->min_s) << number_text(s.duration_s->max_s) << YAML::EndSeq;
    }
    if (s.critical) out << YAML::Key << "critical" << YAML::Value << true;
    if (s.optional) out << YAML::Key << "optional" << YAML::Value << true;
    if (!s.source_text.empty()) out << YAML::Key << "source_text" << YAML::Value << Text{s.source_text};
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  if (!out.good()) throw Error("guideline " + g.id + ": cannot write YAML: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

}  // namespace

nlohmann::json guideline_to_json(const Guideline& g) { return to_native<nlohmann::json>(g); }

void save_guideline(const Guideline& g, const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string text = (ext == ".yaml" || ext == ".yml")
                               ? to_yaml(g)
                               : to_native<nlohmann::ordered_json>(g).dump(2) + "\n";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("guideline " + file.string() + ": cannot open file for writing");
  out << text;
  out.close();
  if (!out) throw Error("guideline " + file.string() + ": write failed");
}

}  // namespace p2a

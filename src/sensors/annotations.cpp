// annotations.json (SPEC §1): ground truth for evaluation. Unlike sensor rows, a bad entry is
// an error: a metric computed on silently trimmed ground truth would mislead.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "pro2assist/session.hpp"
#include "pro2assist/types.hpp"
#include "sensors/csv.hpp"

namespace p2a {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Datasets number their steps; the engine's ids are strings ("3", not "3.0").
std::optional<StepId> step_id(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && std::abs(d) < 9.0e15) return std::to_string(static_cast<long long>(d));
    return v.dump();
  }
  return std::nullopt;
}

std::string seconds(double t_s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", t_s);
  return buf;
}

class EntryReader {
 public:
  EntryReader(const std::string& file, std::string where, const json& j)
      : prefix_(file + ": " + std::move(where) + ": "), j_(j) {
    if (!j_.is_object()) fail("expected an object");
  }

  StepId step() const {
    const auto it = j_.find("step");
    if (it == j_.end()) fail("missing 'step'");
    auto id = step_id(*it);
    if (!id) fail("'step' must be a string or a number");
    return *id;
  }

  double number(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end() || !it->is_number()) fail(std::string("missing number '") + key + "'");
    return it->get<double>();
  }

  std::string text(const char* key) const {
    const auto it = j_.find(key);
    if (it == j_.end() || !it->is_string()) fail(std::string("missing string '") + key + "'");
    return it->get<std::string>();
  }

  [[noreturn]] void fail(const std::string& what) const { throw Error(prefix_ + what); }

 private:
  std::string prefix_;
  const json& j_;
};

}  // namespace

Annotations read_annotations(const fs::path& file) {
  const std::string name = "annotations " + file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(name + ": cannot open");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(name + ": " + short_json_message(e));
  }
  if (!j.is_object()) throw Error(name + ": expected a JSON object");
  const auto steps = j.find("steps");
  if (steps == j.end() || !steps->is_array()) throw Error(name + ": missing 'steps' array");

  Annotations a;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const EntryReader e(name, "steps[" + std::to_string(i) + "]", (*steps)[i]);
    GtSegment seg{e.step(), e.number("start_s"), e.number("end_s")};
    if (seg.end_s < seg.start_s) {
      throw Error(name + ": step '" + seg.step + "' ends (" + seconds(seg.end_s) +
                  ") before it starts (" + seconds(seg.start_s) + ")");
    }
    a.steps.push_back(std::move(seg));
  }
  if (const auto errors = j.find("errors"); errors != j.end() && !errors->is_null()) {
    if (!errors->is_array()) throw Error(name + ": 'errors' must be an array");
    for (std::size_t i = 0; i < errors->size(); ++i) {
      const EntryReader e(name, "errors[" + std::to_string(i) + "]", (*errors)[i]);
      a.errors.push_back(GtError{e.step(), e.text("type"), e.number("t_s")});
    }
  }
  std::stable_sort(a.steps.begin(), a.steps.end(),
                   [](const GtSegment& x, const GtSegment& y) { return x.start_s < y.start_s; });
  std::stable_sort(a.errors.begin(), a.errors.end(),
                   [](const GtError& x, const GtError& y) { return x.t_s < y.t_s; });
  return a;
}

void write_annotations(const Annotations& a, const fs::path& file) {
  // Keys in the SPEC's order, so the file reads the way it is documented.
  using ordered = nlohmann::ordered_json;
  ordered steps = ordered::array();
  for (const auto& s : a.steps) {
    steps.push_back({{"step", s.step}, {"start_s", s.start_s}, {"end_s", s.end_s}});
  }
  ordered errors = ordered::array();
  for (const auto& e : a.errors) {
    errors.push_back({{"step", e.step}, {"type", e.type}, {"t_s", e.t_s}});
  }
  const ordered j = {{"steps", steps}, {"errors", errors}};

  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << j.dump(2) << '\n';
  if (!out) throw Error("annotations " + file.string() + ": cannot write");
}

}  // namespace p2a

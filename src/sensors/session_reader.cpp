// read_session (SPEC §1): session.json is required; every other file is optional, read when
// present, and its bad rows are skipped and reported rather than fatal.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "pro2assist/session.hpp"
#include "pro2assist/types.hpp"
#include "sensors/aria_mps.hpp"
#include "sensors/csv.hpp"

namespace p2a {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 3> kRegions = {"left", "right", "frame"};

std::optional<std::string> optional_string(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw Error(std::string("session.json: '") + key + "' must be a string");
  return it->get<std::string>();
}

SessionMeta read_meta(const fs::path& file) {
  if (!fs::exists(file)) throw Error("missing session.json");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open session.json");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error("session.json: " + short_json_message(e));
  }
  if (!j.is_object()) throw Error("session.json: expected a JSON object");

  const auto required_string = [&](const char* key) {
    auto v = optional_string(j, key);
    if (!v) throw Error(std::string("session.json: missing '") + key + "' (a string)");
    return std::move(*v);
  };
  SessionMeta meta;
  meta.session_id = required_string("session_id");
  meta.task = required_string("task");
  meta.instruction = optional_string(j, "instruction").value_or("");
  if (const auto it = j.find("duration_s"); it != j.end() && !it->is_null()) {
    if (!it->is_number()) throw Error("session.json: 'duration_s' must be a number");
    const double d = it->get<double>();
    // Nothing lasts 0 s: a replay of it would say nothing. Without a length, leave it out.
    if (!(d > 0)) throw Error("session.json: 'duration_s' must be positive, not " + it->dump());
    meta.duration_s = d;
  }
  return meta;
}

// Reads every record of `in` through `parse(in, row, reason)`, then sorts by time.
template <class Row, class Parse>
std::vector<Row> read_rows(CsvReader& in, ReadReport& report, Parse parse) {
  std::vector<Row> rows;
  std::string reason;
  while (in.next()) {
    if (!in.width_ok()) {
      skip_row(report, in.line(), in.width_reason());
      continue;
    }
    Row row;
    reason.clear();
    if (!parse(in, row, reason)) {
      skip_row(report, in.line(), reason);
      continue;
    }
    rows.push_back(std::move(row));
  }
  report.rows_read = rows.size();
  report.reordered = sort_by_time(rows);
  log_report(report);
  return rows;
}

std::vector<ImuSample> read_imu(const fs::path& file, ReadReport& report) {
  CsvReader in(file, report.file);
  const std::size_t t = in.require("t_s");
  const std::array<std::size_t, 3> g = {in.require("gx"), in.require("gy"), in.require("gz")};
  const std::array<std::optional<std::size_t>, 3> a = {in.find("ax"), in.find("ay"), in.find("az")};
  const auto accel_columns = std::count_if(a.begin(), a.end(), [](auto& c) { return c.has_value(); });
  if (accel_columns != 0 && accel_columns != 3) {
    // Accelerometer columns come as a set; name the one that is absent.
    for (const char* name : {"ax", "ay", "az"}) in.require(name);
  }

  return read_rows<ImuSample>(in, report, [&](const CsvReader& row, ImuSample& s,
                                               std::string& reason) {
    const auto ts = row.number(t, reason);
    if (!ts) return false;
    s.t_s = *ts;
    for (int k = 0; k < 3; ++k) {
      const auto v = row.number(g[k], reason);
      if (!v) return false;
      s.gyro_rad_s[k] = *v;
    }
    // A row with all accelerometer cells empty is a gyro-only sample, not a bad row.
    if (accel_columns == 3 && !(row.empty(*a[0]) && row.empty(*a[1]) && row.empty(*a[2]))) {
      std::array<double, 3> acc{};
      for (int k = 0; k < 3; ++k) {
        const auto v = row.number(*a[k], reason);
        if (!v) return false;
        acc[k] = *v;
      }
      s.accel_m_s2 = acc;
    }
    return true;
  });
}

std::vector<HandMotion> read_hand_motion(const fs::path& file, ReadReport& report) {
  CsvReader in(file, report.file);
  const std::size_t t = in.require("t_s");
  const std::size_t region = in.require("region");
  const std::size_t dx = in.require("dx");
  const std::size_t dy = in.require("dy");
  return read_rows<HandMotion>(in, report, [&](const CsvReader& row, HandMotion& m,
                                                std::string& reason) {
    const auto ts = row.number(t, reason);
    if (!ts) return false;
    const auto r = parse_region(row.field(region));
    if (!r) {
      reason = "unknown region '" + std::string(row.field(region)) + "'";
      return false;
    }
    const auto x = row.number(dx, reason);
    if (!x) return false;
    const auto y = row.number(dy, reason);
    if (!y) return false;
    m = HandMotion{*ts, *r, *x, *y};
    return true;
  });
}

std::vector<FrameRef> read_frames(const fs::path& file, const fs::path& dir, ReadReport& report) {
  CsvReader in(file, report.file);
  const std::size_t t = in.require("t_s");
  const std::size_t f = in.require("file");
  return read_rows<FrameRef>(in, report, [&](const CsvReader& row, FrameRef& ref,
                                              std::string& reason) {
    const auto ts = row.number(t, reason);
    if (!ts) return false;
    if (row.empty(f)) {
      reason = "missing value in 'file'";
      return false;
    }
    ref.t_s = *ts;
    // Frames are not opened here: decoding is perception's job and reports its own failures.
    // A name is relative to the session folder (SPEC §1: "frames/f1.jpg"); a bare one that is
    // only found under frames/ is taken from there.
    const fs::path name = std::string(row.field(f));
    ref.file = (dir / name).lexically_normal();
    if (name.is_relative() && !fs::exists(ref.file) && fs::exists(dir / "frames" / name))
      ref.file = (dir / "frames" / name).lexically_normal();
    return true;
  });
}

std::vector<Utterance> read_utterances(const fs::path& file, ReadReport& report) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(report.file + ": cannot open");
  std::vector<Utterance> rows;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      skip_row(report, line_no, "bad JSON: " + short_json_message(e));
      continue;
    }
    if (!j.is_object()) {
      skip_row(report, line_no, "expected a JSON object");
      continue;
    }
    const auto t = j.find("t_s");
    if (t == j.end() || !t->is_number()) {
      skip_row(report, line_no, "missing number 't_s'");
      continue;
    }
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string()) {
      skip_row(report, line_no, "missing string 'text'");
      continue;
    }
    rows.push_back(Utterance{t->get<double>(), text->get<std::string>()});
  }
  report.rows_read = rows.size();
  report.reordered = sort_by_time(rows);
  log_report(report);
  return rows;
}

// video.mp4 first, then any other video.* in name order. Never decoded here.
std::optional<fs::path> find_video(const fs::path& dir) {
  if (fs::is_regular_file(dir / "video.mp4")) return dir / "video.mp4";
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().stem() == "video") found.push_back(entry.path());
  }
  if (found.empty()) return std::nullopt;
  return *std::min_element(found.begin(), found.end());
}

// The Aria trajectory stands in for imu.csv (SPEC §1); MPS puts it under slam/ or trajectory/.
std::optional<fs::path> find_aria_trajectory(const fs::path& dir) {
  for (const char* sub : {"mps/slam/closed_loop_trajectory.csv",
                          "mps/trajectory/closed_loop_trajectory.csv"}) {
    if (fs::is_regular_file(dir / sub)) return fs::path(sub);
  }
  return std::nullopt;
}

fs::path absolute_dir(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// Times are seconds since the session's start (SPEC §1). Rows that begin a day or more in are
// absolute timestamps (epoch seconds, say): replayed as they are, the session would run for
// years. A duration_s far past the last sensor row is likely in the wrong unit.
void check_clock(const Session& s) {
  constexpr double kDay_s = 86400.0;
  struct Span {
    const char* file;
    double first = std::numeric_limits<double>::infinity(), last = 0;
  };
  const auto span = [](const char* file, const auto& rows) {
    Span sp{file};
    for (const auto& r : rows) {
      sp.first = std::min(sp.first, r.t_s);
      sp.last = std::max(sp.last, r.t_s);
    }
    return sp;
  };
  const Span sensors[] = {span("imu.csv", s.imu), span("hand_motion.csv", s.hand_motion),
                          span("frames.csv", s.frames), span("utterances.jsonl", s.utterances)};
  double last = 0;  // of the sensor rows (utterances say nothing of how long the task went on)
  for (const Span& sp : sensors) {
    if (std::isfinite(sp.first) && sp.first >= kDay_s)
      throw Error(fmt::format(
          "{}: the first row is at t_s = {:.0f}, more than a day in: times are seconds since the "
          "session's start (SPEC §1), and these look like absolute timestamps",
          sp.file, sp.first));
    if (sp.file != std::string_view("utterances.jsonl")) last = std::max(last, sp.last);
  }
  if (s.meta.duration_s && last > 0 && *s.meta.duration_s > last + 3600.0)
    spdlog::warn("session.json: duration_s {:.0f} s runs more than an hour past the last sensor "
                 "row ({:.1f} s); it is read as seconds",
                 *s.meta.duration_s, last);
}

Session read_session_files(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw Error("not a folder");
  Session s;
  s.dir = absolute_dir(dir);
  s.meta = read_meta(s.dir / "session.json");

  const auto report_for = [&](std::string file) -> ReadReport& {
    s.reports.push_back(ReadReport{});
    s.reports.back().file = std::move(file);
    return s.reports.back();
  };

  if (fs::exists(s.dir / "imu.csv")) {
    s.imu = read_imu(s.dir / "imu.csv", report_for("imu.csv"));
  } else if (const auto trajectory = find_aria_trajectory(s.dir)) {
    s.imu = read_aria_trajectory(s.dir / *trajectory, report_for(trajectory->generic_string()));
  } else if (fs::is_directory(s.dir / "mps")) {
    spdlog::info("session {}: mps/ has no closed_loop_trajectory.csv; no IMU", s.dir.string());
  }
  if (fs::exists(s.dir / "hand_motion.csv")) {
    s.hand_motion = read_hand_motion(s.dir / "hand_motion.csv", report_for("hand_motion.csv"));
  }
  if (fs::exists(s.dir / "utterances.jsonl")) {
    s.utterances = read_utterances(s.dir / "utterances.jsonl", report_for("utterances.jsonl"));
  }
  if (fs::exists(s.dir / "frames.csv")) {
    s.frames = read_frames(s.dir / "frames.csv", s.dir, report_for("frames.csv"));
  }
  s.video = find_video(s.dir);
  check_clock(s);
  if (s.video && s.frames.empty())
    spdlog::warn("session {}: {} is not decoded by this build (it reads frames.csv + frames/ and "
                 "hand_motion.csv): the model gets no frames{}",
                 s.dir.string(), s.video->filename().string(),
                 s.hand_motion.empty() ? ", and with no hand_motion.csv every pair is a key moment"
                                       : "");
  if (fs::is_directory(s.dir / "mps/hand_tracking") && s.hand_motion.empty())
    spdlog::warn("session {}: mps/hand_tracking is not read by this build; hand cues come from "
                 "hand_motion.csv only",
                 s.dir.string());
  if (fs::is_directory(s.dir / "mps/eye_gaze"))
    spdlog::info("session {}: mps/eye_gaze is not read by this build", s.dir.string());
  return s;
}

}  // namespace

std::string_view to_string(Region r) { return kRegions.at(static_cast<std::size_t>(r)); }

std::optional<Region> parse_region(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::size_t i = 0; i < kRegions.size(); ++i) {
    if (lower == kRegions[i]) return static_cast<Region>(i);
  }
  return std::nullopt;
}

double Session::end_s() const {
  if (meta.duration_s) return *meta.duration_s;
  // max over every row, not back(): a Session built in code need not be sorted.
  double end = 0;
  for (const auto& x : imu) end = std::max(end, x.t_s);
  for (const auto& x : hand_motion) end = std::max(end, x.t_s);
  for (const auto& x : utterances) end = std::max(end, x.t_s);
  for (const auto& x : frames) end = std::max(end, x.t_s);
  return end;
}

bool has_own_clock(const Session& s) {
  // Utterances are not one: a spoken request at the start says nothing of how long the task
  // went on.
  return s.meta.duration_s || !s.imu.empty() || !s.hand_motion.empty() || !s.frames.empty();
}

std::optional<double> length_from_annotations(Session& s, const Annotations& truth) {
  constexpr double kTail_s = 5.0;
  if (has_own_clock(s)) return std::nullopt;
  double last = 0;
  for (const auto& seg : truth.steps) last = std::max(last, seg.end_s);
  if (!(last > 0)) return std::nullopt;
  s.meta.duration_s = std::max(s.end_s(), last + kTail_s);
  return s.meta.duration_s;
}

Session read_session(const fs::path& dir) {
  try {
    return read_session_files(dir);
  } catch (const Error& e) {
    throw Error("session " + dir.string() + ": " + e.what());
  } catch (const fs::filesystem_error& e) {
    throw Error("session " + dir.string() + ": " + e.code().message() + " (" +
                e.path1().string() + ")");
  }
}

}  // namespace p2a

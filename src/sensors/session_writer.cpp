// write_session (SPEC §1): the inverse of read_session, used by the simulator and converters.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "pro2assist/session.hpp"
#include "pro2assist/types.hpp"

namespace p2a {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Microsecond times (Aria's resolution); five decimals keep values well below sensor noise.
constexpr const char* kTime = "%.6f";
constexpr const char* kValue = ",%.5f";

void append(std::string& out, const char* format, double v) {
  if (v == 0) v = 0;  // print -0.0 as 0
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, v);
  out.append(buf, static_cast<std::size_t>(n));
}

std::string csv_field(const std::string& text) {
  // The reader trims unquoted fields, so edge spaces need quotes too.
  if (text.find_first_of(",\"\r\n") == std::string::npos &&
      (text.empty() || (text.front() != ' ' && text.back() != ' '))) {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

void write_file(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  out.flush();
  if (!out) throw Error("session " + file.parent_path().string() + ": cannot write " +
                        file.filename().string());
}

// A file left over from an earlier write would be read back as this session's data.
void write_or_remove(const fs::path& file, bool has_rows, const std::string& content) {
  if (has_rows) {
    write_file(file, content);
  } else {
    fs::remove(file);
  }
}

std::string imu_csv(const std::vector<ImuSample>& imu) {
  const bool accel = !imu.empty() && std::all_of(imu.begin(), imu.end(), [](const ImuSample& s) {
    return s.accel_m_s2.has_value();
  });
  std::string out = accel ? "t_s,gx,gy,gz,ax,ay,az\n" : "t_s,gx,gy,gz\n";
  for (const ImuSample& s : imu) {
    append(out, kTime, s.t_s);
    for (double v : s.gyro_rad_s) append(out, kValue, v);
    if (accel) {
      for (double v : *s.accel_m_s2) append(out, kValue, v);
    }
    out += '\n';
  }
  return out;
}

std::string hand_motion_csv(const std::vector<HandMotion>& rows) {
  std::string out = "t_s,region,dx,dy\n";
  for (const HandMotion& m : rows) {
    append(out, kTime, m.t_s);
    out += ',';
    out += to_string(m.region);
    append(out, kValue, m.dx_px);
    append(out, kValue, m.dy_px);
    out += '\n';
  }
  return out;
}

std::string utterances_jsonl(const std::vector<Utterance>& rows) {
  std::string out;
  for (const Utterance& u : rows) {
    out += json{{"t_s", u.t_s}, {"text", u.text}}.dump();
    out += '\n';
  }
  return out;
}

// Frames inside the session folder are written relative to it, so the folder can be moved.
std::string frames_csv(const std::vector<FrameRef>& rows, const fs::path& dir) {
  std::string out = "t_s,file\n";
  for (const FrameRef& f : rows) {
    std::string file = f.file.generic_string();
    if (f.file.is_absolute()) {
      const fs::path rel = f.file.lexically_normal().lexically_relative(dir);
      if (!rel.empty() && *rel.begin() != "..") file = rel.generic_string();
    }
    append(out, kTime, f.t_s);
    out += ',';
    out += csv_field(file);
    out += '\n';
  }
  return out;
}

}  // namespace

// Sensor files are written when they have rows; a video is not copied (Session::video keeps
// pointing at it).
void write_session(const Session& s, const fs::path& dir) {
  fs::create_directories(dir);
  fs::path abs_dir = fs::absolute(dir).lexically_normal();
  if (abs_dir.filename().empty()) abs_dir = abs_dir.parent_path();  // "a/b/" -> "a/b"

  nlohmann::ordered_json meta = {{"session_id", s.meta.session_id},
               {"task", s.meta.task},
               {"instruction", s.meta.instruction}};
  if (s.meta.duration_s) meta["duration_s"] = *s.meta.duration_s;
  write_file(dir / "session.json", meta.dump(2) + "\n");

  write_or_remove(dir / "imu.csv", !s.imu.empty(), s.imu.empty() ? "" : imu_csv(s.imu));
  write_or_remove(dir / "hand_motion.csv", !s.hand_motion.empty(),
                  s.hand_motion.empty() ? "" : hand_motion_csv(s.hand_motion));
  write_or_remove(dir / "utterances.jsonl", !s.utterances.empty(),
                  utterances_jsonl(s.utterances));
  write_or_remove(dir / "frames.csv", !s.frames.empty(),
                  s.frames.empty() ? "" : frames_csv(s.frames, abs_dir));
}

}  // namespace p2a

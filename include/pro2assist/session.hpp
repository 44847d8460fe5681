// Session folder (SPEC §1): what the glasses recorded or stream.
#pragma once

#include <array>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pro2assist/types.hpp"

namespace p2a {

struct SessionMeta {
  std::string session_id;
  std::string task;          // guideline id or title
  std::string instruction;   // spoken request, may be empty
  std::optional<double> duration_s;
};

struct ImuSample {
  double t_s = 0;
  std::array<double, 3> gyro_rad_s{};
  std::optional<std::array<double, 3>> accel_m_s2;
  double gyro_norm_rad_s() const {
    return std::sqrt(gyro_rad_s[0] * gyro_rad_s[0] + gyro_rad_s[1] * gyro_rad_s[1] +
                     gyro_rad_s[2] * gyro_rad_s[2]);
  }
};

enum class Region { Left, Right, Frame };
std::string_view to_string(Region r);
std::optional<Region> parse_region(std::string_view text);

// Mean image-plane flow of a region between the two frames of a pair (640-px-wide image).
struct HandMotion {
  double t_s = 0;
  Region region = Region::Frame;
  double dx_px = 0;
  double dy_px = 0;
};

struct Utterance {
  double t_s = 0;
  std::string text;
};

struct FrameRef {
  double t_s = 0;
  std::filesystem::path file;  // absolute
};

// What a reader skipped in one file, so the caller can report it.
struct ReadReport {
  std::string file;
  std::size_t rows_read = 0;
  std::size_t rows_skipped = 0;
  bool reordered = false;                 // rows were out of time order and got sorted
  std::vector<std::string> first_reasons; // up to 5 "line 12: bad number in 'gx'"
};

struct Session {
  std::filesystem::path dir;
  SessionMeta meta;
  std::vector<ImuSample> imu;               // sorted by t_s
  std::vector<HandMotion> hand_motion;      // sorted by t_s
  std::vector<Utterance> utterances;        // sorted by t_s
  std::vector<FrameRef> frames;             // sorted by t_s
  std::optional<std::filesystem::path> video;
  std::vector<ReadReport> reports;          // one per file read
  double end_s() const;                     // duration_s, else the last timestamp seen
};

// Reads a session folder. A missing session.json, or a present file missing a required
// column, throws Error with a one-line reason. Bad rows are skipped and counted.
// Does NOT read annotations.json (ground truth is kept away from reasoning).
Session read_session(const std::filesystem::path& dir);

// Ground truth (evaluation only).
struct GtSegment {
  StepId step;
  double start_s = 0;
  double end_s = 0;
};
struct GtError {
  StepId step;
  std::string type;  // "missing", "order", or other
  double t_s = 0;
};
struct Annotations {
  std::vector<GtSegment> steps;  // sorted by start_s
  std::vector<GtError> errors;
};
Annotations read_annotations(const std::filesystem::path& file);

// A session with no clock of its own (no duration_s, no sensor rows: only session.json, maybe
// utterances, beside its ground truth) is replayed to the end of its last annotated step plus
// a short tail (or to its last utterance, if later). Only that length is taken from the
// annotations; the reasoner never sees them. Returns the length set, or nullopt when the
// session has a clock or the annotations have no steps.
std::optional<double> length_from_annotations(Session& s, const Annotations& truth);
// A stated duration_s or a sensor stream (IMU, hand motion, frames).
bool has_own_clock(const Session& s);

// Writers used by the simulator and dataset converters.
void write_session(const Session& s, const std::filesystem::path& dir);
void write_annotations(const Annotations& a, const std::filesystem::path& file);

}  // namespace p2a

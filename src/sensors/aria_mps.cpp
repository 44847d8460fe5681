#include "sensors/aria_mps.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "sensors/csv.hpp"

namespace p2a {
namespace {

void name_report(ReadReport& report, const std::filesystem::path& csv) {
  if (report.file.empty()) report.file = csv.filename().string();
}

// Column indices for one hand ("left" or "right").
struct HandColumns {
  std::size_t confidence;
  std::array<std::size_t, 3> palm;
  std::optional<std::array<std::size_t, 3>> wrist;
};

HandColumns hand_columns(const CsvReader& in, const std::string& side) {
  HandColumns c{};
  c.confidence = in.require(side + "_tracking_confidence");
  const char* axes[3] = {"tx_", "ty_", "tz_"};
  for (int k = 0; k < 3; ++k) c.palm[k] = in.require(axes[k] + side + "_palm_device");
  std::array<std::size_t, 3> wrist{};
  bool all = true;
  for (int k = 0; k < 3; ++k) {
    const auto i = in.find(axes[k] + side + "_wrist_device");
    all = all && i.has_value();
    if (i) wrist[k] = *i;
  }
  if (all) c.wrist = wrist;
  return c;
}

// false (with `reason`) when a tracked hand has a bad value.
bool read_hand(const CsvReader& in, const HandColumns& c, std::optional<AriaHand>& out,
               std::string& reason) {
  out.reset();
  const auto confidence = in.number(c.confidence, reason);
  if (!confidence) return false;
  // -1 marks an untracked hand; the v2 sample also writes 0 with placeholder positions.
  if (*confidence <= 0) return true;
  AriaHand hand;
  hand.confidence = *confidence;
  for (int k = 0; k < 3; ++k) {
    const auto v = in.number(c.palm[k], reason);
    if (!v) return false;
    hand.palm_device_m[k] = *v;
  }
  if (c.wrist) {
    std::array<double, 3> wrist{};
    for (int k = 0; k < 3; ++k) {
      const auto v = in.number((*c.wrist)[k], reason);
      if (!v) return false;
      wrist[k] = *v;
    }
    hand.wrist_device_m = wrist;
  }
  out = hand;
  return true;
}

struct Stamped {
  std::int64_t t_us;
  std::array<double, 3> gyro_rad_s;
};

}  // namespace

std::vector<ImuSample> read_aria_trajectory(const std::filesystem::path& csv, ReadReport& report,
                                            double min_interval_s,
                                            std::optional<std::int64_t> origin_us) {
  name_report(report, csv);
  CsvReader in(csv, report.file);
  const std::size_t t_col = in.require("tracking_timestamp_us");
  const std::array<std::size_t, 3> w_col = {in.require("angular_velocity_x_device"),
                                            in.require("angular_velocity_y_device"),
                                            in.require("angular_velocity_z_device")};

  std::vector<Stamped> rows;
  std::string reason;
  while (in.next()) {
    if (!in.width_ok()) {
      skip_row(report, in.line(), in.width_reason());
      continue;
    }
    Stamped s{};
    const auto t = in.integer(t_col, reason);
    bool ok = t.has_value();
    for (int k = 0; ok && k < 3; ++k) {
      const auto v = in.number(w_col[k], reason);
      ok = v.has_value();
      if (ok) s.gyro_rad_s[k] = *v;
    }
    if (!ok) {
      skip_row(report, in.line(), reason);
      continue;
    }
    s.t_us = *t;
    rows.push_back(s);
  }
  report.rows_read = rows.size();

  const auto earlier = [](const Stamped& a, const Stamped& b) { return a.t_us < b.t_us; };
  if (!std::is_sorted(rows.begin(), rows.end(), earlier)) {
    std::stable_sort(rows.begin(), rows.end(), earlier);
    report.reordered = true;
  }
  log_report(report);

  std::vector<ImuSample> out;
  if (rows.empty()) return out;
  const std::int64_t origin = origin_us.value_or(rows.front().t_us);
  // Integer microseconds so the decimation does not drift with float rounding.
  const auto min_gap_us = static_cast<std::int64_t>(std::llround(std::max(0.0, min_interval_s) * 1e6));
  std::optional<std::int64_t> last_kept;
  for (const Stamped& r : rows) {
    if (last_kept && r.t_us - *last_kept < min_gap_us) continue;
    last_kept = r.t_us;
    ImuSample s;
    s.t_s = static_cast<double>(r.t_us - origin) / 1e6;
    s.gyro_rad_s = r.gyro_rad_s;
    out.push_back(s);
  }
  return out;
}

std::vector<AriaWristPalm> read_aria_wrist_palm(const std::filesystem::path& csv,
                                                ReadReport& report,
                                                std::optional<std::int64_t> origin_us) {
  name_report(report, csv);
  CsvReader in(csv, report.file);
  const std::size_t t_col = in.require("tracking_timestamp_us");
  const HandColumns left = hand_columns(in, "left");
  const HandColumns right = hand_columns(in, "right");

  std::vector<AriaWristPalm> rows;
  std::string reason;
  while (in.next()) {
    if (!in.width_ok()) {
      skip_row(report, in.line(), in.width_reason());
      continue;
    }
    AriaWristPalm row;
    const auto t = in.integer(t_col, reason);
    if (!t || !read_hand(in, left, row.left, reason) || !read_hand(in, right, row.right, reason)) {
      skip_row(report, in.line(), reason);
      continue;
    }
    row.tracking_timestamp_us = *t;
    rows.push_back(std::move(row));
  }
  report.rows_read = rows.size();

  const auto earlier = [](const AriaWristPalm& a, const AriaWristPalm& b) {
    return a.tracking_timestamp_us < b.tracking_timestamp_us;
  };
  if (!std::is_sorted(rows.begin(), rows.end(), earlier)) {
    std::stable_sort(rows.begin(), rows.end(), earlier);
    report.reordered = true;
  }
  log_report(report);

  if (rows.empty()) return rows;
  const std::int64_t origin = origin_us.value_or(rows.front().tracking_timestamp_us);
  for (AriaWristPalm& r : rows) r.t_s = static_cast<double>(r.tracking_timestamp_us - origin) / 1e6;
  return rows;
}

}  // namespace p2a

// Readers for Project Aria Machine Perception Services (MPS) outputs (SPEC §1 `mps/`).
// Column names are those Aria publishes; extra columns (v2 files, ECEF poses) are ignored.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "pro2assist/session.hpp"

namespace p2a {

// slam/ or trajectory/closed_loop_trajectory.csv -> gyro samples (angular_velocity_{x,y,z}_device,
// rad/s); no accelerometer (the file holds velocities and gravity, not specific force).
// t_s = (tracking_timestamp_us - origin_us) / 1e6; origin_us defaults to the earliest valid row.
// MPS writes about 1 kHz; the engine needs at most 100 Hz, so after sorting a sample is kept only
// when it lies at least min_interval_s after the last kept one (plain decimation: no averaging,
// which would blur the short head-turn bursts the engine looks for). min_interval_s = 0 keeps all.
// report.rows_read counts valid rows before decimation. report.file is set to the file name
// unless the caller has already named it. Throws Error on a missing file or column.
std::vector<ImuSample> read_aria_trajectory(const std::filesystem::path& csv, ReadReport& report,
                                            double min_interval_s = 0.01,
                                            std::optional<std::int64_t> origin_us = std::nullopt);

// One hand in hand_tracking/wrist_and_palm_poses.csv, device frame, metres.
struct AriaHand {
  double confidence = 0;                                // (0, 1]
  std::array<double, 3> palm_device_m{};
  std::optional<std::array<double, 3>> wrist_device_m;  // when the file has wrist columns
};

struct AriaWristPalm {
  std::int64_t tracking_timestamp_us = 0;
  double t_s = 0;                  // (tracking_timestamp_us - origin_us) / 1e6
  std::optional<AriaHand> left;    // nullopt: not tracked (confidence -1 or 0 in the file)
  std::optional<AriaHand> right;
};

// hand_tracking/wrist_and_palm_poses.csv (v1 or v2 layout): rows sorted by time, origin_us
// defaults to the earliest valid row. A hand whose confidence is not positive is not tracked
// and its placeholder positions are not read. Same report and error rules as read_aria_trajectory.
std::vector<AriaWristPalm> read_aria_wrist_palm(
    const std::filesystem::path& csv, ReadReport& report,
    std::optional<std::int64_t> origin_us = std::nullopt);

}  // namespace p2a

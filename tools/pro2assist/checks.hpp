// Checks of numeric option values shared by the subcommands. CLI11's own range checks let NaN
// through (it fails every comparison, so it is never "out of range") and print their bounds as
// 300-digit numbers; these accept only finite numbers and say what they expect in words.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <string>

#include "pro2assist/types.hpp"

namespace p2a::cli {

namespace detail {
inline bool parse_double(const std::string& s, double& v) {
  try {
    std::size_t used = 0;
    v = std::stod(s, &used);
    return used == s.size() && std::isfinite(v);
  } catch (const std::exception&) {
    return false;
  }
}
inline bool parse_integer(const std::string& s, long long& v) {
  try {
    std::size_t used = 0;
    v = std::stoll(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;
  }
}
}  // namespace detail

// A finite number for which `ok` holds; otherwise "expected <expected>, not '<value>'".
template <typename Ok>
CLI::Validator number_check(Ok ok, const std::string& expected, const std::string& desc) {
  return CLI::Validator(
      [ok, expected](std::string& s) {
        double v = 0;
        return detail::parse_double(s, v) && ok(v) ? std::string()
                                                   : "expected " + expected + ", not '" + s + "'";
      },
      desc);
}

// A share: a finite number from 0 to 1.
inline CLI::Validator share_check() {
  return number_check([](double v) { return v >= 0.0 && v <= 1.0; }, "a number from 0 to 1",
                      "0..1");
}

// A finite number greater than 0 (a time, a rate).
inline CLI::Validator positive_check() {
  return number_check([](double v) { return v > 0.0; }, "a positive number", "> 0");
}

// A whole number of at least `least` (a count).
inline CLI::Validator count_check(long long least) {
  return CLI::Validator(
      [least](std::string& s) {
        long long v = 0;
        return detail::parse_integer(s, v) && v >= least
                   ? std::string()
                   : "expected a whole number of at least " + std::to_string(least) + ", not '" +
                         s + "'";
      },
      ">= " + std::to_string(least));
}

// An output file is checked before long work, not after it: its folder must exist. (Opening
// it now would truncate an earlier file the work might then fail to replace.)
inline void check_output_file(const std::string& file, const std::string& who) {
  std::filesystem::path dir = std::filesystem::path(file).parent_path();
  if (dir.empty()) dir = ".";
  if (!std::filesystem::is_directory(dir))
    throw Error(who + ": cannot write " + file + ": no folder " + dir.string());
}

// An output folder is made before long work; one that cannot be is an error now.
inline void make_output_folder(const std::string& folder, const std::string& who) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder))
    throw Error(who + ": cannot create folder " + folder +
                (ec ? ": " + ec.message() : std::string(": a file is in the way")));
}

}  // namespace p2a::cli

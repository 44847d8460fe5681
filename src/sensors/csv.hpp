// Reading row files (CSV, JSON Lines) the way sessions need it: columns bound by header name,
// extra columns ignored, bad rows skipped and counted in a ReadReport rather than fatal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pro2assist/session.hpp"

namespace p2a {

// Splits one CSV record. Quoted fields may hold commas and "" for a quote; spaces around an
// unquoted field are trimmed. Returns false when a quote is still open at the end, which
// means the record continues on the next line.
bool split_csv_record(std::string_view text, std::vector<std::string>& fields);

// Reads a CSV file one record at a time. Tolerates CRLF, a UTF-8 BOM, blank lines and
// quoted fields (also ones spanning lines). Errors name the file by `name`.
class CsvReader {
 public:
  // Throws Error "NAME: cannot open" or "NAME: no header line".
  CsvReader(const std::filesystem::path& file, std::string name);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_; }

  std::optional<std::size_t> find(std::string_view column) const;
  // Throws Error "NAME: missing column 'COLUMN'".
  std::size_t require(std::string_view column) const;

  // Moves to the next non-blank record; false at the end of the file.
  bool next();
  // Line where the current record starts (the header is line 1).
  std::size_t line() const { return record_line_; }
  // Whether the record has as many fields as the header; rows that do not are malformed.
  bool width_ok() const { return fields_.size() == header_.size(); }
  std::string width_reason() const;
  std::size_t size() const { return fields_.size(); }
  std::string_view field(std::size_t i) const { return fields_.at(i); }

  // A finite number from column `i`; on failure, nullopt and `reason` names the column
  // ("bad number in 'gx': \"abc\"", "missing value in 'gx'").
  std::optional<double> number(std::size_t i, std::string& reason) const;
  // An integer (integral floats such as 1.5e6 accepted) from column `i`.
  std::optional<std::int64_t> integer(std::size_t i, std::string& reason) const;
  // True when column `i` of the current record is empty.
  bool empty(std::size_t i) const { return fields_.at(i).empty(); }

 private:
  bool read_line(std::string& out);

  std::ifstream in_;
  std::string name_;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;
  std::string line_;
  std::size_t line_no_ = 0;
  std::size_t record_line_ = 0;
};

// Strict number parsing shared by the CSV and JSON Lines readers: whole text, finite.
std::optional<double> parse_finite(std::string_view text);

// A JSON library message cut to one line, without nlohmann's "[json.exception...]" prefix.
std::string short_json_message(const std::exception& e);

// Counts a skipped row; keeps the first five reasons as "line N: REASON".
void skip_row(ReadReport& report, std::size_t line, std::string_view reason);

// One warning line per file that skipped rows or had to be sorted.
void log_report(const ReadReport& report);

// Stable sort by t_s. Returns whether the rows were out of order.
template <class Row>
bool sort_by_time(std::vector<Row>& rows) {
  const auto earlier = [](const Row& a, const Row& b) { return a.t_s < b.t_s; };
  if (std::is_sorted(rows.begin(), rows.end(), earlier)) return false;
  std::stable_sort(rows.begin(), rows.end(), earlier);
  return true;
}

}  // namespace p2a

#include "sensors/csv.hpp"

#include <charconv>
#include <cmath>

#include <spdlog/spdlog.h>

#include "pro2assist/types.hpp"

namespace p2a {
namespace {

constexpr std::size_t kKeptReasons = 5;

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Shown in a reason so the user can find the cell; long cells are cut.
std::string quoted_excerpt(std::string_view s) {
  constexpr std::size_t kMax = 24;
  std::string out = "\"";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

}  // namespace

bool split_csv_record(std::string_view text, std::vector<std::string>& fields) {
  // Reuse the strings' capacity: IMU files run to millions of rows.
  std::size_t count = 0;
  const auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };

  std::size_t i = 0;
  bool closed = true;
  while (true) {
    std::string& field = next_field();
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i < text.size() && text[i] == '"') {
      ++i;
      closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field.push_back(text[i++]);
      }
      // Anything between the closing quote and the comma is kept, not rejected.
      const std::size_t comma = text.find(',', i);
      const std::size_t stop = comma == std::string_view::npos ? text.size() : comma;
      field += trim(text.substr(i, stop - i));
      i = stop;
    } else {
      const std::size_t comma = text.find(',', i);
      const std::size_t stop = comma == std::string_view::npos ? text.size() : comma;
      field = trim(text.substr(i, stop - i));
      i = stop;
    }
    if (i >= text.size() || !closed) break;
    ++i;  // the comma
  }
  fields.resize(count);
  return closed;
}

std::optional<double> parse_finite(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

CsvReader::CsvReader(const std::filesystem::path& file, std::string name)
    : in_(file, std::ios::binary), name_(std::move(name)) {
  if (!in_) throw Error(name_ + ": cannot open " + file.string());
  if (!next()) throw Error(name_ + ": no header line");
  header_ = fields_;
}

bool CsvReader::read_line(std::string& out) {
  if (!std::getline(in_, out)) return false;
  ++line_no_;
  if (line_no_ == 1 && out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return true;
}

bool CsvReader::next() {
  while (read_line(line_)) {
    if (trim(line_).empty()) continue;
    record_line_ = line_no_;
    std::string more;
    while (!split_csv_record(line_, fields_)) {
      if (!read_line(more)) {
        // An unterminated quote at the end of the file: the row cannot be trusted.
        fields_.clear();
        return true;
      }
      line_ += '\n';
      line_ += more;
    }
    return true;
  }
  return false;
}

std::optional<std::size_t> CsvReader::find(std::string_view column) const {
  const auto it = std::find(header_.begin(), header_.end(), column);
  if (it == header_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header_.begin());
}

std::size_t CsvReader::require(std::string_view column) const {
  if (auto i = find(column)) return *i;
  throw Error(name_ + ": missing column '" + std::string(column) + "'");
}

std::string CsvReader::width_reason() const {
  if (fields_.empty()) return "unterminated quote";
  return "expected " + std::to_string(header_.size()) + " fields, got " +
         std::to_string(fields_.size());
}

std::optional<double> CsvReader::number(std::size_t i, std::string& reason) const {
  const std::string_view text = fields_.at(i);
  if (trim(text).empty()) {
    reason = "missing value in '" + header_.at(i) + "'";
    return std::nullopt;
  }
  auto v = parse_finite(text);
  if (!v) reason = "bad number in '" + header_.at(i) + "': " + quoted_excerpt(text);
  return v;
}

std::optional<std::int64_t> CsvReader::integer(std::size_t i, std::string& reason) const {
  const std::string_view text = trim(fields_.at(i));
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) return v;
  const auto d = number(i, reason);
  if (!d) return std::nullopt;
  if (std::abs(*d) > 9.0e18 || std::floor(*d) != *d) {
    reason = "bad integer in '" + header_.at(i) + "': " + quoted_excerpt(text);
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*d);
}

std::string short_json_message(const std::exception& e) {
  std::string_view msg = e.what();
  if (msg.rfind("[json.exception.", 0) == 0) {
    const std::size_t close = msg.find("] ");
    if (close != std::string_view::npos) msg.remove_prefix(close + 2);
  }
  constexpr std::size_t kMax = 200;
  std::string out;
  for (char c : msg.substr(0, kMax)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (msg.size() > kMax) out += "...";
  return out;
}

void skip_row(ReadReport& report, std::size_t line, std::string_view reason) {
  ++report.rows_skipped;
  if (report.first_reasons.size() < kKeptReasons) {
    report.first_reasons.push_back("line " + std::to_string(line) + ": " + std::string(reason));
  }
}

void log_report(const ReadReport& report) {
  if (report.rows_skipped > 0) {
    std::string reasons;
    for (const auto& r : report.first_reasons) {
      if (!reasons.empty()) reasons += ", ";
      reasons += r;
    }
    if (report.rows_skipped > report.first_reasons.size()) reasons += ", ...";
    spdlog::warn("{}: skipped {} of {} rows ({})", report.file, report.rows_skipped,
                 report.rows_read + report.rows_skipped, reasons);
  }
  if (report.reordered) {
    spdlog::info("{}: rows were out of time order and have been sorted", report.file);
  }
}

}  // namespace p2a

#include "eval/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "pro2assist/evaluation.hpp"

namespace p2a {

std::string format_clock(double t_s) {
  const long total = std::lround(std::max(t_s, 0.0));
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[32];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", m, s);
  return buf;
}

std::string format_progress_bar(std::size_t done, std::size_t total, double elapsed_s,
                                const std::string& unit, int width) {
  const double share = total ? std::min(1.0, double(done) / double(total)) : 1.0;
  const int filled = static_cast<int>(std::floor(share * width));
  std::string out = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  out += std::to_string(done) + "/" + std::to_string(total) + " " + unit + "  ";
  out += format_clock(elapsed_s) + " elapsed";
  // The rate so far; items differ in length, but they are pulled in a fixed mixed order.
  if (done > 0 && done < total)
    out += "  ~" + format_clock(elapsed_s / double(done) * double(total - done)) + " left";
  return out;
}

std::string format_progress_line(std::size_t done, std::size_t total, const std::string& unit,
                                 const std::string& command) {
  const int percent = total ? static_cast<int>(100 * done / total) : 100;
  return command + ": " + std::to_string(done) + "/" + std::to_string(total) + " " + unit + " (" +
         std::to_string(percent) + "%)";
}

ProgressPrinter::ProgressPrinter(std::FILE* out, bool terminal, std::string unit,
                                 std::string command)
    : out_(out), terminal_(terminal), unit_(std::move(unit)), command_(std::move(command)),
      start_(Clock::now()),
      last_draw_(start_) {}

void ProgressPrinter::update(std::size_t done, std::size_t total) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Workers report out of order; never draw the bar going backwards.
  if (finished_ || done < last_done_) return;
  last_done_ = done;
  const auto now = Clock::now();
  const bool last = done >= total;
  if (terminal_) {
    // Redrawing at every item would cost more than some items; ten times a second is smooth.
    if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed_s = std::chrono::duration<double>(now - start_).count();
    std::fprintf(out_, "\r%s\x1b[K", format_progress_bar(done, total, elapsed_s, unit_).c_str());
    if (last) std::fputc('\n', out_);
  } else {
    const int step = total ? static_cast<int>(20 * done / total) : 20;
    if (step == last_step_) return;
    last_step_ = step;
    std::fprintf(out_, "%s\n", format_progress_line(done, total, unit_, command_).c_str());
  }
  std::fflush(out_);
  finished_ = last;
}

std::function<void(std::size_t, std::size_t)> stderr_progress(const std::string& command) {
  auto printer =
      std::make_shared<ProgressPrinter>(stderr, ::isatty(::fileno(stderr)) != 0, "runs", command);
  return [printer](std::size_t done, std::size_t total) { printer->update(done, total); };
}

}  // namespace p2a

// Progress of a long evaluation on stderr: one updating bar on a terminal, a plain line every
// ~5% when stderr goes to a file or a CI log (where a bar would be hundreds of lines of '\r').
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>

namespace p2a {

// "0:42", "1:05:09".
std::string format_clock(double t_s);
// "[#####.....] 123/825 runs  0:42 elapsed  ~1:10 left" (no estimate before the first item).
std::string format_progress_bar(std::size_t done, std::size_t total, double elapsed_s,
                                const std::string& unit, int width = 30);
// "eval: 410/825 runs (50%)" (the command's name first).
std::string format_progress_line(std::size_t done, std::size_t total, const std::string& unit,
                                 const std::string& command = "eval");

// Safe to call from several worker threads at once.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool terminal, std::string unit = "runs",
                  std::string command = "eval");
  void update(std::size_t done, std::size_t total);

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  bool terminal_;
  std::string unit_;
  std::string command_;
  std::mutex mutex_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  std::size_t last_done_ = 0;
  int last_step_ = -1;   // plain mode: the last 5% step printed
  bool finished_ = false;
};

}  // namespace p2a

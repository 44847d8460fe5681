// Running a command line from a test: its exit code and what it wrote on standard output.
#pragma once

#include <filesystem>
#include <string>

struct ShellRun {
  int code = -1;  // the exit code; -1 when it could not run or did not exit normally
  std::string out;
};

// Runs `command` through /bin/sh (redirect stderr with "2>&1" to capture it too).
ShellRun run_shell(const std::string& command);

// A path in single quotes, for a command line (paths here hold no quotes).
std::string quoted(const std::filesystem::path& p);

// The whole file as it is on disk; empty when it cannot be read.
std::string read_file(const std::filesystem::path& file);

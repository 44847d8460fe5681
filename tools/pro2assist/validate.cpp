// `pro2assist validate FILE`: load a guideline in any supported form and show it as the
// engine sees it, so an author can check the dependency graph before a session uses it.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "pro2assist/guideline.hpp"

namespace p2a::cli {

namespace {

std::string seconds_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string step_line(const Step& s, std::size_t id_width) {
  std::vector<std::string> tags;
  if (!s.requires_.empty()) {
    std::string req = "[requires: ";
    for (std::size_t i = 0; i < s.requires_.size(); ++i) req += (i ? ", " : "") + s.requires_[i];
    tags.push_back(req + "]");
  }
  if (s.duration_s) {
    std::string d = "[duration " + seconds_text(s.duration_s->min_s);
    if (s.duration_s->max_s != s.duration_s->min_s) d += "-" + seconds_text(s.duration_s->max_s);
    tags.push_back(d + " s]");
  }
  if (s.critical) tags.push_back("[critical]");
  if (s.optional) tags.push_back("[optional]");
  std::string line = "  " + s.id + std::string(id_width - s.id.size(), ' ') + "  " + s.text;
  for (std::size_t i = 0; i < tags.size(); ++i) line += (i ? " " : "  ") + tags[i];
  return line;
}

void run_validate(const std::string& file) {
  const Guideline g = load_guideline(file);  // throws Error with the reason; main prints it
  std::size_t roots = 0, critical = 0, id_width = 0;
  for (const Step& s : g.steps) {
    roots += s.requires_.empty();
    critical += s.critical;
    id_width = std::max(id_width, s.id.size());
  }
  std::cout << g.title << " (" << g.id << ")\n";
  if (!g.aliases.empty()) {
    std::cout << "aliases:";
    for (std::size_t i = 0; i < g.aliases.size(); ++i) std::cout << (i ? ", " : " ") << g.aliases[i];
    std::cout << "\n";
  }
  std::cout << g.size() << (g.size() == 1 ? " step, " : " steps, ") << roots << " with no prerequisites, " << critical
            << " critical\n";
  for (std::size_t i : g.topo_order()) std::cout << step_line(g.at(i), id_width) << "\n";
}

}  // namespace

void register_validate(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Check a guideline file and list its steps in order");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "native YAML/JSON, CaptainCook4D task graph or EgoPER/ANGEL YAML")
      ->required();
  cmd->callback([file] { run_validate(*file); });
}

}  // namespace p2a::cli

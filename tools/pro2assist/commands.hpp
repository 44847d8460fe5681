// Each subcommand lives in its own file and registers itself on the CLI here.
#pragma once

#include <CLI/CLI.hpp>

namespace p2a::cli {

void register_replay(CLI::App& app);
void register_simulate(CLI::App& app);
void register_validate(CLI::App& app);
void register_learn_durations(CLI::App& app);
void register_learn_decision_model(CLI::App& app);
void register_eval(CLI::App& app);
void register_convert(CLI::App& app);
void register_report(CLI::App& app);

}  // namespace p2a::cli

// pro2assist: the command line. Each subcommand is a thin driver over the library.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

#include "commands.hpp"
#include "pro2assist/types.hpp"

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("p2a"));
  spdlog::set_pattern("%^%l%$: %v");
  CLI::App app{"Pro2Assist: step-aware proactive assistance for procedural tasks"};
  app.require_subcommand(1);
  std::string log_level = "info";
  // spdlog reads a name it does not know as "off": a typo would silence every warning.
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->transform(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "err",
                                 "critical", "off"},
                                CLI::ignore_case))
      ->capture_default_str();
  p2a::cli::register_replay(app);
  p2a::cli::register_simulate(app);
  p2a::cli::register_validate(app);
  p2a::cli::register_learn_durations(app);
  p2a::cli::register_learn_decision_model(app);
  p2a::cli::register_eval(app);
  p2a::cli::register_convert(app);
  p2a::cli::register_report(app);
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(log_level)); });
  // CLI11 reads an unknown command as a missing one ("A subcommand is required"): name it.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--log-level") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    std::string known;
    bool found = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      found = found || sub->get_name() == arg;
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::cerr << "error: unknown command '" << arg << "' (commands: " << known << ")\n";
      return 109;  // CLI11's code for an unexpected argument
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const p2a::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// Human-readable reports: the evaluation page (summary table, accuracy sweep, per-session
// timelines) and the timeline of one replay. Each is one self-contained HTML file: inline
// CSS, SVG and script only, so it opens offline and can be mailed around.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pro2assist/decision.hpp"
#include "pro2assist/evaluation.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

// One decision stream drawn over a session's ground truth (a reasoner, a replay).
struct TimelineTrack {
  std::string label;
  std::vector<Decision> decisions;
  std::string color;  // CSS colour; empty: the palette colour of the track's position
};

// An SVG (no XML prolog, ready to inline in HTML) with one row per step in guideline order:
// ground-truth segments as bars (class "gt-bar"), proactive periods and mistake windows as
// shaded areas, each track's reported step as a step line (class "track"), and each delivered
// message as a marker (class "msg kind-<kind>") in the track's message lane, with the message
// text as its tooltip. `truth` may be empty (a replay without annotations).
std::string timeline_svg(const Guideline& g, const Annotations& truth,
                         const std::vector<TimelineTrack>& tracks, double width_px = 1100);

// What the evaluation was run on, beyond EvalOptions (shown in the page's header).
struct ReportInfo {
  std::string title = "Pro2Assist evaluation";
  std::string source;        // e.g. the --dataset argument
  std::string split;         // e.g. "test" for CaptainCook4D; empty when not applicable
  std::string command_line;  // how to run it again; empty to omit
};

// The evaluation page. Timelines are drawn for the first `max_timelines` cases, every
// reasoner at the middle accuracy, from the runs' decisions (EvalOptions::keep_decisions);
// `cases` supply each timeline's guideline and ground truth. Throws Error if the file
// cannot be written.
void write_html_report(const std::filesystem::path& file, const EvalResults& r,
                       const EvalOptions& opt, const std::vector<EvalCase>& cases,
                       int max_timelines = 6, const ReportInfo& info = {});

// One replay on one page: the timeline, the delivered messages as a table and, when the
// ground truth is known, the session's metrics.
void write_replay_report(const std::filesystem::path& file, const Guideline& g,
                         const Annotations* truth, const std::vector<Decision>& d,
                         const std::string& title);

}  // namespace p2a

// Replay throughput: how many hours of recorded session one CPU second replays, with no
// model (the engine, perception and reasoning alone) and with the simulated model. The
// session is built in memory: a 20-step guideline with parallel branches and long steps,
// a simulated timeline of about an hour, and sensor streams at the default 50 Hz IMU and
// 10 Hz hand flow.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <string>

#include "pro2assist/engine.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/sim.hpp"

namespace {

using namespace p2a;

// Blocks of five steps: an entry step, a two-step branch and a one-step branch after it
// that run in parallel, and a step that joins them; each block follows the one before.
// Long duration ranges make 20 steps last about an hour; every seventh step has no range
// so the default duration path is exercised too.
Guideline hour_long_guideline(int n_steps) {
  static constexpr DurationRange kRanges_s[] = {{60, 180}, {120, 300}, {90, 240}, {150, 360}};
  Guideline g;
  g.id = "bench_hour";
  g.title = "Synthetic hour-long procedure";
  for (int i = 0; i < n_steps; ++i) {
    Step s;
    s.id = "step_" + std::to_string(i);
    s.text = "Do part " + std::to_string(i) + " of the procedure";
    if (i % 2 == 0) s.details = "Keep the tools for part " + std::to_string(i) + " at hand";
    if (i % 7 != 6) s.duration_s = kRanges_s[i % 4];
    s.critical = i % 9 == 4;
    const int block = i / 5, pos = i % 5, base = block * 5;
    auto id = [](int k) { return "step_" + std::to_string(k); };
    switch (pos) {
      case 0: if (block > 0) s.requires_ = {id(base - 1)}; break;
      case 1: s.requires_ = {id(base)}; break;
      case 2: s.requires_ = {id(base + 1)}; break;
      case 3: s.requires_ = {id(base)}; break;
      case 4: s.requires_ = {id(base + 2), id(base + 3)}; break;
    }
    g.steps.push_back(std::move(s));
  }
  g.source = "bench (in memory)";
  g.finalize();
  return g;
}

struct ReplayFixture {
  Guideline guideline;
  Annotations truth;
  Session session;
  double session_s = 0;
};

const ReplayFixture& replay_fixture() {
  static const ReplayFixture f = [] {
    ReplayFixture out;
    out.guideline = hour_long_guideline(20);
    TimelineOptions timeline;
    timeline.seed = 7;
    out.truth = simulate_timeline(out.guideline, timeline);
    double last_end_s = 0;
    for (const auto& seg : out.truth.steps) last_end_s = std::max(last_end_s, seg.end_s);
    out.session_s = last_end_s + 5.0;
    out.session.meta.session_id = "bench-replay";
    out.session.meta.task = out.guideline.id;
    out.session.meta.duration_s = out.session_s;
    SensorOptions sensors;  // default 50 Hz IMU, 10 Hz flow
    sensors.seed = 7;
    synthesize_sensors(out.truth, out.session_s, sensors, out.session);
    return out;
  }();
  return f;
}

// range(0): 0 = seed, 1 = tracker; range(1): 0 = no model, 1 = simulated model (accuracy 0.5).
void BM_Replay(benchmark::State& state) {
  const ReplayFixture& f = replay_fixture();
  const std::string reasoner = state.range(0) == 1 ? "tracker" : "seed";
  const bool simulated = state.range(1) == 1;
  std::size_t decisions = 0, model_calls = 0, pairs = 0;
  for (auto _ : state) {
    SimModelOptions sim;
    sim.accuracy = 0.5;
    std::unique_ptr<ModelClient> model =
        simulated ? make_simulated_model(f.guideline, f.truth, sim) : make_no_model();
    EngineStats stats;
    auto out = replay_session(f.session, f.guideline, make_reasoner(reasoner, {}), *model,
                              &stats);
    benchmark::DoNotOptimize(out.data());
    decisions += out.size();
    model_calls += stats.model_calls;
    pairs += stats.pairs;
  }
  const auto iterations = static_cast<double>(state.iterations());
  using benchmark::Counter;
  // Rates divide by the measured process CPU time (MeasureProcessCPUTime, no UseRealTime).
  state.counters["session_h_per_cpu_s"] =
      Counter(f.session_s / 3600.0 * iterations, Counter::kIsRate);
  state.counters["decisions_per_cpu_s"] =
      Counter(static_cast<double>(decisions), Counter::kIsRate);
  state.counters["session_h"] = f.session_s / 3600.0;
  state.counters["pairs"] = static_cast<double>(pairs) / iterations;
  state.counters["decisions"] = static_cast<double>(decisions) / iterations;
  state.counters["model_calls"] = static_cast<double>(model_calls) / iterations;
  state.SetLabel(reasoner + (simulated ? ", sim model 0.5" : ", no model"));
}
BENCHMARK(BM_Replay)
    ->ArgNames({"tracker", "sim"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // Warnings still show; per-moment logging would measure the logger, not the engine.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Built before timing so the first benchmark does not pay for the synthetic session.
  replay_fixture();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

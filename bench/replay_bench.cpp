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
#include "synthetic.hpp"

namespace {

using namespace p2a;

// The shared block-structured guideline (synthetic.hpp) with long duration ranges, so 20
// steps last about an hour.
Guideline hour_long_guideline(int n_steps) {
  return bench::synthetic_guideline(n_steps, {{{60, 180}, {120, 300}, {90, 240}, {150, 360}}},
                                    "bench_hour", "Synthetic hour-long procedure");
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

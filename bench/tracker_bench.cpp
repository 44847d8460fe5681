// Cost of the tracker's per-moment update, the work between one sampled pair and its
// decision: filter predict, the model answer when the gate asks for one, status and the
// proactive policy. A live session needs each moment well inside its 0.5-1 s sampling
// interval; the target is a p99 of at most 1 ms. Google Benchmark reports means, so one
// benchmark times every call with steady_clock and reports the tail as counters.
//
// The moments are the real ones: synthetic sessions (timeline + sensors from the simulator)
// go through the Engine once with a reasoner that only records the sampled pairs; the
// benchmarks then feed those pairs to fresh tracker reasoners. The model is a scripted,
// instant client, so only the reasoning is timed.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../src/eval/rng.hpp"
#include "../src/reasoning/progress_filter.hpp"
#include "pro2assist/engine.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/sim.hpp"
#include "synthetic.hpp"

namespace {

using namespace p2a;

// The shared block-structured guideline (synthetic.hpp) with durations of tens of seconds,
// as in kitchen tasks.
Guideline branching_guideline(int n_steps) {
  return bench::synthetic_guideline(n_steps, {{{20, 60}, {30, 90}, {15, 45}, {40, 120}}},
                                    "bench_" + std::to_string(n_steps),
                                    "Synthetic procedure of " + std::to_string(n_steps) + " steps");
}

// Keeps every sampled pair the engine hands to a reasoner, and decides nothing.
class PairRecorder final : public Reasoner {
 public:
  explicit PairRecorder(std::vector<SampledPair>& out) : out_(out) {}
  std::string name() const override { return "record"; }
  std::optional<Decision> on_pair(const SampledPair& p, ReasonerContext&) override {
    out_.push_back(p);
    return std::nullopt;
  }

 private:
  std::vector<SampledPair>& out_;
};

// A model that answers at once: the true step with probability `accuracy`, otherwise a
// step drawn at random; the status is the true one when the step is right. Answers depend
// on the query time only, so every run sees the same model.
class ScriptedModel final : public ModelClient {
 public:
  ScriptedModel(const Guideline& g, const Annotations& truth, double accuracy)
      : g_(g), truth_(truth), accuracy_(accuracy) {}

  ModelResult ask(const ModelQuery& q) override {
    ModelResult r;
    r.answer = answer_at(q.t_s);
    return r;
  }
  std::string name() const override { return "scripted"; }

  ModelAnswer answer_at(double t_s) const {
    std::uint64_t h = sim::mix(0x5eed, sim::time_key(t_s));
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    h = sim::mix(h, 1);
    ModelAnswer a;
    const auto& segs = truth_.steps;
    // The latest segment begun by t (or the first), and where t falls in it.
    auto it = std::upper_bound(segs.begin(), segs.end(), t_s,
                               [](double t, const GtSegment& s) { return t < s.start_s; });
    const GtSegment& seg = it == segs.begin() ? segs.front() : *std::prev(it);
    Status truth_status = Status::Transition;
    if (t_s >= seg.start_s && t_s < seg.end_s) {
      const double len = seg.end_s - seg.start_s;
      const double w = std::min({std::max(0.2 * len, 1.0), 10.0, len / 2.0});
      truth_status = t_s < seg.start_s + w  ? Status::JustStart
                     : t_s >= seg.end_s - w ? Status::AboutToFinish
                                            : Status::InProgress;
    }
    if (u < accuracy_) {
      a.step = seg.step;
      a.status = truth_status;
    } else {
      a.step = g_.at(h % g_.size()).id;
      a.status = static_cast<Status>((h >> 32) % 4);
    }
    a.trigger = a.status != Status::InProgress;
    return a;
  }

 private:
  const Guideline& g_;
  const Annotations& truth_;
  double accuracy_;
};

struct BenchSession {
  Annotations truth;
  std::vector<SampledPair> pairs;
};

struct TrackerFixture {
  Guideline guideline;
  std::vector<BenchSession> sessions;
  std::size_t moments = 0;
};

constexpr std::size_t kLatencyMoments = 20000;

// Distinct sessions (every other one with skipped or reordered steps) until there are more
// moments than the latency benchmark takes, so it never replays the same session twice.
const TrackerFixture& tracker_fixture(int n_steps) {
  static std::map<int, std::unique_ptr<TrackerFixture>> cache;
  auto& slot = cache[n_steps];
  if (slot) return *slot;
  slot = std::make_unique<TrackerFixture>();
  TrackerFixture& f = *slot;
  f.guideline = branching_guideline(n_steps);
  auto none = make_no_model();
  for (std::uint64_t seed = 1; f.moments < kLatencyMoments + 1000 && seed <= 200; ++seed) {
    BenchSession bs;
    TimelineOptions timeline;
    timeline.seed = seed;
    timeline.mistakes = seed % 2 == 0;
    bs.truth = simulate_timeline(f.guideline, timeline);
    if (bs.truth.steps.empty()) continue;
    double last_end_s = 0;
    for (const auto& seg : bs.truth.steps) last_end_s = std::max(last_end_s, seg.end_s);
    Session s;
    s.meta.session_id = "bench-" + std::to_string(seed);
    s.meta.task = f.guideline.id;
    s.meta.duration_s = last_end_s + 5.0;
    SensorOptions sensors;
    sensors.seed = seed;
    synthesize_sensors(bs.truth, *s.meta.duration_s, sensors, s);
    replay_session(s, f.guideline, std::make_unique<PairRecorder>(bs.pairs), *none);
    f.moments += bs.pairs.size();
    f.sessions.push_back(std::move(bs));
  }
  return f;
}

// Walks the fixture's sessions moment by moment with a fresh tracker for each session.
class TrackerCursor {
 public:
  explicit TrackerCursor(const TrackerFixture& f) : f_(f) { start(0); }
  bool at_session_end() const { return i_pair_ >= f_.sessions[i_session_].pairs.size(); }
  void next_session() { start((i_session_ + 1) % f_.sessions.size()); }
  std::optional<Decision> step() {
    return reasoner_->on_pair(f_.sessions[i_session_].pairs[i_pair_++], ctx_);
  }

 private:
  void start(std::size_t i) {
    i_session_ = i;
    i_pair_ = 0;
    model_ = std::make_unique<ScriptedModel>(f_.guideline, f_.sessions[i].truth, 0.6);
    reasoner_ = make_reasoner("tracker", {});
    ctx_ = ReasonerContext{};
    ctx_.guideline = &f_.guideline;
    ctx_.session_id = "bench-" + std::to_string(i);
    ctx_.model = model_.get();
  }

  const TrackerFixture& f_;
  std::size_t i_session_ = 0, i_pair_ = 0;
  std::unique_ptr<ScriptedModel> model_;
  std::unique_ptr<Reasoner> reasoner_;
  ReasonerContext ctx_;
};

// Mean cost of one on_pair() call.
void BM_TrackerOnPair(benchmark::State& state) {
  const TrackerFixture& f = tracker_fixture(static_cast<int>(state.range(0)));
  TrackerCursor cursor(f);
  for (auto _ : state) {
    if (cursor.at_session_end()) {
      state.PauseTiming();
      cursor.next_session();
      state.ResumeTiming();
    }
    auto d = cursor.step();
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TrackerOnPair)->ArgName("steps")->Arg(10)->Arg(20)->Arg(30)
    ->Unit(benchmark::kMicrosecond);

double percentile_us(std::vector<double> v_ns, double q) {
  if (v_ns.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v_ns.size() - 1));
  std::nth_element(v_ns.begin(), v_ns.begin() + static_cast<std::ptrdiff_t>(k), v_ns.end());
  return v_ns[k] / 1000.0;
}

// The latency distribution of on_pair() over kLatencyMoments moments of distinct sessions.
void BM_TrackerOnPairLatency(benchmark::State& state) {
  const TrackerFixture& f = tracker_fixture(static_cast<int>(state.range(0)));
  TrackerCursor cursor(f);
  std::vector<double> all_ns, vlm_ns;
  all_ns.reserve(kLatencyMoments);
  vlm_ns.reserve(kLatencyMoments);
  for (auto _ : state) {
    if (cursor.at_session_end()) {
      state.PauseTiming();
      cursor.next_session();
      state.ResumeTiming();
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto d = cursor.step();
    const auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(d);
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    all_ns.push_back(ns);
    if (d && d->vlm) vlm_ns.push_back(ns);
  }
  const double moments = static_cast<double>(std::max<std::size_t>(all_ns.size(), 1));
  double mean_ns = 0;
  for (double ns : all_ns) mean_ns += ns;
  mean_ns /= moments;
  state.counters["mean_us"] = mean_ns / 1000.0;
  state.counters["p50_us"] = percentile_us(all_ns, 0.50);
  state.counters["p99_us"] = percentile_us(all_ns, 0.99);
  state.counters["p999_us"] = percentile_us(all_ns, 0.999);
  state.counters["max_us"] = percentile_us(all_ns, 1.0);
  // Moments that asked the model also take its answer into the filter.
  state.counters["vlm_share"] = static_cast<double>(vlm_ns.size()) / moments;
  state.counters["p99_vlm_us"] = percentile_us(vlm_ns, 0.99);
  state.counters["sessions"] = static_cast<double>(f.sessions.size());
}
BENCHMARK(BM_TrackerOnPairLatency)->ArgName("steps")->Arg(10)->Arg(20)->Arg(30)
    ->Iterations(kLatencyMoments)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One filter update as the tracker drives it: predict to the pair's time with the motion
// factors a head turn gives, and an answer at most every 2 s (the tracker's minimum call gap).
struct FilterMoment {
  double t_s = 0;
  double factor = 1;
  int answered = -1;  // -1: no answer at this moment
  Status status = Status::InProgress;
};

std::vector<std::vector<FilterMoment>> filter_script(const TrackerFixture& f) {
  std::vector<std::vector<FilterMoment>> out;
  for (const BenchSession& s : f.sessions) {
    ScriptedModel model(f.guideline, s.truth, 0.6);
    std::vector<FilterMoment> moments;
    double last_answer_s = -1e9;
    for (const SampledPair& p : s.pairs) {
      FilterMoment m;
      m.t_s = p.t_s;
      m.factor = p.burst ? 2.5 : 1.0;
      if (p.t_s - last_answer_s >= 2.0) {
        const ModelAnswer a = model.answer_at(p.t_s);
        m.answered = static_cast<int>(*f.guideline.index_of(a.step));
        m.status = a.status;
        last_answer_s = p.t_s;
      }
      moments.push_back(m);
    }
    out.push_back(std::move(moments));
  }
  return out;
}

ProgressFilter fresh_filter(const Guideline& g) {
  std::vector<DurationModel> durations;
  for (const Step& s : g.steps) durations.push_back(DurationModel::from_step(s));
  return ProgressFilter(g, std::move(durations), ProgressOptions{});
}

void BM_FilterPredictObserve(benchmark::State& state) {
  const TrackerFixture& f = tracker_fixture(static_cast<int>(state.range(0)));
  const auto script = filter_script(f);
  std::size_t i_session = 0, i_moment = 0;
  std::optional<ProgressFilter> filter(fresh_filter(f.guideline));
  for (auto _ : state) {
    if (i_moment >= script[i_session].size()) {
      state.PauseTiming();
      i_session = (i_session + 1) % script.size();
      i_moment = 0;
      filter.emplace(fresh_filter(f.guideline));
      state.ResumeTiming();
    }
    const FilterMoment& m = script[i_session][i_moment++];
    filter->predict(m.t_s, m.factor, m.factor);
    if (m.answered >= 0) filter->observe(m.answered, m.status, 1.0);
    benchmark::DoNotOptimize(filter->best().logw);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilterPredictObserve)->ArgName("steps")->Arg(10)->Arg(20)->Arg(30)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  // Warnings still show; per-moment logging would measure the logger, not the tracker.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

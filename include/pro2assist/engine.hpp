// The one engine: a per-session, time-ordered event loop. Replay, the live server and the
// evaluation harness are thin drivers that push events into it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "pro2assist/decision.hpp"
#include "pro2assist/guideline.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/perception.hpp"
#include "pro2assist/reasoner.hpp"
#include "pro2assist/session.hpp"

namespace p2a {

struct EngineStats {
  std::size_t pairs = 0;          // sampled frame pairs
  std::size_t key_moments = 0;
  std::size_t decisions = 0;      // reasoning moments
  std::size_t model_calls = 0;
  std::size_t model_failures = 0;
  std::size_t delivered = 0;
};

class Engine {
 public:
  Engine(const Guideline& g, SessionMeta meta, std::unique_ptr<Reasoner> reasoner,
         ModelClient& model, PerceptionConfig perception = {});

  void push(const ImuSample& s);
  void push(const HandMotion& m);
  void push(const Utterance& u);
  void push(const FrameRef& f);
  // Processes everything up to t_s (all events before t_s must have been pushed).
  std::vector<Decision> advance_to(double t_s);
  const EngineStats& stats() const { return stats_; }
  void set_session_has_flow(bool v) { has_flow_ = v; }

 private:
  const Guideline& g_;
  SessionMeta meta_;
  std::unique_ptr<Reasoner> reasoner_;
  PerceptionConfig perception_;
  AdaptiveSampler sampler_;
  KeyMomentSelector selector_;
  std::vector<Utterance> pending_utterances_;
  std::vector<FrameRef> frames_;
  ReasonerContext ctx_;
  EngineStats stats_;
  bool has_flow_ = false;
  double done_s_ = 0;
};

// Called as a replay goes: session seconds done, of how many, and the counts so far.
using ReplayProgress = std::function<void(double done_s, double end_s, const EngineStats&)>;

// Runs a whole recorded session through an Engine, pushing events in time order.
std::vector<Decision> replay_session(const Session& s, const Guideline& g,
                                     std::unique_ptr<Reasoner> reasoner, ModelClient& model,
                                     EngineStats* stats = nullptr,
                                     PerceptionConfig perception = {},
                                     const ReplayProgress& progress = {});

}  // namespace p2a

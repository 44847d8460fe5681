#include "pro2assist/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "reasoning/model_call.hpp"

namespace p2a {

std::optional<std::string> read_frame_jpeg(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    // Once per folder: a session whose frames are missing would otherwise warn at every call.
    static std::mutex mu;
    static std::set<std::filesystem::path> warned;
    std::lock_guard<std::mutex> lock(mu);
    if (warned.insert(file.parent_path()).second)
      spdlog::warn("frame {}: cannot open; asking the model without it (further missing frames "
                   "in {} are not reported)",
                   file.string(), file.parent_path().string());
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

namespace {
PerceptionConfig adjusted(PerceptionConfig cfg, const Reasoner& r) {
  r.adjust_perception(cfg);
  return cfg;
}
}  // namespace

Engine::Engine(const Guideline& g, SessionMeta meta, std::unique_ptr<Reasoner> reasoner,
               ModelClient& model, PerceptionConfig perception)
    : g_(g),
      meta_(std::move(meta)),
      reasoner_(std::move(reasoner)),
      perception_(adjusted(perception, *reasoner_)),
      sampler_(perception_, 0.0),
      selector_(perception_) {
  ctx_.guideline = &g_;
  ctx_.session_id = meta_.session_id;
  ctx_.model = &model;
}

void Engine::push(const ImuSample& s) { sampler_.push(s); }
void Engine::push(const HandMotion& m) {
  has_flow_ = true;
  selector_.push(m);
}
void Engine::push(const Utterance& u) { pending_utterances_.push_back(u); }
void Engine::push(const FrameRef& f) { frames_.push_back(f); }

std::vector<Decision> Engine::advance_to(double t_s) {
  std::vector<Decision> out;
  // A pair at t needs the hand-motion rows up to t + lookahead.
  const double horizon = t_s - selector_.lookahead_s();
  if (horizon < done_s_) return out;

  auto emit = [&](std::optional<Decision> d) {
    if (!d) return;
    stats_.decisions++;
    if (d->deliver) stats_.delivered++;
    out.push_back(std::move(*d));
  };
  auto utterances_until = [&](double t) {
    std::size_t n = 0;
    while (n < pending_utterances_.size() && pending_utterances_[n].t_s <= t) {
      emit(reasoner_->on_utterance(pending_utterances_[n], ctx_));
      ++n;
    }
    pending_utterances_.erase(pending_utterances_.begin(),
                              pending_utterances_.begin() + static_cast<std::ptrdiff_t>(n));
  };

  for (const PairTick& tick : sampler_.advance_to(horizon)) {
    utterances_until(tick.t_s);
    SampledPair p = selector_.label(tick.t_s, tick.burst, tick.gyro_rad_s, has_flow_);
    stats_.pairs++;
    if (p.key) stats_.key_moments++;
    // The frame nearest the pair among those already pushed (up to the flow lookahead, so a
    // live client and a replay choose the same one); frames farther back are dropped.
    const double latest_s = tick.t_s + selector_.lookahead_s();
    while (frames_.size() > 1 && frames_[1].t_s <= latest_s &&
           std::abs(frames_[1].t_s - tick.t_s) <= std::abs(frames_[0].t_s - tick.t_s))
      frames_.erase(frames_.begin());
    if (!frames_.empty() && std::abs(frames_.front().t_s - tick.t_s) <= 1.0)
      p.frame_file = frames_.front().file;
    emit(reasoner_->on_pair(p, ctx_));
  }
  utterances_until(horizon);
  stats_.model_calls = ctx_.model_calls;
  stats_.model_failures = ctx_.model_failures;
  done_s_ = horizon;
  return out;
}

std::vector<Decision> replay_session(const Session& s, const Guideline& g,
                                     std::unique_ptr<Reasoner> reasoner, ModelClient& model,
                                     EngineStats* stats, PerceptionConfig perception,
                                     const ReplayProgress& progress) {
  Engine engine(g, s.meta, std::move(reasoner), model, perception);
  engine.set_session_has_flow(!s.hand_motion.empty());
  const double end_s = s.end_s();
  std::vector<Decision> all;
  std::size_t i_imu = 0, i_hand = 0, i_utt = 0, i_frame = 0;
  // Feed the engine in 10-second slices, as a live client would, so memory stays bounded.
  constexpr double kSlice_s = 10.0;
  const double lookahead_s = PerceptionConfig{}.flow_match_s + 1e-6;
  for (double t = kSlice_s;; t += kSlice_s) {
    const double until = std::min(t, end_s + lookahead_s);
    for (; i_imu < s.imu.size() && s.imu[i_imu].t_s <= until; ++i_imu) engine.push(s.imu[i_imu]);
    for (; i_hand < s.hand_motion.size() && s.hand_motion[i_hand].t_s <= until; ++i_hand)
      engine.push(s.hand_motion[i_hand]);
    for (; i_utt < s.utterances.size() && s.utterances[i_utt].t_s <= until; ++i_utt)
      engine.push(s.utterances[i_utt]);
    for (; i_frame < s.frames.size() && s.frames[i_frame].t_s <= until; ++i_frame)
      engine.push(s.frames[i_frame]);
    auto d = engine.advance_to(until);
    all.insert(all.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
    if (progress) progress(std::min(until, end_s), end_s, engine.stats());
    if (until >= end_s + lookahead_s) break;
  }
  if (stats) *stats = engine.stats();
  return all;
}

}  // namespace p2a

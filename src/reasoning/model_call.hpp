// Shared by reasoners that ask the model at a moment and read its answer.
#pragma once

#include <optional>

#include "pro2assist/reasoner.hpp"

namespace p2a {

// The frame's bytes, or nothing when it cannot be read (the model then gets text only).
std::optional<std::string> read_frame_jpeg(const std::filesystem::path& file);

struct ModelCall {
  bool called = false;                 // a model was asked (vlm flag)
  std::optional<ModelAnswer> answer;   // empty when unavailable or failed
};

inline ModelCall ask_model(const SampledPair& p, ReasonerContext& ctx,
                           const std::vector<StepId>& completed,
                           const std::optional<StepId>& current) {
  ModelCall call;
  if (ctx.model == nullptr || !ctx.model->available()) return call;
  ModelQuery q;
  q.session_id = ctx.session_id;
  q.t_s = p.t_s;
  q.guideline = ctx.guideline;
  q.completed = completed;
  q.current_step = current;
  q.motion_cue = p.cue;
  if (p.frame_file) q.frame_jpeg = read_frame_jpeg(*p.frame_file);
  call.called = true;
  ModelResult r = ctx.model->ask(q);
  ctx.model_calls++;
  if (!r.answer) ctx.model_failures++;
  call.answer = std::move(r.answer);
  return call;
}

// The seed has no message kinds: starting or doing a step is an instruction, finishing
// or moving on is about the next step.
inline Kind kind_for_status(Status s) {
  return (s == Status::AboutToFinish || s == Status::Transition) ? Kind::NextStep
                                                                 : Kind::Instruction;
}

// A triggered answer with no text still needs something on the glasses.
inline std::string message_text(const ModelAnswer& a, const Guideline& g) {
  if (!a.response.empty()) return a.response;
  if (const Step* s = g.find(a.step)) return s->text;
  return a.step;
}

}  // namespace p2a

// Shared by the reasoner tests: a chain guideline, a model that answers from a script, and a
// key-moment frame pair.
#pragma once

#include <deque>
#include <initializer_list>
#include <string>
#include <vector>

#include "pro2assist/guideline.hpp"
#include "pro2assist/model.hpp"
#include "pro2assist/perception.hpp"

namespace p2a::test {

// Steps with these ids in file order, each requiring the one before it, worded "Do <id>".
inline Guideline chain_of(std::initializer_list<const char*> ids) {
  Guideline g;
  g.id = "t";
  g.title = "Test";
  std::vector<StepId> before;
  for (const char* id : ids) {
    Step s;
    s.id = id;
    s.text = std::string("Do ") + id;
    s.requires_ = before;
    g.steps.push_back(s);
    before = {id};
  }
  g.finalize();
  return g;
}

// Answers from a script, one per call; an empty step means "fail" (HTTP 500). Asking past the
// script's end is an error naming the time, so a test cannot miscount calls unnoticed.
class ScriptedModel final : public ModelClient {
 public:
  struct Line {
    StepId step;
    Status status = Status::InProgress;
    bool trigger = false;
  };
  explicit ScriptedModel(std::vector<Line> lines) : lines_(lines.begin(), lines.end()) {}
  ModelResult ask(const ModelQuery& q) override {
    queries.push_back(q);
    if (lines_.empty()) throw Error("scripted model: no answer left at t=" + std::to_string(q.t_s));
    Line l = lines_.front();
    lines_.pop_front();
    if (l.step.empty()) return {std::nullopt, "HTTP 500", 0};
    return {ModelAnswer{l.step, l.status, l.trigger, "say " + l.step}, "", 0};
  }
  std::string name() const override { return "scripted"; }
  std::vector<ModelQuery> queries;

 private:
  std::deque<Line> lines_;
};

// A key moment at t, with this hand-motion cue.
inline SampledPair key_at(double t, const std::string& cue = "the hands are moving right") {
  SampledPair p;
  p.t_s = t;
  p.key = true;
  p.cue = cue;
  return p;
}

}  // namespace p2a::test

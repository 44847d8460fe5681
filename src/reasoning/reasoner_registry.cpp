#include "pro2assist/reasoner.hpp"
#include "reasoners.hpp"

namespace p2a {

std::vector<std::string> reasoner_names() {
  return {"seed", "raw", "periodic", "tracker", "gsp"};
}

std::unique_ptr<Reasoner> make_reasoner(const std::string& name, const ReasonerOptions& opt) {
  if (name == "seed") return make_seed_reasoner(opt);
  if (name == "raw") return make_raw_reasoner(false);
  if (name == "periodic") return make_raw_reasoner(true);
  if (name == "tracker") {
    TrackerOptions to;
    if (opt.decision_model) to.decision = *opt.decision_model;
    return make_tracker_reasoner(to);
  }
  if (name == "gsp") return make_gsp_reasoner(GspOptions{});
  std::string known;
  for (const auto& n : reasoner_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown reasoner '" + name + "' (known: " + known + ")");
}

namespace {
class NoModel final : public ModelClient {
 public:
  ModelResult ask(const ModelQuery&) override { return {std::nullopt, "no model configured", 0}; }
  std::string name() const override { return "none"; }
  bool available() const override { return false; }
};
}  // namespace

std::unique_ptr<ModelClient> make_no_model() { return std::make_unique<NoModel>(); }

}  // namespace p2a

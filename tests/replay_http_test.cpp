// The engine end to end against a real loopback OpenAI-compatible server: what replay sends
// (SPEC §4) at every reasoning moment, how the seed's window turns a known answer sequence
// into steps, frames sent as images, and every model failure the stream must survive.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pro2assist/engine.hpp"
#include "pro2assist/sim.hpp"
#include "support/base64.hpp"
#include "support/fake_openai_server.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const Guideline& tea() {
  static const Guideline g = load_guideline(fs::path(P2A_SOURCE_DIR) / "examples" / "tea.yaml");
  return g;
}

std::vector<StepId> tea_ids() {
  std::vector<StepId> ids;
  for (const Step& s : tea().steps) ids.push_back(s.id);
  return ids;
}

// A simulated tea session; duration_s cuts it short so failure tests stay quick.
Session simulated_session(const std::string& id, std::optional<double> duration_s = std::nullopt) {
  TimelineOptions topt;
  topt.seed = 7;
  const Annotations truth = simulate_timeline(tea(), topt);
  double end_s = 0;
  for (const auto& seg : truth.steps) end_s = std::max(end_s, seg.end_s);
  Session s;
  s.meta.session_id = id;
  s.meta.task = "tea";
  s.meta.duration_s = duration_s.value_or(end_s + 5.0);
  SensorOptions sopt;
  sopt.seed = 7;
  synthesize_sensors(truth, *s.meta.duration_s, sopt, s);
  return s;
}

HttpModelOptions http_options(const std::string& base_url, double timeout_s = 5.0) {
  HttpModelOptions o;
  o.base_url = base_url;
  o.model = "replay-test-vlm";
  o.timeout_s = timeout_s;
  o.connect_timeout_s = 1.0;
  return o;
}

std::string fixed3(double t_s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", t_s);
  return buf;
}

std::string user_text(const json& request) {
  const json& parts = request.at("messages").at(1).at("content");
  for (const auto& p : parts)
    if (p.value("type", "") == "text") return p.at("text").get<std::string>();
  return {};
}

// The image parts of a request's user message, decoded.
std::vector<std::string> images(const json& request) {
  std::vector<std::string> out;
  const std::string prefix = "data:image/jpeg;base64,";
  for (const auto& p : request.at("messages").at(1).at("content")) {
    if (p.value("type", "") != "image_url") continue;
    const std::string url = p.at("image_url").at("url").get<std::string>();
    EXPECT_EQ(url.rfind(prefix, 0), 0u) << url.substr(0, 40);
    out.push_back(base64_decode(url.substr(prefix.size())));
  }
  return out;
}

// "Completed steps, in order: ..." as the prompt writes it for these ids.
std::string completed_line(const std::vector<StepId>& done) {
  std::string line = "Completed steps, in order: ";
  if (done.empty()) return line + "none yet";
  for (std::size_t i = 0; i < done.size(); ++i)
    line += (i ? ", " : "") + done[i] + " (" + tea().find(done[i])->text + ")";
  return line;
}

std::size_t count_vlm(const std::vector<Decision>& ds) {
  return static_cast<std::size_t>(
      std::count_if(ds.begin(), ds.end(), [](const Decision& d) { return d.vlm; }));
}

// The seed's window rule, written from the paper's description: the active step changes to
// the answered step once it holds at least tau_c of the last W answers; the step it replaces
// is then completed.
struct SeedWindow {
  int w = ReasonerOptions{}.seed_window;
  double tau_c = ReasonerOptions{}.seed_tau_c;
  std::deque<StepId> window;
  std::optional<StepId> active;
  std::vector<StepId> completed;

  void answer(const StepId& step) {
    window.push_back(step);
    if (static_cast<int>(window.size()) > w) window.pop_front();
    if (active == step) return;
    const double votes = static_cast<double>(std::count(window.begin(), window.end(), step));
    if (votes / static_cast<double>(window.size()) < tau_c) return;
    if (active && std::find(completed.begin(), completed.end(), *active) == completed.end())
      completed.push_back(*active);
    active = step;
  }
};

constexpr const char* kStatusNames[] = {"just_start", "in_progress", "about_to_finish",
                                        "transition"};

// A fixed answer script by request number: the guideline's steps in turn, six requests each,
// with a fixed pseudo-random 40% of answers naming a neighbouring step (so the window sees
// mixed votes), and varied status and trigger.
json scripted_answer(std::size_t n) {
  const std::vector<StepId> ids = tea_ids();
  const std::size_t noise = (n * 2654435761u) >> 7 & 15;  // fixed hash of n, 0..15
  std::size_t k = (n / 6) % ids.size();
  if (noise < 4) k = (k + 1) % ids.size();
  else if (noise < 6) k = (k + ids.size() - 1) % ids.size();
  else if (noise == 6) k = (k + 3) % ids.size();
  return {{"step", ids[k]},
          {"status", kStatusNames[n % 4]},
          {"trigger", n % 3 == 0},
          {"response", "scripted answer " + std::to_string(n)}};
}

// ---- The seed against a scripted model ---------------------------------------------------

TEST(ReplayHttp, SeedRequestsAndStepsFollowTheScriptedAnswers) {
  FakeOpenAIServer server;
  std::mutex m;
  std::vector<json> sent;  // answers in request order
  server.set_answer([&](const json&) {
    std::lock_guard lock(m);
    sent.push_back(scripted_answer(sent.size()));
    return sent.back();
  });
  const Session s = simulated_session("http-seed-1");
  auto model = make_http_model(http_options(server.base_url()));
  EngineStats stats;
  const auto decisions =
      replay_session(s, tea(), make_reasoner("seed", {}), *model, &stats);

  const auto requests = server.requests();
  ASSERT_GT(stats.key_moments, 50u);
  EXPECT_EQ(decisions.size(), stats.key_moments);
  EXPECT_EQ(stats.decisions, decisions.size());
  EXPECT_EQ(count_vlm(decisions), decisions.size());
  EXPECT_EQ(stats.model_calls, decisions.size());
  EXPECT_EQ(stats.model_failures, 0u);
  ASSERT_EQ(requests.size(), stats.model_calls);
  ASSERT_EQ(sent.size(), requests.size());
  for (const auto& p : server.paths()) EXPECT_EQ(p, "/v1/chat/completions");

  const json step_enum = tea_ids();
  SeedWindow expect;
  std::optional<std::pair<StepId, std::string>> last_answer;
  std::size_t delivered = 0, max_completed = 0;
  for (std::size_t k = 0; k < decisions.size(); ++k) {
    SCOPED_TRACE("request " + std::to_string(k));
    const json& req = requests[k];
    const Decision& d = decisions[k];
    ASSERT_TRUE(req.is_object());
    EXPECT_EQ(req["model"], "replay-test-vlm");
    EXPECT_EQ(req["metadata"]["session_id"], "http-seed-1");
    EXPECT_EQ(req["metadata"]["t_s"], fixed3(d.t_s));
    if (k > 0) {
      EXPECT_GE(d.t_s, decisions[k - 1].t_s);
    }
    ASSERT_EQ(req["messages"].size(), 2u);
    EXPECT_EQ(req["messages"][0]["role"], "system");
    EXPECT_EQ(req["messages"][0]["content"], system_prompt());
    EXPECT_EQ(req["messages"][1]["role"], "user");
    EXPECT_TRUE(images(req).empty());
    EXPECT_EQ(req.dump().find("image_url"), std::string::npos);
    EXPECT_EQ(req["response_format"]["type"], "json_schema");
    EXPECT_EQ(req["response_format"]["json_schema"]["schema"]["properties"]["step"]["enum"],
              step_enum);

    // The context sent is the state before this answer.
    const std::string text = user_text(req);
    EXPECT_NE(text.find(completed_line(expect.completed) + "\n"), std::string::npos) << text;
    const std::string belief =
        expect.active ? *expect.active + " (" + tea().find(*expect.active)->text + ")"
                      : "not known yet";
    EXPECT_NE(text.find("Current step (tracker's belief): " + belief + "\n"), std::string::npos)
        << text;
    max_completed = std::max(max_completed, expect.completed.size());

    const json& a = sent[k];
    const StepId step = a["step"];
    const std::string status = a["status"];
    expect.answer(step);
    ASSERT_TRUE(d.vlm);
    EXPECT_EQ(d.step, expect.active);
    EXPECT_EQ(d.completed, expect.completed);
    ASSERT_TRUE(d.status);
    EXPECT_EQ(to_string(*d.status), status);
    EXPECT_EQ(d.trigger, a["trigger"].get<bool>());
    // A triggered answer is shown unless it repeats the previous (step, status).
    const bool repeated = last_answer && last_answer->first == step && last_answer->second == status;
    const bool deliver = a["trigger"].get<bool>() && !repeated;
    EXPECT_EQ(d.deliver, deliver);
    if (deliver) {
      ++delivered;
      EXPECT_EQ(d.message, a["response"].get<std::string>());
      // Shown for the window's active step, which an answer naming another step does not move.
      EXPECT_EQ(d.about, expect.active);
      const bool ending = status == "about_to_finish" || status == "transition";
      EXPECT_EQ(d.kind, ending ? Kind::NextStep : Kind::Instruction);
    }
    last_answer = std::make_pair(step, status);
  }
  EXPECT_EQ(stats.delivered, delivered);
  // The script walks the whole guideline, so the completed list must have grown well past one.
  EXPECT_GE(max_completed, 5u);
  // The completed list never shrinks for the seed.
  for (std::size_t k = 1; k < decisions.size(); ++k)
    EXPECT_GE(decisions[k].completed.size(), decisions[k - 1].completed.size());
}

// ---- Frames ---------------------------------------------------------------------------------

struct FrameFile {
  double t_s;
  std::string bytes;
};

// A session folder with only session.json and frames: no IMU (a pair every second from 0)
// and no hand motion (every pair is a key moment).
fs::path write_frame_session(const std::string& name, double duration_s,
                             const std::vector<FrameFile>& frames) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "replay_http" / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "frames");
  std::ofstream(dir / "session.json")
      << json{{"session_id", name}, {"task", "tea"}, {"duration_s", duration_s}}.dump();
  std::ofstream csv(dir / "frames.csv");
  csv << "t_s,file\n";
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::string file = "frames/" + std::to_string(i) + ".jpg";
    std::ofstream(dir / file, std::ios::binary) << frames[i].bytes;
    csv << frames[i].t_s << "," << file << "\n";
  }
  return dir;
}

// Distinct, JPEG-looking bytes (SOI marker, a NUL, bytes that need padding in base64).
std::string fake_jpeg(int i) {
  std::string b = "\xFF\xD8\xFF\xE0";
  b += std::string(1, '\0');
  b += "frame-" + std::to_string(i);
  for (int k = 0; k < 10 + i; ++k) b += static_cast<char>((k * 37 + i * 11) & 0xFF);
  return b;
}

// The frame nearest a pair, when one is within a second of it.
std::optional<std::string> nearest_frame(const std::vector<FrameFile>& frames, double t_s) {
  std::optional<std::string> best;
  double best_dt = 1e9;
  for (const auto& f : frames) {
    const double dt = std::abs(f.t_s - t_s);
    if (dt < best_dt) {
      best_dt = dt;
      best = f.bytes;
    }
  }
  if (best_dt > 1.0 + 1e-9) return std::nullopt;
  return best;
}

void check_frames_sent(const std::string& name, const std::vector<FrameFile>& frames,
                       double duration_s) {
  FakeOpenAIServer server;
  const Session s = read_session(write_frame_session(name, duration_s, frames));
  ASSERT_EQ(s.frames.size(), frames.size());
  auto model = make_http_model(http_options(server.base_url()));
  EngineStats stats;
  const auto decisions = replay_session(s, tea(), make_reasoner("seed", {}), *model, &stats);
  const auto requests = server.requests();
  // Pairs at 0, 1, ..., duration_s.
  ASSERT_EQ(decisions.size(), static_cast<std::size_t>(duration_s) + 1);
  ASSERT_EQ(requests.size(), decisions.size());
  for (std::size_t k = 0; k < decisions.size(); ++k) {
    const double t = decisions[k].t_s;
    SCOPED_TRACE("pair at t=" + fixed3(t));
    EXPECT_DOUBLE_EQ(t, static_cast<double>(k));
    EXPECT_EQ(requests[k]["metadata"]["t_s"], fixed3(t));
    const auto sent = images(requests[k]);
    const auto want = nearest_frame(frames, t);
    if (want) {
      ASSERT_EQ(sent.size(), 1u);
      EXPECT_EQ(sent[0], *want);
      EXPECT_EQ(user_text(requests[k]).find("No camera frame"), std::string::npos);
    } else {
      EXPECT_TRUE(sent.empty());
      EXPECT_NE(user_text(requests[k]).find("No camera frame is available"), std::string::npos);
    }
  }
}

TEST(ReplayHttp, FramesAtPairTimesAreSentAsImages) {
  // Pairs at 0..4: frames 0, 1, 2, then frame 2 again (1 s away), then none (2 s away).
  check_frames_sent("frames-on-ticks",
                    {{0.0, fake_jpeg(0)}, {1.0, fake_jpeg(1)}, {2.0, fake_jpeg(2)}}, 4.0);
}

TEST(ReplayHttp, TheNearestFrameIsSentEvenWhenItFollowsThePair) {
  // Frames shortly after a pair (within the 0.25 s flow lookahead the engine already waits
  // for) are nearer than the last one before it: pair 1 -> frame at 1.2, pair 3 -> 3.1.
  check_frames_sent("frames-after-ticks",
                    {{0.0, fake_jpeg(0)}, {1.2, fake_jpeg(1)}, {3.1, fake_jpeg(2)}}, 5.0);
}

// ---- Failures -------------------------------------------------------------------------------

enum class Failure { Refused, Stall, Status500, OutOfSchema, BadContent, Close };

std::string failure_name(const testing::TestParamInfo<Failure>& info) {
  switch (info.param) {
    case Failure::Refused: return "Refused";
    case Failure::Stall: return "Stall";
    case Failure::Status500: return "Status500";
    case Failure::OutOfSchema: return "OutOfSchema";
    case Failure::BadContent: return "BadContent";
    case Failure::Close: return "Close";
  }
  return "unknown";
}

class ReplayHttpFailure : public testing::TestWithParam<Failure> {
 protected:
  void SetUp() override {
    server_.set_stall_s(1.0);
    switch (GetParam()) {
      case Failure::Refused:
        url_ = "http://127.0.0.1:" + std::to_string(unused_loopback_port()) + "/v1";
        return;
      case Failure::Stall: server_.set_mode(FakeOpenAIServer::Mode::Stall); break;
      case Failure::Status500: server_.set_mode(FakeOpenAIServer::Mode::Status500); break;
      case Failure::OutOfSchema: server_.set_mode(FakeOpenAIServer::Mode::OutOfSchema); break;
      case Failure::BadContent: server_.set_mode(FakeOpenAIServer::Mode::BadContent); break;
      case Failure::Close: server_.set_mode(FakeOpenAIServer::Mode::Close); break;
    }
    url_ = server_.base_url();
  }
  std::unique_ptr<ModelClient> model() { return make_http_model(http_options(url_, 0.2)); }
  // Requests that reached the server (none when refused).
  std::size_t received() const {
    return GetParam() == Failure::Refused ? 0 : server_.requests().size();
  }

  FakeOpenAIServer server_;
  std::string url_;
};

TEST_P(ReplayHttpFailure, SeedKeepsDecidingWithoutTheModel) {
  const Session s = simulated_session("http-fail-seed", 20.0);
  auto m = model();
  EngineStats stats;
  const auto decisions = replay_session(s, tea(), make_reasoner("seed", {}), *m, &stats);
  ASSERT_GT(stats.key_moments, 5u);
  EXPECT_EQ(decisions.size(), stats.key_moments);
  EXPECT_EQ(stats.model_calls, stats.key_moments);
  EXPECT_EQ(stats.model_failures, stats.model_calls);
  EXPECT_EQ(stats.delivered, 0u);
  if (GetParam() != Failure::Refused) {
    EXPECT_EQ(received(), stats.model_calls);
  }
  for (const Decision& d : decisions) {
    SCOPED_TRACE("t=" + fixed3(d.t_s));
    EXPECT_TRUE(d.vlm);
    EXPECT_FALSE(d.deliver);
    EXPECT_FALSE(d.trigger);
    EXPECT_FALSE(d.step);
    EXPECT_FALSE(d.status);
    EXPECT_TRUE(d.completed.empty());
    EXPECT_TRUE(d.message.empty());
  }
}

// The tracker with a failing model must do exactly what it does with no model at all (its
// steps then come from the guideline's durations), except that it says it asked.
TEST_P(ReplayHttpFailure, TrackerFallsBackToDurations) {
  const Session s = simulated_session("http-fail-tracker", 90.0);
  auto none = make_no_model();
  EngineStats none_stats;
  const auto baseline = replay_session(s, tea(), make_reasoner("tracker", {}), *none, &none_stats);

  auto m = model();
  EngineStats stats;
  const auto decisions = replay_session(s, tea(), make_reasoner("tracker", {}), *m, &stats);
  ASSERT_EQ(decisions.size(), baseline.size());
  EXPECT_EQ(decisions.size(), stats.pairs);
  EXPECT_GT(stats.model_calls, 3u);
  EXPECT_EQ(stats.model_failures, stats.model_calls);
  EXPECT_EQ(count_vlm(decisions), stats.model_calls);
  EXPECT_EQ(none_stats.model_calls, 0u);
  if (GetParam() != Failure::Refused) {
    EXPECT_EQ(received(), stats.model_calls);
  }
  std::size_t with_step = 0;
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    SCOPED_TRACE("t=" + fixed3(decisions[i].t_s));
    Decision d = decisions[i];
    EXPECT_FALSE(baseline[i].vlm);
    d.vlm = false;
    EXPECT_EQ(to_json(d), to_json(baseline[i]));
    if (d.step) {
      ++with_step;
      EXPECT_TRUE(tea().find(*d.step)) << *d.step;
    }
  }
  // 90 s into tea, durations alone must have put the user on some step.
  EXPECT_GT(with_step, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, ReplayHttpFailure,
                         testing::Values(Failure::Refused, Failure::Stall, Failure::Status500,
                                         Failure::OutOfSchema, Failure::BadContent,
                                         Failure::Close),
                         failure_name);

// ---- A model that fails for a while and comes back ----------------------------------------

TEST(ReplayHttp, StreamRecoversWhenTheModelComesBack) {
  constexpr std::size_t kOk = 8, kDown = 6;
  FakeOpenAIServer server;
  std::atomic<std::size_t> n{0};
  server.set_answer([&](const json&) -> json {
    const std::size_t i = n++;
    // A throwing callback makes the server answer 500.
    if (i >= kOk && i < kOk + kDown) throw std::runtime_error("model down");
    const StepId step = i < kOk ? "fill_kettle" : "boil_water";
    return {{"step", step}, {"status", "in_progress"}, {"trigger", false}, {"response", ""}};
  });
  const Session s = simulated_session("http-switch", 60.0);
  auto model = make_http_model(http_options(server.base_url()));
  EngineStats stats;
  const auto d = replay_session(s, tea(), make_reasoner("seed", {}), *model, &stats);
  ASSERT_GE(d.size(), kOk + kDown + 4);
  EXPECT_EQ(server.requests().size(), d.size());
  EXPECT_EQ(stats.model_calls, d.size());
  EXPECT_EQ(stats.model_failures, kDown);
  EXPECT_EQ(count_vlm(d), d.size());

  for (std::size_t i = 0; i < d.size(); ++i) {
    SCOPED_TRACE("decision " + std::to_string(i));
    if (i < kOk + kDown + 2) {
      // Through the outage the state holds; the window needs three boil_water answers of six.
      EXPECT_EQ(d[i].step, StepId("fill_kettle"));
      EXPECT_EQ(d[i].status, Status::InProgress);
      EXPECT_TRUE(d[i].completed.empty());
    } else {
      EXPECT_EQ(d[i].step, StepId("boil_water"));
      EXPECT_EQ(d[i].completed, std::vector<StepId>{"fill_kettle"});
    }
  }
}

}  // namespace
}  // namespace p2a

// The model client against a real loopback OpenAI-compatible server: request shape (SPEC §4),
// answer parsing, and every failure the engine must survive without the model.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "pro2assist/model.hpp"
#include "support/base64.hpp"
#include "support/fake_openai_server.hpp"

namespace p2a {
namespace {

Guideline tea_guideline() {
  Guideline g;
  g.id = "tea";
  g.title = "Brew a cup of tea";
  Step measure;
  measure.id = "measure_water";
  measure.text = "Measure 12 ounces of cold water";
  measure.details = "Use the liquid measuring cup on a flat surface";
  measure.duration_s = DurationRange{10, 60};
  Step boil;
  boil.id = "boil_water";
  boil.text = "Boil the water";
  boil.requires_ = {"measure_water"};
  Step steep;
  steep.id = "steep_tea";
  steep.text = "Steep the tea bag for 3 minutes";
  steep.requires_ = {"boil_water", "measure_water"};
  steep.critical = true;
  g.steps = {measure, boil, steep};
  g.finalize();
  return g;
}

// CaptainCook4D-style guideline whose step ids are numbers written as strings.
Guideline numbered_guideline() {
  Guideline g;
  g.id = "pinwheels";
  g.title = "Pinwheels";
  for (int i = 1; i <= 3; ++i) {
    Step s;
    s.id = std::to_string(i);
    s.text = "Step number " + std::to_string(i);
    if (i > 1) s.requires_ = {std::to_string(i - 1)};
    g.steps.push_back(s);
  }
  g.finalize();
  return g;
}

ModelQuery query(const Guideline& g) {
  ModelQuery q;
  q.session_id = "session-7";
  q.t_s = 12.5;
  q.guideline = &g;
  q.completed = {"measure_water"};
  q.current_step = "boil_water";
  q.motion_cue = "the right hand is moving left";
  return q;
}

HttpModelOptions options(const std::string& base_url) {
  HttpModelOptions o;
  o.base_url = base_url;
  o.model = "test-vlm";
  o.timeout_s = 5.0;
  o.connect_timeout_s = 2.0;
  return o;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string chat_body(const nlohmann::json& content) {
  return nlohmann::json{{"choices", {{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", content}}}}}}}
      .dump();
}

// ---- Request shape, checked on what the server actually received -------------------------

TEST(ModelClient, RequestWithoutFrameHasSystemAndOneTextPart) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  auto client = make_http_model(options(server.base_url()));
  const ModelResult r = client->ask(query(g));
  ASSERT_TRUE(r.answer) << r.error;

  ASSERT_EQ(server.paths().size(), 1u);
  EXPECT_EQ(server.paths()[0], "/v1/chat/completions");
  const nlohmann::json req = server.requests().at(0);
  EXPECT_EQ(req["model"], "test-vlm");
  EXPECT_EQ(req["temperature"], 0);
  ASSERT_EQ(req["messages"].size(), 2u);
  EXPECT_EQ(req["messages"][0]["role"], "system");
  EXPECT_EQ(req["messages"][0]["content"], system_prompt());
  EXPECT_EQ(req["messages"][1]["role"], "user");
  const nlohmann::json& parts = req["messages"][1]["content"];
  ASSERT_TRUE(parts.is_array());
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0]["type"], "text");
  EXPECT_EQ(parts[0]["text"], user_context_text(query(g)));
  EXPECT_EQ(req.dump().find("image_url"), std::string::npos);

  EXPECT_EQ(req["response_format"]["type"], "json_schema");
  const nlohmann::json& js = req["response_format"]["json_schema"];
  EXPECT_EQ(js["name"], "step_state");
  EXPECT_EQ(js["strict"], true);
  EXPECT_EQ(js["schema"]["properties"]["step"]["enum"],
            nlohmann::json({"measure_water", "boil_water", "steep_tea"}));
  EXPECT_EQ(js["schema"]["properties"]["status"]["enum"],
            nlohmann::json({"just_start", "in_progress", "about_to_finish", "transition"}));

  ASSERT_TRUE(req["metadata"]["session_id"].is_string());
  EXPECT_EQ(req["metadata"]["session_id"], "session-7");
  ASSERT_TRUE(req["metadata"]["t_s"].is_string());
  EXPECT_EQ(req["metadata"]["t_s"], "12.500");

  // The server's default answer is the schema's first step.
  EXPECT_EQ(r.answer->step, "measure_water");
  EXPECT_EQ(r.answer->status, Status::InProgress);
  EXPECT_FALSE(r.answer->trigger);
  EXPECT_TRUE(r.error.empty());
}

TEST(ModelClient, FrameIsSentAsBase64DataUrlThatDecodesToTheBytes) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  auto client = make_http_model(options(server.base_url()));
  // Every byte value, and a length that is not a multiple of 3, to exercise the padding.
  std::string jpeg = "\xFF\xD8\xFF\xE0";
  for (int i = 0; i < 1000; ++i) jpeg += static_cast<char>(i * 37 % 256);
  jpeg += "\xFF\xD9";
  for (std::size_t extra : {0u, 1u, 2u}) {
    ModelQuery q = query(g);
    q.frame_jpeg = jpeg.substr(0, jpeg.size() - extra);
    ASSERT_TRUE(client->ask(q).answer);
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (std::size_t extra = 0; extra < 3; ++extra) {
    const nlohmann::json& parts = requests[extra]["messages"][1]["content"];
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0]["type"], "text");
    EXPECT_EQ(parts[1]["type"], "image_url");
    const std::string url = parts[1]["image_url"]["url"];
    const std::string prefix = "data:image/jpeg;base64,";
    ASSERT_EQ(url.rfind(prefix, 0), 0u) << url.substr(0, 40);
    EXPECT_EQ(base64_decode(url.substr(prefix.size())), jpeg.substr(0, jpeg.size() - extra));
  }
}

// A frame stored as PNG (or GIF, WebP) is labelled as such in its data URI, not as JPEG.
TEST(ModelClient, FrameMediaTypeFollowsTheBytes) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  auto client = make_http_model(options(server.base_url()));
  const std::vector<std::pair<std::string, std::string>> frames = {
      {std::string("\x89PNG\r\n\x1a\n", 8) + "rest of a png", "image/png"},
      {"GIF89a and the rest", "image/gif"},
      {std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16), "image/webp"},
      {"\xFF\xD8\xFF\xE0 a jpeg", "image/jpeg"}};
  for (const auto& [bytes, mime] : frames) {
    ModelQuery q = query(g);
    q.frame_jpeg = bytes;
    ASSERT_TRUE(client->ask(q).answer);
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::string url = requests[i]["messages"][1]["content"][1]["image_url"]["url"];
    const std::string prefix = "data:" + frames[i].second + ";base64,";
    ASSERT_EQ(url.rfind(prefix, 0), 0u) << url.substr(0, 40);
    EXPECT_EQ(base64_decode(url.substr(prefix.size())), frames[i].first);
  }
}

TEST(ModelClient, GoodAnswerParsesAndConnectionIsReused) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  // The answer echoes the request's t_s, so each reply provably belongs to its request.
  server.set_answer([](const nlohmann::json& req) {
    const bool late = req["metadata"]["t_s"] == "30.000";
    return nlohmann::json{{"step", late ? "steep_tea" : "boil_water"},
                          {"status", late ? "just_start" : "about_to_finish"},
                          {"trigger", true},
                          {"response", "Pour the boiling water over the tea bag."}};
  });
  auto client = make_http_model(options(server.base_url()));
  ModelQuery q = query(g);
  const ModelResult first = client->ask(q);
  q.t_s = 30.0;
  const ModelResult second = client->ask(q);
  ASSERT_TRUE(first.answer) << first.error;
  ASSERT_TRUE(second.answer) << second.error;
  EXPECT_EQ(first.answer->step, "boil_water");
  EXPECT_EQ(first.answer->status, Status::AboutToFinish);
  EXPECT_TRUE(first.answer->trigger);
  EXPECT_EQ(first.answer->response, "Pour the boiling water over the tea bag.");
  EXPECT_EQ(second.answer->step, "steep_tea");
  EXPECT_EQ(second.answer->status, Status::JustStart);
  EXPECT_GT(first.latency_s, 0.0);
  EXPECT_EQ(server.connections_accepted(), 1u);  // keep-alive
}

TEST(ModelClient, BearerTokenIsSentWhenConfigured) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  HttpModelOptions o = options(server.base_url() + "/");  // trailing slash is tolerated
  o.api_key = "sekret";
  ASSERT_TRUE(make_http_model(o)->ask(query(g)).answer);
  ASSERT_EQ(server.header_values("Authorization").size(), 1u);
  EXPECT_EQ(server.header_values("Authorization")[0], "Bearer sekret");
  EXPECT_EQ(server.paths()[0], "/v1/chat/completions");
  EXPECT_EQ(server.header_values("content-type")[0], "application/json");

  if (std::getenv("P2A_API_KEY") == nullptr) {
    ASSERT_TRUE(make_http_model(options(server.base_url()))->ask(query(g)).answer);
    EXPECT_EQ(server.header_values("Authorization").at(1), "");
  }
}

TEST(ModelClient, NameShowsUrlAndModel) {
  auto client = make_http_model(options("http://127.0.0.1:9/v1/"));
  EXPECT_EQ(client->name(), "http:http://127.0.0.1:9/v1 model=test-vlm");
}

// ---- Failures are results, never exceptions ---------------------------------------------

TEST(ModelClient, RefusedConnectionIsAnError) {
  const Guideline g = tea_guideline();
  auto client =
      make_http_model(options("http://127.0.0.1:" + std::to_string(unused_loopback_port()) + "/v1"));
  ModelResult r;
  EXPECT_NO_THROW(r = client->ask(query(g)));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(lower(r.error).find("connection"), std::string::npos) << r.error;
}

TEST(ModelClient, StallPastTimeoutIsATimeout) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Stall);
  server.set_stall_s(2.0);
  HttpModelOptions o = options(server.base_url());
  o.timeout_s = 0.3;
  const ModelResult r = make_http_model(o)->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(r.error.find("timeout"), std::string::npos) << r.error;
  EXPECT_EQ(server.requests().size(), 1u);  // it did reach the server
}

TEST(ModelClient, StallOnAReusedConnectionIsAResponseTimeout) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  HttpModelOptions o = options(server.base_url());
  o.timeout_s = 0.3;
  auto client = make_http_model(o);
  ASSERT_TRUE(client->ask(query(g)).answer);
  server.set_mode(FakeOpenAIServer::Mode::Stall);
  server.set_stall_s(2.0);
  const ModelResult r = client->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_EQ(r.error, "timeout after 0.3 s");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(ModelClient, StallWithinTimeoutStillAnswers) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Stall);
  server.set_stall_s(0.2);
  const ModelResult r = make_http_model(options(server.base_url()))->ask(query(g));
  ASSERT_TRUE(r.answer) << r.error;
  EXPECT_EQ(r.answer->step, "measure_water");
}

TEST(ModelClient, Status500IsAnErrorWithTheBody) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Status500);
  const ModelResult r = make_http_model(options(server.base_url()))->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(r.error.find("500"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("fake server error"), std::string::npos) << r.error;
}

TEST(ModelClient, WrongPathIs404) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  const std::string no_v1 = "http://127.0.0.1:" + std::to_string(server.port());
  const ModelResult r = make_http_model(options(no_v1))->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(r.error.find("HTTP 404"), std::string::npos) << r.error;
  EXPECT_EQ(server.paths().at(0), "/chat/completions");
}

TEST(ModelClient, ClosedConnectionIsAnError) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Close);
  auto client = make_http_model(options(server.base_url()));
  const ModelResult r = client->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(lower(r.error).find("connection"), std::string::npos) << r.error;
  // The client recovers on a fresh connection once the server behaves.
  server.set_mode(FakeOpenAIServer::Mode::Answer);
  EXPECT_TRUE(client->ask(query(g)).answer);
}

TEST(ModelClient, OutOfSchemaContentIsAnError) {
  const Guideline g = tea_guideline();
  FakeOpenAIServer server;
  auto client = make_http_model(options(server.base_url()));

  server.set_mode(FakeOpenAIServer::Mode::OutOfSchema);
  ModelResult r = client->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_EQ(r.error, "model answer out of schema: unknown step 'no_such_step'");

  server.set_mode(FakeOpenAIServer::Mode::BadContent);
  r = client->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(r.error.find("not a JSON object"), std::string::npos) << r.error;

  server.set_mode(FakeOpenAIServer::Mode::Answer);
  server.set_answer([](const nlohmann::json&) {
    return nlohmann::json{
        {"step", "boil_water"}, {"status", "dancing"}, {"trigger", false}, {"response", ""}};
  });
  r = client->ask(query(g));
  EXPECT_FALSE(r.answer);
  EXPECT_NE(r.error.find("unknown status 'dancing'"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
}

TEST(ModelClient, QueryWithoutGuidelineIsAnErrorNotAThrow) {
  auto client = make_http_model(options("http://127.0.0.1:9/v1"));
  ModelQuery q;
  q.t_s = 1.0;
  ModelResult r;
  EXPECT_NO_THROW(r = client->ask(q));
  EXPECT_FALSE(r.answer);
  EXPECT_FALSE(r.error.empty());
}

TEST(ModelClient, RepeatedFailuresWarnOncePerKind) {
  const Guideline g = tea_guideline();
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("model_client_test", ring);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);

  FakeOpenAIServer server;
  server.set_mode(FakeOpenAIServer::Mode::Status500);
  auto client = make_http_model(options(server.base_url()));
  for (int i = 0; i < 3; ++i) client->ask(query(g));
  server.set_mode(FakeOpenAIServer::Mode::OutOfSchema);
  for (int i = 0; i < 2; ++i) client->ask(query(g));
  spdlog::set_default_logger(previous);

  int warnings = 0, debugs = 0;
  for (const auto& m : ring->last_raw()) {
    const std::string text(m.payload.data(), m.payload.size());
    if (m.level == spdlog::level::warn) {
      ++warnings;
      EXPECT_NE(text.find("t=12.500"), std::string::npos) << text;
    }
    if (m.level == spdlog::level::debug) ++debugs;
  }
  EXPECT_EQ(warnings, 2);  // one for HTTP 500, one for the schema violation
  EXPECT_EQ(debugs, 3);
}

// ---- Prompt pieces ---------------------------------------------------------------------

TEST(Prompt, SystemPromptAsksForTheFourFieldsAsJson) {
  const std::string p = system_prompt();
  for (const char* word : {"step", "status", "trigger", "response", "just_start", "in_progress",
                           "about_to_finish", "transition", "JSON", "egocentric"})
    EXPECT_NE(p.find(word), std::string::npos) << word;
}

TEST(Prompt, UserContextListsGuidelineCompletedCurrentMotionAndTime) {
  const Guideline g = tea_guideline();
  const std::string text = user_context_text(query(g));
  EXPECT_NE(text.find("Brew a cup of tea"), std::string::npos) << text;
  EXPECT_NE(text.find("- measure_water: Measure 12 ounces of cold water \u2014 details: Use the "
                      "liquid measuring cup on a flat surface; takes 10-60 s"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("- boil_water: Boil the water (requires: measure_water)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(requires: boil_water, measure_water) [critical]"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Completed steps, in order: measure_water (Measure 12 ounces"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("boil_water (Boil the water)"), std::string::npos) << text;
  EXPECT_NE(text.find("the right hand is moving left"), std::string::npos) << text;
  EXPECT_NE(text.find("12.5 s"), std::string::npos) << text;

  ModelQuery fresh = query(g);
  fresh.completed.clear();
  fresh.current_step.reset();
  const std::string start = user_context_text(fresh);
  EXPECT_NE(start.find("none yet"), std::string::npos) << start;
  EXPECT_NE(start.find("not known yet"), std::string::npos) << start;
}

TEST(Prompt, AnswerSchemaIsStrict) {
  const nlohmann::json s = answer_schema(tea_guideline());
  EXPECT_EQ(s["type"], "object");
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["required"], nlohmann::json({"step", "status", "trigger", "response"}));
  EXPECT_EQ(s["properties"]["trigger"]["type"], "boolean");
  EXPECT_EQ(s["properties"]["response"]["type"], "string");
  EXPECT_EQ(s["properties"]["step"]["enum"].size(), 3u);
}

// ---- parse_chat_response ---------------------------------------------------------------

TEST(ParseChatResponse, FencedJsonIsAccepted) {
  const Guideline g = tea_guideline();
  const ModelResult r = parse_chat_response(
      chat_body("```json\n{\"step\": \"steep_tea\", \"status\": \"transition\", \"trigger\": "
                "false, \"response\": \"Wait.\"}\n```"),
      g);
  ASSERT_TRUE(r.answer) << r.error;
  EXPECT_EQ(r.answer->step, "steep_tea");
  EXPECT_EQ(r.answer->status, Status::Transition);
  EXPECT_EQ(r.answer->response, "Wait.");
}

TEST(ParseChatResponse, NumericStepIdAndStringTrigger) {
  const Guideline g = numbered_guideline();
  const ModelResult r = parse_chat_response(
      chat_body(R"({"step": 2, "status": "just start", "trigger": "true", "response": "Go."})"), g);
  ASSERT_TRUE(r.answer) << r.error;
  EXPECT_EQ(r.answer->step, "2");
  EXPECT_EQ(r.answer->status, Status::JustStart);
  EXPECT_TRUE(r.answer->trigger);

  const ModelResult missing = parse_chat_response(
      chat_body(R"({"step": 7, "status": "in_progress", "trigger": false})"), g);
  EXPECT_FALSE(missing.answer);
  EXPECT_EQ(missing.error, "model answer out of schema: unknown step '7'");
}

TEST(ParseChatResponse, StepTextMapsToItsIdAndMissingResponseIsEmpty) {
  const Guideline g = tea_guideline();
  const ModelResult r = parse_chat_response(
      chat_body(R"({"step": "Boil the water", "status": "in_progress", "trigger": false})"), g);
  ASSERT_TRUE(r.answer) << r.error;
  EXPECT_EQ(r.answer->step, "boil_water");
  EXPECT_EQ(r.answer->response, "");
  // Case, spacing and punctuation aside, for the text and for the id.
  for (const char* said : {"boil the  water.", "BOIL THE WATER", "Boil-water", " Boil_Water "}) {
    const ModelResult loose = parse_chat_response(
        chat_body(nlohmann::json{{"step", said}, {"status", "in_progress"}, {"trigger", false}}.dump()),
        g);
    ASSERT_TRUE(loose.answer) << said << ": " << loose.error;
    EXPECT_EQ(loose.answer->step, "boil_water") << said;
  }
  // Words that are no step's stay unknown.
  const ModelResult other = parse_chat_response(
      chat_body(R"({"step": "boil the kettle", "status": "in_progress", "trigger": false})"), g);
  EXPECT_FALSE(other.answer);
}

TEST(ParseChatResponse, ContentAsTextParts) {
  const Guideline g = tea_guideline();
  const nlohmann::json parts = {
      {{"type", "text"},
       {"text", R"({"step": "measure_water", "status": "about_to_finish", "trigger": true, )"}},
      {{"type", "text"}, {"text", R"("response": "Stop at 12 oz."})"}}};
  const ModelResult r = parse_chat_response(chat_body(parts), g);
  ASSERT_TRUE(r.answer) << r.error;
  EXPECT_EQ(r.answer->status, Status::AboutToFinish);
  EXPECT_EQ(r.answer->response, "Stop at 12 oz.");
}

TEST(ParseChatResponse, ViolationsAreOneLineErrors) {
  const Guideline g = tea_guideline();
  struct Case {
    std::string body;
    std::string expected_prefix;
  };
  const std::vector<Case> cases = {
      {"not json at all", "malformed body"},
      {R"({"choices": []})", "no choices"},
      {R"({"object": "chat.completion"})", "no choices"},
      {R"({"choices": [{"message": {"role": "assistant"}}]})", "malformed body"},
      {R"({"error": {"message": "model not loaded"}})", "server error: model not loaded"},
      {chat_body("I think you are boiling water."), "model answer out of schema"},
      {chat_body(R"({"status": "in_progress", "trigger": false})"),
       "model answer out of schema: no step"},
      {chat_body(R"({"step": "boil_water", "status": "in_progress", "trigger": "maybe"})"),
       "model answer out of schema: trigger is not a boolean"},
      {chat_body(R"({"step": "boil_water", "status": 3, "trigger": false})"),
       "model answer out of schema: status"},
      {chat_body(R"({"step": "boil_water", "status": "in_progress", "trigger": false,
                     "response": 5})"),
       "model answer out of schema: response is not a string"},
      {chat_body(R"({"step": ["boil_water"], "status": "in_progress", "trigger": false})"),
       "model answer out of schema: step is not a string"},
  };
  for (const Case& c : cases) {
    const ModelResult r = parse_chat_response(c.body, g);
    EXPECT_FALSE(r.answer) << c.body;
    EXPECT_EQ(r.error.rfind(c.expected_prefix, 0), 0u) << c.body << " -> " << r.error;
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  }
}

}  // namespace
}  // namespace p2a

// Guideline model and loaders (SPEC §2) on the real CaptainCook4D and ANGEL files, on
// native files written here, and on every way a file can be wrong.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pro2assist/guideline.hpp"
#include "support/shell.hpp"

namespace fs = std::filesystem;
using p2a::Guideline;

namespace {

const fs::path kDatasets = fs::path(P2A_SHARED_DIR) / "datasets";
const fs::path kGraphs = kDatasets / "captaincook4d" / "task_graphs";
const fs::path kAngel = kDatasets / "angel_tasks";
const fs::path kTeaExample = fs::path(P2A_SOURCE_DIR) / "examples" / "tea.yaml";

fs::path tmp_dir(const std::string& name) {
  fs::path d = fs::path(P2A_TEST_TMP) / "guideline" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Position of each step in the topological order.
std::map<std::string, std::size_t> topo_positions(const Guideline& g) {
  std::map<std::string, std::size_t> pos;
  for (std::size_t k = 0; k < g.topo_order().size(); ++k) pos[g.at(g.topo_order()[k]).id] = k;
  return pos;
}

// Runs `body` and returns the p2a::Error message it throws ("" when it throws nothing).
template <class F>
std::string error_of(F body) {
  try {
    body();
  } catch (const p2a::Error& e) {
    return e.what();
  }
  return "";
}

std::vector<Guideline> angel_library() {
  std::vector<Guideline> lib;
  for (const char* sub : {"cooking", "medical"}) {
    for (const auto& f : files_in(kAngel / sub, ".yaml")) lib.push_back(p2a::load_guideline(f));
  }
  return lib;
}

}  // namespace

namespace p2a {
// Readable failures for EXPECT_EQ on steps.
void PrintTo(const Step& s, std::ostream* os) {
  *os << "{id " << s.id << ", text '" << s.text << "', requires " << s.requires_.size()
      << ", details '" << s.details << "', duration "
      << (s.duration_s ? std::to_string(s.duration_s->min_s) + "-" + std::to_string(s.duration_s->max_s)
                       : "none")
      << ", critical " << s.critical << ", optional " << s.optional << ", source_text '"
      << s.source_text << "'}";
}
}  // namespace p2a

// ---- CaptainCook4D -------------------------------------------------------------------------

TEST(CaptainCook4D, EveryGraphLoadsWithItsStepsAndEdges) {
  const auto files = files_in(kGraphs, ".json");
  ASSERT_EQ(files.size(), 24u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    nlohmann::json raw;
    std::ifstream(f) >> raw;
    std::set<std::string> terminals;
    std::map<std::string, std::string> texts;
    for (const auto& [k, v] : raw["steps"].items()) {
      const std::string t = v.get<std::string>();
      if (t == "START" || t == "END") {
        terminals.insert(k);
      } else {
        texts[k] = t;
      }
    }
    std::set<std::pair<std::string, std::string>> edges;  // (before, after), START/END dropped
    for (const auto& e : raw["edges"]) {
      const std::string a = std::to_string(e[0].get<int>()), b = std::to_string(e[1].get<int>());
      if (!terminals.count(a) && !terminals.count(b)) edges.emplace(a, b);
    }

    const Guideline g = p2a::load_guideline(f);
    EXPECT_EQ(g.id, f.stem().string());
    EXPECT_FALSE(g.title.empty());
    ASSERT_EQ(g.size(), raw["steps"].size() - 2);
    ASSERT_EQ(g.size(), texts.size());

    std::set<std::pair<std::string, std::string>> loaded;
    for (const auto& s : g.steps) {
      ASSERT_TRUE(texts.count(s.id)) << s.id;
      EXPECT_EQ(s.source_text, texts[s.id]);
      EXPECT_FALSE(s.text.empty());
      for (const auto& r : s.requires_) loaded.emplace(r, s.id);
    }
    EXPECT_EQ(loaded, edges);

    const auto pos = topo_positions(g);
    ASSERT_EQ(pos.size(), g.size());
    for (const auto& [a, b] : edges) EXPECT_LT(pos.at(a), pos.at(b)) << a << " -> " << b;
    // The steps themselves are listed in a doable order.
    for (std::size_t i = 0; i < g.size(); ++i) {
      for (std::size_t p : g.prereqs(i)) EXPECT_LT(p, i);
    }
  }
}

TEST(CaptainCook4D, CoffeeGraphConcreteSteps) {
  const Guideline g = p2a::load_guideline(kGraphs / "coffee.json");
  EXPECT_EQ(g.id, "coffee");
  EXPECT_EQ(g.title, "Coffee");
  ASSERT_EQ(g.size(), 16u);
  const p2a::Step* bloom = g.find("1");
  ASSERT_NE(bloom, nullptr);
  EXPECT_EQ(bloom->text.rfind("Wait about 30 seconds for the coffee to bloom.", 0), 0u) << bloom->text;
  EXPECT_EQ(bloom->source_text.rfind("Wait-Wait about 30 seconds", 0), 0u);
  EXPECT_EQ(bloom->requires_, std::vector<std::string>{"2"});
  // [16, 2] and [3, 2]: pouring to wet the grounds needs checked water and grounds in the cone.
  EXPECT_EQ(g.find("2")->requires_, (std::vector<std::string>{"3", "16"}));
  // Steps that only START precedes come first, smallest number first.
  EXPECT_EQ(g.steps.front().id, "7");
  EXPECT_EQ(g.steps.back().id, "8");
  EXPECT_TRUE(g.find("7")->requires_.empty());
  EXPECT_EQ(g.find("0"), nullptr);
  EXPECT_EQ(g.find("17"), nullptr);
}

TEST(CaptainCook4D, DescriptionsBecomeInstructions) {
  EXPECT_EQ(p2a::clean_captaincook_text("Pour-Pour a small amount of water into the filter"),
            "Pour a small amount of water into the filter");
  EXPECT_EQ(p2a::clean_captaincook_text("Coat -Coat a 6-oz. ramekin cup with cooking spray"),
            "Coat a 6-oz. ramekin cup with cooking spray");
  EXPECT_EQ(p2a::clean_captaincook_text("spread-spread open filter in dripper"),
            "Spread open filter in dripper");
  EXPECT_EQ(p2a::clean_captaincook_text("drain-Let the coffee drain completely"),
            "Let the coffee drain completely");
  // The instruction lacks its verb: the label supplies it.
  EXPECT_EQ(p2a::clean_captaincook_text("Add-1 egg to a blender"), "Add 1 egg to a blender");
  EXPECT_EQ(p2a::clean_captaincook_text("Measure and add-a pinch of salt to the mixing bowl"),
            "Measure and add a pinch of salt to the mixing bowl");
  // A dash that is not a label separator stays.
  EXPECT_EQ(p2a::clean_captaincook_text("1/2-inch slices"), "1/2-inch slices");
  EXPECT_EQ(p2a::clean_captaincook_text("stir well"), "Stir well");
}

// ---- EgoPER / ANGEL ------------------------------------------------------------------------

TEST(AngelTasks, EveryRecipeAndProcedureLoads) {
  const std::map<std::string, std::size_t> expected = {
      {"recipe_coffee", 25}, {"recipe_dessertquesadilla", 12}, {"recipe_mugcake", 32},
      {"recipe_oatmeal", 13}, {"recipe_pinwheel", 17},         {"recipe_tea", 13},
      {"a8", 5},             {"m2", 8},                        {"m3", 5},
      {"m4", 3},             {"m5", 5},                        {"r16", 5},
      {"r18-demo", 5},       {"r18", 5},                       {"r19", 6}};
  std::size_t seen = 0;
  for (const char* sub : {"cooking", "medical"}) {
    for (const auto& f : files_in(kAngel / sub, ".yaml")) {
      SCOPED_TRACE(f.string());
      // Independent count: labels other than the background.
      std::size_t labels = 0;
      for (const auto& l : YAML::LoadFile(f.string())["labels"]) labels += l["id"].as<int>() != 0;
      const Guideline g = p2a::load_guideline(f);
      EXPECT_EQ(g.id, f.stem().string());
      EXPECT_EQ(g.size(), labels);
      ASSERT_TRUE(expected.count(g.id));
      EXPECT_EQ(g.size(), expected.at(g.id));
      EXPECT_EQ(g.find("0"), nullptr);
      EXPECT_EQ(g.topo_order().size(), g.size());
      ++seen;
    }
  }
  EXPECT_EQ(seen, expected.size());
}

TEST(AngelTasks, TeaRecipeDependencies) {
  const Guideline g = p2a::load_guideline(kAngel / "cooking" / "recipe_tea.yaml");
  EXPECT_EQ(g.id, "recipe_tea");
  EXPECT_EQ(g.title, "Tea");
  ASSERT_EQ(g.size(), 13u);
  EXPECT_EQ(g.find("8")->requires_, (std::vector<std::string>{"3", "7"}));
  EXPECT_EQ(g.find("8")->text, "Steep for 3 minutes");
  EXPECT_EQ(g.find("8")->source_text, "steep");
  EXPECT_EQ(g.find("1")->text, "Measure 12 ounces of water in the liquid measuring cup");
  EXPECT_TRUE(g.find("1")->requires_.empty());  // `depends:` with nothing after it
  EXPECT_TRUE(g.find("3")->requires_.empty());
  EXPECT_TRUE(g.find("8")->details.empty());
  EXPECT_EQ(g.find("13")->requires_, (std::vector<std::string>{"10", "12"}));
  // File order is already a valid order, so the topological order keeps it.
  for (std::size_t k = 0; k < g.size(); ++k) EXPECT_EQ(g.topo_order()[k], k);
}

TEST(AngelTasks, FilesWithoutDependsAreSequential) {
  const Guideline m2 = p2a::load_guideline(kAngel / "medical" / "m2.yaml");
  EXPECT_EQ(m2.title, "Tourniquet");
  ASSERT_EQ(m2.size(), 8u);
  EXPECT_TRUE(m2.steps[0].requires_.empty());
  for (std::size_t i = 1; i < m2.size(); ++i) {
    EXPECT_EQ(m2.steps[i].requires_, std::vector<std::string>{m2.steps[i - 1].id});
  }
  // Mug cake has neither a title nor full sentences: both come from names.
  const Guideline cake = p2a::load_guideline(kAngel / "cooking" / "recipe_mugcake.yaml");
  EXPECT_EQ(cake.title, "Recipe mugcake");
  EXPECT_EQ(cake.find("1")->text, "Place liner mug");
  EXPECT_EQ(cake.find("1")->source_text, "place-liner-mug");
  EXPECT_EQ(cake.find("32")->requires_, std::vector<std::string>{"31"});
}

// ---- native form ---------------------------------------------------------------------------

TEST(NativeGuideline, YamlWithDurationsFlagsAndNumericIds) {
  const fs::path dir = tmp_dir("native_yaml");
  const fs::path f = write_file(dir, "pancakes.yaml", R"(
title: Pancakes
aliases: [make pancakes, "pancake breakfast"]
steps:
  - id: 1
    text: Whisk flour, egg and milk
    requires: []
    details: Whisk until no lumps remain
    duration_s: [60, 120]
    critical: yes
  - id: 2
    text: Heat the pan
    duration_s: 90
  - id: 3
    text: Pour batter
    requires: [1, "2"]
    optional: true
  - id: 4
    text: Flip
    requires: 3
)");
  const Guideline g = p2a::load_guideline(f);
  EXPECT_EQ(g.id, "pancakes");  // no id: the file stem
  EXPECT_EQ(g.title, "Pancakes");
  EXPECT_EQ(g.aliases, (std::vector<std::string>{"make pancakes", "pancake breakfast"}));
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g.steps[0].id, "1");
  EXPECT_EQ(g.steps[0].details, "Whisk until no lumps remain");
  ASSERT_TRUE(g.steps[0].duration_s);
  EXPECT_DOUBLE_EQ(g.steps[0].duration_s->min_s, 60);
  EXPECT_DOUBLE_EQ(g.steps[0].duration_s->max_s, 120);
  EXPECT_DOUBLE_EQ(g.steps[0].duration_s->mean_s(), 90);
  EXPECT_TRUE(g.steps[0].critical);
  EXPECT_FALSE(g.steps[0].optional);
  ASSERT_TRUE(g.steps[1].duration_s);
  EXPECT_DOUBLE_EQ(g.steps[1].duration_s->min_s, 90);
  EXPECT_DOUBLE_EQ(g.steps[1].duration_s->max_s, 90);
  EXPECT_TRUE(g.steps[1].requires_.empty());
  EXPECT_EQ(g.steps[2].requires_, (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(g.steps[2].optional);
  EXPECT_FALSE(g.steps[2].duration_s);
  EXPECT_EQ(g.steps[3].requires_, std::vector<std::string>{"3"});
  EXPECT_EQ(g.prereqs(2), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(g.successors(0), std::vector<std::size_t>{2});
  EXPECT_EQ(g.index_of("4"), std::optional<std::size_t>(3));
  EXPECT_EQ(g.index_of("5"), std::nullopt);
  EXPECT_EQ(g.source, f.string());
}

TEST(NativeGuideline, JsonFile) {
  const fs::path dir = tmp_dir("native_json");
  const fs::path f = write_file(dir, "x.json", R"({
  "id": "sandwich", "title": "Make a sandwich",
  "steps": [
    {"id": "bread", "text": "Take two slices of bread", "duration_s": [5, 15]},
    {"id": 7, "text": "Spread butter", "requires": ["bread"], "critical": true},
    {"id": "close", "text": "Close the sandwich", "requires": [7], "optional": false}
  ]})");
  const Guideline g = p2a::load_guideline(f);
  EXPECT_EQ(g.id, "sandwich");
  EXPECT_EQ(g.title, "Make a sandwich");
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g.steps[1].id, "7");
  EXPECT_TRUE(g.steps[1].critical);
  EXPECT_EQ(g.steps[2].requires_, std::vector<std::string>{"7"});
  ASSERT_TRUE(g.steps[0].duration_s);
  EXPECT_DOUBLE_EQ(g.steps[0].duration_s->max_s, 15);
}

TEST(NativeGuideline, TopologicalOrderKeepsFileOrderWhereItCan) {
  const Guideline g = p2a::parse_guideline_text(R"(
id: order
steps:
  - {id: c, text: C, requires: [b]}
  - {id: a, text: A}
  - {id: b, text: B, requires: [a]}
  - {id: d, text: D}
)", "order.yaml");
  std::vector<std::string> order;
  for (std::size_t i : g.topo_order()) order.push_back(g.at(i).id);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(NativeGuideline, TeaExampleHasParallelBranches) {
  const Guideline g = p2a::load_guideline(kTeaExample);
  EXPECT_EQ(g.id, "tea");
  EXPECT_EQ(g.title, "Brew a cup of tea");
  EXPECT_EQ(g.aliases, (std::vector<std::string>{"make tea", "brew tea", "cup of tea"}));
  ASSERT_EQ(g.size(), 9u);
  std::size_t critical = 0;
  for (const auto& s : g.steps) {
    SCOPED_TRACE(s.id);
    EXPECT_FALSE(s.details.empty());
    ASSERT_TRUE(s.duration_s);
    EXPECT_LE(s.duration_s->min_s, s.duration_s->max_s);
    critical += s.critical;
  }
  EXPECT_GE(critical, 1u);
  EXPECT_LE(critical, 2u);
  // Boiling water and getting the mug ready: no path either way, both needed to pour.
  auto reaches = [&](std::size_t from, std::size_t to) {
    std::vector<std::size_t> stack{from};
    std::set<std::size_t> seen;
    while (!stack.empty()) {
      std::size_t i = stack.back();
      stack.pop_back();
      if (i == to) return true;
      if (!seen.insert(i).second) continue;
      for (std::size_t s : g.successors(i)) stack.push_back(s);
    }
    return false;
  };
  const std::size_t boil = *g.index_of("boil_water"), bag = *g.index_of("add_tea_bag");
  EXPECT_FALSE(reaches(boil, bag));
  EXPECT_FALSE(reaches(bag, boil));
  EXPECT_EQ(g.find("pour_water")->requires_, (std::vector<std::string>{"boil_water", "add_tea_bag"}));
  EXPECT_DOUBLE_EQ(g.find("steep")->duration_s->min_s, 180);
}

// ---- saving --------------------------------------------------------------------------------

void expect_same(const Guideline& a, const Guideline& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.aliases, b.aliases);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.steps[i], b.steps[i]) << "step " << a.steps[i].id;
  }
  EXPECT_EQ(a.topo_order(), b.topo_order());
}

TEST(SaveGuideline, RoundTripsYamlAndJson) {
  const fs::path dir = tmp_dir("round_trip");
  Guideline tea = p2a::load_guideline(kTeaExample);
  // Values that a careless writer would mangle: numeric-looking text, quotes, colons, 0.1.
  tea.steps[0].details = "Fill to: \"350 ml\" # not a comment";
  tea.steps[1].text = "1.50";
  tea.steps[2].text = "true";
  tea.steps[3].duration_s = p2a::DurationRange{0.1, 12.345678901234567};
  std::vector<Guideline> originals = {tea, p2a::load_guideline(kGraphs / "coffee.json"),
                                      p2a::load_guideline(kAngel / "cooking" / "recipe_tea.yaml")};
  for (const auto& g : originals) {
    for (const char* ext : {".yaml", ".yml", ".json"}) {
      SCOPED_TRACE(g.id + ext);
      const fs::path f = dir / (g.id + "_saved" + ext);
      p2a::save_guideline(g, f);
      Guideline back = p2a::load_guideline(f);
      back.id = g.id;  // a saved file carries its id; only the stem differs
      expect_same(g, back);
    }
  }
  // Text that looks like a number or a boolean stays text for any YAML reader.
  std::ifstream saved(dir / "tea_saved.yaml");
  const std::string yaml((std::istreambuf_iterator<char>(saved)), std::istreambuf_iterator<char>());
  EXPECT_NE(yaml.find("text: \"1.50\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("text: \"true\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("duration_s: [180, 300]\n"), std::string::npos) << yaml;
  EXPECT_EQ(YAML::LoadFile((dir / "tea_saved.yaml").string())["steps"][1]["text"].Tag(), "!");
  // The written JSON is the native form: readable field names, id kept.
  const nlohmann::json j = p2a::guideline_to_json(originals[0]);
  EXPECT_EQ(j["id"], "tea");
  EXPECT_EQ(j["steps"][4]["id"], "pour_water");
  EXPECT_EQ(j["steps"][4]["requires"], nlohmann::json({"boil_water", "add_tea_bag"}));
  EXPECT_EQ(j["steps"][4]["critical"], true);
  EXPECT_EQ(j["steps"][5]["duration_s"], nlohmann::json({180.0, 300.0}));
}

TEST(SaveGuideline, UnwritablePathIsAnError) {
  const Guideline tea = p2a::load_guideline(kTeaExample);
  const std::string msg = error_of([&] { p2a::save_guideline(tea, "/nonexistent-dir/x/tea.yaml"); });
  EXPECT_NE(msg.find("/nonexistent-dir/x/tea.yaml"), std::string::npos) << msg;
}

// ---- malformed input -----------------------------------------------------------------------

TEST(MalformedGuideline, EachProblemNamesWhere) {
  const fs::path dir = tmp_dir("malformed");
  struct Case {
    const char* name;
    const char* text;
    std::vector<std::string> expect;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {"cycle.yaml",
       "steps:\n  - {id: a, text: A, requires: [c]}\n  - {id: b, text: B, requires: [a]}\n"
       "  - {id: c, text: C, requires: [b]}\n  - {id: d, text: D}\n",
       {"cycle.yaml: ", "dependency cycle through step 'a'", "(a -> b -> c -> a)"}},
      {"self.yaml", "steps:\n  - {id: a, text: A, requires: [a]}\n", {"cycle", "(a -> a)"}},
      {"downstream.yaml",  // the walk starts outside the cycle but must report the cycle
       "steps:\n  - {id: z, text: Z, requires: [y]}\n  - {id: x, text: X, requires: [y]}\n"
       "  - {id: y, text: Y, requires: [x]}\n",
       {"through step 'x'", "(x -> y -> x)"}},
      {"unknown.yaml", "steps:\n  - {id: a, text: A}\n  - {id: b, text: B, requires: [a, zz]}\n",
       {"unknown.yaml: ", "step 'b' requires unknown step 'zz'"}},
      {"dup.yaml", "steps:\n  - {id: a, text: A}\n  - {id: a, text: A again}\n",
       {"dup.yaml: ", "duplicate step id 'a'"}},
      {"empty.yaml", "id: e\nsteps: []\n", {"empty.yaml: ", "no steps"}},
      {"syntax.yaml", "id: x\nsteps:\n  - id: [a\n    text: b\n", {"syntax.yaml: ", "invalid YAML at line"}},
      {"syntax.json", "{\"steps\": [ {\"id\": \"a\",, } ]}", {"syntax.json: ", "invalid JSON", "line 1"}},
      {"unknown_format.yaml", "name: tea\nitems: [a, b]\n",
       {"unknown_format.yaml: ", "not a recognised guideline"}},
      {"scalar.yaml", "just some words\n", {"not a recognised guideline"}},
      {"no_text.yaml", "steps:\n  - {id: a}\n", {"step 'a' has no text"}},
      {"no_id.yaml", "steps:\n  - {text: A}\n", {"step #1 has no id"}},
      {"bad_duration.yaml", "steps:\n  - {id: a, text: A, duration_s: [60, 10]}\n",
       {"step 'a'", "duration_s [60, 10]"}},
      {"negative_duration.yaml", "steps:\n  - {id: a, text: A, duration_s: [-5, 10]}\n",
       {"step 'a'", "duration"}},
      {"text_duration.yaml", "steps:\n  - {id: a, text: A, duration_s: [short, 10]}\n",
       {"step 'a' duration_s must be a number"}},
      {"bad_flag.yaml", "steps:\n  - {id: a, text: A, critical: maybe}\n",
       {"step 'a' critical must be true or false"}},
      {"graph_edge.json", R"({"steps": {"0": "START", "1": "Add-Add salt", "2": "END"},
                              "edges": [[0, 1], [1, 5], [1, 2]]})",
       {"graph_edge.json: ", "unknown step '5'"}},
      {"graph_cycle.json", R"({"steps": {"0": "START", "1": "Add-Add salt", "2": "Stir-Stir", "3": "END"},
                               "edges": [[0, 1], [1, 2], [2, 1], [2, 3]]})",
       {"dependency cycle through step '1'", "(1 -> 2 -> 1)"}},
      // Keys given twice would keep only the last (a step lost without a word).
      {"graph_dup.json", R"({"steps": {"0": "START", "1": "Pour-Pour water", "1": "Dup-dup", "2": "END"},
                             "edges": [[0, 1], [1, 2]]})",
       {"graph_dup.json: ", "key '1' is given twice"}},
      {"steps_twice.yaml", "steps:\n  - {id: a, text: A}\nsteps:\n  - {id: b, text: B}\n",
       {"steps_twice.yaml: ", "key 'steps' is given twice"}},
      {"labels_unknown.yaml", "labels:\n  - {id: 0, label: background}\n  - {id: 1, label: a, depends: [9]}\n",
       {"step '1' requires unknown step '9'"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path f = write_file(dir, c.name, c.text);
    const std::string msg = error_of([&] { p2a::load_guideline(f); });
    ASSERT_FALSE(msg.empty()) << "no error";
    EXPECT_EQ(msg.rfind("guideline ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& e : c.expect) EXPECT_NE(msg.find(e), std::string::npos) << msg;
  }
}

TEST(MalformedGuideline, MissingFileAndFolder) {
  const fs::path missing = fs::path(P2A_TEST_TMP) / "guideline" / "does_not_exist.yaml";
  std::string msg = error_of([&] { p2a::load_guideline(missing); });
  EXPECT_NE(msg.find(missing.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
  msg = error_of([&] { p2a::load_guideline(kGraphs); });
  EXPECT_NE(msg.find("is a folder"), std::string::npos) << msg;
}

TEST(MalformedGuideline, FinalizeAfterEditingRechecks) {
  Guideline g = p2a::load_guideline(kTeaExample);
  g.steps[0].requires_ = {"stir_and_serve"};
  const std::string msg = error_of([&] { g.finalize(); });
  EXPECT_NE(msg.find("dependency cycle through step 'fill_kettle'"), std::string::npos) << msg;
  Guideline h = p2a::load_guideline(kTeaExample);
  h.steps.push_back(h.steps[3]);
  EXPECT_NE(error_of([&] { h.finalize(); }).find("duplicate step id 'add_tea_bag'"), std::string::npos);
  h.steps.clear();
  EXPECT_NE(error_of([&] { h.finalize(); }).find("no steps"), std::string::npos);
}

// ---- library and matching ------------------------------------------------------------------

TEST(GuidelineMatch, AngelRecipes) {
  const auto lib = angel_library();
  ASSERT_EQ(lib.size(), 15u);
  const Guideline* g = p2a::match_guideline(lib, "", "I'm going to brew a cup of tea");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->id, "recipe_tea");
  EXPECT_EQ(p2a::match_guideline(lib, "", "repair the car engine"), nullptr);
  EXPECT_EQ(p2a::match_guideline(lib, "repair the car engine", ""), nullptr);
  EXPECT_EQ(p2a::match_guideline(lib, "", ""), nullptr);
  EXPECT_EQ(p2a::match_guideline(lib, "recipe_coffee", "")->id, "recipe_coffee");
  EXPECT_EQ(p2a::match_guideline(lib, "Tourniquet", "")->id, "m2");
  EXPECT_EQ(p2a::match_guideline(lib, "", "let's make some oatmeal")->id, "recipe_oatmeal");
  EXPECT_EQ(p2a::match_guideline(lib, "", "I need to put on a tourniquet")->id, "m2");
}

TEST(GuidelineMatch, ExactIdBeatsWordsAndGluedNamesMatch) {
  std::vector<Guideline> lib;
  for (const auto& f : files_in(kGraphs, ".json")) lib.push_back(p2a::load_guideline(f));
  lib.push_back(p2a::load_guideline(kTeaExample));
  EXPECT_EQ(p2a::match_guideline(lib, "coffee", "I'd like some tea")->id, "coffee");
  EXPECT_EQ(p2a::match_guideline(lib, "", "brew tea")->id, "tea");
  EXPECT_EQ(p2a::match_guideline(lib, "", "time for a mug cake")->id, "mugcake");
  EXPECT_EQ(p2a::match_guideline(lib, "", "I want to make pancakes")->id, "blenderbananapancakes");
  EXPECT_EQ(p2a::match_guideline(lib, "", "scrambled eggs please")->id, "scrambledeggs");
  EXPECT_EQ(p2a::match_guideline(lib, "", "change the oil in my motorbike"), nullptr);
}

TEST(GuidelineLibrary, LoadsFolderAndSkipsBrokenFiles) {
  const fs::path dir = tmp_dir("library");
  fs::copy_file(kTeaExample, dir / "tea.yaml");
  fs::copy_file(kGraphs / "coffee.json", dir / "coffee.json");
  write_file(dir, "broken.yml", "steps:\n  - {id: a, text: A, requires: [nope]}\n");
  write_file(dir, "twin.yaml", "id: tea\nsteps:\n  - {id: a, text: A}\n");  // id already used
  write_file(dir, "notes.txt", "not a guideline");
  fs::create_directories(dir / "sub");
  fs::copy_file(kGraphs / "ramen.json", dir / "sub" / "ramen.json");  // not recursive
  const auto lib = p2a::load_guideline_library(dir);
  ASSERT_EQ(lib.size(), 2u);
  EXPECT_EQ(lib[0].id, "coffee");
  EXPECT_EQ(lib[1].id, "tea");
  EXPECT_EQ(lib[1].source, (dir / "tea.yaml").string());
  EXPECT_THROW(p2a::load_guideline_library(dir / "missing"), p2a::Error);
}

// ---- the validate command ------------------------------------------------------------------

ShellRun run_program(const std::string& args) {
  return run_shell(std::string(P2A_BINARY) + " " + args + " 2>&1");
}

TEST(ValidateCommand, ListsStepsInOrder) {
  const ShellRun r = run_program("validate " + kTeaExample.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Brew a cup of tea (tea)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("9 steps, 2 with no prerequisites, 2 critical\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  pour_water      Pour the hot water over the tea bag  "
                       "[requires: boil_water, add_tea_bag] [duration 10-30 s] [critical]\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[requires: remove_tea_bag] [duration 10-45 s] [optional]\n"), std::string::npos);
  EXPECT_NE(r.out.find("  fill_kettle     Fill the kettle with 350 ml of fresh cold water  [duration 10-40 s]\n"),
            std::string::npos)
      << r.out;
  EXPECT_LT(r.out.find("  boil_water"), r.out.find("  pour_water"));
  EXPECT_LT(r.out.find("  steep"), r.out.find("  remove_tea_bag"));
}

TEST(ValidateCommand, CaptainCookGraphInTopologicalOrder) {
  const ShellRun r = run_program("validate " + (kGraphs / "coffee.json").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Coffee (coffee)\n16 steps"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("Measure 12 ounces of cold water"), r.out.find("Transfer water to a kettle"));
}

TEST(ValidateCommand, InvalidFileExitsWithError) {
  const fs::path dir = tmp_dir("validate");
  const fs::path f = write_file(dir, "bad.yaml", "steps:\n  - {id: a, text: A, requires: [b]}\n  - {id: b, text: B, requires: [a]}\n");
  const ShellRun r = run_program("validate " + f.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("error: guideline " + f.string() + ": dependency cycle through step 'a'"),
            std::string::npos)
      << r.out;
}

// Session folder readers and writers (SPEC §1): generated folders with known contents, and the
// Project Aria MPS sample from the shared datasets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "pro2assist/session.hpp"
#include "pro2assist/types.hpp"
#include "sensors/aria_mps.hpp"
#include "sensors/csv.hpp"

namespace p2a {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kAriaGen1 = fs::path(P2A_SHARED_DIR) / "datasets/aria_mps_sample/gen1";

// A fresh folder per test, so reruns never see an earlier run's files.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(P2A_TEST_TMP) / "session_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << file;
}

void write_meta(const fs::path& dir, const std::string& extra = "") {
  write_text(dir / "session.json",
             R"({"session_id": "s1", "task": "tea")" + extra + "}\n");
}

const ReadReport& report_for(const Session& s, const std::string& file) {
  for (const auto& r : s.reports) {
    if (r.file == file) return r;
  }
  throw std::runtime_error("no report for " + file);
}

std::string error_of(const fs::path& dir) {
  try {
    read_session(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Session generated_session(const fs::path& dir, bool with_accel) {
  Session s;
  s.meta = {"gen-7", "tea", "I'm going to brew a cup of tea, \"strong\"", 42.5};
  for (int i = 0; i < 200; ++i) {
    ImuSample m;
    m.t_s = i * 0.02;
    m.gyro_rad_s = {std::sin(i * 0.1), -0.5 * std::cos(i * 0.07), 0.001 * i};
    if (with_accel) m.accel_m_s2 = std::array<double, 3>{0.1 * i, -9.81, 1.0 / (i + 1)};
    s.imu.push_back(m);
  }
  const Region regions[3] = {Region::Left, Region::Right, Region::Frame};
  for (int i = 0; i < 60; ++i) {
    s.hand_motion.push_back({0.1 * i, regions[i % 3], 3.25 * i - 40, -1.5 * (i % 7)});
  }
  s.utterances = {{1.5, "what's next?"}, {7.25, "done, \"really\"\nnext line"},
                  {30.0, "théière ☕"}};
  s.frames = {{0.0, dir / "frames" / "000000.jpg"},
              {0.5, dir / "frames" / "a, b.jpg"},
              {1.0, fs::path("/elsewhere/outside.jpg")}};
  return s;
}

TEST(SessionRoundTrip, WriteThenReadGivesTheSameData) {
  const fs::path dir = fresh_dir("round_trip");
  const Session in = generated_session(dir, true);
  write_session(in, dir);
  write_text(dir / "video.mp4", "");  // found by name only, never decoded

  const Session out = read_session(dir);
  EXPECT_EQ(out.dir, fs::absolute(dir).lexically_normal());
  EXPECT_EQ(out.meta.session_id, "gen-7");
  EXPECT_EQ(out.meta.task, "tea");
  EXPECT_EQ(out.meta.instruction, in.meta.instruction);
  ASSERT_TRUE(out.meta.duration_s.has_value());
  EXPECT_DOUBLE_EQ(*out.meta.duration_s, 42.5);
  EXPECT_DOUBLE_EQ(out.end_s(), 42.5);

  ASSERT_EQ(out.imu.size(), in.imu.size());
  for (std::size_t i = 0; i < in.imu.size(); ++i) {
    EXPECT_NEAR(out.imu[i].t_s, in.imu[i].t_s, 1e-6);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(out.imu[i].gyro_rad_s[k], in.imu[i].gyro_rad_s[k], 1e-5);
      ASSERT_TRUE(out.imu[i].accel_m_s2.has_value());
      EXPECT_NEAR((*out.imu[i].accel_m_s2)[k], (*in.imu[i].accel_m_s2)[k], 1e-5);
    }
  }
  ASSERT_EQ(out.hand_motion.size(), in.hand_motion.size());
  for (std::size_t i = 0; i < in.hand_motion.size(); ++i) {
    EXPECT_NEAR(out.hand_motion[i].t_s, in.hand_motion[i].t_s, 1e-6);
    EXPECT_EQ(out.hand_motion[i].region, in.hand_motion[i].region);
    EXPECT_NEAR(out.hand_motion[i].dx_px, in.hand_motion[i].dx_px, 1e-5);
    EXPECT_NEAR(out.hand_motion[i].dy_px, in.hand_motion[i].dy_px, 1e-5);
  }
  ASSERT_EQ(out.utterances.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(out.utterances[i].t_s, in.utterances[i].t_s);
    EXPECT_EQ(out.utterances[i].text, in.utterances[i].text);
  }
  ASSERT_EQ(out.frames.size(), 3u);
  EXPECT_EQ(out.frames[0].file, out.dir / "frames" / "000000.jpg");
  EXPECT_EQ(out.frames[1].file, out.dir / "frames" / "a, b.jpg");
  EXPECT_EQ(out.frames[2].file, fs::path("/elsewhere/outside.jpg"));
  EXPECT_DOUBLE_EQ(out.frames[1].t_s, 0.5);

  // Frames inside the folder are stored relative to it, so the folder can move.
  std::ifstream frames_csv(dir / "frames.csv");
  std::string header, first;
  std::getline(frames_csv, header);
  std::getline(frames_csv, first);
  EXPECT_EQ(header, "t_s,file");
  EXPECT_EQ(first, "0.000000,frames/000000.jpg");

  ASSERT_TRUE(out.video.has_value());
  EXPECT_EQ(*out.video, out.dir / "video.mp4");

  ASSERT_EQ(out.reports.size(), 4u);
  for (const auto& r : out.reports) {
    EXPECT_EQ(r.rows_skipped, 0u) << r.file;
    EXPECT_FALSE(r.reordered) << r.file;
  }
  EXPECT_EQ(report_for(out, "imu.csv").rows_read, 200u);
  EXPECT_EQ(report_for(out, "hand_motion.csv").rows_read, 60u);
  EXPECT_EQ(report_for(out, "utterances.jsonl").rows_read, 3u);
  EXPECT_EQ(report_for(out, "frames.csv").rows_read, 3u);
}

TEST(SessionRoundTrip, AccelIsWrittenOnlyWhenEverySampleHasIt) {
  const fs::path dir = fresh_dir("partial_accel");
  Session in = generated_session(dir, true);
  in.imu[17].accel_m_s2.reset();
  in.meta.duration_s.reset();
  in.utterances.clear();
  write_session(in, dir);

  std::ifstream imu_csv(dir / "imu.csv");
  std::string header;
  std::getline(imu_csv, header);
  EXPECT_EQ(header, "t_s,gx,gy,gz");

  const Session out = read_session(dir);
  ASSERT_EQ(out.imu.size(), 200u);
  for (const auto& m : out.imu) EXPECT_FALSE(m.accel_m_s2.has_value());
  EXPECT_FALSE(fs::exists(dir / "utterances.jsonl"));
  EXPECT_TRUE(out.utterances.empty());
  // No duration: the last timestamp over all streams (imu ends at 3.98, hand_motion at 5.9).
  EXPECT_NEAR(out.end_s(), 5.9, 1e-6);
}

TEST(SessionRoundTrip, RewritingWithFewerStreamsRemovesStaleFiles) {
  const fs::path dir = fresh_dir("stale");
  write_session(generated_session(dir, false), dir);
  Session smaller;
  smaller.meta = {"gen-8", "tea", "", std::nullopt};
  smaller.utterances = {{2.0, "hello"}};
  write_session(smaller, dir);

  const Session out = read_session(dir);
  EXPECT_TRUE(out.imu.empty());
  EXPECT_TRUE(out.hand_motion.empty());
  EXPECT_TRUE(out.frames.empty());
  ASSERT_EQ(out.utterances.size(), 1u);
  EXPECT_EQ(out.reports.size(), 1u);
  EXPECT_DOUBLE_EQ(out.end_s(), 2.0);
}

TEST(SessionReader, MalformedImuRowsAreSkippedAndCounted) {
  const fs::path dir = fresh_dir("bad_imu");
  write_meta(dir);
  write_text(dir / "imu.csv",
             "t_s,gx,gy,gz\n"       // line 1
             "0.0,0.1,0.2,0.3\n"    // 2 ok
             "0.1,abc,0.2,0.3\n"    // 3 bad number
             "0.2,0.1,,0.3\n"       // 4 missing value
             "\n"                   // 5 blank, ignored
             "0.3,0.1,0.2\n"        // 6 too few fields
             "0.4,nan,0.2,0.3\n"    // 7 NaN
             "0.5,0.1,0.2,0.3,9\n"  // 8 too many fields
             "0.6,1e-3,-2,+4\n"     // 9 ok
             "0.7,0.1,0.2,inf\n"    // 10 infinite
             "0.8,0.1,0.2,0.3x\n"); // 11 trailing garbage
  const Session s = read_session(dir);
  ASSERT_EQ(s.imu.size(), 2u);
  EXPECT_DOUBLE_EQ(s.imu[1].gyro_rad_s[0], 1e-3);
  EXPECT_DOUBLE_EQ(s.imu[1].gyro_rad_s[2], 4.0);
  const ReadReport& r = report_for(s, "imu.csv");
  EXPECT_EQ(r.rows_read, 2u);
  EXPECT_EQ(r.rows_skipped, 7u);
  EXPECT_FALSE(r.reordered);
  EXPECT_THAT(r.first_reasons,
              ElementsAre("line 3: bad number in 'gx': \"abc\"", "line 4: missing value in 'gy'",
                          "line 6: expected 4 fields, got 3", "line 7: bad number in 'gx': \"nan\"",
                          "line 8: expected 4 fields, got 5"));
}

TEST(SessionReader, HandMotionRegionsAreCaseInsensitiveAndUnknownOnesSkipped) {
  const fs::path dir = fresh_dir("regions");
  write_meta(dir);
  write_text(dir / "hand_motion.csv",
             "t_s,region,dx,dy\n"
             "0.1,LEFT,1,2\n"
             "0.2, Right ,3,4\n"
             "0.3,Frame,5,6\n"
             "0.4,head,7,8\n"
             "0.5,,9,10\n"
             "0.6,left,x,1\n");
  const Session s = read_session(dir);
  ASSERT_EQ(s.hand_motion.size(), 3u);
  EXPECT_EQ(s.hand_motion[0].region, Region::Left);
  EXPECT_EQ(s.hand_motion[1].region, Region::Right);
  EXPECT_EQ(s.hand_motion[2].region, Region::Frame);
  EXPECT_DOUBLE_EQ(s.hand_motion[1].dx_px, 3);
  EXPECT_DOUBLE_EQ(s.hand_motion[1].dy_px, 4);
  const ReadReport& r = report_for(s, "hand_motion.csv");
  EXPECT_EQ(r.rows_skipped, 3u);
  EXPECT_THAT(r.first_reasons, ElementsAre("line 5: unknown region 'head'",
                                           "line 6: unknown region ''",
                                           "line 7: bad number in 'dx': \"x\""));
}

TEST(SessionReader, BadUtteranceLinesAreSkippedAndCounted) {
  const fs::path dir = fresh_dir("utterances");
  write_meta(dir);
  write_text(dir / "utterances.jsonl",
             "{\"t_s\": 3.5, \"text\": \"what next?\"}\r\n"  // 1 ok (CRLF)
             "{\"t_s\": 1.0, \"text\": \"hi\"\n"               // 2 truncated JSON
             "\n"                                               // 3 blank
             "{\"t_s\": \"2\", \"text\": \"x\"}\n"              // 4 t_s is a string
             "{\"t_s\": 2.0}\n"                                 // 5 no text
             "[1, 2]\n"                                         // 6 not an object
             "{\"t_s\": 0.5, \"text\": \"first\", \"lang\": \"en\"}\n");  // 7 ok, extra key
  const Session s = read_session(dir);
  ASSERT_EQ(s.utterances.size(), 2u);
  EXPECT_EQ(s.utterances[0].text, "first");
  EXPECT_EQ(s.utterances[1].text, "what next?");
  const ReadReport& r = report_for(s, "utterances.jsonl");
  EXPECT_EQ(r.rows_read, 2u);
  EXPECT_EQ(r.rows_skipped, 4u);
  EXPECT_TRUE(r.reordered);
  ASSERT_EQ(r.first_reasons.size(), 4u);
  EXPECT_THAT(r.first_reasons[0], HasSubstr("line 2: bad JSON: "));
  EXPECT_EQ(r.first_reasons[0].find('\n'), std::string::npos);
  EXPECT_EQ(r.first_reasons[1], "line 4: missing number 't_s'");
  EXPECT_EQ(r.first_reasons[2], "line 5: missing string 'text'");
  EXPECT_EQ(r.first_reasons[3], "line 6: expected a JSON object");
}

TEST(SessionReader, KeepsOnlyTheFirstFiveReasonsButCountsEverySkip) {
  const fs::path dir = fresh_dir("many_bad");
  write_meta(dir);
  std::string csv = "t_s,gx,gy,gz\n";
  for (int i = 0; i < 12; ++i) csv += std::to_string(i) + (i % 3 == 0 ? ",1,2,3\n" : ",?,2,3\n");
  write_text(dir / "imu.csv", csv);
  const Session s = read_session(dir);
  const ReadReport& r = report_for(s, "imu.csv");
  EXPECT_EQ(r.rows_read, 4u);
  EXPECT_EQ(r.rows_skipped, 8u);
  ASSERT_EQ(r.first_reasons.size(), 5u);
  EXPECT_EQ(r.first_reasons[0], "line 3: bad number in 'gx': \"?\"");
  EXPECT_EQ(r.first_reasons[4], "line 9: bad number in 'gx': \"?\"");
}

TEST(SessionReader, OutOfOrderRowsAreStablySortedAndFlagged) {
  const fs::path dir = fresh_dir("order");
  write_meta(dir);
  write_text(dir / "imu.csv",
             "t_s,gx,gy,gz\n"
             "0.3,3,0,0\n"
             "0.1,1,0,0\n"
             "0.2,2,0,0\n"
             "0.1,4,0,0\n");
  write_text(dir / "frames.csv", "t_s,file\n2.0,b.jpg\n1.0,a.jpg\n");
  write_text(dir / "hand_motion.csv", "t_s,region,dx,dy\n0.1,left,1,1\n0.2,left,1,1\n");
  const Session s = read_session(dir);
  ASSERT_EQ(s.imu.size(), 4u);
  // Equal times keep their file order (stable), so a repeated stamp is not reshuffled.
  std::vector<double> gx;
  for (const auto& m : s.imu) gx.push_back(m.gyro_rad_s[0]);
  EXPECT_THAT(gx, ElementsAre(1, 4, 2, 3));
  EXPECT_TRUE(report_for(s, "imu.csv").reordered);
  ASSERT_EQ(s.frames.size(), 2u);
  EXPECT_EQ(s.frames[0].file, s.dir / "a.jpg");
  EXPECT_TRUE(report_for(s, "frames.csv").reordered);
  EXPECT_FALSE(report_for(s, "hand_motion.csv").reordered);
}

// frames.csv names files relative to the session folder; a bare name found only under
// frames/ is taken from there, and one found in neither place is kept as written.
TEST(SessionReader, BareFrameNamesAreFoundUnderFrames) {
  const fs::path dir = fresh_dir("bare_frames");
  write_meta(dir);
  fs::create_directories(dir / "frames");
  write_text(dir / "frames" / "f1.jpg", "jpeg");
  write_text(dir / "top.jpg", "jpeg");
  write_text(dir / "frames.csv", "t_s,file\n1.0,f1.jpg\n2.0,top.jpg\n3.0,frames/f1.jpg\n4.0,gone.jpg\n");
  const Session s = read_session(dir);
  ASSERT_EQ(s.frames.size(), 4u);
  EXPECT_EQ(s.frames[0].file, s.dir / "frames" / "f1.jpg");
  EXPECT_EQ(s.frames[1].file, s.dir / "top.jpg");
  EXPECT_EQ(s.frames[2].file, s.dir / "frames" / "f1.jpg");
  EXPECT_EQ(s.frames[3].file, s.dir / "gone.jpg");
}

TEST(SessionReader, ToleratesCrlfExtraColumnsQuotesAndBom) {
  const fs::path dir = fresh_dir("tolerant");
  write_meta(dir, R"(, "instruction": "make tea", "device": "aria")");
  write_text(dir / "imu.csv",
             "\xEF\xBB\xBF" "t_s,temp_c,gx,gy,gz,ax,ay,az,note\r\n"
             "0.00,31.5,0.1,0.2,0.3,0,0,-9.8,\"calm, still\"\r\n"
             "\r\n"
             "0.01,31.5,\"0.4\", 0.5 ,0.6,,,,\r\n"
             "0.02,31.6,0.7,0.8,0.9,1,2,3,\"a \"\"quoted\"\"\nmulti-line note\"\r\n");
  write_text(dir / "frames.csv", "file,t_s,camera\r\n\"frames/x, y.jpg\",0.5,rgb\r\n");
  const Session s = read_session(dir);
  EXPECT_EQ(s.meta.instruction, "make tea");
  EXPECT_FALSE(s.meta.duration_s.has_value());
  ASSERT_EQ(s.imu.size(), 3u);
  EXPECT_EQ(report_for(s, "imu.csv").rows_skipped, 0u);
  EXPECT_DOUBLE_EQ(s.imu[1].gyro_rad_s[0], 0.4);
  EXPECT_DOUBLE_EQ(s.imu[1].gyro_rad_s[1], 0.5);
  ASSERT_TRUE(s.imu[0].accel_m_s2.has_value());
  EXPECT_DOUBLE_EQ((*s.imu[0].accel_m_s2)[2], -9.8);
  EXPECT_FALSE(s.imu[1].accel_m_s2.has_value());  // all three accel cells empty
  ASSERT_TRUE(s.imu[2].accel_m_s2.has_value());
  EXPECT_DOUBLE_EQ((*s.imu[2].accel_m_s2)[0], 1);
  ASSERT_EQ(s.frames.size(), 1u);
  EXPECT_EQ(s.frames[0].file, s.dir / "frames" / "x, y.jpg");
  EXPECT_DOUBLE_EQ(s.end_s(), 0.5);
}

TEST(SessionReader, MissingSessionJsonIsAOneLineError) {
  const fs::path dir = fresh_dir("no_meta");
  write_text(dir / "imu.csv", "t_s,gx,gy,gz\n0,0,0,0\n");
  EXPECT_EQ(error_of(dir), "session " + dir.string() + ": missing session.json");
}

TEST(SessionReader, BadSessionJsonIsAOneLineErrorNamingTheProblem) {
  const fs::path dir = fresh_dir("bad_meta");
  write_text(dir / "session.json", "{\"session_id\": \"s\",\n \"task\": }\n");
  std::string e = error_of(dir);
  EXPECT_THAT(e, HasSubstr("session.json: parse error at line 2"));
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_EQ(e.find("[json.exception"), std::string::npos);

  write_text(dir / "session.json", R"({"session_id": "s"})");
  EXPECT_EQ(error_of(dir), "session " + dir.string() + ": session.json: missing 'task' (a string)");
  write_text(dir / "session.json", R"({"task": "tea", "session_id": 5})");
  EXPECT_THAT(error_of(dir), HasSubstr("session.json: 'session_id' must be a string"));
  write_text(dir / "session.json", R"(["not", "an", "object"])");
  EXPECT_THAT(error_of(dir), HasSubstr("session.json: expected a JSON object"));
  write_text(dir / "session.json", R"({"session_id": "s", "task": "t", "duration_s": "long"})");
  EXPECT_THAT(error_of(dir), HasSubstr("'duration_s' must be a number"));
  for (const char* d : {"0", "-3"}) {
    write_text(dir / "session.json",
               std::string(R"({"session_id": "s", "task": "t", "duration_s": )") + d + "}");
    EXPECT_THAT(error_of(dir), HasSubstr("'duration_s' must be positive, not " + std::string(d)));
  }
}

// Sensor times a day or more in are absolute timestamps, not seconds since the start (SPEC
// §1): the reader says so rather than handing a replay that would run for years.
TEST(SessionReader, AbsoluteTimestampsAreAOneLineError) {
  const fs::path dir = fresh_dir("absolute_times");
  write_meta(dir);
  write_text(dir / "hand_motion.csv", "t_s,region,dx,dy\n1764547200.0,left,1,0\n");
  const std::string e = error_of(dir);
  EXPECT_THAT(e, HasSubstr("hand_motion.csv: the first row is at t_s = 1764547200"));
  EXPECT_THAT(e, HasSubstr("absolute timestamps"));
  // Hours in is a long session, not a wrong clock.
  write_text(dir / "hand_motion.csv", "t_s,region,dx,dy\n7200.0,left,1,0\n");
  EXPECT_NO_THROW(read_session(dir));
}

TEST(SessionReader, MissingRequiredColumnIsAOneLineError) {
  const fs::path dir = fresh_dir("missing_column");
  write_meta(dir);
  write_text(dir / "imu.csv", "t_s,gx,gy\n0,0,0\n");
  EXPECT_EQ(error_of(dir), "session " + dir.string() + ": imu.csv: missing column 'gz'");

  write_text(dir / "imu.csv", "t_s,gx,gy,gz,ax,ay\n0,0,0,0,0,0\n");
  EXPECT_THAT(error_of(dir), HasSubstr("imu.csv: missing column 'az'"));

  write_text(dir / "imu.csv", "");
  EXPECT_THAT(error_of(dir), HasSubstr("imu.csv: no header line"));

  fs::remove(dir / "imu.csv");
  write_text(dir / "hand_motion.csv", "t_s,area,dx,dy\n");
  EXPECT_THAT(error_of(dir), HasSubstr("hand_motion.csv: missing column 'region'"));
}

TEST(SessionReader, EndIsTheLastTimestampWithoutADuration) {
  const fs::path dir = fresh_dir("end");
  write_meta(dir);
  EXPECT_DOUBLE_EQ(read_session(dir).end_s(), 0.0);
  write_text(dir / "utterances.jsonl", "{\"t_s\": 12.25, \"text\": \"ok\"}\n");
  write_text(dir / "imu.csv", "t_s,gx,gy,gz\n3,0,0,0\n9.5,0,0,0\n");
  EXPECT_DOUBLE_EQ(read_session(dir).end_s(), 12.25);
  write_meta(dir, R"(, "duration_s": 8)");
  EXPECT_DOUBLE_EQ(read_session(dir).end_s(), 8.0);
}

TEST(SessionReader, OnlyASessionWithoutAClockTakesItsLengthFromTheAnnotations) {
  const fs::path dir = fresh_dir("length_from_truth");
  write_meta(dir);
  Annotations truth;
  truth.steps = {{"boil", 2.0, 40.5}, {"pour", 41.0, 63.25}, {"steep", 30.0, 50.0}};
  Session bare = read_session(dir);
  const auto len = length_from_annotations(bare, truth);
  ASSERT_TRUE(len.has_value());
  EXPECT_DOUBLE_EQ(*len, 68.25);  // the latest end (not the last row's), plus a 5 s tail
  EXPECT_DOUBLE_EQ(bare.end_s(), 68.25);
  // Asked again, the session now has a clock of its own: nothing changes.
  EXPECT_FALSE(length_from_annotations(bare, Annotations{}).has_value());
  EXPECT_DOUBLE_EQ(bare.end_s(), 68.25);

  Session empty_truth = read_session(dir);
  EXPECT_FALSE(length_from_annotations(empty_truth, Annotations{}).has_value());
  EXPECT_DOUBLE_EQ(empty_truth.end_s(), 0.0);

  // A spoken request at the start is no clock: the annotations still give the length ...
  write_text(dir / "utterances.jsonl", "{\"t_s\": 0.5, \"text\": \"let's make tea\"}\n");
  Session with_request = read_session(dir);
  EXPECT_DOUBLE_EQ(with_request.end_s(), 0.5);
  ASSERT_TRUE(length_from_annotations(with_request, truth).has_value());
  EXPECT_DOUBLE_EQ(with_request.end_s(), 68.25);
  // ... unless something was said after the task's end.
  write_text(dir / "utterances.jsonl", "{\"t_s\": 90, \"text\": \"done\"}\n");
  Session said_later = read_session(dir);
  EXPECT_EQ(length_from_annotations(said_later, truth), 90.0);
  fs::remove(dir / "utterances.jsonl");

  write_text(dir / "imu.csv", "t_s,gx,gy,gz\n3,0,0,0\n9.5,0,0,0\n");
  Session with_rows = read_session(dir);
  EXPECT_FALSE(length_from_annotations(with_rows, truth).has_value());
  EXPECT_DOUBLE_EQ(with_rows.end_s(), 9.5);

  fs::remove(dir / "imu.csv");
  write_meta(dir, R"(, "duration_s": 8)");
  Session with_duration = read_session(dir);
  EXPECT_FALSE(length_from_annotations(with_duration, truth).has_value());
  EXPECT_DOUBLE_EQ(with_duration.end_s(), 8.0);
}

TEST(Region, ParsesAndPrints) {
  EXPECT_EQ(to_string(Region::Left), "left");
  EXPECT_EQ(to_string(Region::Right), "right");
  EXPECT_EQ(to_string(Region::Frame), "frame");
  EXPECT_EQ(parse_region("RIGHT"), Region::Right);
  EXPECT_EQ(parse_region("frame"), Region::Frame);
  EXPECT_EQ(parse_region("hand"), std::nullopt);
}

TEST(CsvRecord, SplitsQuotedFields) {
  std::vector<std::string> f;
  EXPECT_TRUE(split_csv_record(R"(a, "b,c" ,"say ""hi""",)", f));
  EXPECT_THAT(f, ElementsAre("a", "b,c", "say \"hi\"", ""));
  EXPECT_FALSE(split_csv_record(R"(a,"open)", f));
}

// The number of data rows in a CSV file, counted independently of the reader.
std::size_t data_lines(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) n += line.empty() ? 0 : 1;
  return n - 1;
}

TEST(AriaMps, TrajectoryStandsInForImuAtAtMost100Hz) {
  const fs::path dir = fresh_dir("aria_session");
  write_meta(dir);
  fs::create_directories(dir / "mps");
  fs::create_directory_symlink(kAriaGen1 / "trajectory", dir / "mps" / "trajectory");

  const Session s = read_session(dir);
  const ReadReport& r = report_for(s, "mps/trajectory/closed_loop_trajectory.csv");
  const fs::path csv = kAriaGen1 / "trajectory/closed_loop_trajectory.csv";
  EXPECT_EQ(r.rows_read, data_lines(csv));
  EXPECT_EQ(r.rows_skipped, 0u);
  EXPECT_FALSE(r.reordered);

  ASSERT_GT(s.imu.size(), 1000u);
  EXPECT_DOUBLE_EQ(s.imu.front().t_s, 0.0);
  // First row of the file: angular_velocity_{x,y,z}_device.
  EXPECT_DOUBLE_EQ(s.imu.front().gyro_rad_s[0], -0.054750);
  EXPECT_DOUBLE_EQ(s.imu.front().gyro_rad_s[1], 0.052271);
  EXPECT_DOUBLE_EQ(s.imu.front().gyro_rad_s[2], -0.064212);
  EXPECT_GT(s.imu.back().t_s, 11.0);
  EXPECT_LT(s.imu.back().t_s, 12.0);
  // <= 100 Hz: consecutive samples at least 10 ms apart, and about 100 per second.
  double max_norm = 0;
  for (std::size_t i = 0; i < s.imu.size(); ++i) {
    if (i > 0) ASSERT_GE(s.imu[i].t_s - s.imu[i - 1].t_s, 0.01 - 1e-9) << i;
    EXPECT_FALSE(s.imu[i].accel_m_s2.has_value());
    max_norm = std::max(max_norm, s.imu[i].gyro_norm_rad_s());
  }
  EXPECT_LE(s.imu.size() / s.imu.back().t_s, 100.0);
  EXPECT_GT(s.imu.size() / s.imu.back().t_s, 80.0);
  EXPECT_LT(max_norm, 5.0);
  EXPECT_GT(max_norm, 0.1);  // the wearer moves their head in this clip
  EXPECT_NEAR(s.end_s(), s.imu.back().t_s, 1e-12);
}

TEST(AriaMps, TrajectoryWithoutDecimationKeepsEveryRow) {
  ReadReport r;
  const fs::path csv = kAriaGen1 / "trajectory/closed_loop_trajectory.csv";
  const auto all = read_aria_trajectory(csv, r, 0.0);
  EXPECT_EQ(r.file, "closed_loop_trajectory.csv");
  EXPECT_EQ(all.size(), data_lines(csv));
  // tracking_timestamp_us runs from 149202610 to 160597999.
  EXPECT_NEAR(all.back().t_s, (160597999 - 149202610) / 1e6, 1e-9);
}

TEST(AriaMps, ImuCsvWinsOverMps) {
  const fs::path dir = fresh_dir("aria_and_imu");
  write_meta(dir);
  fs::create_directories(dir / "mps");
  fs::create_directory_symlink(kAriaGen1 / "trajectory", dir / "mps" / "slam");
  write_text(dir / "imu.csv", "t_s,gx,gy,gz\n0,1,1,1\n");
  const Session s = read_session(dir);
  EXPECT_EQ(s.imu.size(), 1u);
  EXPECT_EQ(s.reports.size(), 1u);
  fs::remove(dir / "imu.csv");
  const Session from_slam = read_session(dir);
  EXPECT_GT(from_slam.imu.size(), 1000u);
  EXPECT_EQ(from_slam.reports.at(0).file, "mps/slam/closed_loop_trajectory.csv");
}

TEST(AriaMps, WristAndPalmPosesMarkUntrackedHands) {
  for (const char* name : {"wrist_and_palm_poses.csv", "wrist_and_palm_poses_v2.csv"}) {
    SCOPED_TRACE(name);
    ReadReport r;
    const fs::path csv = kAriaGen1 / "hand_tracking" / name;
    const auto rows = read_aria_wrist_palm(csv, r);
    EXPECT_EQ(r.file, name);
    EXPECT_EQ(r.rows_skipped, 0u);
    ASSERT_EQ(rows.size(), data_lines(csv));
    EXPECT_DOUBLE_EQ(rows.front().t_s, 0.0);

    // In this clip the left hand is never tracked and the right hand in six rows, the first
    // at tracking_timestamp_us 159402529.
    std::size_t left = 0, right = 0;
    const AriaWristPalm* first_right = nullptr;
    for (const auto& row : rows) {
      left += row.left.has_value();
      right += row.right.has_value();
      if (row.right && !first_right) first_right = &row;
    }
    EXPECT_EQ(left, 0u);
    EXPECT_EQ(right, 6u);
    ASSERT_NE(first_right, nullptr);
    EXPECT_EQ(first_right->tracking_timestamp_us, 159402529);
    EXPECT_NEAR(first_right->t_s, (159402529 - 148502526) / 1e6, 1e-9);
    EXPECT_DOUBLE_EQ(first_right->right->confidence, 0.996126);
    EXPECT_DOUBLE_EQ(first_right->right->palm_device_m[0], 0.162831);
    EXPECT_DOUBLE_EQ(first_right->right->palm_device_m[1], -0.303017);
    EXPECT_DOUBLE_EQ(first_right->right->palm_device_m[2], -0.100652);
    ASSERT_TRUE(first_right->right->wrist_device_m.has_value());
    EXPECT_DOUBLE_EQ((*first_right->right->wrist_device_m)[0], 0.244013);
  }
}

TEST(AriaMps, WristPalmSkipsBadRowsAndHonoursOrigin) {
  const fs::path dir = fresh_dir("palm");
  write_text(dir / "palm.csv",
             "tracking_timestamp_us,left_tracking_confidence,tx_left_palm_device,"
             "ty_left_palm_device,tz_left_palm_device,right_tracking_confidence,"
             "tx_right_palm_device,ty_right_palm_device,tz_right_palm_device\n"
             "2000000,0.9,0.1,0.2,0.3,-1,0,0,0\n"
             "1000000,-1,,,,0.8,1,2,3\n"         // untracked hand's cells may be empty
             "3000000,0.7,bad,0.2,0.3,-1,0,0,0\n"
             "later,0.7,0.1,0.2,0.3,-1,0,0,0\n");
  ReadReport r;
  const auto rows = read_aria_wrist_palm(dir / "palm.csv", r, 500000);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(r.reordered);
  EXPECT_EQ(r.rows_skipped, 2u);
  EXPECT_THAT(r.first_reasons,
              ElementsAre("line 4: bad number in 'tx_left_palm_device': \"bad\"",
                          "line 5: bad number in 'tracking_timestamp_us': \"later\""));
  EXPECT_DOUBLE_EQ(rows[0].t_s, 0.5);
  EXPECT_FALSE(rows[0].left.has_value());
  ASSERT_TRUE(rows[0].right.has_value());
  EXPECT_FALSE(rows[0].right->wrist_device_m.has_value());  // no wrist columns in this file
  EXPECT_DOUBLE_EQ(rows[0].right->palm_device_m[2], 3);
  EXPECT_DOUBLE_EQ(rows[1].left->confidence, 0.9);
}

TEST(Annotations, RoundTripSortsAndConvertsNumericIds) {
  const fs::path dir = fresh_dir("annotations");
  write_text(dir / "annotations.json", R"({
    "steps": [{"step": "steep", "start_s": 40, "end_s": 70.5},
              {"step": 3, "start_s": 2.5, "end_s": 20},
              {"step": 4.0, "start_s": 20, "end_s": 40}],
    "errors": [{"step": "steep", "type": "order", "t_s": 41},
               {"step": 7, "type": "missing", "t_s": 21.5}]})");
  const Annotations a = read_annotations(dir / "annotations.json");
  ASSERT_EQ(a.steps.size(), 3u);
  EXPECT_EQ(a.steps[0].step, "3");
  EXPECT_EQ(a.steps[1].step, "4");
  EXPECT_EQ(a.steps[2].step, "steep");
  EXPECT_DOUBLE_EQ(a.steps[2].end_s, 70.5);
  ASSERT_EQ(a.errors.size(), 2u);
  EXPECT_EQ(a.errors[0].step, "7");
  EXPECT_EQ(a.errors[0].type, "missing");
  EXPECT_EQ(a.errors[1].type, "order");

  write_annotations(a, dir / "out" / "annotations.json");
  const Annotations b = read_annotations(dir / "out" / "annotations.json");
  ASSERT_EQ(b.steps.size(), a.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(b.steps[i].step, a.steps[i].step);
    EXPECT_DOUBLE_EQ(b.steps[i].start_s, a.steps[i].start_s);
    EXPECT_DOUBLE_EQ(b.steps[i].end_s, a.steps[i].end_s);
  }
  ASSERT_EQ(b.errors.size(), 2u);
  EXPECT_EQ(b.errors[1].step, "steep");
  EXPECT_DOUBLE_EQ(b.errors[1].t_s, 41);
}

TEST(Annotations, ErrorsAreOptionalAndBadEntriesNameTheStep) {
  const fs::path dir = fresh_dir("annotations_bad");
  const fs::path file = dir / "annotations.json";
  const auto error_of_file = [&](const std::string& text) -> std::string {
    write_text(file, text);
    try {
      read_annotations(file);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };

  write_text(file, R"({"steps": [{"step": "a", "start_s": 0, "end_s": 1}]})");
  EXPECT_TRUE(read_annotations(file).errors.empty());

  EXPECT_THAT(error_of_file(R"({"steps": [{"step": "boil", "start_s": 5, "end_s": 3}]})"),
              HasSubstr("step 'boil' ends (3.000 s) before it starts (5.000 s)"));
  EXPECT_THAT(error_of_file(R"({"steps": [{"step": "a", "start_s": 0, "end_s": 1},
                                          {"step": "b", "end_s": 3}]})"),
              HasSubstr("steps[1]: missing number 'start_s'"));
  EXPECT_THAT(error_of_file(R"({"errors": []})"), HasSubstr("missing 'steps' array"));
  EXPECT_THAT(error_of_file(R"({"steps": [], "errors": [{"step": "a", "t_s": 1}]})"),
              HasSubstr("errors[0]: missing string 'type'"));
  EXPECT_THAT(error_of_file("{\"steps\": [\n"), HasSubstr("parse error"));
  EXPECT_THAT(error_of_file("{\"steps\": [\n"), Not(HasSubstr("\n")));
  EXPECT_THROW(
      {
        try {
          read_annotations(dir / "absent.json");
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("absent.json: cannot open"));
          throw;
        }
      },
      Error);
}

}  // namespace
}  // namespace p2a

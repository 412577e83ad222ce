// include/access/core/log.h: the json and text line formats, escaping of values
// that came from the network, levels.
#include "access/core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "test_util.h"

using namespace access_service;
using json = nlohmann::json;

namespace {

// Captures what is written to stderr (fd 2) while it lives.
class StderrCapture {
 public:
  StderrCapture() {
    fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    int fd = open(tmp_.file("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    return testing::read_text(tmp_.file("err"));
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  testing::TempDir tmp_;
  int saved_ = -1;
};

// Level and format are process-wide: each test sets what it needs and the
// fixture puts back what the other suites expect (errors only, json).
struct LogFixture {
  LogFixture() {
    set_log_level("info");
    set_log_format("json");
  }
  ~LogFixture() {
    set_log_level("error");
    set_log_format("json");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(logging, LogFixture)

BOOST_AUTO_TEST_CASE(json_line_has_ts_level_pid_event_then_fields_in_order) {
  StderrCapture cap;
  LogLine(LogLevel::kInfo, "request")
      .str("method", "GET")
      .num("status", 200)
      .millis("ms", 1.5)
      .emit();
  std::string out = cap.text();
  BOOST_REQUIRE(!out.empty());
  BOOST_TEST(out.back() == '\n');
  BOOST_TEST(out.find('\n') == out.size() - 1);  // exactly one line
  json j = json::parse(out, nullptr, false);
  BOOST_REQUIRE(j.is_object());
  BOOST_TEST(j["level"] == "info");
  BOOST_TEST(j["pid"] == getpid());
  BOOST_TEST(j["event"] == "request");
  BOOST_TEST(j["method"] == "GET");
  BOOST_TEST(j["status"] == 200);
  BOOST_TEST(j["ms"].get<double>() == 1.5);
  std::string ts = j["ts"];
  BOOST_TEST(testing::has_shape(ts, "DDDD-DD-DDTDD:DD:DD.DDDZ"), ts);
  // Fixed order: ts, level, pid, event, then the fields as given.
  BOOST_TEST(out.find("{\"ts\":") == 0u);
  BOOST_TEST(out.find("\"level\"") < out.find("\"pid\""));
  BOOST_TEST(out.find("\"event\"") < out.find("\"method\""));
  BOOST_TEST(out.find("\"method\"") < out.find("\"status\""));
}

BOOST_AUTO_TEST_CASE(json_values_from_the_network_cannot_break_the_line_or_forge_fields) {
  StderrCapture cap;
  const std::string hostile = "x\",\"ip\":\"6.6.6.6\"\n{\"ts\":\"forged\"}\x01\x7f\\";
  LogLine(LogLevel::kWarn, "audit").str("ip", "192.0.2.1").str("username", hostile).emit();
  std::string out = cap.text();
  BOOST_TEST(out.find('\n') == out.size() - 1);
  json j = json::parse(out, nullptr, false);
  BOOST_REQUIRE(j.is_object());
  BOOST_TEST(j["ip"] == "192.0.2.1");
  BOOST_TEST(j["username"] == hostile);  // the value survives, escaped
  BOOST_TEST(out.find("\\u0001") != std::string::npos);
  BOOST_TEST(out.find("\\u007f") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_raw_details_are_embedded_as_an_object) {
  StderrCapture cap;
  LogLine(LogLevel::kInfo, "audit").raw_json("details", "{\"reason\":\"wrong_secret\"}").emit();
  json j = json::parse(cap.text(), nullptr, false);
  BOOST_REQUIRE(j.is_object());
  BOOST_TEST(j["details"]["reason"] == "wrong_secret");
}

BOOST_AUTO_TEST_CASE(opt_fields_are_left_out_when_empty) {
  StderrCapture cap;
  LogLine(LogLevel::kInfo, "request").opt("client", "").opt("user", "u1").str("empty", "").emit();
  json j = json::parse(cap.text(), nullptr, false);
  BOOST_REQUIRE(j.is_object());
  BOOST_TEST(!j.contains("client"));
  BOOST_TEST(j["user"] == "u1");
  BOOST_TEST(j["empty"] == "");
}

BOOST_AUTO_TEST_CASE(text_line_is_time_level_pid_event_then_key_values) {
  set_log_format("text");
  StderrCapture cap;
  LogLine(LogLevel::kWarn, "audit")
      .str("type", "sign_in.failed")
      .str("ip", "192.0.2.7")
      .num("n", 3)
      .emit();
  std::string out = cap.text();
  const std::string tail =
      " warn [" + std::to_string(getpid()) + "] audit type=sign_in.failed ip=192.0.2.7 n=3\n";
  BOOST_REQUIRE(out.size() > tail.size());
  BOOST_TEST(testing::has_shape(out.substr(0, 24), "DDDD-DD-DDTDD:DD:DD.DDDZ"), out);
  BOOST_TEST(out.substr(24) == tail);
}

BOOST_AUTO_TEST_CASE(text_values_with_spaces_quotes_or_newlines_are_quoted_and_escaped) {
  set_log_format("text");
  StderrCapture cap;
  LogLine(LogLevel::kWarn, "audit")
      .str("type", "sign_in.failed")
      .str("ip", "192.0.2.7")
      .str("username", "a ip=6.6.6.6\nwarn [1] audit type=sign_in.failed ip=6.6.6.6")
      .str("empty", "")
      .emit();
  std::string out = cap.text();
  BOOST_TEST(out.find('\n') == out.size() - 1);
  BOOST_TEST(out.find(" ip=192.0.2.7 ") != std::string::npos);
  BOOST_TEST(
      out.find("username=\"a ip=6.6.6.6\\nwarn [1] audit type=sign_in.failed ip=6.6.6.6\"") !=
          std::string::npos,
      out);
  BOOST_TEST(out.find(" empty=\"\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(free_form_messages_in_both_formats) {
  {
    StderrCapture cap;
    log_warn("store unavailable: disk full");
    json j = json::parse(cap.text(), nullptr, false);
    BOOST_REQUIRE(j.is_object());
    BOOST_TEST(j["event"] == "message");
    BOOST_TEST(j["level"] == "warn");
    BOOST_TEST(j["msg"] == "store unavailable: disk full");
  }
  set_log_format("text");
  StderrCapture cap;
  log_info("reloaded: 2 workers\nforged line");
  std::string out = cap.text();
  BOOST_TEST(out.find('\n') == out.size() - 1);
  BOOST_TEST(out.substr(24) ==
             " info [" + std::to_string(getpid()) + "] reloaded: 2 workers forged line\n");
}

BOOST_AUTO_TEST_CASE(lines_below_the_level_are_not_written) {
  StderrCapture cap;
  log_debug("not shown");
  LogLine(LogLevel::kDebug, "request").str("a", "b").emit();
  BOOST_TEST(!log_enabled(LogLevel::kDebug));
  set_log_level("debug");
  BOOST_TEST(log_enabled(LogLevel::kDebug));
  log_debug("shown");
  std::string out = cap.text();
  BOOST_TEST(out.find("not shown") == std::string::npos);
  BOOST_TEST(out.find("\"a\"") == std::string::npos);
  BOOST_TEST(out.find("shown") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_line_is_emitted_once) {
  StderrCapture cap;
  LogLine line(LogLevel::kInfo, "x");
  line.emit();
  line.emit();
  std::string out = cap.text();
  BOOST_TEST(std::count(out.begin(), out.end(), '\n') == 1);
}

BOOST_AUTO_TEST_SUITE_END()

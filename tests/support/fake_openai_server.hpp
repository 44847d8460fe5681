// A real OpenAI-compatible HTTP/1.1 server on 127.0.0.1 for tests: it answers
// POST /v1/chat/completions on a background thread and records what it was sent, so tests can
// check request shapes and exercise the client's failure paths (500, stalls, bad content).
// Global namespace on purpose: a p2a::testing would clash with GoogleTest's ::testing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

class FakeOpenAIServer {
 public:
  enum class Mode {
    Answer,       // 200, content = the answer callback's JSON
    Status500,    // 500 with an OpenAI-style error body
    Stall,        // waits stall_s, then answers as in Answer
    BadContent,   // 200, content is prose, not JSON
    OutOfSchema,  // 200, content names a step the guideline does not have
    Close,        // reads the request, then closes the connection without a reply
  };

  // Returns the content object the model "says"; the default picks the first step of the
  // request schema's step enum, in_progress, no trigger.
  using AnswerFn = std::function<nlohmann::json(const nlohmann::json& request)>;

  FakeOpenAIServer();
  ~FakeOpenAIServer();
  FakeOpenAIServer(const FakeOpenAIServer&) = delete;
  FakeOpenAIServer& operator=(const FakeOpenAIServer&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  int port() const { return port_; }

  void set_mode(Mode m);
  void set_answer(AnswerFn fn);
  void set_stall_s(double s);

  // One entry per request received, in arrival order (any path). requests() holds the parsed
  // body (null when the body was not JSON).
  std::vector<nlohmann::json> requests() const;
  std::vector<std::string> paths() const;
  // The value of a request header (case-insensitive name) for each request, "" when absent.
  std::vector<std::string> header_values(const std::string& name) const;
  std::size_t connections_accepted() const { return connections_.load(); }

  static nlohmann::json default_answer(const nlohmann::json& request);

 private:
  struct Request {
    std::string method, target, version;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void serve(Connection& c);
  // Reads one request from fd (keeping leftover bytes in buf); false on EOF, error or stop.
  bool read_request(int fd, std::string& buf, Request& req);
  bool wait_readable(int fd);
  std::string respond(const Request& req, bool& close_after);
  void reap_finished();

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> connections_{0};
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  Mode mode_ = Mode::Answer;
  AnswerFn answer_;
  double stall_s_ = 5.0;
  std::vector<nlohmann::json> requests_;
  std::vector<std::string> paths_;
  std::vector<std::map<std::string, std::string>> headers_;
  std::list<Connection> conns_;
};

// A loopback port with nothing listening on it (bound, read and released), for "refused".
int unused_loopback_port();

#include "support/fake_openai_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to tell it
    sent += static_cast<std::size_t>(n);
  }
}

std::string http_response(int code, const std::string& reason, const std::string& body,
                          bool close_after) {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: " + (close_after ? "close" : "keep-alive") + "\r\n\r\n" + body;
}

std::string error_body(const std::string& message, const std::string& type) {
  return nlohmann::json{{"error", {{"message", message}, {"type", type}}}}.dump();
}

int make_loopback_socket(sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // ephemeral
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0: " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return fd;
}

}  // namespace

FakeOpenAIServer::FakeOpenAIServer() {
  sockaddr_in addr{};
  listen_fd_ = make_loopback_socket(addr);
  port_ = ntohs(addr.sin_port);
  if (::listen(listen_fd_, 16) != 0 || ::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("fake OpenAI server: " + why);
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeOpenAIServer::~FakeOpenAIServer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  // Never drained: every poll() from now on wakes at once.
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_pipe_[1], &byte, 1);
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (Connection& c : conns_)
      if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
  }
  for (Connection& c : conns_)
    if (c.thread.joinable()) c.thread.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

std::string FakeOpenAIServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeOpenAIServer::set_mode(Mode m) {
  std::lock_guard lock(mutex_);
  mode_ = m;
}

void FakeOpenAIServer::set_answer(AnswerFn fn) {
  std::lock_guard lock(mutex_);
  answer_ = std::move(fn);
}

void FakeOpenAIServer::set_stall_s(double s) {
  std::lock_guard lock(mutex_);
  stall_s_ = s;
}

std::vector<nlohmann::json> FakeOpenAIServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::string> FakeOpenAIServer::paths() const {
  std::lock_guard lock(mutex_);
  return paths_;
}

std::vector<std::string> FakeOpenAIServer::header_values(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& h : headers_) {
    const auto it = h.find(lower(name));
    out.push_back(it == h.end() ? "" : it->second);
  }
  return out;
}

nlohmann::json FakeOpenAIServer::default_answer(const nlohmann::json& request) {
  static const nlohmann::json::json_pointer kEnum(
      "/response_format/json_schema/schema/properties/step/enum");
  std::string step = "unknown";
  if (request.contains(kEnum) && request[kEnum].is_array() && !request[kEnum].empty() &&
      request[kEnum][0].is_string())
    step = request[kEnum][0].get<std::string>();
  return {{"step", step}, {"status", "in_progress"}, {"trigger", false}, {"response", ""}};
}

void FakeOpenAIServer::accept_loop() {
  while (!stop_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (stop_ || fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    reap_finished();
    Connection& c = conns_.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c] { serve(c); });
  }
}

void FakeOpenAIServer::reap_finished() {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->done) {
      it->thread.join();
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void FakeOpenAIServer::serve(Connection& c) {
  std::string buf;
  Request req;
  try {
    while (read_request(c.fd, buf, req)) {
      bool close_after = false;
      const std::string reply = respond(req, close_after);
      if (!reply.empty()) send_all(c.fd, reply);
      if (close_after || stop_) break;
    }
  } catch (const std::exception&) {
    // A malformed length or chunk size: drop the connection, as a real server would.
  }
  {
    std::lock_guard lock(mutex_);
    ::close(c.fd);
    c.fd = -1;
  }
  c.done = true;
}

bool FakeOpenAIServer::wait_readable(int fd) {
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (stop_ || fds[1].revents) return false;
    return fds[0].revents != 0;
  }
}

bool FakeOpenAIServer::read_request(int fd, std::string& buf, Request& req) {
  // Grows buf from the socket until enough(buf) holds.
  auto fill = [&](auto enough) {
    while (!enough()) {
      if (buf.size() > (64u << 20) || !wait_readable(fd)) return false;
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
  };

  if (!fill([&] { return buf.find("\r\n\r\n") != std::string::npos; })) return false;
  const std::size_t head_end = buf.find("\r\n\r\n");
  const std::string head = buf.substr(0, head_end);
  buf.erase(0, head_end + 4);

  req = Request{};
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  req.method = request_line.substr(0, sp1);
  req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  req.version = request_line.substr(sp2 + 1);
  while (line_end != std::string::npos && line_end < head.size()) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos
                                                                              : line_end - start);
    const auto colon = line.find(':');
    if (colon != std::string::npos)
      req.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }

  const auto te = req.headers.find("transfer-encoding");
  const auto cl = req.headers.find("content-length");
  if (te != req.headers.end() && lower(te->second).find("chunked") != std::string::npos) {
    for (;;) {
      if (!fill([&] { return buf.find("\r\n") != std::string::npos; })) return false;
      const std::size_t eol = buf.find("\r\n");
      const std::size_t size = std::stoul(buf.substr(0, eol), nullptr, 16);
      buf.erase(0, eol + 2);
      if (size == 0) {
        // Trailers, if any, end with an empty line.
        for (;;) {
          if (!fill([&] { return buf.find("\r\n") != std::string::npos; })) return false;
          const std::size_t end = buf.find("\r\n");
          buf.erase(0, end + 2);
          if (end == 0) break;
        }
        break;
      }
      if (!fill([&] { return buf.size() >= size + 2; })) return false;
      req.body.append(buf, 0, size);
      buf.erase(0, size + 2);
    }
  } else if (cl != req.headers.end()) {
    const std::size_t length = std::stoul(cl->second);
    if (!fill([&] { return buf.size() >= length; })) return false;
    req.body = buf.substr(0, length);
    buf.erase(0, length);
  }
  return true;
}

std::string FakeOpenAIServer::respond(const Request& req, bool& close_after) {
  const auto conn_header = req.headers.find("connection");
  const std::string connection = conn_header == req.headers.end() ? "" : lower(conn_header->second);
  close_after = connection == "close" || (req.version == "HTTP/1.0" && connection != "keep-alive");
  const std::string path = req.target.substr(0, req.target.find('?'));
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);

  Mode mode;
  AnswerFn answer;
  double stall_s;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(body.is_discarded() ? nlohmann::json() : body);
    paths_.push_back(path);
    headers_.push_back(req.headers);
    mode = mode_;
    answer = answer_;
    stall_s = stall_s_;
  }

  if (path == "/v1/models" && req.method == "GET")
    return http_response(200, "OK",
                         R"({"object":"list","data":[{"id":"fake-vlm","object":"model"}]})",
                         close_after);
  if (path != "/v1/chat/completions")
    return http_response(404, "Not Found", error_body("no route " + path, "not_found"),
                         close_after);
  if (req.method != "POST")
    return http_response(405, "Method Not Allowed", error_body("use POST", "invalid_request"),
                         close_after);
  if (body.is_discarded())
    return http_response(400, "Bad Request", error_body("body is not JSON", "invalid_request"),
                         close_after);

  switch (mode) {
    case Mode::Close:
      close_after = true;
      return {};
    case Mode::Status500:
      return http_response(500, "Internal Server Error",
                           error_body("fake server error", "server_error"), close_after);
    case Mode::Stall: {
      std::unique_lock lock(mutex_);
      if (stop_cv_.wait_for(lock, std::chrono::duration<double>(stall_s),
                            [&] { return stop_.load(); })) {
        close_after = true;
        return {};
      }
      break;
    }
    default:
      break;
  }

  std::string content;
  if (mode == Mode::BadContent) {
    content = "The user appears to be pouring water into a kettle.";
  } else if (mode == Mode::OutOfSchema) {
    content = R"({"step":"no_such_step","status":"in_progress","trigger":false,"response":""})";
  } else {
    try {
      const nlohmann::json a = answer ? answer(body) : default_answer(body);
      // A string is sent verbatim, so tests can return fenced or broken content.
      content = a.is_string() ? a.get<std::string>() : a.dump();
    } catch (const std::exception& e) {
      return http_response(500, "Internal Server Error",
                           error_body(std::string("answer callback failed: ") + e.what(),
                                      "server_error"),
                           close_after);
    }
  }

  const nlohmann::json reply = {
      {"id", "chatcmpl-fake"},
      {"object", "chat.completion"},
      {"created", static_cast<long long>(std::time(nullptr))},
      {"model", body.value("model", "fake-vlm")},
      {"choices",
       {{{"index", 0},
         {"message", {{"role", "assistant"}, {"content", content}}},
         {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}}}};
  return http_response(200, "OK", reply.dump(), close_after);
}

int unused_loopback_port() {
  sockaddr_in addr{};
  const int fd = make_loopback_socket(addr);
  ::close(fd);  // bound but never listened on, and now released
  return ntohs(addr.sin_port);
}

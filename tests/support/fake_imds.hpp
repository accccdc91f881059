// A loopback stand-in of the EC2 instance-metadata service, IMDSv2 only: a PUT to
// /latest/api/token with a TTL header yields a token, and GET /latest/user-data
// answers only with that token (401 without it, 404 when there is no user data).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

struct MHD_Daemon;

namespace lifeboat::test {

class FakeImds {
 public:
  explicit FakeImds(std::string user_data);
  ~FakeImds();
  FakeImds(const FakeImds&) = delete;
  FakeImds& operator=(const FakeImds&) = delete;

  // http://127.0.0.1:PORT/latest/user-data
  std::string url() const;
  std::atomic<int> tokens{0};   // tokens handed out
  std::atomic<int> refused{0};  // GETs without a valid token

 private:
  struct Handler;
  std::string m_user_data;
  MHD_Daemon* m_daemon = nullptr;
  std::uint16_t m_port = 0;
};

}  // namespace lifeboat::test

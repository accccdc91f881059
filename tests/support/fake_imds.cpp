// The instance-metadata stand-in (fake_imds.hpp).
#include "support/fake_imds.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace lifeboat::test {

struct FakeImds::Handler {
  static MHD_Result answer(void* self_ptr, MHD_Connection* connection, const char* url,
                           const char* method, const char*, const char*, size_t* size,
                           void** state) {
    auto* self = static_cast<FakeImds*>(self_ptr);
    if (*state == nullptr) {  // the first call only sees the headers
      *state = self;
      return MHD_YES;
    }
    *size = 0;
    int status = 200;
    std::string body;
    const char* ttl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                  "X-aws-ec2-metadata-token-ttl-seconds");
    const char* token =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-aws-ec2-metadata-token");
    if (std::strcmp(method, "PUT") == 0 && std::strcmp(url, "/latest/api/token") == 0 && ttl) {
      ++self->tokens;
      body = "token-abc";
    } else if (std::strcmp(method, "GET") == 0 && std::strcmp(url, "/latest/user-data") == 0) {
      if (token == nullptr || std::string(token) != "token-abc") {
        ++self->refused;
        status = 401;
      } else if (self->m_user_data.empty()) {
        status = 404;
      } else {
        body = self->m_user_data;
      }
    } else {
      status = 405;
    }
    auto* response =
        MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
    auto result = MHD_queue_response(connection, static_cast<unsigned>(status), response);
    MHD_destroy_response(response);
    return result;
  }
};

FakeImds::FakeImds(std::string user_data) : m_user_data(std::move(user_data)) {
  // Loopback only, on a port the kernel picks.
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  m_daemon =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, nullptr, nullptr, &Handler::answer, this,
                       MHD_OPTION_SOCK_ADDR, &address, MHD_OPTION_END);
  if (m_daemon == nullptr) {
    throw std::runtime_error("unable to start the instance-metadata stand-in");
  }
  m_port = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
}

FakeImds::~FakeImds() {
  MHD_stop_daemon(m_daemon);
}

std::string FakeImds::url() const {
  return "http://127.0.0.1:" + std::to_string(m_port) + "/latest/user-data";
}

}  // namespace lifeboat::test

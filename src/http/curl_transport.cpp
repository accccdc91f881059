// The libcurl Transport: a pool of easy handles, each keeping its connections open.
#include <curl/curl.h>

#include <mutex>
#include <vector>

#include "http/transport.hpp"
#include "util/error.hpp"

namespace lifeboat::http {

namespace {

struct CurlFree {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using CurlHandle = std::unique_ptr<CURL, CurlFree>;

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

struct UploadState {
  std::span<const std::uint8_t> body;
  std::size_t offset = 0;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<UploadState*>(user);
  auto n = std::min(size * count, state->body.size() - state->offset);
  std::copy_n(state->body.data() + state->offset, n, buffer);
  state->offset += n;
  return n;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    response->headers[name] = std::string(value);
  }
  return size * count;
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(TransportOptions options) : m_options(std::move(options)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    for (const auto& entry : m_options.resolve) {
      auto* list = curl_slist_append(m_resolve.get(), entry.c_str());
      static_cast<void>(m_resolve.release());
      m_resolve.reset(list);
    }
  }

  Response perform(const Request& request) override {
    auto handle = take();
    CURL* curl = handle.get();
    curl_easy_reset(curl);

    Response response;
    auto* body = request.body_into != nullptr ? request.body_into : &response.body;
    body->clear();
    body->reserve(request.expected_body_size);
    UploadState upload{request.body};
    Slist headers;
    for (const auto& [name, value] : request.headers) {
      auto line = name + ": " + value;
      auto* list = curl_slist_append(headers.get(), line.c_str());
      if (list == nullptr) {
        throw Error(ErrorKind::internal, "unable to build an HTTP request: out of memory");
      }
      static_cast<void>(headers.release());
      headers.reset(list);
    }
    // An explicit Content-Length is sent by curl; "Expect: 100-continue" only adds a
    // round trip on the loopback and small parts, so it is turned off.
    auto* list = curl_slist_append(headers.get(), "Expect:");
    static_cast<void>(headers.release());
    headers.reset(list);

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(m_options.stall_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024L);
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024L);
    if (m_resolve) {
      curl_easy_setopt(curl, CURLOPT_RESOLVE, m_resolve.get());
    }
    if (!m_options.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, m_options.ca_file.c_str());
    }
    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT" || request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");
      }
    } else if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    auto code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
      // The handle may hold a broken connection; let it go rather than reuse it.
      throw Error(ErrorKind::transient, "request to '" + host_of(request.url) +
                                            "' failed: " + curl_easy_strerror(code));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    give_back(std::move(handle));
    return response;
  }

 private:
  static std::string host_of(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    auto end = url.find('/', start);
    return url.substr(0, end);
  }

  CurlHandle take() {
    {
      std::lock_guard lock(m_mutex);
      if (!m_idle.empty()) {
        auto handle = std::move(m_idle.back());
        m_idle.pop_back();
        return handle;
      }
    }
    CurlHandle handle(curl_easy_init());
    if (!handle) {
      throw Error(ErrorKind::internal, "unable to start libcurl: curl_easy_init failed");
    }
    return handle;
  }

  void give_back(CurlHandle handle) {
    std::lock_guard lock(m_mutex);
    if (m_idle.size() < 64) {
      m_idle.push_back(std::move(handle));
    }
  }

  TransportOptions m_options;
  Slist m_resolve;
  std::mutex m_mutex;
  std::vector<CurlHandle> m_idle;
};

}  // namespace

const std::string& Response::header(const std::string& name) const {
  static const std::string k_empty;
  auto it = headers.find(name);
  return it == headers.end() ? k_empty : it->second;
}

std::shared_ptr<Transport> make_curl_transport(const TransportOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

}  // namespace lifeboat::http

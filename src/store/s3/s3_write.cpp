// Writing S3 objects: one PUT for a small object, else a multipart upload whose parts
// go up in parallel while the caller keeps writing. Nothing is visible before
// commit(); abort() (or destruction) removes the multipart upload.
#include <deque>
#include <future>
#include <mutex>
#include <sstream>

#include "store/s3/s3_internal.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::store::s3 {

namespace {

constexpr std::uint64_t k_max_parts = 10'000;

struct Part {
  int number = 0;
  std::string etag;
  Md5 md5{};
};

Headers metadata_headers(const WriteOptions& options) {
  Headers headers;
  for (const auto& [name, value] : options.metadata) {
    headers.emplace_back("x-amz-meta-" + name, value);
  }
  return headers;
}

class S3WriteStream final : public WriteStream {
 public:
  S3WriteStream(std::shared_ptr<const Client> client, std::string full_key, std::string key,
                WriteOptions options)
      : m_client(std::move(client)), m_full_key(std::move(full_key)), m_key(std::move(key)),
        m_options(std::move(options)),
        m_part_size(choose_part_size(m_options.size ? m_options.size : m_options.size_hint,
                                     m_client->options().part_size)) {
    m_buffer.reserve(static_cast<std::size_t>(std::min(m_part_size, m_options.size.value_or(1 << 20))));
  }

  ~S3WriteStream() override { abort(); }

  void write(std::span<const std::uint8_t> data) override {
    if (m_done) {
      throw Error(ErrorKind::internal, "write to " + name() + " after commit or abort");
    }
    if (m_options.sha256) {
      m_sha256.update(data);
    }
    m_size += data.size();
    while (!data.empty()) {
      auto room = static_cast<std::size_t>(m_part_size - m_buffer.size());
      auto n = std::min(room, data.size());
      m_buffer.insert(m_buffer.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
      data = data.subspan(n);
      // Send a full part only once more data arrives, so the last part is never empty.
      if (m_buffer.size() == m_part_size && !data.empty()) {
        send_part();
      }
    }
  }

  ObjectInfo commit() override {
    if (m_done) {
      throw Error(ErrorKind::internal, "commit of " + name() + " after commit or abort");
    }
    try {
      check_expectations();
      auto info = m_upload_id.empty() ? put_whole() : complete();
      m_done = true;
      return info;
    } catch (...) {
      abort();
      throw;
    }
  }

  void abort() override {
    if (m_done) {
      return;
    }
    m_done = true;
    for (auto& future : m_pending) {
      try {
        future.get();
      } catch (...) {
        // The upload is being abandoned; its part failures do not matter any more.
      }
    }
    m_pending.clear();
    if (!m_upload_id.empty()) {
      abort_multipart(*m_client, m_full_key, m_upload_id);
    }
  }

 private:
  std::string name() const { return "object '" + m_client->name_of(m_full_key) + "'"; }

  void check_expectations() {
    if (m_options.size && *m_options.size != m_size) {
      throw Error(ErrorKind::corrupt, "unable to store " + name() + ": expected " +
                                          std::to_string(*m_options.size) + " bytes, got " +
                                          std::to_string(m_size));
    }
    if (m_options.sha256 && m_sha256.finish_hex() != *m_options.sha256) {
      throw Error(ErrorKind::corrupt,
                  "unable to store " + name() + ": the data does not match its SHA-256");
    }
  }

  ObjectInfo put_whole() {
    auto md5 = ::lifeboat::md5(m_buffer);
    auto headers = metadata_headers(m_options);
    headers.emplace_back("content-md5", to_base64(md5));
    if (m_options.if_absent) {
      headers.emplace_back("if-none-match", "*");
    }
    auto response = m_client->send(Call{.method = "PUT", .key = m_full_key, .headers = headers,
                                        .body = m_buffer, .operation = "PutObject",
                                        .safe_to_repeat = !m_options.if_absent});
    if (response.status == 412 && m_options.if_absent) {
      throw Error(ErrorKind::already_exists, name() + " already exists");
    }
    if (response.status != 200) {
      m_client->fail(response, name());
    }
    auto etag = unquote(response.header("etag"));
    if (!etag.empty() && etag != to_hex(md5)) {
      throw Error(ErrorKind::corrupt, "unable to store " + name() +
                                          ": the server's ETag does not match the data sent");
    }
    return ObjectInfo{.key = m_key, .size = m_size, .etag = to_hex(md5),
                      .mtime = std::chrono::system_clock::now(), .metadata = m_options.metadata};
  }

  // Hands the buffer to a background upload, keeping at most `connections` in flight.
  void send_part() {
    if (m_upload_id.empty()) {
      m_upload_id = start_multipart(*m_client, m_full_key, metadata_headers(m_options), name());
    }
    auto number = ++m_parts_sent;
    if (static_cast<std::uint64_t>(number) > k_max_parts) {
      throw Error(ErrorKind::unsupported,
                  "unable to store " + name() + ": more than 10,000 parts of " +
                      std::to_string(m_part_size) + " bytes; give the size (or a size hint)");
    }
    auto limit = static_cast<std::size_t>(std::max(1, m_client->options().connections));
    while (m_pending.size() >= limit) {
      m_parts.push_back(m_pending.front().get());
      m_pending.pop_front();
    }
    auto body = std::make_shared<std::vector<std::uint8_t>>(std::move(m_buffer));
    // Parts reuse the buffers of parts already sent, so memory stays at
    // `connections` + 1 parts however large the object.
    {
      std::lock_guard lock(m_pool_mutex);
      if (m_pool.empty()) {
        m_buffer = {};
        m_buffer.reserve(static_cast<std::size_t>(m_part_size));
      } else {
        m_buffer = std::move(m_pool.back());
        m_pool.pop_back();
        m_buffer.clear();
      }
    }
    m_pending.push_back(std::async(std::launch::async, [this, number, body] {
      auto part = upload_part(number, *body);
      std::lock_guard lock(m_pool_mutex);
      m_pool.push_back(std::move(*body));
      return part;
    }));
  }

  Part upload_part(int number, const std::vector<std::uint8_t>& body) const {
    Part part{.number = number, .md5 = ::lifeboat::md5(body)};
    auto response = m_client->send(
        Call{.method = "PUT", .key = m_full_key,
             .query = {{"partNumber", std::to_string(number)}, {"uploadId", m_upload_id}},
             .headers = {{"content-md5", to_base64(part.md5)}}, .body = body,
             .operation = "UploadPart " + std::to_string(number)});
    if (response.status != 200) {
      m_client->fail(response, name() + " (part " + std::to_string(number) + ")");
    }
    part.etag = unquote(response.header("etag"));
    return part;
  }

  ObjectInfo complete() {
    send_part();
    while (!m_pending.empty()) {
      m_parts.push_back(m_pending.front().get());
      m_pending.pop_front();
    }
    std::ostringstream xml;
    xml << "<CompleteMultipartUpload>";
    Digest md5s(Digest::Algorithm::md5);
    for (const auto& part : m_parts) {
      xml << "<Part><PartNumber>" << part.number << "</PartNumber><ETag>\"" << part.etag
          << "\"</ETag></Part>";
      md5s.update(part.md5);
    }
    xml << "</CompleteMultipartUpload>";
    auto body = xml.str();
    auto expected_etag = md5s.finish_hex() + "-" + std::to_string(m_parts.size());
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
    Headers headers{{"content-md5", to_base64(::lifeboat::md5(bytes))}};
    if (m_options.if_absent) {
      headers.emplace_back("if-none-match", "*");
    }
    // Completing is not idempotent: after a lost answer the upload is gone. So a
    // failed attempt is checked against the object itself before it is repeated.
    auto landed = [&] {
      auto now = head_object(*m_client, m_full_key, m_key);
      return now && now->etag == expected_etag;
    };
    for (int attempt = 1;; ++attempt) {
      http::Response response;
      try {
        response = m_client->send(Call{.method = "POST", .key = m_full_key,
                                       .query = {{"uploadId", m_upload_id}}, .headers = headers,
                                       .body = bytes, .operation = "CompleteMultipartUpload",
                                       .safe_to_repeat = false});
      } catch (const Error& failure) {
        if (!failure.transient() || attempt >= m_client->options().retry.attempts) {
          throw;
        }
        if (landed()) {
          break;
        }
        continue;
      }
      auto error = Client::parse_error(response.body);
      if (response.status == 412 && m_options.if_absent) {
        throw Error(ErrorKind::already_exists, name() + " already exists");
      }
      if (response.status == 200 && !error) {
        break;
      }
      if (attempt > 1 && error && error->code == "NoSuchUpload" && landed()) {
        break;  // an earlier attempt completed it and its answer was lost
      }
      m_client->fail(response, name());
    }
    m_upload_id.clear();  // completed: nothing left to abort
    return ObjectInfo{.key = m_key, .size = m_size, .etag = expected_etag,
                      .mtime = std::chrono::system_clock::now(), .metadata = m_options.metadata};
  }

  std::shared_ptr<const Client> m_client;
  std::string m_full_key;
  std::string m_key;
  WriteOptions m_options;
  std::uint64_t m_part_size;
  std::vector<std::uint8_t> m_buffer;
  std::uint64_t m_size = 0;
  Digest m_sha256{Digest::Algorithm::sha256};
  std::string m_upload_id;
  int m_parts_sent = 0;
  std::vector<Part> m_parts;
  std::deque<std::future<Part>> m_pending;
  std::mutex m_pool_mutex;
  std::vector<std::vector<std::uint8_t>> m_pool;
  bool m_done = false;
};

}  // namespace

std::unique_ptr<WriteStream> open_s3_write(std::shared_ptr<const Client> client,
                                           const std::string& full_key, const std::string& key,
                                           const WriteOptions& options) {
  return std::make_unique<S3WriteStream>(std::move(client), full_key, key, options);
}

}  // namespace lifeboat::store::s3

// Reading S3 objects: ranged GETs of one part each, several in flight, consumed in order.
//
// Each range is a separate request, so a dropped connection costs one range and is
// retried alone; If-Match on the first answer's ETag turns a replaced object into an
// error instead of a mix of two versions.
#include "store/s3/s3_internal.hpp"

#include <deque>
#include <future>
#include <mutex>

#include "util/error.hpp"

namespace lifeboat::store::s3 {

namespace {

constexpr std::uint64_t k_range_size = 8ull << 20;

class S3ReadStream final : public ReadStream {
 public:
  S3ReadStream(std::shared_ptr<const Client> client, std::string full_key, std::string key,
               const ByteRange& range)
      : m_client(std::move(client)), m_full_key(std::move(full_key)) {
    m_info.key = std::move(key);
    // The first range tells the object's size and ETag.
    auto first_end =
        range.offset + std::max<std::uint64_t>(1, std::min(k_range_size, range.length.value_or(k_range_size)));
    http::Response response = get_range(range.offset, first_end, "");
    if (response.status == 416 && range.offset == 0) {
      // An empty object answers any range with 416; tell it from a short one by HEAD.
      auto info = head_object(*m_client, m_full_key, m_info.key);
      if (!info || info->size != 0) {
        m_client->fail(response, "object '" + m_client->name_of(m_full_key) + "'");
      }
      m_info = *info;
      m_end = 0;
      return;
    }
    if (response.status != 206 && response.status != 200) {
      m_client->fail(response, "object '" + m_client->name_of(m_full_key) + "'");
    }
    fill_info(response);
    m_end = std::min(m_info.size, range.length ? range.offset + *range.length : m_info.size);
    auto expected = std::min(first_end, m_end) - range.offset;
    if (response.status == 200) {
      response.body.erase(0, std::min<std::size_t>(range.offset, response.body.size()));
    }
    if (response.body.size() > expected) {
      response.body.resize(expected);  // a zero-length range was asked as one byte
    }
    check_length(response.body, expected, range.offset);
    m_fetched_to = range.offset + expected;
    m_current = std::move(response.body);
    schedule();
  }

  ~S3ReadStream() override {
    for (auto& future : m_pending) {
      if (future.valid()) {
        try {
          future.wait();
        } catch (...) {
        }
      }
    }
  }

  std::size_t read(std::span<std::uint8_t> out) override {
    while (m_position >= m_current.size()) {
      if (m_pending.empty()) {
        return 0;
      }
      {
        std::lock_guard lock(m_pool_mutex);
        m_pool.push_back(std::move(m_current));
      }
      m_current = m_pending.front().get();
      m_pending.pop_front();
      m_position = 0;
      schedule();
    }
    auto n = std::min(out.size(), m_current.size() - m_position);
    std::copy_n(m_current.data() + m_position, n, out.data());
    m_position += n;
    return n;
  }

  const ObjectInfo& info() const override { return m_info; }

 private:
  http::Response get_range(std::uint64_t begin, std::uint64_t end, const std::string& etag,
                           std::string* body_into = nullptr) const {
    Headers headers{{"range", "bytes=" + std::to_string(begin) + "-" + std::to_string(end - 1)}};
    if (!etag.empty()) {
      headers.emplace_back("if-match", "\"" + etag + "\"");
    }
    return m_client->send(Call{.method = "GET", .key = m_full_key, .headers = headers,
                               .operation = "GetObject",
                               .expected_body_size = static_cast<std::size_t>(end - begin),
                               .body_into = body_into});
  }

  void fill_info(const http::Response& response) {
    m_info.etag = unquote(response.header("etag"));
    m_info.mtime = parse_time(response.header("last-modified"));
    m_info.metadata = metadata_from(response);
    const auto& content_range = response.header("content-range");  // "bytes 0-9/1234"
    auto slash = content_range.rfind('/');
    m_info.size = slash != std::string::npos
                      ? std::stoull(content_range.substr(slash + 1))
                      : std::stoull(response.header("content-length").empty()
                                        ? std::string("0")
                                        : response.header("content-length"));
  }

  void check_length(const std::string& body, std::uint64_t expected, std::uint64_t at) const {
    if (body.size() != expected) {
      throw Error(ErrorKind::corrupt, "unable to read '" + m_client->name_of(m_full_key) +
                                          "' at byte " + std::to_string(at) + ": expected " +
                                          std::to_string(expected) + " bytes, got " +
                                          std::to_string(body.size()));
    }
  }

  // Keeps up to `connections` ranges in flight.
  void schedule() {
    auto limit = static_cast<std::size_t>(std::max(1, m_client->options().connections));
    while (m_pending.size() < limit && m_fetched_to < m_end) {
      auto begin = m_fetched_to;
      auto end = std::min(m_end, begin + k_range_size);
      m_fetched_to = end;
      m_pending.push_back(std::async(std::launch::async, [this, begin, end] {
        // Ranges reuse the buffers of ranges already consumed, so memory stays at
        // `connections` + 1 ranges however large the object.
        std::string body;
        {
          std::lock_guard lock(m_pool_mutex);
          if (!m_pool.empty()) {
            body = std::move(m_pool.back());
            m_pool.pop_back();
          }
        }
        // A short body is a connection cut mid-transfer that curl did not notice;
        // treat it like one and ask again.
        for (int attempt = 1;; ++attempt) {
          auto response = get_range(begin, end, m_info.etag, &body);
          if (response.status == 412) {
            throw Error(ErrorKind::corrupt, "object '" + m_client->name_of(m_full_key) +
                                                "' was replaced while being read; read it again");
          }
          if (response.status != 206) {
            m_client->fail(response, "object '" + m_client->name_of(m_full_key) + "'");
          }
          if (body.size() == end - begin || attempt == m_client->options().retry.attempts) {
            check_length(body, end - begin, begin);
            return body;
          }
        }
      }));
    }
  }

  std::shared_ptr<const Client> m_client;
  std::string m_full_key;
  ObjectInfo m_info;
  std::uint64_t m_end = 0;
  std::uint64_t m_fetched_to = 0;
  std::string m_current;
  std::size_t m_position = 0;
  std::deque<std::future<std::string>> m_pending;
  std::mutex m_pool_mutex;
  std::vector<std::string> m_pool;
};

}  // namespace

std::map<std::string, std::string> metadata_from(const http::Response& response) {
  std::map<std::string, std::string> metadata;
  constexpr std::string_view k_meta = "x-amz-meta-";
  for (const auto& [name, value] : response.headers) {
    if (name.starts_with(k_meta)) {
      metadata[name.substr(k_meta.size())] = value;
    }
  }
  return metadata;
}

std::optional<ObjectInfo> head_object(const Client& client, const std::string& full_key,
                                      const std::string& key) {
  auto response = client.send(Call{.method = "HEAD", .key = full_key, .operation = "HeadObject"});
  if (response.status == 404) {
    // HEAD has no body to tell a missing key from a missing bucket; ask the bucket.
    auto bucket = client.send(Call{.method = "GET", .query = {{"list-type", "2"}, {"max-keys", "0"}},
                                   .operation = "ListObjectsV2"});
    if (bucket.status != 200) {
      client.fail(bucket, "bucket '" + client.options().bucket + "'");
    }
    return std::nullopt;
  }
  if (response.status != 200) {
    client.fail(response, "object '" + client.name_of(full_key) + "'");
  }
  const auto& length = response.header("content-length");
  return ObjectInfo{.key = key, .size = length.empty() ? 0 : std::stoull(length),
                    .etag = unquote(response.header("etag")),
                    .mtime = parse_time(response.header("last-modified")),
                    .metadata = metadata_from(response)};
}

std::unique_ptr<ReadStream> open_s3_read(std::shared_ptr<const Client> client,
                                         const std::string& full_key, const std::string& key,
                                         const ByteRange& range) {
  return std::make_unique<S3ReadStream>(std::move(client), full_key, key, range);
}

}  // namespace lifeboat::store::s3

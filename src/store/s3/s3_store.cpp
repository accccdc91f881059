// The s3 driver: listing, deleting, and the StoreDriver glue.
#include "store/s3/s3_store.hpp"

#include <pugixml.hpp>
#include <sstream>

#include "store/s3/s3_internal.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::store {

namespace {

using s3::Call;
using s3::Client;

constexpr std::size_t k_delete_batch = 1000;  // the most DeleteObjects takes at once

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

class S3Store final : public StoreDriver {
 public:
  explicit S3Store(S3Options options) : m_client(std::make_shared<Client>(std::move(options))) {}

  Properties properties() const override {
    return Properties{.server_side_copy = true, .conditional_put = true, .atomic_replace = true,
                      .user_metadata = true, .max_object_size = 5ull << 40,
                      .connections = m_client->options().connections};
  }

  std::string describe() const override { return m_client->describe(); }

  std::optional<ObjectInfo> stat(const std::string& key) override {
    return s3::head_object(*m_client, full(key), key);
  }

  std::unique_ptr<ReadStream> open_read(const std::string& key, const ByteRange& range) override {
    return s3::open_s3_read(m_client, full(key), key, range);
  }

  std::unique_ptr<WriteStream> open_write(const std::string& key,
                                          const WriteOptions& options) override {
    return s3::open_s3_write(m_client, full(key), key, options);
  }

  std::size_t remove_incomplete(const std::string& prefix,
                                std::chrono::system_clock::time_point before) override {
    // ListMultipartUploads, then AbortMultipartUpload for each upload old enough.
    const auto& base = m_client->options().prefix;
    std::vector<std::pair<std::string, std::string>> stale;  // (full key, upload id)
    std::string key_marker, id_marker;
    for (;;) {
      s3::Query query{{"uploads", ""}, {"prefix", base + prefix}};
      if (!key_marker.empty()) {
        query.emplace_back("key-marker", key_marker);
        query.emplace_back("upload-id-marker", id_marker);
      }
      auto response = m_client->send(Call{.method = "GET", .query = query,
                                          .operation = "ListMultipartUploads"});
      if (response.status != 200) {
        m_client->fail(response, "bucket '" + m_client->options().bucket + "'");
      }
      pugi::xml_document doc;
      if (!doc.load_buffer(response.body.data(), response.body.size())) {
        throw Error(ErrorKind::io, "unable to list uploads in '" + describe() + "': the answer is not XML");
      }
      auto result = doc.child("ListMultipartUploadsResult");
      for (auto node : result.children("Upload")) {
        if (s3::parse_time(node.child_value("Initiated")) < before) {
          stale.emplace_back(node.child_value("Key"), node.child_value("UploadId"));
        }
      }
      if (std::string(result.child_value("IsTruncated")) != "true") {
        break;
      }
      key_marker = result.child_value("NextKeyMarker");
      id_marker = result.child_value("NextUploadIdMarker");
      if (key_marker.empty()) {
        break;
      }
    }
    for (const auto& [key, upload_id] : stale) {
      s3::abort_multipart(*m_client, key, upload_id);
    }
    return stale.size();
  }

  void list(const ListOptions& options,
            const std::function<bool(const ListEntry&)>& row) override {
    const auto& prefix = m_client->options().prefix;
    std::string token;
    for (;;) {
      s3::Query query{{"list-type", "2"}, {"prefix", prefix + options.prefix}};
      if (!options.delimiter.empty()) {
        query.emplace_back("delimiter", options.delimiter);
      }
      if (!token.empty()) {
        query.emplace_back("continuation-token", token);
      } else if (!options.start_after.empty()) {
        query.emplace_back("start-after", prefix + options.start_after);
      }
      auto response = m_client->send(Call{.method = "GET", .query = query,
                                          .operation = "ListObjectsV2"});
      if (response.status != 200) {
        m_client->fail(response, "bucket '" + m_client->options().bucket + "'");
      }
      pugi::xml_document doc;
      if (!doc.load_buffer(response.body.data(), response.body.size())) {
        throw Error(ErrorKind::io, "unable to list '" + describe() + "': the answer is not XML");
      }
      auto result = doc.child("ListBucketResult");
      // Objects and common prefixes come in two lists; merge them to keep key order.
      std::vector<ListEntry> page;
      for (auto node : result.children("Contents")) {
        std::string key = node.child_value("Key");
        page.push_back(ListEntry{.info = ObjectInfo{
                                     .key = key.substr(std::min(prefix.size(), key.size())),
                                     .size = std::stoull(node.child_value("Size")),
                                     .etag = s3::unquote(node.child_value("ETag")),
                                     .mtime = s3::parse_time(node.child_value("LastModified"))}});
      }
      for (auto node : result.children("CommonPrefixes")) {
        std::string key = node.child_value("Prefix");
        page.push_back(ListEntry{.info = ObjectInfo{.key = key.substr(std::min(prefix.size(), key.size()))},
                                 .is_prefix = true});
      }
      std::sort(page.begin(), page.end(),
                [](const ListEntry& a, const ListEntry& b) { return a.info.key < b.info.key; });
      for (const auto& entry : page) {
        if (!row(entry)) {
          return;
        }
      }
      token = result.child_value("NextContinuationToken");
      if (std::string_view(result.child_value("IsTruncated")) != "true" || token.empty()) {
        return;
      }
    }
  }

  void remove(std::span<const std::string> keys) override {
    for (std::size_t start = 0; start < keys.size(); start += k_delete_batch) {
      auto batch = keys.subspan(start, std::min(k_delete_batch, keys.size() - start));
      std::ostringstream xml;
      xml << "<Delete><Quiet>true</Quiet>";
      for (const auto& key : batch) {
        xml << "<Object><Key>" << xml_escape(full(key)) << "</Key></Object>";
      }
      xml << "</Delete>";
      auto body = xml.str();
      auto bytes = as_bytes(body);
      auto response = m_client->send(Call{.method = "POST", .query = {{"delete", ""}},
                                          .headers = {{"content-md5", to_base64(md5(bytes))}},
                                          .body = bytes, .operation = "DeleteObjects"});
      if (response.status != 200) {
        m_client->fail(response, "objects in '" + describe() + "'");
      }
      pugi::xml_document doc;
      doc.load_buffer(response.body.data(), response.body.size());
      for (auto error : doc.child("DeleteResult").children("Error")) {
        std::string code = error.child_value("Code");
        if (code == "NoSuchKey") {
          continue;
        }
        throw Error(code == "AccessDenied" ? ErrorKind::permission : ErrorKind::io,
                    "unable to delete '" + m_client->name_of(error.child_value("Key")) +
                        "': " + code + " (" + error.child_value("Message") + ")");
      }
    }
  }

  ObjectInfo copy(const std::string& from, const std::string& to) override {
    return s3::copy_object(*m_client, full(from), full(to), to);
  }

  ObjectInfo splice(const ObjectInfo& source, std::span<const std::uint8_t> prefix,
                    std::uint64_t keep_from) override {
    // Below this, streaming the kept bytes costs less than a multipart upload.
    constexpr std::uint64_t k_server_side_minimum = 16ull << 20;
    if (source.size - keep_from < k_server_side_minimum) {
      return StoreDriver::splice(source, prefix, keep_from);
    }
    return s3::splice_object(*m_client, full(source.key), source, prefix, keep_from);
  }

 private:
  std::string full(const std::string& key) const { return m_client->options().prefix + key; }

  std::shared_ptr<Client> m_client;
};

}  // namespace

std::unique_ptr<StoreDriver> make_s3_store(S3Options options) {
  return std::make_unique<S3Store>(std::move(options));
}

}  // namespace lifeboat::store

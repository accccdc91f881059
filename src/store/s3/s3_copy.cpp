// Server-side copy: CopyObject up to 5 GiB, a multipart UploadPartCopy above.
#include <pugixml.hpp>
#include <sstream>

#include "store/s3/s3_internal.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::store::s3 {

namespace {

constexpr std::uint64_t k_copy_limit = 5ull << 30;

std::string copy_source(const Client& client, const std::string& from_full_key) {
  return "/" + client.options().bucket + "/" + http::uri_encode(from_full_key, true);
}

// CopyObject and UploadPartCopy may answer 200 with an <Error> body.
std::string copied_etag(const Client& client, const http::Response& response,
                        const std::string& what, const char* result) {
  if (response.status != 200 || Client::parse_error(response.body)) {
    client.fail(response, what);
  }
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  return unquote(doc.child(result).child_value("ETag"));
}

}  // namespace

std::string start_multipart(const Client& client, const std::string& full_key,
                            const Headers& headers, const std::string& what) {
  auto response = client.send(Call{.method = "POST", .key = full_key, .query = {{"uploads", ""}},
                                   .headers = headers, .operation = "CreateMultipartUpload"});
  if (response.status != 200) {
    client.fail(response, what);
  }
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (upload_id.empty()) {
    throw Error(ErrorKind::io, "unable to store " + what + ": the server gave no upload id");
  }
  return upload_id;
}

void abort_multipart(const Client& client, const std::string& full_key,
                     const std::string& upload_id) noexcept {
  try {
    client.send(Call{.method = "DELETE", .key = full_key, .query = {{"uploadId", upload_id}},
                     .operation = "AbortMultipartUpload"});
  } catch (...) {
    // Best effort, as documented.
  }
}

ObjectInfo copy_object(const Client& client, const std::string& from_full_key,
                       const std::string& to_full_key, const std::string& to_key) {
  auto source = head_object(client, from_full_key, to_key);
  auto what = "object '" + client.name_of(from_full_key) + "'";
  if (!source) {
    throw Error(ErrorKind::not_found, what + " not found");
  }
  // Pin the source version so a concurrent overwrite cannot mix two versions.
  Headers pin{{"x-amz-copy-source", copy_source(client, from_full_key)},
              {"x-amz-copy-source-if-match", "\"" + source->etag + "\""}};
  if (source->size <= k_copy_limit) {
    auto headers = pin;
    headers.emplace_back("x-amz-metadata-directive", "COPY");
    auto response = client.send(Call{.method = "PUT", .key = to_full_key, .headers = headers,
                                     .operation = "CopyObject"});
    source->etag = copied_etag(client, response, what, "CopyObjectResult");
    source->mtime = std::chrono::system_clock::now();
    return *source;
  }
  Headers meta;
  for (const auto& [name, value] : source->metadata) {
    meta.emplace_back("x-amz-meta-" + name, value);
  }
  auto upload_id = start_multipart(client, to_full_key, meta, what);
  try {
    auto part_size = choose_part_size(source->size, 512ull << 20);
    std::ostringstream xml;
    xml << "<CompleteMultipartUpload>";
    int number = 0;
    for (std::uint64_t offset = 0; offset < source->size; offset += part_size) {
      auto last = std::min(source->size, offset + part_size) - 1;
      auto headers = pin;
      headers.emplace_back("x-amz-copy-source-range",
                           "bytes=" + std::to_string(offset) + "-" + std::to_string(last));
      ++number;
      auto response = client.send(
          Call{.method = "PUT", .key = to_full_key,
               .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
               .headers = headers, .operation = "UploadPartCopy " + std::to_string(number)});
      xml << "<Part><PartNumber>" << number << "</PartNumber><ETag>\""
          << copied_etag(client, response, what, "CopyPartResult") << "\"</ETag></Part>";
    }
    xml << "</CompleteMultipartUpload>";
    auto body = xml.str();
    auto response = client.send(
        Call{.method = "POST", .key = to_full_key, .query = {{"uploadId", upload_id}},
             .body = {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()},
             .operation = "CompleteMultipartUpload", .safe_to_repeat = false});
    source->etag = copied_etag(client, response, what, "CompleteMultipartUploadResult");
  } catch (...) {
    abort_multipart(client, to_full_key, upload_id);
    throw;
  }
  source->key = to_key;
  source->mtime = std::chrono::system_clock::now();
  return *source;
}

}  // namespace lifeboat::store::s3

namespace lifeboat::store::s3 {

ObjectInfo splice_object(const Client& client, const std::string& full_key,
                         const ObjectInfo& source, std::span<const std::uint8_t> prefix,
                         std::uint64_t keep_from) {
  auto what = "object '" + client.name_of(full_key) + "'";
  const auto& key = source.key;
  const auto& etag = source.etag;
  // Every part but the last must be at least 5 MiB: the first part is the new prefix
  // and enough kept bytes (read through this process) to reach that; the rest of the
  // kept bytes are copied server-side, pinned to the version we read.
  constexpr std::uint64_t k_min_part = 5ull << 20;
  ObjectInfo result = source;
  auto kept = source.size - keep_from;
  auto first_kept = std::min(kept, k_min_part);
  std::vector<std::uint8_t> first(prefix.begin(), prefix.end());
  if (first_kept > 0) {
    auto reader = open_s3_read(std::make_shared<Client>(client.options()), full_key, key,
                               {.offset = keep_from, .length = first_kept});
    if (reader->info().etag != etag) {
      throw Error(ErrorKind::precondition_failed, what + " changed while it was being rewritten");
    }
    first.resize(prefix.size() + first_kept);
    std::uint64_t got = 0;
    while (got < first_kept) {
      auto n = reader->read(std::span(first).subspan(prefix.size() + got));
      if (n == 0) {
        throw Error(ErrorKind::corrupt, "unable to read " + what + ": it ended early");
      }
      got += n;
    }
  }
  Headers meta;
  for (const auto& [name, value] : source.metadata) {
    meta.emplace_back("x-amz-meta-" + name, value);
  }
  auto upload_id = start_multipart(client, full_key, meta, what);
  try {
    std::ostringstream xml;
    xml << "<CompleteMultipartUpload>";
    auto md5 = ::lifeboat::md5(first);
    auto response = client.send(Call{.method = "PUT", .key = full_key,
                                     .query = {{"partNumber", "1"}, {"uploadId", upload_id}},
                                     .headers = {{"content-md5", to_base64(md5)}}, .body = first,
                                     .operation = "UploadPart 1"});
    if (response.status != 200) {
      client.fail(response, what);
    }
    xml << "<Part><PartNumber>1</PartNumber><ETag>" << response.header("etag") << "</ETag></Part>";
    auto part_size = choose_part_size(kept, 512ull << 20);
    int number = 1;
    for (auto offset = keep_from + first_kept; offset < source.size; offset += part_size) {
      auto last = std::min(source.size, offset + part_size) - 1;
      ++number;
      auto copy = client.send(Call{
          .method = "PUT", .key = full_key,
          .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
          .headers = {{"x-amz-copy-source", copy_source(client, full_key)},
                      {"x-amz-copy-source-if-match", "\"" + etag + "\""},
                      {"x-amz-copy-source-range",
                       "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}},
          .operation = "UploadPartCopy " + std::to_string(number)});
      xml << "<Part><PartNumber>" << number << "</PartNumber><ETag>\""
          << copied_etag(client, copy, what, "CopyPartResult") << "\"</ETag></Part>";
    }
    xml << "</CompleteMultipartUpload>";
    auto body = xml.str();
    auto done = client.send(Call{.method = "POST", .key = full_key, .query = {{"uploadId", upload_id}},
                                 .body = as_bytes(body), .operation = "CompleteMultipartUpload",
                                 .safe_to_repeat = false});
    result.etag = copied_etag(client, done, what, "CompleteMultipartUploadResult");
  } catch (...) {
    abort_multipart(client, full_key, upload_id);
    throw;
  }
  result.size = prefix.size() + kept;
  result.mtime = std::chrono::system_clock::now();
  return result;
}

}  // namespace lifeboat::store::s3

// The pieces of the s3 driver, shared between its files. Internal to src/store/s3.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/s3/s3_client.hpp"

namespace lifeboat::store::s3 {

// User metadata from x-amz-meta-* answer headers.
std::map<std::string, std::string> metadata_from(const http::Response& response);

// HeadObject: the object's info, or nullopt if the key does not exist (a missing bucket
// is an error).
std::optional<ObjectInfo> head_object(const Client& client, const std::string& full_key,
                                      const std::string& key);

std::unique_ptr<ReadStream> open_s3_read(std::shared_ptr<const Client> client,
                                         const std::string& full_key, const std::string& key,
                                         const ByteRange& range);

std::unique_ptr<WriteStream> open_s3_write(std::shared_ptr<const Client> client,
                                           const std::string& full_key, const std::string& key,
                                           const WriteOptions& options);

// CreateMultipartUpload: the new upload's id. `headers` carry its metadata.
std::string start_multipart(const Client& client, const std::string& full_key,
                            const Headers& headers, const std::string& what);

// AbortMultipartUpload, best effort: a bucket lifecycle rule for incomplete uploads is
// the backstop when even this fails.
void abort_multipart(const Client& client, const std::string& full_key,
                     const std::string& upload_id) noexcept;

// Server-side copy: CopyObject up to 5 GiB, UploadPartCopy above.
ObjectInfo copy_object(const Client& client, const std::string& from_full_key,
                       const std::string& to_full_key, const std::string& to_key);

// Rewrites the object `source` as `prefix` + its bytes from `keep_from` on: one
// uploaded part, then UploadPartCopy of the rest pinned to source.etag.
ObjectInfo splice_object(const Client& client, const std::string& full_key,
                         const ObjectInfo& source, std::span<const std::uint8_t> prefix,
                         std::uint64_t keep_from);

}  // namespace lifeboat::store::s3

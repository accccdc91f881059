// The s3:// driver: any S3-compatible object store, over libcurl with SigV4.
//
// Address: s3://BUCKET[/PREFIX]?endpoint=URL&region=R[&style=path|virtual]
//          [&connections=N][&part-size=BYTES]
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
// else from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials, profile AWS_PROFILE or "default"). They never appear in the address.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/sigv4.hpp"
#include "http/transport.hpp"
#include "store/store.hpp"

namespace lifeboat::store {

struct S3Options {
  std::string bucket;    // Required
  std::string prefix;    // prepended to every key; "" or ending in '/'. Default: ""
  std::string endpoint;  // scheme://host[:port]. Default: https://s3.REGION.amazonaws.com
  std::string region;    // Default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  // Path-style URLs (endpoint/bucket/key) instead of virtual-hosted (bucket.endpoint/key).
  // Default: virtual-hosted for amazonaws.com endpoints, path-style for any other
  bool path_style = true;
  // Parallel requests per transfer; each holds one part (or range) in memory.
  int connections = 4;                         // Default: 4
  std::uint64_t part_size = 8ull << 20;        // smallest multipart part. Default: 8 MiB
  std::optional<http::Credentials> credentials;  // Default: from the environment or file
  http::RetryPolicy retry;                       // Default: see RetryPolicy
  std::shared_ptr<http::Transport> transport;    // Default: libcurl (tests wrap it)
};

// Parses an s3:// address into options (credentials not resolved). Throws Error(usage).
S3Options parse_s3_address(const std::string& address);

// The part size for an object of `size` bytes (or unknown): at least `minimum`, a
// whole number of MiB, and large enough that the object fits in 10,000 parts.
std::uint64_t choose_part_size(std::optional<std::uint64_t> size, std::uint64_t minimum);

std::unique_ptr<StoreDriver> make_s3_store(S3Options options);

}  // namespace lifeboat::store

// Parsing s3:// addresses and resolving credentials.
#include <cstdlib>

#include "store/s3/s3_store.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::store {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

std::uint64_t choose_part_size(std::optional<std::uint64_t> size, std::uint64_t minimum) {
  constexpr std::uint64_t k_mib = 1ull << 20;
  constexpr std::uint64_t k_max_parts = 10'000;
  auto part = std::max<std::uint64_t>(minimum, 5 * k_mib);
  if (size) {
    part = std::max(part, (*size + k_max_parts - 1) / k_max_parts);
  }
  return (part + k_mib - 1) / k_mib * k_mib;
}

S3Options parse_s3_address(const std::string& address) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::usage, "invalid S3 address '" + address + "': " + why);
  };
  constexpr std::string_view k_scheme = "s3://";
  if (!address.starts_with(k_scheme)) {
    throw bad("expected s3://BUCKET[/PREFIX]?endpoint=URL&region=R");
  }
  auto rest = address.substr(k_scheme.size());
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Options options;
  auto slash = rest.find('/');
  options.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) {
    options.prefix = rest.substr(slash + 1);
    if (!options.prefix.empty() && options.prefix.back() != '/') {
      options.prefix += '/';
    }
  }
  if (options.bucket.size() < 3 || options.bucket.size() > 63 ||
      options.bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") !=
          std::string::npos) {
    throw bad("the bucket name must be 3-63 lowercase letters, digits, '.' or '-'");
  }
  if (options.prefix.find("//") != std::string::npos || options.prefix.starts_with("/")) {
    throw bad("the prefix has an empty segment");
  }
  bool style_given = false;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos) {
      end = query.size();
    }
    auto pair = query.substr(start, end - start);
    start = end + 1;
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    auto value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
    if (name == "endpoint") {
      if (!value.starts_with("http://") && !value.starts_with("https://")) {
        throw bad("endpoint must start with http:// or https://");
      }
      while (value.ends_with("/")) {
        value.pop_back();
      }
      options.endpoint = value;
    } else if (name == "region") {
      options.region = value;
    } else if (name == "style") {
      if (value != "path" && value != "virtual") {
        throw bad("style must be 'path' or 'virtual'");
      }
      options.path_style = value == "path";
      style_given = true;
    } else if (name == "connections") {
      options.connections = std::atoi(value.c_str());
      if (options.connections < 1 || options.connections > 64) {
        throw bad("connections must be 1 to 64");
      }
    } else if (name == "part-size") {
      options.part_size = std::strtoull(value.c_str(), nullptr, 10);
      if (options.part_size < (5ull << 20) || options.part_size > (5ull << 30)) {
        throw bad("part-size must be 5 MiB to 5 GiB, in bytes");
      }
    } else if (!name.empty()) {
      throw bad("unknown option '" + name + "' (known: endpoint, region, style, connections, "
                "part-size)");
    }
  }
  if (options.region.empty()) {
    options.region = env("AWS_REGION");
  }
  if (options.region.empty()) {
    options.region = env("AWS_DEFAULT_REGION");
  }
  if (options.region.empty()) {
    options.region = "us-east-1";
  }
  if (options.endpoint.empty()) {
    options.endpoint = "https://s3." + options.region + ".amazonaws.com";
  }
  if (!style_given) {
    // A dotted bucket name breaks the TLS wildcard of virtual-hosted URLs.
    options.path_style = options.endpoint.find(".amazonaws.com") == std::string::npos ||
                         options.bucket.find('.') != std::string::npos;
  }
  if (!options.path_style && options.bucket.find('.') != std::string::npos &&
      options.endpoint.starts_with("https://")) {
    throw bad("a bucket name with '.' needs style=path over HTTPS");
  }
  return options;
}

}  // namespace lifeboat::store

// The scheme table, and addresses as the command line writes them.
#include "store/registry.hpp"

#include <filesystem>

#include "store/file/file_store.hpp"
#include "store/s3/s3_store.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::store {

namespace {

struct Scheme {
  std::string_view prefix;
  std::unique_ptr<StoreDriver> (*open)(const std::string& address);
};

const Scheme k_schemes[] = {
    {"file://", [](const std::string& a) { return make_file_store(parse_file_address(a)); }},
    {"s3://", [](const std::string& a) { return make_s3_store(parse_s3_address(a)); }},
};

}  // namespace

Store Store::open(const std::string& address) {
  for (const auto& scheme : k_schemes) {
    if (address.starts_with(scheme.prefix)) {
      return Store(scheme.open(address));
    }
  }
  throw Error(ErrorKind::usage, "unknown store address '" + redact(address) +
                                    "': use file:///DIR or s3://BUCKET[/PREFIX]?endpoint=URL");
}

Location locate(const std::string& address, bool as_directory) {
  if (address.starts_with("s3://")) {
    auto query_at = address.find('?');
    auto query = query_at == std::string::npos ? "" : address.substr(query_at);
    auto path = address.substr(5, query_at == std::string::npos ? std::string::npos : query_at - 5);
    auto slash = path.find('/');
    if (slash == std::string::npos) {
      return {address, ""};
    }
    return {"s3://" + path.substr(0, slash) + query, path.substr(slash + 1)};
  }
  if (address.starts_with("file://")) {
    std::filesystem::path path = address.substr(7);
    std::error_code ec;
    if (as_directory && std::filesystem::is_directory(path, ec)) {
      return {address, ""};
    }
    auto text = path.string();
    bool trailing = text.ends_with("/");
    while (text.size() > 1 && text.ends_with("/")) {
      text.pop_back();
    }
    path = text;
    return {"file://" + path.parent_path().string(),
            path.filename().string() + (trailing ? "/" : "")};
  }
  throw Error(ErrorKind::usage, "unknown store address '" + redact(address) +
                                    "': use file:///DIR or s3://BUCKET[/PREFIX]?endpoint=URL");
}

}  // namespace lifeboat::store

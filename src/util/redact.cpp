// Removing secrets from addresses.
#include "util/redact.hpp"

#include <string_view>

namespace lifeboat {

std::string redact(const std::string& address) {
  std::string out = address;
  for (std::string_view secret : {"pin-value=", "password=", "secret="}) {
    auto at = out.find(secret);
    while (at != std::string::npos) {
      auto start = at + secret.size();
      auto end = out.find_first_of("&;", start);
      out.replace(start, end == std::string::npos ? std::string::npos : end - start, "***");
      at = out.find(secret, start);
    }
  }
  // user:password@host
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto at = out.find('@', scheme);
    auto colon = out.find(':', scheme + 3);
    auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at &&
        (slash == std::string::npos || at < slash)) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  return out;
}

}  // namespace lifeboat

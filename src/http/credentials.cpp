// AWS credentials from the environment or the shared credentials file.
#include "http/credentials.hpp"

#include <cstdlib>
#include <fstream>

#include "util/error.hpp"

namespace lifeboat::http {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string trim(std::string text) {
  auto first = text.find_first_not_of(" \t\r");
  auto last = text.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

}  // namespace

Credentials resolve_credentials() {
  Credentials credentials{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                                env("AWS_SESSION_TOKEN")};
  if (!credentials.access_key_id.empty() && !credentials.secret_access_key.empty()) {
    return credentials;
  }
  auto file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !env("HOME").empty()) {
    file = env("HOME") + "/.aws/credentials";
  }
  auto profile = env("AWS_PROFILE").empty() ? std::string("default") : env("AWS_PROFILE");
  std::ifstream in(file);
  std::string line;
  bool in_profile = false;
  credentials = {};
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.starts_with("[")) {
      in_profile = line == "[" + profile + "]";
      continue;
    }
    auto eq = line.find('=');
    if (!in_profile || eq == std::string::npos) {
      continue;
    }
    auto name = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (name == "aws_access_key_id") {
      credentials.access_key_id = value;
    } else if (name == "aws_secret_access_key") {
      credentials.secret_access_key = value;
    } else if (name == "aws_session_token") {
      credentials.session_token = value;
    }
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw Error(ErrorKind::auth,
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                "profile '" + profile + "' to '" + file + "'");
  }
  return credentials;
}

}  // namespace lifeboat::http

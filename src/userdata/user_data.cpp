// The user-data document (user_data.hpp).
#include "userdata/user_data.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/redact.hpp"

namespace lifeboat::userdata {

namespace {

struct Field {
  const char* name;
  std::string UserData::*member;
  bool required;
};

constexpr Field k_fields[] = {
    {"installation", &UserData::installation, true}, {"region", &UserData::region, true},
    {"store", &UserData::store, true},               {"kms", &UserData::kms, true},
    {"bootstrap", &UserData::bootstrap, true},       {"database", &UserData::database, false},
    {"release", &UserData::release, true},
};

bool valid_release(const std::string& release) {
  if (release.size() < 8 || release.size() > 16 || release[6] != '-') {
    return false;
  }
  for (std::size_t i = 0; i < release.size(); ++i) {
    if (i != 6 && (release[i] < '0' || release[i] > '9')) {
      return false;
    }
  }
  return true;
}

// "http://169.254.169.254/latest/user-data" → "http://169.254.169.254".
std::string origin_of(const std::string& url) {
  auto scheme_end = url.find("://");
  auto path = url.find('/', scheme_end + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

}  // namespace

UserData parse_user_data(std::string_view text, const std::string& source) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::usage, "user data from '" + source + "' " + why);
  };
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    throw bad("is not a JSON object");
  }
  UserData user_data;
  for (const auto& field : k_fields) {
    auto it = json.find(field.name);
    if (it == json.end()) {
      if (field.required) {
        throw bad("has no \"" + std::string(field.name) + "\"");
      }
      continue;
    }
    if (!it->is_string()) {
      throw bad("has a \"" + std::string(field.name) + "\" that is not a string");
    }
    user_data.*field.member = it->get<std::string>();
    // Anything on the instance can read user data: a secret there is a leak.
    if (redact(user_data.*field.member) != user_data.*field.member) {
      throw bad("holds a secret in \"" + std::string(field.name) +
                "\"; secrets belong in the bootstrap bundle");
    }
  }
  for (const auto& [key, value] : json.items()) {
    bool known = key == "version";
    for (const auto& field : k_fields) {
      known = known || key == field.name;
    }
    if (!known) {
      throw bad("has an unknown field \"" + key + "\"");
    }
  }
  if (!valid_release(user_data.release)) {
    throw bad("has release \"" + user_data.release + "\", which is not YYYYMM-N");
  }
  return user_data;
}

std::string to_json(const UserData& user_data) {
  nlohmann::ordered_json json = {{"version", 1}};
  for (const auto& field : k_fields) {
    if (field.required || !(user_data.*field.member).empty()) {
      json[field.name] = user_data.*field.member;
    }
  }
  return json.dump();
}

UserData read_user_data(const std::string& source, std::shared_ptr<http::Transport> transport) {
  if (!source.starts_with("http://") && !source.starts_with("https://")) {
    return parse_user_data(read_file(source), source);
  }
  if (!transport) {
    transport = http::make_curl_transport({.connect_timeout = std::chrono::seconds(5)});
  }
  // IMDSv2: a session token first (a PUT, which a forwarded request cannot make), then
  // the document with the token.
  auto token = http::perform_with_retry(
      *transport,
      {.method = "PUT",
       .url = origin_of(source) + "/latest/api/token",
       .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
       .operation = "IMDSv2 token"},
      true);
  if (token.status != 200 || token.body.empty()) {
    throw Error(token.status == 404 ? ErrorKind::not_found : ErrorKind::io,
                "unable to read user data from '" + source + "': the metadata service answered " +
                    std::to_string(token.status) + " to the IMDSv2 token request");
  }
  auto answer = http::perform_with_retry(
      *transport,
      {.method = "GET", .url = source, .headers = {{"X-aws-ec2-metadata-token", token.body}},
       .operation = "IMDSv2 user data"},
      true);
  if (answer.status != 200) {
    throw Error(answer.status == 404 ? ErrorKind::not_found : ErrorKind::io,
                "unable to read user data from '" + source + "': the metadata service answered " +
                    std::to_string(answer.status) +
                    (answer.status == 404 ? "; this instance has no user data" : ""));
  }
  return parse_user_data(answer.body, source);
}

}  // namespace lifeboat::userdata

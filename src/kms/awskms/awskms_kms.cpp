// The awskms: KMS driver.
#include "kms/awskms/awskms_kms.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "http/credentials.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::kms {

namespace {

const nlohmann::json k_context = {{"lifeboat", "data-key"}};

class AwsKms final : public KmsDriver {
 public:
  explicit AwsKms(AwsKmsOptions options) : m_options(std::move(options)) {
    m_credentials = m_options.credentials ? *m_options.credentials : http::resolve_credentials();
    if (!m_options.transport) {
      m_options.transport = http::make_curl_transport();
    }
  }

  KeyDescription describe() const override { return {m_options.key_arn, "awskms", m_options.region}; }

  DataKey generate_data_key() override {
    auto answer = call("GenerateDataKey", {{"KeyId", m_options.key_arn}, {"KeySpec", "AES_256"},
                                           {"EncryptionContext", k_context}});
    auto plaintext = decode(answer, "Plaintext");
    auto wrapped = decode(answer, "CiphertextBlob");
    if (plaintext.size() != 32) {
      throw Error(ErrorKind::io, "AWS KMS returned a data key of " + std::to_string(plaintext.size()) +
                                     " bytes for '" + m_options.key_arn + "'");
    }
    DataKey key{SecretBytes(plaintext.data(), plaintext.size()), std::move(wrapped)};
    wipe(plaintext);
    return key;
  }

  std::vector<std::uint8_t> wrap(const SecretBytes& plaintext) override {
    auto answer = call("Encrypt", {{"KeyId", m_options.key_arn},
                                   {"Plaintext", to_base64({plaintext.data(), plaintext.size()})},
                                   {"EncryptionContext", k_context}});
    return decode(answer, "CiphertextBlob");
  }

  std::optional<std::vector<std::uint8_t>> reencrypt(const std::vector<std::uint8_t>& wrapped,
                                                     const KeyDescription& target) override {
    // ReEncrypt works between keys of one region and account's endpoint.
    if (target.provider != "awskms" || target.region != m_options.region) {
      return std::nullopt;
    }
    auto answer = call("ReEncrypt", {{"CiphertextBlob", to_base64(wrapped)},
                                     {"SourceKeyId", m_options.key_arn},
                                     {"SourceEncryptionContext", k_context},
                                     {"DestinationKeyId", target.key_id},
                                     {"DestinationEncryptionContext", k_context}});
    return decode(answer, "CiphertextBlob");
  }

  SecretBytes unwrap(const std::vector<std::uint8_t>& wrapped) override {
    auto answer = call("Decrypt", {{"KeyId", m_options.key_arn}, {"CiphertextBlob", to_base64(wrapped)},
                                   {"EncryptionContext", k_context}});
    auto plaintext = decode(answer, "Plaintext");
    SecretBytes out(plaintext.data(), plaintext.size());
    wipe(plaintext);
    return out;
  }

 private:
  static void wipe(std::vector<std::uint8_t>& bytes) {
    std::fill(bytes.begin(), bytes.end(), 0);
  }

  std::vector<std::uint8_t> decode(const nlohmann::json& answer, const char* field) const {
    auto bytes = from_base64(answer.value(field, ""));
    if (!bytes || bytes->empty()) {
      throw Error(ErrorKind::io, "AWS KMS answered without a valid " + std::string(field) + " for '" +
                                     m_options.key_arn + "'");
    }
    return *bytes;
  }

  nlohmann::json call(const std::string& action, const nlohmann::json& request) const {
    auto body = request.dump();
    auto host = m_options.endpoint.substr(m_options.endpoint.find("://") + 3);
    while (host.ends_with("/")) {
      host.pop_back();
    }
    auto date = format_utc(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ");
    auto payload_hash = to_hex(sha256(as_bytes(body)));
    http::Request http_request{
        .method = "POST", .url = m_options.endpoint + "/",
        .headers = {{"host", host}, {"x-amz-date", date},
                    {"content-type", "application/x-amz-json-1.1"},
                    {"x-amz-target", "TrentService." + action},
                    {"x-amz-content-sha256", payload_hash}},
        .body = as_bytes(body), .operation = action};
    if (!m_credentials.session_token.empty()) {
      http_request.headers.emplace_back("x-amz-security-token", m_credentials.session_token);
    }
    http::SigningRequest signing{.method = "POST", .path = "/", .headers = http_request.headers,
                                 .payload_hash = payload_hash};
    http::SigningScope scope{.amz_date = date, .region = m_options.region, .service = "kms"};
    http_request.headers.emplace_back(
        "authorization", http::authorization(signing, scope, m_credentials, {.normalize = true}));
    // Every call is safe to repeat: Encrypt and GenerateDataKey only make new blobs.
    auto response = http::perform_with_retry(*m_options.transport, http_request, true, m_options.retry);
    auto answer = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status == 200 && answer.is_object()) {
      return answer;
    }
    fail(action, response.status, answer);
  }

  [[noreturn]] void fail(const std::string& action, long status, const nlohmann::json& answer) const {
    std::string type = answer.is_object() ? answer.value("__type", "") : "";
    if (auto hash = type.rfind('#'); hash != std::string::npos) {
      type = type.substr(hash + 1);
    }
    std::string message = answer.is_object() ? answer.value("message", answer.value("Message", "")) : "";
    auto what = "unable to " + action + " with key '" + m_options.key_arn + "': " +
                (type.empty() ? "HTTP " + std::to_string(status) : type) +
                (message.empty() ? "" : " (" + message + ")");
    if (type == "InvalidCiphertextException" || type == "IncorrectKeyException") {
      throw Error(ErrorKind::corrupt, "unable to unwrap with key '" + m_options.key_arn +
                                          "': authentication failed; the blob is damaged or was "
                                          "wrapped by another key");
    }
    if (type == "NotFoundException") {
      throw Error(ErrorKind::not_found, what);
    }
    if (type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
        type == "ExpiredTokenException" || status == 401) {
      throw Error(ErrorKind::auth, what + "; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    if (type == "AccessDeniedException" || status == 403) {
      throw Error(ErrorKind::permission, what);
    }
    if (http::retryable_status(status) || type == "KMSInternalException" ||
        type == "ThrottlingException") {
      throw Error(ErrorKind::transient, what);
    }
    throw Error(ErrorKind::io, what);
  }

  AwsKmsOptions m_options;
  http::Credentials m_credentials;
};

}  // namespace

AwsKmsOptions parse_awskms_address(const std::string& address) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::usage, "invalid AWS KMS address '" + address + "': " + why);
  };
  constexpr std::string_view k_scheme = "awskms:";
  if (!address.starts_with(k_scheme)) {
    throw bad("expected awskms:arn:aws:kms:REGION:ACCOUNT:key/ID");
  }
  auto rest = address.substr(k_scheme.size());
  std::string endpoint;
  if (auto q = rest.find('?'); q != std::string::npos) {
    auto query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (!query.starts_with("endpoint=")) {
      throw bad("the only option is endpoint=URL");
    }
    endpoint = query.substr(9);
    if (!endpoint.starts_with("https://") && !endpoint.starts_with("http://")) {
      throw bad("endpoint must start with https:// or http://");
    }
  }
  // arn:PARTITION:kms:REGION:ACCOUNT:key/ID (or alias/NAME)
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    auto colon = rest.find(':', start);
    if (colon == std::string::npos) {
      throw bad("expected arn:aws:kms:REGION:ACCOUNT:key/ID");
    }
    parts.push_back(rest.substr(start, colon - start));
    start = colon + 1;
  }
  auto resource = rest.substr(start);
  if (parts[0] != "arn" || parts[2] != "kms" || parts[3].empty() ||
      !(resource.starts_with("key/") || resource.starts_with("alias/")) || resource.size() < 5) {
    throw bad("expected arn:aws:kms:REGION:ACCOUNT:key/ID");
  }
  AwsKmsOptions options{.key_arn = rest, .region = parts[3], .endpoint = endpoint};
  if (options.endpoint.empty()) {
    options.endpoint = "https://kms." + options.region + ".amazonaws.com";
  }
  return options;
}

std::unique_ptr<KmsDriver> make_awskms_kms(AwsKmsOptions options) {
  return std::make_unique<AwsKms>(std::move(options));
}

}  // namespace lifeboat::kms

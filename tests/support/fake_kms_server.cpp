// The loopback AWS KMS stand-in.
#include "support/fake_kms_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "util/bytes.hpp"

namespace lifeboat::test {

namespace {

std::string lower(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// AES-256-GCM with the encryption context as associated data.
std::vector<std::uint8_t> seal(const std::vector<std::uint8_t>& key, const std::string& aad,
                               std::span<const std::uint8_t> plain) {
  std::vector<std::uint8_t> out(12 + plain.size() + 16);
  random_bytes(std::span(out).first(12));
  auto* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), out.data());
  EVP_EncryptUpdate(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()));
  EVP_EncryptUpdate(ctx, out.data() + 12, &n, plain.data(), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, out.data() + 12 + n, &n);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + 12 + plain.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

std::optional<std::vector<std::uint8_t>> open(const std::vector<std::uint8_t>& key,
                                              const std::string& aad,
                                              const std::vector<std::uint8_t>& sealed) {
  if (sealed.size() < 28) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> plain(sealed.size() - 28);
  auto* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  int ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), sealed.data());
  ok &= EVP_DecryptUpdate(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size()));
  ok &= EVP_DecryptUpdate(ctx, plain.data(), &n, sealed.data() + 12, static_cast<int>(plain.size()));
  ok &= EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, const_cast<std::uint8_t*>(sealed.data() + sealed.size() - 16));
  ok &= EVP_DecryptFinal_ex(ctx, plain.data() + n, &n);
  EVP_CIPHER_CTX_free(ctx);
  return ok == 1 ? std::optional(plain) : std::nullopt;
}

std::string error_body(const std::string& type, const std::string& message) {
  return nlohmann::json{{"__type", type}, {"message", message}}.dump();
}

}  // namespace

FakeKmsServer::FakeKmsServer(http::Credentials credentials, std::string region)
    : m_credentials(std::move(credentials)), m_region(std::move(region)) {
  m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(m_listen, 16);
  socklen_t length = sizeof address;
  ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length);
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { serve(); });
}

FakeKmsServer::~FakeKmsServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_listen);
}

std::string FakeKmsServer::add_key(const std::string& id) {
  auto arn = "arn:aws:kms:" + m_region + ":111122223333:key/" + id;
  std::vector<std::uint8_t> key(32);
  random_bytes(key);
  std::lock_guard lock(m_mutex);
  m_keys[arn] = key;
  return arn;
}

int FakeKmsServer::requests(const std::string& target) const {
  std::lock_guard lock(m_mutex);
  auto it = m_requests.find(target);
  return it == m_requests.end() ? 0 : it->second;
}

void FakeKmsServer::serve() {
  // Requests are answered one at a time on this thread, one per connection: the driver's
  // concurrent callers simply wait their turn, and no other thread ever holds OpenSSL state.
  while (!m_stop) {
    pollfd p{m_listen, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;
    }
    int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    std::string buffer;
    char chunk[65536];
    auto end = std::string::npos;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      auto n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) {
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    if (end == std::string::npos) {
      ::close(fd);
      continue;
    }
    std::istringstream head(buffer.substr(0, end));
    std::string method, path, line;
    head >> method >> path;
    std::getline(head, line);
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t content_length = 0;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      auto colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      auto name = lower(line.substr(0, colon));
      auto value = line.substr(line.find_first_not_of(' ', colon + 1));
      headers.emplace_back(name, value);
      if (name == "content-length") {
        content_length = std::stoul(value);
      }
    }
    while (buffer.size() < end + 4 + content_length) {
      auto n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) {
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    int status = 200;
    auto answer = handle(method, path, headers, buffer.substr(end + 4, content_length), status);
    auto response = "HTTP/1.1 " + std::to_string(status) +
                    " X\r\nContent-Type: application/x-amz-json-1.1\r\nConnection: close\r\n"
                    "Content-Length: " + std::to_string(answer.size()) + "\r\n\r\n" + answer;
    static_cast<void>(::write(fd, response.data(), response.size()));
    ::close(fd);
  }
  OPENSSL_thread_stop();  // the server thread's OpenSSL state; stop servers before exit
}

std::string FakeKmsServer::reencrypt(const nlohmann::json& json, int& status) {
  status = 400;
  auto source_arn = json.value("SourceKeyId", "");
  auto target_arn = json.value("DestinationKeyId", "");
  std::vector<std::uint8_t> source_key, target_key;
  {
    std::lock_guard lock(m_mutex);
    if (!m_keys.contains(source_arn) || !m_keys.contains(target_arn)) {
      return error_body("NotFoundException", "a key of the ReEncrypt does not exist");
    }
    source_key = m_keys[source_arn];
    target_key = m_keys[target_arn];
  }
  auto blob = from_base64(json.value("CiphertextBlob", "")).value_or(std::vector<std::uint8_t>{});
  auto newline = std::find(blob.begin(), blob.end(), '\n');
  if (newline == blob.end() || std::string(blob.begin(), newline) != source_arn) {
    return error_body("IncorrectKeyException", "The key ID in the request does not identify the key used");
  }
  auto source_context = json.value("SourceEncryptionContext", nlohmann::json::object()).dump();
  auto plain = open(source_key, source_arn + source_context,
                    std::vector<std::uint8_t>(newline + 1, blob.end()));
  if (!plain) {
    return error_body("InvalidCiphertextException", "");
  }
  auto target_context = json.value("DestinationEncryptionContext", nlohmann::json::object()).dump();
  auto sealed = seal(target_key, target_arn + target_context, *plain);
  std::vector<std::uint8_t> out(target_arn.begin(), target_arn.end());
  out.push_back('\n');
  out.insert(out.end(), sealed.begin(), sealed.end());
  status = 200;
  return nlohmann::json{{"KeyId", target_arn}, {"SourceKeyId", source_arn},
                        {"CiphertextBlob", to_base64(out)}}.dump();
}

std::string FakeKmsServer::handle(const std::string& method, const std::string& path,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body, int& status) {
  auto header = [&](const std::string& name) {
    for (const auto& [n, v] : headers) {
      if (n == name) {
        return v;
      }
    }
    return std::string();
  };
  auto target = header("x-amz-target");
  {
    std::lock_guard lock(m_mutex);
    ++m_requests[target];
  }
  status = 400;
  if (method != "POST" || path != "/" || header("content-type") != "application/x-amz-json-1.1" ||
      !target.starts_with("TrentService.")) {
    return error_body("UnknownOperationException", "not a KMS request");
  }
  // Recompute the signature over the headers the client says it signed.
  auto authorization = header("authorization");
  auto signed_at = authorization.find("SignedHeaders=");
  auto signed_names = authorization.substr(signed_at + 14, authorization.find(',', signed_at) - signed_at - 14);
  http::SigningRequest request{.method = method, .path = path,
                               .payload_hash = to_hex(sha256(as_bytes(body)))};
  std::istringstream names(signed_names);
  std::string name;
  while (std::getline(names, name, ';')) {
    request.headers.emplace_back(name, header(name));
  }
  http::SigningScope scope{.amz_date = header("x-amz-date"), .region = m_region, .service = "kms"};
  if (signed_names.find("x-amz-target") == std::string::npos ||
      authorization != http::authorization(request, scope, m_credentials, {.normalize = true})) {
    ++m_bad_signatures;
    return error_body("InvalidSignatureException", "the request signature does not match");
  }
  if (m_fail_next > 0) {
    --m_fail_next;
    status = 500;
    return error_body("KMSInternalException", "injected");
  }
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) {
    return error_body("SerializationException", "bad JSON");
  }
  if (target == "TrentService.ReEncrypt") {
    return reencrypt(json, status);
  }
  auto arn = json.value("KeyId", "");
  std::vector<std::uint8_t> key;
  {
    std::lock_guard lock(m_mutex);
    if (!m_keys.contains(arn)) {
      return error_body("NotFoundException", "Key '" + arn + "' does not exist");
    }
    key = m_keys[arn];
  }
  // The blob names its key, as the real service's does; the context is bound in.
  auto context = json.value("EncryptionContext", nlohmann::json::object()).dump();
  auto make_blob = [&](std::span<const std::uint8_t> plain) {
    auto sealed = seal(key, arn + context, plain);
    std::vector<std::uint8_t> blob(arn.begin(), arn.end());
    blob.push_back('\n');
    blob.insert(blob.end(), sealed.begin(), sealed.end());
    return to_base64(blob);
  };
  status = 200;
  if (target == "TrentService.GenerateDataKey") {
    if (json.value("KeySpec", "") != "AES_256") {
      status = 400;
      return error_body("ValidationException", "KeySpec must be AES_256 here");
    }
    std::vector<std::uint8_t> plain(32);
    random_bytes(plain);
    return nlohmann::json{{"KeyId", arn}, {"Plaintext", to_base64(plain)}, {"CiphertextBlob", make_blob(plain)}}.dump();
  }
  if (target == "TrentService.Encrypt") {
    auto plain = from_base64(json.value("Plaintext", "")).value_or(std::vector<std::uint8_t>{});
    return nlohmann::json{{"KeyId", arn}, {"CiphertextBlob", make_blob(plain)}}.dump();
  }
  if (target == "TrentService.Decrypt") {
    auto blob = from_base64(json.value("CiphertextBlob", "")).value_or(std::vector<std::uint8_t>{});
    auto newline = std::find(blob.begin(), blob.end(), '\n');
    status = 400;
    if (newline == blob.end()) {
      return error_body("InvalidCiphertextException", "");
    }
    if (std::string(blob.begin(), newline) != arn) {
      return error_body("IncorrectKeyException", "The key ID in the request does not identify the key used");
    }
    auto plain = open(key, arn + context, std::vector<std::uint8_t>(newline + 1, blob.end()));
    if (!plain) {
      return error_body("InvalidCiphertextException", "");
    }
    status = 200;
    return nlohmann::json{{"KeyId", arn}, {"Plaintext", to_base64(*plain)}}.dump();
  }
  status = 400;
  return error_body("UnknownOperationException", target);
}

}  // namespace lifeboat::test

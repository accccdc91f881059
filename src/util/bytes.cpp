// Byte helpers over OpenSSL's EVP interface.
#include "util/bytes.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "util/error.hpp"

namespace lifeboat {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const EVP_MD* md_for(Digest::Algorithm algorithm) {
  return algorithm == Digest::Algorithm::sha256 ? EVP_sha256() : EVP_md5();
}

}  // namespace

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto byte : bytes) {
    out.push_back(k_digits[byte >> 4]);
    out.push_back(k_digits[byte & 0xf]);
  }
  return out;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct Digest::State {
  MdCtx ctx{EVP_MD_CTX_new()};
};

Digest::Digest(Algorithm algorithm) : m_state(std::make_unique<State>()) {
  if (!m_state->ctx || EVP_DigestInit_ex(m_state->ctx.get(), md_for(algorithm), nullptr) != 1) {
    throw Error(ErrorKind::internal, "unable to start a digest: OpenSSL failed");
  }
}

Digest::~Digest() = default;

void Digest::update(std::span<const std::uint8_t> data) {
  EVP_DigestUpdate(m_state->ctx.get(), data.data(), data.size());
}

std::string Digest::finish_hex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(m_state->ctx.get(), out, &n);
  return to_hex({out, n});
}

Sha256 Digest::finish_sha256() {
  Sha256 out{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(m_state->ctx.get(), out.data(), &n);
  return out;
}

Md5 Digest::finish_md5() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(m_state->ctx.get(), out, &n);
  Md5 result{};
  std::copy_n(out, result.size(), result.begin());
  return result;
}

Sha256 sha256(std::span<const std::uint8_t> data) {
  Digest digest(Digest::Algorithm::sha256);
  digest.update(data);
  return digest.finish_sha256();
}

Md5 md5(std::span<const std::uint8_t> data) {
  Digest digest(Digest::Algorithm::md5);
  digest.update(data);
  return digest.finish_md5();
}

Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Sha256 out{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &n) == nullptr) {
    throw Error(ErrorKind::internal, "unable to compute an HMAC: OpenSSL failed");
  }
  return out;
}

void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::string_view info, std::span<std::uint8_t> out) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  std::size_t length = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt.data(), static_cast<int>(salt.size())) != 1 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), ikm.data(), static_cast<int>(ikm.size())) != 1 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) != 1 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &length) != 1 || length != out.size()) {
    throw Error(ErrorKind::internal, "unable to derive a key: OpenSSL HKDF failed");
  }
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) {
    return std::nullopt;
  }
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int high = value(text[i]);
    int low = value(text[i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  auto padding = text.ends_with("==") ? 2u : text.ends_with("=") ? 1u : 0u;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw Error(ErrorKind::internal, "unable to read random bytes: OpenSSL's generator failed");
  }
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> buffer(bytes);
  random_bytes(buffer);
  return to_hex(buffer);
}

}  // namespace lifeboat

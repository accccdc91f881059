// One-shot AES-256-GCM (gcm.hpp).
#include "util/gcm.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat {

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* uchars(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::vector<std::uint8_t> gcm_seal(std::span<const std::uint8_t> key, std::string_view aad,
                                   std::span<const std::uint8_t> plaintext) {
  if (key.size() != 32) {
    throw Error(ErrorKind::internal, "AES-256-GCM needs a 32-byte key");
  }
  std::vector<std::uint8_t> box(k_gcm_overhead + plaintext.size());
  auto nonce = std::span(box).first(k_gcm_nonce_size);
  random_bytes(nonce);
  std::uint8_t* body = box.data() + k_gcm_nonce_size;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  int ok = ctx ? 1 : 0;
  ok &= EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data());
  ok &= EVP_EncryptUpdate(ctx.get(), nullptr, &n, uchars(aad), static_cast<int>(aad.size()));
  ok &=
      EVP_EncryptUpdate(ctx.get(), body, &n, plaintext.data(), static_cast<int>(plaintext.size()));
  ok &= EVP_EncryptFinal_ex(ctx.get(), body + n, &n);
  ok &= EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_gcm_tag_size),
                            body + plaintext.size());
  if (ok != 1) {
    throw Error(ErrorKind::internal, "AES-256-GCM sealing failed in OpenSSL");
  }
  return box;
}

bool gcm_open(std::span<const std::uint8_t> key, std::string_view aad,
              std::span<const std::uint8_t> box, std::span<std::uint8_t> out) {
  if (key.size() != 32 || box.size() < k_gcm_overhead ||
      out.size() != box.size() - k_gcm_overhead) {
    return false;
  }
  const std::uint8_t* body = box.data() + k_gcm_nonce_size;
  std::vector<std::uint8_t> tag(box.end() - static_cast<std::ptrdiff_t>(k_gcm_tag_size), box.end());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  int ok = ctx ? 1 : 0;
  ok &= EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), box.data());
  ok &= EVP_DecryptUpdate(ctx.get(), nullptr, &n, uchars(aad), static_cast<int>(aad.size()));
  ok &= EVP_DecryptUpdate(ctx.get(), out.data(), &n, body, static_cast<int>(out.size()));
  ok &= EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                            tag.data());
  if (ok != 1 || EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &n) != 1) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    return false;
  }
  return true;
}

}  // namespace lifeboat

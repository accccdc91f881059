// Chunked AES-256-GCM (STREAM) over OpenSSL EVP.
#include "stream/aead.hpp"

#include <openssl/evp.h>

#include <vector>

#include "util/error.hpp"

namespace lifeboat::stream {

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::array<std::uint8_t, 12> nonce_for(const ChunkKey& key, std::uint64_t index, bool last) {
  std::array<std::uint8_t, 12> nonce{};
  std::copy(key.nonce_prefix.begin(), key.nonce_prefix.end(), nonce.begin());
  nonce[7] = static_cast<std::uint8_t>(index >> 24);
  nonce[8] = static_cast<std::uint8_t>(index >> 16);
  nonce[9] = static_cast<std::uint8_t>(index >> 8);
  nonce[10] = static_cast<std::uint8_t>(index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

void check_index(std::uint64_t index) {
  if (index > 0xffffffffull) {
    throw Error(ErrorKind::unsupported, "unable to seal more than 2^32 chunks in one stream");
  }
}

class SealSink final : public Sink {
 public:
  SealSink(const ChunkKey& key, Sink& next) : m_key(key), m_next(next), m_ctx(EVP_CIPHER_CTX_new()) {
    m_plain.reserve(key.chunk_size);
    m_sealed.resize(key.chunk_size + k_tag_size);
  }

  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      // A full chunk is sealed only once more data arrives: the last chunk must be
      // marked last, and only finish() knows which one that is.
      if (m_plain.size() == m_key.chunk_size) {
        seal(false);
      }
      auto n = std::min<std::size_t>(data.size(), m_key.chunk_size - m_plain.size());
      m_plain.insert(m_plain.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
      data = data.subspan(n);
    }
  }

  void finish() override {
    seal(true);
    m_next.finish();
  }

 private:
  void seal(bool last) {
    check_index(m_index);
    auto nonce = nonce_for(m_key, m_index, last);
    int n = 0;
    int ok = EVP_EncryptInit_ex(m_ctx.get(), EVP_aes_256_gcm(), nullptr, m_key.key.data(), nonce.data());
    ok &= EVP_EncryptUpdate(m_ctx.get(), nullptr, &n, m_key.aad.data(), static_cast<int>(m_key.aad.size()));
    ok &= EVP_EncryptUpdate(m_ctx.get(), m_sealed.data(), &n, m_plain.data(), static_cast<int>(m_plain.size()));
    int tail = 0;
    ok &= EVP_EncryptFinal_ex(m_ctx.get(), m_sealed.data() + n, &tail);
    ok &= EVP_CIPHER_CTX_ctrl(m_ctx.get(), EVP_CTRL_GCM_GET_TAG, k_tag_size, m_sealed.data() + m_plain.size());
    if (ok != 1) {
      throw Error(ErrorKind::internal, "unable to encrypt: OpenSSL AES-GCM failed");
    }
    m_next.write(std::span(m_sealed).first(m_plain.size() + k_tag_size));
    m_plain.clear();
    ++m_index;
  }

  ChunkKey m_key;
  Sink& m_next;
  CipherCtx m_ctx;
  std::vector<std::uint8_t> m_plain;
  std::vector<std::uint8_t> m_sealed;
  std::uint64_t m_index = 0;
};

class OpenSource final : public Source {
 public:
  OpenSource(const ChunkKey& key, Source& in, std::uint64_t sealed_length, std::string what)
      : m_key(key), m_in(in), m_remaining(sealed_length), m_what(std::move(what)),
        m_ctx(EVP_CIPHER_CTX_new()) {
    auto whole = static_cast<std::uint64_t>(key.chunk_size) + k_tag_size;
    auto last = sealed_length % whole;
    if (sealed_length == 0 || (last != 0 && last < k_tag_size)) {
      throw Error(ErrorKind::corrupt, "unable to read " + m_what + ": its length " +
                                          std::to_string(sealed_length) +
                                          " is not a whole number of chunks");
    }
    m_sealed.resize(whole);
  }

  std::size_t read(std::span<std::uint8_t> out) override {
    while (m_position == m_plain.size()) {
      if (m_remaining == 0) {
        return 0;
      }
      open_next();
    }
    auto n = std::min(out.size(), m_plain.size() - m_position);
    std::copy_n(m_plain.data() + m_position, n, out.data());
    m_position += n;
    return n;
  }

 private:
  void open_next() {
    auto size = static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, m_sealed.size()));
    bool last = size == m_remaining;
    read_exact(m_in, std::span(m_sealed).first(size), m_what);
    m_remaining -= size;
    check_index(m_index);
    auto nonce = nonce_for(m_key, m_index, last);
    auto plain_size = size - k_tag_size;
    m_plain.resize(plain_size);
    int n = 0;
    int ok = EVP_DecryptInit_ex(m_ctx.get(), EVP_aes_256_gcm(), nullptr, m_key.key.data(), nonce.data());
    ok &= EVP_DecryptUpdate(m_ctx.get(), nullptr, &n, m_key.aad.data(), static_cast<int>(m_key.aad.size()));
    ok &= EVP_DecryptUpdate(m_ctx.get(), m_plain.data(), &n, m_sealed.data(), static_cast<int>(plain_size));
    ok &= EVP_CIPHER_CTX_ctrl(m_ctx.get(), EVP_CTRL_GCM_SET_TAG, k_tag_size,
                              m_sealed.data() + plain_size);
    int tail = 0;
    if (ok != 1 || EVP_DecryptFinal_ex(m_ctx.get(), m_plain.data() + n, &tail) != 1) {
      m_plain.clear();
      throw Error(ErrorKind::corrupt, "unable to read " + m_what + ": chunk " +
                                          std::to_string(m_index) +
                                          " failed authentication; the snapshot is damaged or "
                                          "was tampered with — try an older snapshot");
    }
    m_position = 0;
    ++m_index;
  }

  ChunkKey m_key;
  Source& m_in;
  std::uint64_t m_remaining;
  std::string m_what;
  CipherCtx m_ctx;
  std::vector<std::uint8_t> m_sealed;
  std::vector<std::uint8_t> m_plain;
  std::size_t m_position = 0;
  std::uint64_t m_index = 0;
};

}  // namespace

std::uint64_t sealed_size(std::uint64_t plaintext, std::uint32_t chunk_size) {
  auto chunks = plaintext == 0 ? 1 : (plaintext + chunk_size - 1) / chunk_size;
  return plaintext + chunks * k_tag_size;
}

std::unique_ptr<Sink> make_seal_sink(const ChunkKey& key, Sink& next) {
  return std::make_unique<SealSink>(key, next);
}

std::unique_ptr<Source> make_open_source(const ChunkKey& key, Source& in,
                                         std::uint64_t sealed_length, std::string what) {
  return std::make_unique<OpenSource>(key, in, sealed_length, std::move(what));
}

}  // namespace lifeboat::stream

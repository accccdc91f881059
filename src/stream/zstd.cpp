// zstd stages over libzstd's streaming interface.
#include "stream/zstd.hpp"

#include <zstd.h>

#include <vector>

#include "util/error.hpp"

namespace lifeboat::stream {

namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

void check(std::size_t code, const char* what) {
  if (ZSTD_isError(code) != 0) {
    throw Error(ErrorKind::internal, std::string("zstd ") + what + " failed: " + ZSTD_getErrorName(code));
  }
}

class ZstdSink final : public Sink {
 public:
  ZstdSink(Sink& next, const ZstdOptions& options) : m_next(next), m_ctx(ZSTD_createCCtx()) {
    check(ZSTD_CCtx_setParameter(m_ctx.get(), ZSTD_c_compressionLevel, options.level), "setup");
    // Without multithreading support in libzstd this fails; compress inline then.
    static_cast<void>(ZSTD_CCtx_setParameter(m_ctx.get(), ZSTD_c_nbWorkers, options.workers));
    m_out.resize(ZSTD_CStreamOutSize());
  }

  void write(std::span<const std::uint8_t> data) override { run(data, ZSTD_e_continue); }

  void finish() override {
    run({}, ZSTD_e_end);
    m_next.finish();
  }

 private:
  void run(std::span<const std::uint8_t> data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{m_out.data(), m_out.size(), 0};
      auto left = ZSTD_compressStream2(m_ctx.get(), &out, &in, mode);
      check(left, "compression");
      if (out.pos > 0) {
        m_next.write(std::span(m_out).first(out.pos));
      }
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) {
        return;
      }
    }
  }

  Sink& m_next;
  std::unique_ptr<ZSTD_CCtx, CCtxFree> m_ctx;
  std::vector<std::uint8_t> m_out;
};

class UnzstdSource final : public Source {
 public:
  UnzstdSource(Source& in, std::string what) : m_in(in), m_what(std::move(what)), m_ctx(ZSTD_createDCtx()) {
    m_buffer.resize(ZSTD_DStreamInSize());
  }

  std::size_t read(std::span<std::uint8_t> out_span) override {
    ZSTD_outBuffer out{out_span.data(), out_span.size(), 0};
    while (out.pos == 0) {
      if (m_input.pos == m_input.size && !m_eof) {
        auto n = m_in.read(m_buffer);
        m_eof = n == 0;
        m_input = ZSTD_inBuffer{m_buffer.data(), n, 0};
      }
      if (m_eof && m_input.pos == m_input.size) {
        if (m_frame_open) {
          throw Error(ErrorKind::corrupt, "unable to read " + m_what + ": the compressed data ends mid-frame");
        }
        return 0;
      }
      auto hint = ZSTD_decompressStream(m_ctx.get(), &out, &m_input);
      if (ZSTD_isError(hint) != 0) {
        throw Error(ErrorKind::corrupt, "unable to read " + m_what + ": " + ZSTD_getErrorName(hint));
      }
      m_frame_open = hint != 0;
    }
    return out.pos;
  }

 private:
  Source& m_in;
  std::string m_what;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> m_ctx;
  std::vector<std::uint8_t> m_buffer;
  ZSTD_inBuffer m_input{nullptr, 0, 0};
  bool m_eof = false;
  bool m_frame_open = false;
};

}  // namespace

std::unique_ptr<Sink> make_zstd_sink(Sink& next, const ZstdOptions& options) {
  return std::make_unique<ZstdSink>(next, options);
}

std::unique_ptr<Source> make_unzstd_source(Source& in, std::string what) {
  return std::make_unique<UnzstdSource>(in, std::move(what));
}

}  // namespace lifeboat::stream

// zstd compression stages (libzstd; compression uses its worker threads).
#pragma once

#include <memory>
#include <string>

#include "stream/stage.hpp"

namespace lifeboat::stream {

struct ZstdOptions {
  int level = 1;    // 1 (fast) to 19. Default: 1
  int workers = 2;  // compression threads besides the caller; 0 compresses inline. Default: 2
};

// Compresses what is written into one zstd frame written to `next`.
std::unique_ptr<Sink> make_zstd_sink(Sink& next, const ZstdOptions& options = {});

// Decompresses a zstd stream read from `in`. Throws Error(corrupt) naming `what` on a
// damaged or truncated stream.
std::unique_ptr<Source> make_unzstd_source(Source& in, std::string what);

}  // namespace lifeboat::stream

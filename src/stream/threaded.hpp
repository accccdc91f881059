// A pipeline stage that hands data to another thread, so the stages before and after it
// run at the same time.
#pragma once

#include <memory>

#include "stream/stage.hpp"

namespace lifeboat::stream {

// Copies what is written into blocks on a queue of at most `queue_bytes`; a worker
// thread writes them to `next` in order. write() blocks while the queue is full.
// An error in `next` is rethrown by the following write() or finish(). finish() drains
// the queue and finishes `next`. Destroying the stage unfinished stops the worker and
// drops what is queued.
std::unique_ptr<Sink> make_threaded_sink(Sink& next, std::size_t queue_bytes = 8u << 20);

// Reads `source` ahead on a worker thread into a queue of at most `queue_bytes`, so the
// stages before it (fetching, decrypting, decompressing) run while the reader's caller
// works. An error in `source` is rethrown by read() once the data before it is used
// up. Destroying the stage stops the worker after its current read.
std::unique_ptr<Source> make_threaded_source(Source& source, std::size_t queue_bytes = 8u << 20);

}  // namespace lifeboat::stream

// The threaded stage: a bounded queue and one worker.
#include "stream/threaded.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lifeboat::stream {

namespace {

constexpr std::size_t k_block = 1 << 20;

class ThreadedSink final : public Sink {
 public:
  ThreadedSink(Sink& next, std::size_t queue_bytes)
      : m_next(next), m_limit(std::max(queue_bytes, k_block)), m_worker([this] { run(); }) {}

  ~ThreadedSink() override {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    m_worker.join();
  }

  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      auto n = std::min(data.size(), k_block - m_block.size());
      m_block.insert(m_block.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
      data = data.subspan(n);
      if (m_block.size() == k_block) {
        push();
      }
    }
  }

  void finish() override {
    if (!m_block.empty()) {
      push();
    }
    std::unique_lock lock(m_mutex);
    m_done = true;
    m_changed.notify_all();
    m_changed.wait(lock, [this] { return m_finished || m_error; });
    if (m_error) {
      std::rethrow_exception(m_error);
    }
  }

 private:
  void push() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return m_queued + m_block.size() <= m_limit || m_error; });
    if (m_error) {
      std::rethrow_exception(m_error);
    }
    m_queued += m_block.size();
    m_queue.push_back(std::move(m_block));
    m_block = {};
    m_block.reserve(k_block);
    m_changed.notify_all();
  }

  void run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
      m_changed.wait(lock, [this] { return !m_queue.empty() || m_done || m_stop; });
      if (m_stop) {
        return;
      }
      if (m_queue.empty() && m_done) {
        try {
          lock.unlock();
          m_next.finish();
          lock.lock();
          m_finished = true;
        } catch (...) {
          lock.lock();
          m_error = std::current_exception();
        }
        m_changed.notify_all();
        return;
      }
      auto block = std::move(m_queue.front());
      m_queue.pop_front();
      lock.unlock();
      try {
        m_next.write(block);
      } catch (...) {
        lock.lock();
        m_error = std::current_exception();
        m_changed.notify_all();
        return;
      }
      lock.lock();
      m_queued -= block.size();
      m_changed.notify_all();
    }
  }

  Sink& m_next;
  std::size_t m_limit;
  std::vector<std::uint8_t> m_block;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::vector<std::uint8_t>> m_queue;
  std::size_t m_queued = 0;
  bool m_done = false;
  bool m_finished = false;
  bool m_stop = false;
  std::exception_ptr m_error;
  std::thread m_worker;  // last: starts once everything above exists
};

class ThreadedSource final : public Source {
 public:
  ThreadedSource(Source& source, std::size_t queue_bytes)
      : m_source(source), m_limit(std::max(queue_bytes, k_block)), m_worker([this] { run(); }) {}

  ~ThreadedSource() override {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    m_worker.join();
  }

  std::size_t read(std::span<std::uint8_t> out) override {
    while (m_offset == m_block.size()) {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [this] { return !m_queue.empty() || m_ended || m_error; });
      if (m_queue.empty()) {
        if (m_error) {
          std::rethrow_exception(m_error);
        }
        return 0;  // the end
      }
      m_block = std::move(m_queue.front());
      m_queue.pop_front();
      m_queued -= m_block.size();
      m_offset = 0;
      m_changed.notify_all();
    }
    auto n = std::min(out.size(), m_block.size() - m_offset);
    std::copy_n(m_block.begin() + static_cast<std::ptrdiff_t>(m_offset), n, out.begin());
    m_offset += n;
    return n;
  }

 private:
  void run() {
    for (;;) {
      std::vector<std::uint8_t> block(k_block);
      std::size_t filled = 0;
      try {
        while (filled < block.size()) {
          auto n = m_source.read(std::span(block).subspan(filled));
          if (n == 0) {
            break;
          }
          filled += n;
        }
      } catch (...) {
        std::lock_guard lock(m_mutex);
        m_error = std::current_exception();
        m_changed.notify_all();
        return;
      }
      block.resize(filled);
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [this] { return m_queued + k_block <= m_limit || m_stop; });
      if (m_stop) {
        return;
      }
      if (filled == 0) {
        m_ended = true;
        m_changed.notify_all();
        return;
      }
      m_queued += block.size();
      m_queue.push_back(std::move(block));
      m_changed.notify_all();
    }
  }

  Source& m_source;
  std::size_t m_limit;
  std::vector<std::uint8_t> m_block;  // being read by the caller
  std::size_t m_offset = 0;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::vector<std::uint8_t>> m_queue;
  std::size_t m_queued = 0;
  bool m_ended = false;
  bool m_stop = false;
  std::exception_ptr m_error;
  std::thread m_worker;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<Source> make_threaded_source(Source& source, std::size_t queue_bytes) {
  return std::make_unique<ThreadedSource>(source, queue_bytes);
}

std::unique_ptr<Sink> make_threaded_sink(Sink& next, std::size_t queue_bytes) {
  return std::make_unique<ThreadedSink>(next, queue_bytes);
}

}  // namespace lifeboat::stream

// The backup lease: at most one backup of an installation runs at a time, and a crashed
// backup's lease expires by itself, so no lock ever needs a human to clear it.
//
// The lease is a sequence of small generation objects under PREFIX ("tfe-backup/lease/"),
// named by a 20-digit number. Whoever creates generation G+1 — with a conditional
// create, so exactly one contender wins — holds the lease, provided generation G was
// released or had expired. The holder renews by creating the next generation before
// its lease runs out, and releases by creating one marked released. Older generations
// are removed as new ones are made. A holder that fails to renew (its process died or
// stalled past expiry) simply loses the lease to the next contender.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.hpp"

namespace lifeboat::ops {

struct LeaseOptions {
  std::string prefix;                    // e.g. "tfe-backup/lease/". Required
  std::chrono::seconds duration{900};    // until expiry unless renewed. Default: 15 min
  std::string holder;                    // who is asking, for messages. Default: host:pid
};

class Lease {
 public:
  // Takes the lease. Throws Error(precondition_failed) "another backup … holds the lease
  // until T" if it is held, Error(usage) if the store cannot create objects
  // conditionally. Renews in the background (every duration/3) until released.
  static std::unique_ptr<Lease> acquire(store::Store& store, const LeaseOptions& options);

  ~Lease();  // releases (best effort)
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Throws Error(precondition_failed) if a renewal failed and the lease may have passed
  // to someone else: call before making the work visible.
  void check_held() const;

  // Gives the lease up at once; errors are swallowed (the lease will expire anyway).
  void release();

 private:
  Lease(store::Store& store, LeaseOptions options, std::uint64_t generation);
  void renew_loop();
  bool write_generation(std::uint64_t generation, bool released);

  store::Store& m_store;
  LeaseOptions m_options;
  std::uint64_t m_generation;
  std::atomic<bool> m_lost{false};
  std::atomic<std::int64_t> m_expires{0};  // as of the last generation written
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::thread m_renewer;
};

}  // namespace lifeboat::ops

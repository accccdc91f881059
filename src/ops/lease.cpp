// The backup lease (lease.hpp).
#include "ops/lease.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::ops {

namespace {

using Clock = std::chrono::system_clock;

std::string generation_key(const std::string& prefix, std::uint64_t generation) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(generation));
  return prefix + name;
}

std::string default_holder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

// The generations under `prefix`, lowest first.
std::vector<std::uint64_t> generations(const store::Store& store, const std::string& prefix) {
  std::vector<std::uint64_t> found;
  for (const auto& entry : store.list_all({.prefix = prefix})) {
    auto name = entry.info.key.substr(prefix.size());
    std::uint64_t generation = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), generation);
    if (name.size() == 20 && ec == std::errc() && end == name.data() + name.size()) {
      found.push_back(generation);  // anything else under the prefix is not ours
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::unique_ptr<Lease> Lease::acquire(store::Store& store, const LeaseOptions& given) {
  if (!store.properties().conditional_put) {
    throw Error(ErrorKind::usage, "store '" + store.describe() +
                                      "' cannot create objects conditionally, which the backup "
                                      "lease needs");
  }
  LeaseOptions options = given;
  if (options.holder.empty()) {
    options.holder = default_holder();
  }
  auto existing = generations(store, options.prefix);
  std::uint64_t latest = existing.empty() ? 0 : existing.back();
  if (latest != 0) {
    std::optional<nlohmann::json> current;
    try {
      current = nlohmann::json::parse(store::get_all(store, generation_key(options.prefix, latest)));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::not_found) {
        throw;
      }
      // Removed while we looked: its successor exists, and the create below will fail.
    } catch (const nlohmann::json::exception&) {
      // A damaged lease object holds nothing; the next generation supersedes it.
    }
    if (current && !current->value("released", false) &&
        current->value("expires", std::int64_t{0}) > now_seconds()) {
      auto until = Clock::from_time_t(current->value("expires", std::int64_t{0}));
      throw Error(ErrorKind::precondition_failed,
                  "another backup of this installation is running: '" +
                      current->value("holder", std::string("?")) + "' holds the lease until " +
                      format_utc(until) + "; wait for it, or for the lease to expire");
    }
  }
  std::unique_ptr<Lease> lease(new Lease(store, options, latest + 1));
  if (!lease->write_generation(latest + 1, false)) {
    lease->m_stop = true;  // nothing to release: it is not ours
    throw Error(ErrorKind::precondition_failed,
                "another backup of this installation took the lease just now; try again later");
  }
  // Older generations are superseded; removing them keeps the listing to one object.
  std::vector<std::string> old;
  for (auto generation : existing) {
    old.push_back(generation_key(options.prefix, generation));
  }
  try {
    store.remove(old);
  } catch (const Error&) {
    // Left for the next holder to remove.
  }
  lease->m_renewer = std::thread([raw = lease.get()] { raw->renew_loop(); });
  return lease;
}

Lease::Lease(store::Store& store, LeaseOptions options, std::uint64_t generation)
    : m_store(store), m_options(std::move(options)), m_generation(generation) {}

Lease::~Lease() { release(); }

bool Lease::write_generation(std::uint64_t generation, bool released) {
  auto expires = now_seconds() + m_options.duration.count();
  nlohmann::json body = {{"holder", m_options.holder}, {"expires", expires}, {"released", released}};
  try {
    store::put_all(m_store, generation_key(m_options.prefix, generation), body.dump(),
                   {.if_absent = true});
    m_expires = expires;
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::already_exists) {
      return false;
    }
    throw;
  }
}

void Lease::renew_loop() {
  auto period = std::max<std::chrono::seconds>(m_options.duration / 3, std::chrono::seconds(1));
  std::unique_lock lock(m_mutex);
  while (!m_wake.wait_for(lock, period, [&] { return m_stop; })) {
    try {
      if (!write_generation(m_generation + 1, false)) {
        m_lost = true;  // someone else made the next generation: our lease had lapsed
        return;
      }
      m_store.remove(generation_key(m_options.prefix, m_generation));
      ++m_generation;
    } catch (const Error&) {
      // A failed renewal is retried next period; the lease lasts three periods.
    }
  }
}

void Lease::check_held() const {
  if (m_lost || now_seconds() >= m_expires) {
    throw Error(ErrorKind::precondition_failed,
                "lost the backup lease '" + m_options.prefix +
                    "' (this backup stalled past its expiry and another one started); "
                    "this snapshot is not kept");
  }
}

void Lease::release() {
  {
    std::lock_guard lock(m_mutex);
    if (m_stop && !m_renewer.joinable()) {
      return;
    }
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_renewer.joinable()) {
    m_renewer.join();
  } else {
    return;
  }
  if (m_lost) {
    return;
  }
  try {
    if (write_generation(m_generation + 1, true)) {
      m_store.remove(generation_key(m_options.prefix, m_generation));
    }
  } catch (const Error&) {
    // The lease expires by itself.
  }
}

}  // namespace lifeboat::ops

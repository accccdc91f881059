// Snapshot names and listings (catalog.hpp).
#include "ops/catalog.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "snapshot/reader.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::ops {

namespace {

constexpr std::string_view k_suffix = ".lifeboat";
constexpr std::size_t k_time_length = 20;  // 20261125T031500.123Z

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::pair<int, int>> parse_release(const std::string& release) {
  auto dash = release.find('-');
  if (dash != 6 || !all_digits(std::string_view(release).substr(0, 6)) ||
      !all_digits(std::string_view(release).substr(7)) || release.size() > 16) {
    return std::nullopt;
  }
  int month = std::stoi(release.substr(4, 2));
  // "000000-0" is the release of an installation that did not say: older than any.
  if ((month < 1 || month > 12) && release != "000000-0") {
    return std::nullopt;
  }
  return std::pair{std::stoi(release.substr(0, 6)), std::stoi(release.substr(7))};
}

void check_release(const std::string& release, const std::string& what) {
  if (!parse_release(release)) {
    throw Error(ErrorKind::usage, "release '" + release + "' of " + what +
                                      " is not YYYYMM-N (a month, a dash, a number: 201705-2)");
  }
}

std::string format_snapshot_name(const SnapshotName& name) {
  // Milliseconds, so that two snapshots taken within one second still sort by time.
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                    name.time.time_since_epoch()).count() % 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return format_utc(name.time, "%Y%m%dT%H%M%S") + fraction + "_" + name.release + "_" + name.id +
         std::string(k_suffix);
}

std::optional<SnapshotName> parse_snapshot_name(const std::string& name) {
  if (name.size() < k_time_length + k_suffix.size() + 4 || !name.ends_with(k_suffix) ||
      name[k_time_length] != '_') {
    return std::nullopt;
  }
  std::string stem = name.substr(0, name.size() - k_suffix.size());
  auto last = stem.rfind('_');
  if (last == k_time_length) {
    return std::nullopt;
  }
  SnapshotName parsed;
  parsed.release = stem.substr(k_time_length + 1, last - k_time_length - 1);
  parsed.id = stem.substr(last + 1);
  if (!parse_release(parsed.release) || parsed.id.size() != 8 ||
      parsed.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  std::tm tm{};
  const char* end = ::strptime(stem.c_str(), "%Y%m%dT%H%M%S", &tm);
  if (end != stem.c_str() + 15 || stem[15] != '.' || stem[19] != 'Z' ||
      !all_digits(std::string_view(stem).substr(16, 3))) {
    return std::nullopt;
  }
  parsed.time = std::chrono::system_clock::from_time_t(::timegm(&tm)) +
                std::chrono::milliseconds(std::stoi(stem.substr(16, 3)));
  return parsed;
}

std::vector<SnapshotListing> list_snapshots(const store::Store& store, const std::string& prefix) {
  std::vector<SnapshotListing> found;
  // The delimiter keeps the listing to this level: the lease and anything else in a
  // folder below the prefix is rolled up into one row and skipped.
  store.list({.prefix = prefix, .delimiter = "/"}, [&](const store::ListEntry& entry) {
    if (entry.is_prefix) {
      return true;
    }
    auto name = entry.info.key.substr(prefix.size());
    if (auto parsed = parse_snapshot_name(name)) {
      found.push_back({entry.info.key, name, *parsed, entry.info.size});
    }
    return true;
  });
  std::reverse(found.begin(), found.end());
  return found;
}

std::string canary_blob_key(const std::string& snapshot_name) {
  return "lifeboat-canary/" + snapshot_name;
}

std::optional<std::size_t> find_newest_intact(const store::Store& store,
                                              const std::vector<SnapshotListing>& snapshots,
                                              kms::Kms& kms,
                                              const std::function<void(const std::string&)>& log) {
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    try {
      snapshot::SnapshotReader reader(store, snapshots[i].key, kms);
      return i;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::corrupt && e.kind() != ErrorKind::not_found) {
        throw;
      }
      if (log) {
        log("snapshot '" + snapshots[i].name + "' does not open: " + e.what());
      }
    }
  }
  return std::nullopt;
}

}  // namespace lifeboat::ops

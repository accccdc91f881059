// Store: the rules every driver shares, applied once.
#include "store/store.hpp"

#include <algorithm>
#include <array>

#include "util/error.hpp"

namespace lifeboat::store {


ObjectInfo StoreDriver::copy(const std::string& from, const std::string&) {
  throw Error(ErrorKind::unsupported, "unable to copy '" + from + "' in '" + describe() +
                                          "': this store has no server-side copy");
}

ObjectInfo StoreDriver::splice(const ObjectInfo& source, std::span<const std::uint8_t> prefix,
                               std::uint64_t keep_from) {
  // The new version is written beside the old one, which stays whole until commit.
  auto kept = source.size - keep_from;
  auto writer = open_write(source.key,
                           WriteOptions{.metadata = source.metadata, .size = prefix.size() + kept});
  writer->write(prefix);
  if (kept > 0) {
    auto reader = open_read(source.key, {.offset = keep_from, .length = kept});
    if (reader->info().etag != source.etag) {
      throw Error(ErrorKind::precondition_failed, "object '" + source.key +
                                                      "' changed while it was being rewritten; "
                                                      "run the command again");
    }
    std::vector<std::uint8_t> buffer(1 << 20);
    while (auto n = reader->read(buffer)) {
      writer->write(std::span(buffer).first(n));
    }
  }
  return writer->commit();
}

Store::Store(std::unique_ptr<StoreDriver> driver)
    : m_driver(std::move(driver)), m_properties(m_driver->properties()) {}

void Store::check_key(const std::string& key) {
  auto reject = [&](const char* why) {
    throw Error(ErrorKind::usage, "invalid object key '" + key + "': " + why);
  };
  if (key.empty()) {
    reject("it is empty");
  }
  if (key.size() > 1024) {
    reject("it is longer than 1024 bytes");
  }
  if (key.front() == '/') {
    reject("it starts with '/'");
  }
  // Valid UTF-8 with no control characters.
  for (std::size_t i = 0; i < key.size();) {
    auto byte = static_cast<unsigned char>(key[i]);
    std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xe ? 3
                                         : (byte >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > key.size()) {
      reject("it is not valid UTF-8");
    }
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(key[i + k]) >> 6) != 0x2) {
        reject("it is not valid UTF-8");
      }
    }
    if (length == 1 && (byte < 0x20 || byte == 0x7f)) {
      reject("it contains a control character");
    }
    i += length;
  }
  // No "." or ".." segment, so no driver can be led outside its root.
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string::npos) {
      end = key.size();
    }
    auto segment = std::string_view(key).substr(start, end - start);
    if (segment == "." || segment == "..") {
      reject("it contains a '.' or '..' segment");
    }
    start = end + 1;
  }
}

std::optional<ObjectInfo> Store::stat(const std::string& key) const {
  check_key(key);
  return m_driver->stat(key);
}

ObjectInfo Store::head(const std::string& key) const {
  auto info = stat(key);
  if (!info) {
    throw Error(ErrorKind::not_found,
                "object '" + key + "' not found in '" + describe() + "'");
  }
  return *info;
}

std::unique_ptr<ReadStream> Store::open_read(const std::string& key, const ByteRange& range) const {
  check_key(key);
  return m_driver->open_read(key, range);
}

std::unique_ptr<WriteStream> Store::open_write(const std::string& key,
                                               const WriteOptions& options) {
  check_key(key);
  if (options.if_absent && !m_properties.conditional_put) {
    throw Error(ErrorKind::unsupported,
                "'" + describe() + "' cannot create objects conditionally (if-absent)");
  }
  for (const auto& [name, value] : options.metadata) {
    bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!ok) {
      throw Error(ErrorKind::usage, "invalid metadata name '" + name +
                                        "': use lowercase letters, digits, '-' and '_'");
    }
  }
  return m_driver->open_write(key, options);
}

void Store::list(const ListOptions& options,
                 const std::function<bool(const ListEntry&)>& row) const {
  m_driver->list(options, row);
}

std::vector<ListEntry> Store::list_all(const ListOptions& options) const {
  std::vector<ListEntry> rows;
  list(options, [&](const ListEntry& entry) {
    rows.push_back(entry);
    return true;
  });
  return rows;
}

void Store::remove(std::span<const std::string> keys) {
  for (const auto& key : keys) {
    check_key(key);
  }
  m_driver->remove(keys);
}

std::size_t StoreDriver::remove_incomplete(const std::string&, std::chrono::system_clock::time_point) {
  return 0;
}

std::size_t Store::remove_incomplete(const std::string& prefix,
                                     std::chrono::system_clock::time_point before) {
  return m_driver->remove_incomplete(prefix, before);
}

ObjectInfo Store::copy(const std::string& from, const std::string& to) {
  check_key(from);
  check_key(to);
  if (m_properties.server_side_copy) {
    return m_driver->copy(from, to);
  }
  auto source = open_read(from);
  auto info = source->info();
  auto sink = open_write(to, WriteOptions{.metadata = info.metadata, .size = info.size});
  std::vector<std::uint8_t> buffer(1 << 20);
  while (auto n = source->read(buffer)) {
    sink->write(std::span(buffer).first(n));
  }
  return sink->commit();
}

ObjectInfo Store::splice(const std::string& key, const std::string& etag,
                         std::span<const std::uint8_t> prefix, std::uint64_t keep_from) {
  check_key(key);
  auto info = head(key);
  if (info.etag != etag) {
    throw Error(ErrorKind::precondition_failed,
                "object '" + key + "' changed while it was being rewritten; run the command again");
  }
  if (keep_from > info.size) {
    throw Error(ErrorKind::invalid_range, "unable to rewrite '" + key + "': it has only " +
                                              std::to_string(info.size) + " bytes");
  }
  return m_driver->splice(info, prefix, keep_from);
}

std::string get_all(const Store& store, const std::string& key) {
  auto stream = store.open_read(key);
  std::string out;
  std::array<std::uint8_t, 64 * 1024> buffer{};
  while (auto n = stream->read(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

ObjectInfo put_all(Store& store, const std::string& key, std::string_view data,
                   const WriteOptions& options) {
  auto with_size = options;
  with_size.size = data.size();
  auto stream = store.open_write(key, with_size);
  stream->write({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  return stream->commit();
}

}  // namespace lifeboat::store

// The object store: a concrete Store over a small StoreDriver interface.
//
// Callers use Store. A driver (file/, s3/) implements StoreDriver and nothing else;
// the rules every driver must follow alike (key validation, error wording, the
// not-found policy) live once in Store. Drivers are listed by scheme in registry.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lifeboat::store {

// What the store knows of one object.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  // An opaque version tag that changes when the content changes. For S3 the ETag
  // without quotes; for file:// the first 32 hex digits of the content's SHA-256.
  std::string etag;
  std::chrono::system_clock::time_point mtime{};
  // User metadata (x-amz-meta-*). Names are lowercase ASCII. Empty in list results.
  std::map<std::string, std::string> metadata;
};

// One row of a listing: an object, or a common prefix when a delimiter was given.
struct ListEntry {
  ObjectInfo info;         // for a prefix only info.key is set (ending in the delimiter)
  bool is_prefix = false;
};

struct ListOptions {
  std::string prefix;       // only keys that start with this. Default: all keys
  std::string delimiter;    // roll up keys containing it after the prefix. Default: none
  std::string start_after;  // only keys that sort after this one. Default: from the start
};

// A byte range of an object. A range starting at or past the end of a non-empty object
// fails with ErrorKind::invalid_range; a range running past the end is cut at the end.
struct ByteRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;  // Default: to the end
};

struct WriteOptions {
  std::map<std::string, std::string> metadata;  // user metadata. Default: none
  // The exact size the caller will write, if known. The driver uses it to choose its
  // part size, and commit() fails with ErrorKind::corrupt if a different number of
  // bytes was written (a short body never becomes an object). Default: unknown
  std::optional<std::uint64_t> size;
  // An estimate of the size when the exact size is not known (a snapshot being made);
  // only used to choose the part size. Default: none
  std::optional<std::uint64_t> size_hint;
  // Hex SHA-256 the written bytes must have; commit() fails with ErrorKind::corrupt and
  // stores nothing if they do not. Default: unchecked
  std::optional<std::string> sha256;
  // Create only: commit() fails with ErrorKind::already_exists if the key exists.
  // Requires properties().conditional_put. Default: overwrite
  bool if_absent = false;
};

// What a driver can do; callers branch on these, never on the driver's type.
struct Properties {
  bool server_side_copy = false;  // copy() moves no data through this process
  bool conditional_put = false;   // WriteOptions::if_absent is honoured atomically
  bool atomic_replace = true;     // an overwrite is seen whole or not at all
  bool user_metadata = true;      // WriteOptions::metadata is kept
  std::uint64_t max_object_size = 0;  // 0: no limit the driver knows of
  int connections = 1;            // requests worth running in parallel
};

// A sequential reader of one object (or a range of it). Not thread-safe.
class ReadStream {
 public:
  virtual ~ReadStream() = default;
  // Reads up to out.size() bytes; returns 0 only at the end. A short read is not an end.
  // Throws Error(corrupt) if the object changed or ended early while being read.
  virtual std::size_t read(std::span<std::uint8_t> out) = 0;
  // The object as it was when the read began (size is the whole object's size).
  virtual const ObjectInfo& info() const = 0;
};

// A writer of one new object version. Nothing is visible under the key until commit()
// returns; destroying the writer without commit() (or calling abort()) leaves nothing
// behind, not even a partial upload. Not thread-safe.
class WriteStream {
 public:
  virtual ~WriteStream() = default;
  virtual void write(std::span<const std::uint8_t> data) = 0;
  // Makes the object visible, whole, and returns what the store now holds. After a
  // failed commit nothing is visible and the writer is finished.
  virtual ObjectInfo commit() = 0;
  // Discards everything written. Safe to call more than once, and after commit() (then
  // it does nothing).
  virtual void abort() = 0;
};

// The driver interface. Keys reaching a driver have passed Store::check_key. Every
// method may be called from several threads at once. Errors are lifeboat::Error:
// not_found for a missing key (never for list or remove), auth for rejected
// credentials, transient only after the driver's own retries are spent.
class StoreDriver {
 public:
  virtual ~StoreDriver() = default;

  virtual Properties properties() const = 0;

  // The address with no secret in it, for messages ("s3://bucket/prefix?...").
  virtual std::string describe() const = 0;

  // The object's info, or nullopt if there is no such key. Idempotent.
  virtual std::optional<ObjectInfo> stat(const std::string& key) = 0;

  // Opens a reader. Throws not_found if there is no such key. The driver may read
  // ahead; the stream ends with an error, never with wrong bytes, if the object is
  // replaced during the read.
  virtual std::unique_ptr<ReadStream> open_read(const std::string& key, const ByteRange& range) = 0;

  // Opens a writer (see WriteStream). Writers of one key may race; the last commit
  // wins whole (or the first, with if_absent).
  virtual std::unique_ptr<WriteStream> open_write(const std::string& key,
                                                  const WriteOptions& options) = 0;

  // Calls `row` for each matching entry in lexicographic (byte) order of key, across
  // as many server pages as needed; stops early if `row` returns false. A key that
  // appears during the listing may or may not be seen.
  virtual void list(const ListOptions& options, const std::function<bool(const ListEntry&)>& row) = 0;

  // Deletes the keys; a key that does not exist is not an error. Idempotent.
  virtual void remove(std::span<const std::string> keys) = 0;

  // Copies `from` to `to` (replacing it) without moving data through this process.
  // Only called when properties().server_side_copy. Throws not_found if `from` is
  // missing. The copy is visible whole or not at all.
  virtual ObjectInfo copy(const std::string& from, const std::string& to);

  // Replaces the object `source` (as Store::splice just read it: key, size, ETag,
  // metadata) with `prefix` followed by its own bytes from `keep_from` on. Fails with
  // precondition_failed if the object no longer has source.etag; the new version is
  // visible whole or not at all. Default: streams the kept bytes through this process;
  // a driver with server-side copy overrides it.
  virtual ObjectInfo splice(const ObjectInfo& source, std::span<const std::uint8_t> prefix,
                            std::uint64_t keep_from);

  // Removes what writers that died left behind under `prefix` (partial files, open
  // multipart uploads) if it was started before `before` — a writer that old is taken
  // for dead. Never touches a committed object. Returns how many were removed.
  // Idempotent. Default: nothing to clean (0).
  virtual std::size_t remove_incomplete(const std::string& prefix,
                                        std::chrono::system_clock::time_point before);
};

// The public store: one driver plus the rules shared by all drivers.
class Store final {
 public:
  explicit Store(std::unique_ptr<StoreDriver> driver);

  // Opens the store at `address` ("file:///dir", "s3://bucket/prefix?endpoint=...").
  // Throws Error(usage) for a malformed address or an unknown scheme.
  static Store open(const std::string& address);

  const Properties& properties() const { return m_properties; }
  std::string describe() const { return m_driver->describe(); }

  std::optional<ObjectInfo> stat(const std::string& key) const;
  // Like stat, but throws Error(not_found) naming the object.
  ObjectInfo head(const std::string& key) const;
  std::unique_ptr<ReadStream> open_read(const std::string& key, const ByteRange& range = {}) const;
  std::unique_ptr<WriteStream> open_write(const std::string& key, const WriteOptions& options = {});
  void list(const ListOptions& options, const std::function<bool(const ListEntry&)>& row) const;
  std::vector<ListEntry> list_all(const ListOptions& options) const;
  void remove(std::span<const std::string> keys);
  void remove(const std::string& key) { remove(std::span<const std::string>(&key, 1)); }
  // Server-side where the driver can; otherwise streams through this process.
  ObjectInfo copy(const std::string& from, const std::string& to);
  // Rewrites `key` as `prefix` followed by its bytes from `keep_from` on (a snapshot's new
  // key slots before its unchanged body). Server-side where the driver can; otherwise
  // the kept bytes stream through this process. Fails with precondition_failed if the
  // object no longer has `etag`.
  ObjectInfo splice(const std::string& key, const std::string& etag,
                    std::span<const std::uint8_t> prefix, std::uint64_t keep_from);

  // See StoreDriver::remove_incomplete.
  std::size_t remove_incomplete(const std::string& prefix,
                                std::chrono::system_clock::time_point before);

  // Throws Error(usage) unless `key` is a valid object key: 1..1024 bytes of valid
  // UTF-8, no NUL or control characters, no leading '/', and no "." or ".." segment.
  static void check_key(const std::string& key);

 private:
  std::unique_ptr<StoreDriver> m_driver;
  Properties m_properties;
};

// --- Conveniences over Store ---

// Reads a whole object into memory. Meant for small objects (bootstrap bundles, leases).
std::string get_all(const Store& store, const std::string& key);
// Writes a whole object from memory.
ObjectInfo put_all(Store& store, const std::string& key, std::string_view data,
                   const WriteOptions& options = {});

}  // namespace lifeboat::store

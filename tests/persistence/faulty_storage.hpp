#pragma once
// FaultyStorage: a Storage over another (PosixStorage on the real filesystem, say) that fails
// the next N writes or syncs of files whose path ends with a given suffix, before they reach the
// disk: an I/O error injected where the real filesystem cannot make one on demand.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <orrery/env/storage.hpp>

namespace orrery::persistence::sqlite::test {

class FaultyStorage final : public Storage {
 public:
  /// Faults go to the files whose path ends with `suffix` ("-wal", say).
  FaultyStorage(Storage& inner, std::string suffix) : inner_(inner), suffix_(std::move(suffix)) {}

  /// The next `count` write_at calls on those files fail (io_error). Thread-safe.
  void fail_writes(std::uint32_t count) { writes_to_fail_.store(count); }
  /// The next `count` syncs of those files fail; the data stays where the inner Storage has it.
  void fail_syncs(std::uint32_t count) { syncs_to_fail_.store(count); }
  std::uint64_t failures() const { return failures_.load(); }

  Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override {
    auto file = inner_.open(path, mode);
    if (!file.ok()) return file.error();
    return std::unique_ptr<File>(
        std::make_unique<Wrapped>(*this, std::string(path), std::move(*file)));
  }
  Status remove(std::string_view path) override { return inner_.remove(path); }
  Result<bool> exists(std::string_view path) override { return inner_.exists(path); }
  Result<std::vector<std::string>> list(std::string_view prefix) override {
    return inner_.list(prefix);
  }
  Status rename(std::string_view from, std::string_view to) override {
    return inner_.rename(from, to);
  }
  Status sync_directory(std::string_view directory) override {
    return inner_.sync_directory(directory);
  }

 private:
  /// Whether this operation on `path` is one to fail (and counts it).
  bool take(std::atomic<std::uint32_t>& budget, const std::string& path) {
    if (!path.ends_with(suffix_)) return false;
    std::uint32_t left = budget.load();
    while (left > 0 && !budget.compare_exchange_weak(left, left - 1)) {
    }
    if (left == 0) return false;
    failures_.fetch_add(1);
    return true;
  }
  static Error injected(const char* what, const std::string& path) {
    return make_error(Errc::io_error, std::string("injected ") + what + " error on " + path);
  }

  class Wrapped final : public File {
   public:
    Wrapped(FaultyStorage& owner, std::string path, std::unique_ptr<File> inner)
        : owner_(owner), path_(std::move(path)), inner_(std::move(inner)) {}
    Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
      return inner_->read_at(offset, out);
    }
    Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
      if (owner_.take(owner_.writes_to_fail_, path_)) return injected("write", path_);
      return inner_->write_at(offset, data);
    }
    Status sync() override {
      if (owner_.take(owner_.syncs_to_fail_, path_)) return injected("sync", path_);
      return inner_->sync();
    }
    Status truncate(std::uint64_t size) override { return inner_->truncate(size); }
    Result<std::uint64_t> size() override { return inner_->size(); }

   private:
    FaultyStorage& owner_;
    std::string path_;
    std::unique_ptr<File> inner_;
  };

  Storage& inner_;
  const std::string suffix_;
  std::atomic<std::uint32_t> writes_to_fail_{0};
  std::atomic<std::uint32_t> syncs_to_fail_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace orrery::persistence::sqlite::test

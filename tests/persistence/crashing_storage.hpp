#pragma once
// CrashingStorage: a Storage over another (a node's SimDisk) that runs a crash in the middle of
// the n-th operation, before it reaches the disk, and refuses everything after: the node died
// there, so nothing of it may touch the disk again.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <orrery/env/storage.hpp>

namespace orrery::persistence::sqlite::test {

class CrashingStorage final : public Storage {
 public:
  CrashingStorage(Storage& inner, std::uint64_t crash_at, std::function<void()> crash)
      : inner_(inner), crash_at_(crash_at), crash_(std::move(crash)) {}

  bool crashed() const { return crashed_; }
  /// Moves the fatal operation to the `after`-th from now (UINT64_MAX: never).
  void arm(std::uint64_t after) {
    crash_at_ = after == UINT64_MAX ? UINT64_MAX : operations_ + after;
  }
  std::uint64_t operations() const { return operations_; }

  /// Counts one operation; false (and the crash runs) when it is the fatal one or later.
  bool proceed() {
    if (crashed_) return false;
    if (++operations_ < crash_at_) return true;
    crashed_ = true;
    crash_();
    return false;
  }
  static Error dead() { return make_error(Errc::io_error, "the node crashed"); }

  Result<std::unique_ptr<File>> open(std::string_view path, OpenMode mode) override {
    if (!proceed()) return dead();
    auto file = inner_.open(path, mode);
    if (!file.ok()) return file.error();
    return std::unique_ptr<File>(std::make_unique<Wrapped>(*this, std::move(*file)));
  }
  Status remove(std::string_view path) override {
    return proceed() ? inner_.remove(path) : Status(dead());
  }
  Result<bool> exists(std::string_view path) override {
    if (!proceed()) return dead();
    return inner_.exists(path);
  }
  Result<std::vector<std::string>> list(std::string_view prefix) override {
    if (!proceed()) return dead();
    return inner_.list(prefix);
  }
  Status rename(std::string_view from, std::string_view to) override {
    return proceed() ? inner_.rename(from, to) : Status(dead());
  }
  Status sync_directory(std::string_view directory) override {
    return proceed() ? inner_.sync_directory(directory) : Status(dead());
  }

 private:
  class Wrapped final : public File {
   public:
    Wrapped(CrashingStorage& owner, std::unique_ptr<File> inner)
        : owner_(owner), inner_(std::move(inner)) {}
    Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
      if (!owner_.proceed()) return dead();
      return inner_->read_at(offset, out);
    }
    Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
      return owner_.proceed() ? inner_->write_at(offset, data) : Status(dead());
    }
    Status sync() override { return owner_.proceed() ? inner_->sync() : Status(dead()); }
    Status truncate(std::uint64_t size) override {
      return owner_.proceed() ? inner_->truncate(size) : Status(dead());
    }
    Result<std::uint64_t> size() override {
      if (!owner_.proceed()) return dead();
      return inner_->size();
    }

   private:
    CrashingStorage& owner_;
    std::unique_ptr<File> inner_;
  };

  Storage& inner_;
  std::uint64_t crash_at_;
  std::function<void()> crash_;
  std::uint64_t operations_ = 0;
  bool crashed_ = false;
};

}  // namespace orrery::persistence::sqlite::test

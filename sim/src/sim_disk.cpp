// SimDisk: files in memory with a durable image and a log of unsynced operations. A crash
// replays the log onto the durable image, each operation kept, lost or torn by the disk's own
// stream, which is how a power cut treats a page cache.

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

namespace orrery::sim {

namespace {

void apply_write(std::string& content, std::uint64_t offset, std::string_view data) {
  if (content.size() < offset + data.size()) content.resize(offset + data.size(), '\0');
  std::memcpy(content.data() + offset, data.data(), data.size());
}

}  // namespace

class SimDisk::SimFile final : public File {
 public:
  SimFile(SimDisk& disk, std::string path)
      : disk_(disk), path_(std::move(path)), generation_(disk.generation_) {}

  Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> out) override {
    auto state = live();
    if (!state.ok()) return state.error();
    if (Status status = disk_.io("read", disk_.config_.read_error_ppm, path_); !status.ok())
      return status.error();
    ++disk_.stats_.reads;
    const std::string& content = (*state)->current;
    if (offset >= content.size()) return std::size_t{0};
    const std::size_t count = std::min<std::size_t>(out.size(), content.size() - offset);
    std::memcpy(out.data(), content.data() + offset, count);
    return count;
  }

  Status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    auto state = live();
    if (!state.ok()) return state.error();
    if (Status status = disk_.io("write", disk_.config_.write_error_ppm, path_); !status.ok())
      return status;
    ++disk_.stats_.writes;
    const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    apply_write((*state)->current, offset, bytes);
    (*state)->unsynced.push_back(Op{offset, std::string(bytes)});
    return {};
  }

  Status sync() override {
    auto state = live();
    if (!state.ok()) return state.error();
    if (Status status = disk_.io("sync", disk_.config_.sync_error_ppm, path_); !status.ok())
      return status;
    ++disk_.stats_.syncs;
    (*state)->durable = (*state)->current;
    (*state)->unsynced.clear();
    return {};
  }

  Status truncate(std::uint64_t size) override {
    auto state = live();
    if (!state.ok()) return state.error();
    if (Status status = disk_.io("truncate", disk_.config_.write_error_ppm, path_); !status.ok())
      return status;
    (*state)->current.resize(size, '\0');
    (*state)->unsynced.push_back(Op{size, {}, true});
    return {};
  }

  Result<std::uint64_t> size() override {
    auto state = live();
    if (!state.ok()) return state.error();
    return static_cast<std::uint64_t>((*state)->current.size());
  }

 private:
  Result<FileState*> live() {
    if (generation_ != disk_.generation_) {
      return make_error(Errc::closed,
                        fmt::format("'{}' was opened before the node crashed", path_));
    }
    FileState* state = disk_.find(path_);
    if (state == nullptr)
      return make_error(Errc::not_found, fmt::format("'{}' was removed", path_));
    return state;
  }

  SimDisk& disk_;
  std::string path_;
  std::uint64_t generation_;
};

SimDisk::SimDisk(World& world, std::uint32_t node, DiskConfig config, std::uint64_t seed)
    : world_(world), node_(node), config_(config), random_(seed) {
}

SimDisk::~SimDisk() = default;

SimDisk::FileState* SimDisk::find(std::string_view path) {
  auto found = files_.find(path);
  return found == files_.end() ? nullptr : &found->second;
}

Status SimDisk::io(const char* op, std::uint32_t error_ppm, std::string_view path) {
  if (config_.latency_max.count() > 0) {
    const Duration latency = uniform_duration(random_, config_.latency_min, config_.latency_max);
    world_.stall_for_io(world_.node(node_), latency, op);  // it blocks the node's only thread
  }
  if (!chance_ppm(random_, error_ppm)) return {};
  ++stats_.injected_errors;
  world_.record({.kind = TraceKind::disk_fault, .node = node_, .text = op});
  return make_error(Errc::io_error, fmt::format("injected I/O error: {} of '{}'", op, path));
}

Result<std::unique_ptr<File>> SimDisk::open(std::string_view path, OpenMode mode) {
  if (Status valid = validate_storage_path(path); !valid.ok()) return valid.error();
  if (Status status = io("open", config_.read_error_ppm, path); !status.ok()) return status.error();
  const bool present = files_.contains(path);
  switch (mode) {
    case OpenMode::read_write:
      if (!present) return make_error(Errc::not_found, fmt::format("no file '{}'", path));
      break;
    case OpenMode::create:
      if (!present) files_.emplace(std::string(path), FileState{});
      break;
    case OpenMode::create_exclusive:
      if (present)
        return make_error(Errc::already_exists, fmt::format("'{}' exists already", path));
      files_.emplace(std::string(path), FileState{});
      break;
  }
  return std::unique_ptr<File>(new SimFile(*this, std::string(path)));
}

Status SimDisk::remove(std::string_view path) {
  if (Status valid = validate_storage_path(path); !valid.ok()) return valid;
  if (Status status = io("remove", config_.write_error_ppm, path); !status.ok()) return status;
  auto found = files_.find(path);
  if (found == files_.end()) return make_error(Errc::not_found, fmt::format("no file '{}'", path));
  files_.erase(found);
  return {};
}

Result<bool> SimDisk::exists(std::string_view path) {
  if (Status valid = validate_storage_path(path); !valid.ok()) return valid.error();
  return files_.contains(path);
}

Result<std::vector<std::string>> SimDisk::list(std::string_view prefix) {
  std::vector<std::string> out;
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix);
       ++it) {
    out.push_back(it->first);
  }
  return out;
}

std::optional<std::string> SimDisk::contents(std::string_view path) const {
  auto found = files_.find(path);
  if (found == files_.end()) return std::nullopt;
  return found->second.current;
}

std::optional<std::string> SimDisk::durable_contents(std::string_view path) const {
  auto found = files_.find(path);
  if (found == files_.end()) return std::nullopt;
  return found->second.durable;
}

void SimDisk::crash() {
  ++generation_;
  std::uint64_t lost = 0;
  std::uint64_t torn = 0;
  std::uint64_t files_lost = 0;
  for (auto it = files_.begin(); it != files_.end();) {
    FileState& state = it->second;
    if (state.unsynced.empty() && state.durable) {
      ++it;
      continue;
    }
    // A file never synced may not have reached the directory at all.
    if (!state.durable && chance(random_, 1, 2)) {
      ++files_lost;
      lost += state.unsynced.size();
      it = files_.erase(it);
      continue;
    }
    std::string image = state.durable.value_or(std::string());
    for (const Op& op : state.unsynced) {
      const auto fate = uniform_below(random_, 3);  // 0 applied, 1 lost, 2 torn
      if (fate == 1) {
        ++lost;
        continue;
      }
      if (op.truncate) {
        image.resize(op.offset, '\0');
        continue;
      }
      if (fate == 2 && !op.data.empty()) {
        ++torn;
        const auto kept = static_cast<std::size_t>(uniform_below(random_, op.data.size()));
        apply_write(image, op.offset, std::string_view(op.data).substr(0, kept));
        continue;
      }
      apply_write(image, op.offset, op.data);
    }
    state.durable = image;
    state.current = std::move(image);
    state.unsynced.clear();
    ++it;
  }
  stats_.writes_lost += lost;
  stats_.writes_torn += torn;
  stats_.files_lost += files_lost;
  world_.record(
      {.kind = TraceKind::disk_crash, .node = node_, .a = lost, .b = (torn << 32) | files_lost});
}

}  // namespace orrery::sim

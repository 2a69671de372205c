// SimDisk: the Storage calls. Files are inodes with a durable image and a log of unsynced
// operations; names map to inodes, and every change of a name is journaled (sim_disk_crash.cpp
// holds the journal and what a crash does with it).

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "sim_disk_ops.hpp"

namespace orrery::sim {

class SimDisk::SimFile final : public File {
 public:
  SimFile(SimDisk& disk, std::uint64_t number, std::string path)
      : disk_(disk),
        disk_alive_(disk.alive_),
        number_(number),
        path_(std::move(path)),
        generation_(disk.generation_) {
    ++disk_.inode(number_)->open_files;
  }
  ~SimFile() override {
    if (disk_alive_.expired()) return;
    if (generation_ != disk_.generation_) return;  // the crash forgot every open file
    --disk_.inode(number_)->open_files;
    disk_.collect(number_);
  }

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
    disk_ops::apply_write((*state)->current, offset, bytes);
    (*state)->unsynced.push_back(Op{offset, std::string(bytes)});
    return {};
  }

  Status sync() override {
    auto state = live();
    if (!state.ok()) return state.error();
    if (Status status = disk_.io("sync", disk_.config_.sync_error_ppm, path_); !status.ok()) {
      return make_error(status.error().code,
                        fmt::format("{} ({})", status.error().message, disk_.fail_sync(**state)));
    }
    ++disk_.stats_.syncs;
    Inode& inode = **state;
    // Only what is still in the log reaches the disk: pages a failed sync dropped do not.
    // In place: copying the whole image on every sync made each commit cost the file's size.
    if (!inode.durable) inode.durable.emplace();
    for (const Op& op : inode.unsynced)
      disk_ops::apply(*inode.durable, op.offset, op.data, op.truncate);
    inode.unsynced.clear();
    disk_.commit_creation(number_);
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
  Result<Inode*> live() {
    if (disk_alive_.expired())
      return make_error(Errc::closed, fmt::format("'{}' outlived its node's disk", path_));
    if (generation_ != disk_.generation_) {
      return make_error(Errc::closed,
                        fmt::format("'{}' was opened before the node crashed", path_));
    }
    return disk_.inode(number_);
  }

  SimDisk& disk_;
  std::weak_ptr<const bool> disk_alive_;
  std::uint64_t number_;
  std::string path_;  // the name it was opened by, for messages
  std::uint64_t generation_;
};

SimDisk::SimDisk(World& world, std::uint32_t node, DiskConfig config, std::uint64_t seed)
    : world_(world), node_(node), config_(config), random_(seed) {
}

SimDisk::~SimDisk() = default;

SimDisk::Inode* SimDisk::inode(std::uint64_t number) {
  auto found = inodes_.find(number);
  ORRERY_ASSERT(found != inodes_.end(), "a SimDisk inode in use was forgotten");
  return &found->second;
}

const SimDisk::Inode* SimDisk::find(std::string_view path) const {
  auto named = names_.find(path);
  if (named == names_.end()) return nullptr;
  return &inodes_.at(named->second);
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
  auto named = names_.find(path);
  if (named != names_.end()) {
    if (mode == OpenMode::create_exclusive)
      return make_error(Errc::already_exists, fmt::format("'{}' exists already", path));
    return std::unique_ptr<File>(new SimFile(*this, named->second, std::string(path)));
  }
  if (mode == OpenMode::read_write)
    return make_error(Errc::not_found, fmt::format("no file '{}'", path));
  const std::uint64_t number = next_inode_++;
  inodes_.emplace(number, Inode{});
  names_.emplace(std::string(path), number);
  note_directories(path);
  journal({.names = {{std::string(path), number}},
           .directories = {std::string(disk_ops::parent_of(path))}});
  return std::unique_ptr<File>(new SimFile(*this, number, std::string(path)));
}

Status SimDisk::remove(std::string_view path) {
  if (Status valid = validate_storage_path(path); !valid.ok()) return valid;
  if (Status status = io("remove", config_.write_error_ppm, path); !status.ok()) return status;
  auto found = names_.find(path);
  if (found == names_.end()) return make_error(Errc::not_found, fmt::format("no file '{}'", path));
  const std::uint64_t number = found->second;
  names_.erase(found);
  journal({.names = {{std::string(path), std::nullopt}},
           .directories = {std::string(disk_ops::parent_of(path))}});
  collect(number);
  return {};
}

Status SimDisk::rename(std::string_view from, std::string_view to) {
  if (Status valid = validate_storage_path(from); !valid.ok()) return valid;
  if (Status valid = validate_storage_path(to); !valid.ok()) return valid;
  if (Status status = io("rename", config_.write_error_ppm, from); !status.ok()) return status;
  auto source = names_.find(from);
  if (source == names_.end())
    return make_error(Errc::not_found, fmt::format("rename: no file '{}'", from));
  if (from == to) return {};
  const std::uint64_t number = source->second;
  names_.erase(source);
  std::optional<std::uint64_t> replaced;
  if (auto target = names_.find(to); target != names_.end()) {
    replaced = target->second;
    target->second = number;
  } else {
    names_.emplace(std::string(to), number);
  }
  note_directories(to);
  journal({.names = {{std::string(to), number}, {std::string(from), std::nullopt}},
           .directories = {std::string(disk_ops::parent_of(to)),
                           std::string(disk_ops::parent_of(from))}});
  if (replaced) collect(*replaced);
  return {};
}

Result<bool> SimDisk::exists(std::string_view path) {
  if (Status valid = validate_storage_path(path); !valid.ok()) return valid.error();
  return names_.contains(path);
}

Result<std::vector<std::string>> SimDisk::list(std::string_view prefix) {
  std::vector<std::string> out;
  for (auto it = names_.lower_bound(prefix); it != names_.end() && it->first.starts_with(prefix);
       ++it) {
    out.push_back(it->first);
  }
  return out;
}

void SimDisk::note_directories(std::string_view path) {
  for (auto slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    directories_.emplace(path.substr(0, slash));
  }
}

std::optional<std::string> SimDisk::contents(std::string_view path) const {
  const Inode* state = find(path);
  if (state == nullptr) return std::nullopt;
  return state->current;
}

std::optional<std::string> SimDisk::durable_contents(std::string_view path) const {
  auto named = durable_names_.find(path);
  if (named == durable_names_.end()) return std::nullopt;
  return inodes_.at(named->second).durable;
}

}  // namespace orrery::sim

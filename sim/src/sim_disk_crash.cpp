// SimDisk's durability: the metadata journal (what a directory sync commits), a failed sync's
// dropped pages, and the crash that keeps a prefix of the journal and replays each surviving
// file's unsynced writes, each kept, lost or torn by the disk's own stream, which is how a power
// cut treats a page cache.

#include <algorithm>

#include <fmt/format.h>

#include <orrery/sim/node.hpp>
#include <orrery/sim/sim_disk.hpp>
#include <orrery/sim/world.hpp>

#include "sim_disk_ops.hpp"

namespace orrery::sim {

void SimDisk::journal(NameChange change) {
  journal_.push_back(std::move(change));
}

void SimDisk::commit(std::size_t count) {
  std::vector<std::uint64_t> displaced;
  for (std::size_t i = 0; i < count; ++i) {
    for (const auto& [name, target] : journal_[i].names) {
      if (auto old = durable_names_.find(name); old != durable_names_.end()) {
        displaced.push_back(old->second);
        durable_names_.erase(old);
      }
      if (target) durable_names_.emplace(name, *target);
    }
  }
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(count));
  for (const std::uint64_t number : displaced)
    collect(number);
}

void SimDisk::commit_creation(std::uint64_t number) {
  const auto names_it = [number](const NameChange& change) {
    return std::any_of(change.names.begin(), change.names.end(),
                       [number](const auto& entry) { return entry.second == number; });
  };
  const auto durable = std::any_of(durable_names_.begin(), durable_names_.end(),
                                   [number](const auto& entry) { return entry.second == number; });
  if (durable) return;
  // The journal is ordered: committing the creation commits everything journaled before it.
  const auto first = std::find_if(journal_.begin(), journal_.end(), names_it);
  if (first != journal_.end()) commit(static_cast<std::size_t>(first - journal_.begin()) + 1);
}

void SimDisk::collect(std::uint64_t number) {
  auto found = inodes_.find(number);
  if (found == inodes_.end() || found->second.open_files > 0) return;
  const auto names = [number](const Names& map) {
    return std::any_of(map.begin(), map.end(),
                       [number](const auto& entry) { return entry.second == number; });
  };
  if (names(names_) || names(durable_names_)) return;
  const bool journaled = std::any_of(journal_.begin(), journal_.end(), [&](const NameChange& c) {
    return std::any_of(c.names.begin(), c.names.end(),
                       [number](const auto& entry) { return entry.second == number; });
  });
  if (!journaled) inodes_.erase(found);
}

Status SimDisk::sync_directory(std::string_view directory) {
  if (!directory.empty()) {
    if (Status valid = validate_storage_path(directory); !valid.ok()) return valid;
  }
  if (Status status = io("sync directory", config_.sync_error_ppm, directory); !status.ok())
    return status;
  if (!directories_.contains(directory)) {
    return make_error(Errc::not_found, fmt::format("no directory '{}'", directory));
  }
  ++stats_.syncs;
  std::size_t count = 0;
  for (std::size_t i = 0; i < journal_.size(); ++i) {
    const auto& touched = journal_[i].directories;
    if (std::find(touched.begin(), touched.end(), directory) != touched.end()) count = i + 1;
  }
  commit(count);
  return {};
}

std::string SimDisk::fail_sync(Inode& state) {
  // Linux marks the pages clean after a writeback error: they are never written, and the
  // error is reported once. Whether they stay in the cache depends on the filesystem.
  stats_.writes_dropped += state.unsynced.size();
  state.unsynced.clear();
  if (chance(random_, 1, 2)) {
    state.current = state.durable.value_or(std::string());
    return "its unsynced writes are discarded";
  }
  return "its unsynced writes stay readable but will never be durable";
}

void SimDisk::crash_contents(Inode& state, std::uint64_t& lost, std::uint64_t& torn) {
  std::string image = state.durable.value_or(std::string());
  for (const Op& op : state.unsynced) {
    const auto fate = uniform_below(random_, 3);  // 0 applied, 1 lost, 2 torn
    if (fate == 1) {
      ++lost;
      continue;
    }
    if (fate == 2 && !op.truncate && !op.data.empty()) {
      ++torn;
      const auto kept = static_cast<std::size_t>(uniform_below(random_, op.data.size()));
      disk_ops::apply_write(image, op.offset, std::string_view(op.data).substr(0, kept));
      continue;
    }
    disk_ops::apply(image, op.offset, op.data, op.truncate);
  }
  if (!state.unsynced.empty()) state.durable = image;
  state.current = std::move(image);  // also forgets pages a failed sync kept in memory
  state.unsynced.clear();
  state.open_files = 0;
}

void SimDisk::crash() {
  ++generation_;
  // Names: a prefix of the uncommitted journal reached the disk, each entry whole.
  std::uint64_t reverted = 0;
  if (!journal_.empty()) {
    const auto kept = static_cast<std::size_t>(uniform_below(random_, journal_.size() + 1));
    reverted = journal_.size() - kept;
    commit(kept);
    journal_.clear();
  }
  std::uint64_t files_lost = 0;
  for (const auto& [name, number] : names_) {
    auto found = durable_names_.find(name);
    if (found == durable_names_.end() || found->second != number) ++files_lost;
  }
  names_ = durable_names_;
  // Contents: a file without a name is gone; the others keep, lose or tear unsynced writes.
  std::map<std::uint64_t, Inode> survivors;
  std::uint64_t lost = 0;
  std::uint64_t torn = 0;
  for (const auto& [name, number] : names_) {
    if (survivors.contains(number)) continue;
    Inode& state = survivors.emplace(number, std::move(inodes_.at(number))).first->second;
    crash_contents(state, lost, torn);
  }
  inodes_ = std::move(survivors);
  stats_.writes_lost += lost;
  stats_.writes_torn += torn;
  stats_.files_lost += files_lost;
  stats_.names_reverted += reverted;
  world_.record(
      {.kind = TraceKind::disk_crash, .node = node_, .a = lost, .b = (torn << 32) | files_lost});
}

}  // namespace orrery::sim

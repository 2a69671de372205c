#pragma once
// Persistence queries (Akka's persistence query), over a store's ReadJournal.
//
// Current queries are finite: everything stored when they run, page by page, as one Future.
// Live queries are actors that keep delivering: spawn the behavior, and it sends each event (or
// new persistence id) to the subscriber in order, polling the store every refresh interval once
// it has caught up (Akka's JDBC read journal works the same way). Each envelope carries its
// offset, so a subscriber that stores the last offset it handled resumes exactly there.
//
//   auto feed = system->spawn(live_events_by_tag(stores.read, "orders", last_offset, printer), "feed");
//   ...
//   feed.tell(StopQuery{});

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <orrery/actor/behaviors.hpp>
#include <orrery/persistence/read_journal.hpp>

namespace orrery::persistence {

/// Everything tagged `tag` after `after`, in offset order.
Future<std::vector<EventEnvelope>> current_events_by_tag(std::shared_ptr<ReadJournal> read,
                                                         std::string tag, Offset after,
                                                         BlockingWait blocking,
                                                         std::uint64_t page = 1000);
/// The events of one id in [from, to].
Future<std::vector<EventEnvelope>> current_events_by_persistence_id(
    std::shared_ptr<ReadJournal> read, std::string persistence_id, SequenceNr from, SequenceNr to,
    BlockingWait blocking, std::uint64_t page = 1000);
/// Every persistence id, sorted.
Future<std::vector<std::string>> current_persistence_ids(std::shared_ptr<ReadJournal> read,
                                                         BlockingWait blocking,
                                                         std::uint64_t page = 1000);

struct LiveQueryOptions {
  /// How often a query that has caught up asks the store again.
  Duration refresh_interval = std::chrono::seconds(1);
  /// Items per store call; a full page is followed by the next at once.
  std::uint64_t page = 500;
};

/// Ends a live query: the actor stops.
struct StopQuery {};

namespace detail {
struct Poll {};
}  // namespace detail

using LiveQueryMessage = std::variant<detail::Poll, StopQuery>;

/// Delivers every event tagged `tag` after offset `after`, now stored or stored later.
Behavior<LiveQueryMessage> live_events_by_tag(std::shared_ptr<ReadJournal> read, std::string tag,
                                              Offset after, ActorRef<EventEnvelope> subscriber,
                                              LiveQueryOptions options = {});
/// Delivers the events of one id from sequence number `from` on, now stored or stored later.
Behavior<LiveQueryMessage> live_events_by_persistence_id(std::shared_ptr<ReadJournal> read,
                                                         std::string persistence_id,
                                                         SequenceNr from,
                                                         ActorRef<EventEnvelope> subscriber,
                                                         LiveQueryOptions options = {});
/// Delivers each persistence id once: those stored now, then new ones as they appear.
Behavior<LiveQueryMessage> live_persistence_ids(std::shared_ptr<ReadJournal> read,
                                                ActorRef<std::string> subscriber,
                                                LiveQueryOptions options = {});

}  // namespace orrery::persistence

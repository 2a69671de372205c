// Live queries: an actor per query that asks the store for the page after its cursor, delivers
// it, and asks again at once after a full page or after the refresh interval otherwise. One
// store call at a time, so deliveries keep the store's order; completions run in the actor's
// turn (on_complete_in_turn), so a stopped query delivers nothing more.

#include <orrery/persistence/query.hpp>

#include <orrery/actor.hpp>

#include <functional>

namespace orrery::persistence {

namespace {

template <class Item, class Cursor>
struct LiveSource {
  /// The page after a cursor.
  std::function<Future<std::vector<Item>>(const Cursor&)> fetch;
  /// Delivers one item and moves the cursor past it; false when the item was already seen.
  std::function<bool(const Item&, Cursor&)> take;
  /// After a short page (the query has caught up): where the next round starts.
  std::function<void(Cursor&)> caught_up = [](Cursor&) {};
};

template <class Item, class Cursor>
class LiveQuery : public std::enable_shared_from_this<LiveQuery<Item, Cursor>> {
 public:
  LiveQuery(ActorContext<LiveQueryMessage>& ctx, LiveSource<Item, Cursor> source, Cursor cursor,
            ActorRef<Item> subscriber, LiveQueryOptions options)
      : ctx_(ctx),
        source_(std::move(source)),
        cursor_(std::move(cursor)),
        subscriber_(std::move(subscriber)),
        options_(options) {}

  void poll() {
    if (fetching_) return;
    fetching_ = true;
    auto self = this->shared_from_this();
    ctx_.on_complete_in_turn(source_.fetch(cursor_),
                             [self](const Result<std::vector<Item>>& page) { return self->on_page(page); });
  }

  Behavior<LiveQueryMessage> on_page(const Result<std::vector<Item>>& page) {
    fetching_ = false;
    if (!page.ok()) {
      // A store error is not the end of a live query: it asks again next interval.
      ctx_.log().warning("live query: {}", page.error().message);
      schedule();
      return behaviors::same();
    }
    for (const Item& item : page.value()) {
      if (source_.take(item, cursor_)) subscriber_.tell(Item(item));
    }
    if (page.value().size() >= options_.page) {
      poll();
    } else {
      source_.caught_up(cursor_);
      schedule();
    }
    return behaviors::same();
  }

 private:
  void schedule() {
    ctx_.timers().start_single_timer("poll", LiveQueryMessage{detail::Poll{}}, options_.refresh_interval);
  }

  ActorContext<LiveQueryMessage>& ctx_;
  LiveSource<Item, Cursor> source_;
  Cursor cursor_;
  ActorRef<Item> subscriber_;
  LiveQueryOptions options_;
  bool fetching_ = false;
};

template <class Item, class Cursor>
Behavior<LiveQueryMessage> live(LiveSource<Item, Cursor> source, Cursor cursor,
                                ActorRef<Item> subscriber, LiveQueryOptions options) {
  if (options.page == 0) options.page = 1;
  return behaviors::setup<LiveQueryMessage>([source = std::move(source), cursor = std::move(cursor),
                                             subscriber, options](ActorContext<LiveQueryMessage>& ctx) {
    auto query = std::make_shared<LiveQuery<Item, Cursor>>(ctx, source, cursor, subscriber, options);
    query->poll();
    // A subscriber that stops ends the query (a stream cancelled downstream).
    ctx.watch(subscriber);
    return behaviors::receive<LiveQueryMessage>(
               [query](ActorContext<LiveQueryMessage>&, LiveQueryMessage& message) -> Behavior<LiveQueryMessage> {
                 if (std::holds_alternative<StopQuery>(message)) return behaviors::stopped();
                 query->poll();
                 return behaviors::same();
               })
        .receive_signal([](ActorContext<LiveQueryMessage>&, const Terminated&) { return behaviors::stopped(); });
  });
}

}  // namespace

Behavior<LiveQueryMessage> live_events_by_tag(std::shared_ptr<ReadJournal> read, std::string tag,
                                              Offset after, ActorRef<EventEnvelope> subscriber,
                                              LiveQueryOptions options) {
  const std::uint64_t page = options.page == 0 ? 1 : options.page;
  LiveSource<EventEnvelope, Offset> source{
      [read, tag, page](const Offset& cursor) { return read->events_by_tag(tag, cursor, page); },
      [](const EventEnvelope& envelope, Offset& cursor) {
        if (envelope.offset <= cursor) return false;
        cursor = envelope.offset;
        return true;
      }};
  return live<EventEnvelope, Offset>(std::move(source), after, std::move(subscriber), options);
}

Behavior<LiveQueryMessage> live_events_by_persistence_id(std::shared_ptr<ReadJournal> read,
                                                         std::string persistence_id,
                                                         SequenceNr from,
                                                         ActorRef<EventEnvelope> subscriber,
                                                         LiveQueryOptions options) {
  const std::uint64_t page = options.page == 0 ? 1 : options.page;
  LiveSource<EventEnvelope, SequenceNr> source{
      [read, id = std::move(persistence_id), page](const SequenceNr& next) {
        return read->events_by_persistence_id(id, next, max_sequence_nr, page);
      },
      [](const EventEnvelope& envelope, SequenceNr& next) {
        if (envelope.event.sequence_nr < next) return false;
        next = envelope.event.sequence_nr + 1;
        return true;
      }};
  return live<EventEnvelope, SequenceNr>(std::move(source), from < 1 ? 1 : from,
                                         std::move(subscriber), options);
}

Behavior<LiveQueryMessage> live_persistence_ids(std::shared_ptr<ReadJournal> read,
                                                ActorRef<std::string> subscriber,
                                                LiveQueryOptions options) {
  // Ids are sorted, not ordered by arrival: a new id may sort before the last one seen, so each
  // round reads them all (page by page from the start) and delivers those not seen before.
  struct Cursor {
    std::string after;
    std::shared_ptr<std::set<std::string>> seen = std::make_shared<std::set<std::string>>();
  };
  const std::uint64_t page = options.page == 0 ? 1 : options.page;
  LiveSource<std::string, Cursor> source{
      [read, page](const Cursor& cursor) { return read->persistence_ids(cursor.after, page); },
      [](const std::string& id, Cursor& cursor) {
        cursor.after = id;
        return cursor.seen->insert(id).second;
      },
      [](Cursor& cursor) { cursor.after.clear(); }};
  return live<std::string, Cursor>(std::move(source), Cursor{}, std::move(subscriber), options);
}

}  // namespace orrery::persistence

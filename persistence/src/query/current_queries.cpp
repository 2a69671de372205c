// Current queries: page after page until a short page, collected into one future. Each page's
// completion asks for the next, so nothing blocks and the store's order holds.

#include <orrery/persistence/query.hpp>

namespace orrery::persistence {

namespace {

/// Pages through `fetch(cursor) -> Future<std::vector<Item>>`, advancing the cursor by `next`.
template <class Item, class Fetch, class Next, class Cursor>
void page_through(std::shared_ptr<std::vector<Item>> out, Promise<std::vector<Item>> done,
                  Fetch fetch, Next next, Cursor cursor, std::uint64_t page) {
  fetch(cursor).on_complete([out, done, fetch, next, page](const Result<std::vector<Item>>& got) mutable {
    if (!got.ok()) {
      done.fail(got.error());
      return;
    }
    for (const Item& item : got.value())
      out->push_back(item);
    if (got.value().size() < page) {
      done.complete(std::move(*out));
      return;
    }
    page_through<Item>(out, done, fetch, next, next(got.value().back()), page);
  });
}

}  // namespace

Future<std::vector<EventEnvelope>> current_events_by_tag(std::shared_ptr<ReadJournal> read,
                                                         std::string tag, Offset after,
                                                         BlockingWait blocking,
                                                         std::uint64_t page) {
  Promise<std::vector<EventEnvelope>> done(blocking);
  auto future = done.future();
  page_through<EventEnvelope>(
      std::make_shared<std::vector<EventEnvelope>>(), done,
      [read, tag, page](Offset cursor) { return read->events_by_tag(tag, cursor, page); },
      [](const EventEnvelope& last) { return last.offset; }, after, page);
  return future;
}

Future<std::vector<EventEnvelope>> current_events_by_persistence_id(
    std::shared_ptr<ReadJournal> read, std::string persistence_id, SequenceNr from, SequenceNr to,
    BlockingWait blocking, std::uint64_t page) {
  Promise<std::vector<EventEnvelope>> done(blocking);
  auto future = done.future();
  page_through<EventEnvelope>(
      std::make_shared<std::vector<EventEnvelope>>(), done,
      [read, id = std::move(persistence_id), to, page](SequenceNr cursor) {
        return read->events_by_persistence_id(id, cursor, to, page);
      },
      [](const EventEnvelope& last) { return last.event.sequence_nr + 1; }, from, page);
  return future;
}

Future<std::vector<std::string>> current_persistence_ids(std::shared_ptr<ReadJournal> read,
                                                         BlockingWait blocking,
                                                         std::uint64_t page) {
  Promise<std::vector<std::string>> done(blocking);
  auto future = done.future();
  page_through<std::string>(
      std::make_shared<std::vector<std::string>>(), done,
      [read, page](const std::string& cursor) { return read->persistence_ids(cursor, page); },
      [](const std::string& last) { return last; }, std::string(), page);
  return future;
}

}  // namespace orrery::persistence

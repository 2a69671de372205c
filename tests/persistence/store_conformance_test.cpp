// The store SPI's conformance suite: the same bodies against every store (store_factories.hpp).
// What an entity relies on: sequence numbers that follow or are refused, atomic writes, a refusal
// that fails one write alone, replay ranges, highest sequence numbers that survive deletes,
// queries by tag with offsets that resume, snapshots by criteria, revisions of durable state,
// and completions that never arrive on the caller's stack.
#include <algorithm>

#include <catch2/catch.hpp>

#include "store_factories.hpp"

namespace orrery::persistence {
namespace {

using namespace std::chrono_literals;

template <class T>
Result<T> wait(test::Harness& h, Future<T> future) {
  REQUIRE(h.run_until([&] { return future.ready(); }, 10s));
  return future.take();
}

PersistentEvent event(const std::string& id, SequenceNr nr, std::vector<std::string> tags = {},
                      std::string payload = "") {
  PersistentEvent e;
  e.persistence_id = id;
  e.sequence_nr = nr;
  e.manifest = "test.Event";
  e.version = 2;
  e.payload = payload.empty() ? id + "#" + std::to_string(nr) : std::move(payload);
  e.tags = std::move(tags);
  e.timestamp_ms = 1700000000000 + nr;
  e.writer = "writer-1";
  return e;
}

AtomicWrite write_of(const std::string& id, SequenceNr first, SequenceNr count,
                     std::vector<std::string> tags = {}) {
  AtomicWrite w{id, {}};
  for (SequenceNr nr = first; nr < first + count; ++nr)
    w.events.push_back(event(id, nr, tags));
  return w;
}

TEMPLATE_TEST_CASE("a store writes and replays events with every field", "[persistence][store]",
                   ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  Future<Done> written = stores.journal->write(write_of("p", 1, 3, {"red", "blue"}));
  // Completions come from the store's own work, never on the caller's stack.
  if (!h.threaded()) REQUIRE_FALSE(written.ready());
  REQUIRE(wait(h, std::move(written)).ok());
  auto replayed = wait(h, stores.journal->replay("p", 1, max_sequence_nr, 100));
  REQUIRE(replayed.ok());
  REQUIRE(replayed.value().size() == 3);
  for (SequenceNr nr = 1; nr <= 3; ++nr)
    REQUIRE(replayed.value()[static_cast<std::size_t>(nr - 1)] == event("p", nr, {"red", "blue"}));
  REQUIRE(wait(h, stores.journal->highest_sequence_nr("p", 1)).value() == 3);
  REQUIRE(wait(h, stores.journal->highest_sequence_nr("nobody", 1)).value() == 0);
  auto range = wait(h, stores.journal->replay("p", 2, 3, 1)).value();
  REQUIRE(range.size() == 1);
  REQUIRE(range[0].sequence_nr == 2);
}

TEMPLATE_TEST_CASE("a write whose sequence numbers do not follow is a conflict and changes nothing",
                   "[persistence][store]", ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  REQUIRE(wait(h, stores.journal->write(write_of("p", 1, 2))).ok());
  for (SequenceNr first : {1, 2, 4}) {
    auto refused = wait(h, stores.journal->write(write_of("p", first, 1)));
    REQUIRE_FALSE(refused.ok());
    REQUIRE(refused.error().code == Errc::already_exists);  // another writer's, or stale
  }
  // An atomic write with a hole inside is refused whole.
  AtomicWrite holed = write_of("p", 3, 1);
  holed.events.push_back(event("p", 5));
  REQUIRE(wait(h, stores.journal->write(std::move(holed))).error().code == Errc::refused);
  REQUIRE(wait(h, stores.journal->highest_sequence_nr("p", 1)).value() == 2);
  REQUIRE(wait(h, stores.journal->replay("p", 1, max_sequence_nr, 100)).value().size() == 2);
}

TEMPLATE_TEST_CASE("a refused write fails alone among writes made together", "[persistence][store]",
                   ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  std::vector<Future<Done>> writes;
  for (int entity = 0; entity < 8; ++entity) {
    const std::string id = "e" + std::to_string(entity);
    AtomicWrite w = write_of(id, 1, 2);
    if (entity == 3) w.events[1].payload = std::string(1 << 20, 'x');  // above every limit here
    writes.push_back(stores.journal->write(std::move(w)));
  }
  for (int entity = 0; entity < 8; ++entity) {
    auto result = wait(h, std::move(writes[static_cast<std::size_t>(entity)]));
    const std::string id = "e" + std::to_string(entity);
    if (entity == 3) {
      REQUIRE_FALSE(result.ok());
      REQUIRE(result.error().code == Errc::refused);
      REQUIRE(wait(h, stores.journal->highest_sequence_nr(id, 1)).value() == 0);
      REQUIRE(wait(h, stores.journal->replay(id, 1, max_sequence_nr, 10)).value().empty());
    } else {
      INFO(id << ": " << (result.ok() ? "" : result.error().message));
      REQUIRE(result.ok());
      REQUIRE(wait(h, stores.journal->highest_sequence_nr(id, 1)).value() == 2);
    }
  }
}

TEMPLATE_TEST_CASE("deleting events keeps the highest sequence number", "[persistence][store]",
                   ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  REQUIRE(wait(h, stores.journal->write(write_of("p", 1, 5))).ok());
  REQUIRE(wait(h, stores.journal->delete_up_to("p", 3)).ok());
  auto left = wait(h, stores.journal->replay("p", 1, max_sequence_nr, 100)).value();
  REQUIRE(left.size() == 2);
  REQUIRE(left[0].sequence_nr == 4);
  REQUIRE(wait(h, stores.journal->delete_up_to("p", 5)).ok());
  REQUIRE(wait(h, stores.journal->highest_sequence_nr("p", 1)).value() == 5);
  // The next write still follows 5.
  REQUIRE(wait(h, stores.journal->write(write_of("p", 1, 1))).error().code == Errc::already_exists);
  REQUIRE(wait(h, stores.journal->write(write_of("p", 6, 1))).ok());
}

TEMPLATE_TEST_CASE("queries by tag come in offset order and resume after an offset",
                   "[persistence][store][query]", ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  REQUIRE(stores.read);
  REQUIRE(wait(h, stores.read->latest_offset()).value() == 0);
  REQUIRE(wait(h, stores.journal->write(write_of("a", 1, 2, {"t"}))).ok());
  REQUIRE(wait(h, stores.journal->write(write_of("b", 1, 1, {"other"}))).ok());
  REQUIRE(wait(h, stores.journal->write(write_of("c", 1, 2, {"t", "other"}))).ok());
  auto tagged = wait(h, stores.read->events_by_tag("t", 0, 100)).value();
  REQUIRE(tagged.size() == 4);
  for (std::size_t i = 1; i < tagged.size(); ++i)
    REQUIRE(tagged[i].offset > tagged[i - 1].offset);
  REQUIRE(tagged[0].event.persistence_id == "a");
  REQUIRE(tagged[3].event == event("c", 2, {"t", "other"}));
  auto resumed = wait(h, stores.read->events_by_tag("t", tagged[1].offset, 100)).value();
  REQUIRE(resumed.size() == 2);
  REQUIRE(resumed[0] == tagged[2]);
  REQUIRE(wait(h, stores.read->events_by_tag("t", 0, 3)).value().size() == 3);
  REQUIRE(wait(h, stores.read->latest_offset()).value() == tagged[3].offset);
  auto by_id = wait(h, stores.read->events_by_persistence_id("c", 2, 2, 10)).value();
  REQUIRE(by_id.size() == 1);
  REQUIRE(by_id[0] == tagged[3]);
  REQUIRE(wait(h, stores.read->persistence_ids("", 100)).value() ==
          std::vector<std::string>{"a", "b", "c"});
  REQUIRE(wait(h, stores.read->persistence_ids("a", 1)).value() == std::vector<std::string>{"b"});
}

TEMPLATE_TEST_CASE("snapshots load the newest that matches and delete by criteria",
                   "[persistence][store][snapshot]", ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  REQUIRE_FALSE(wait(h, stores.snapshots->load("p", SnapshotCriteria::latest())).value());
  for (SequenceNr nr : {10, 20, 30}) {
    Snapshot s{{"p", nr, 1000 + nr}, "test.State", 3, "state@" + std::to_string(nr)};
    REQUIRE(wait(h, stores.snapshots->save(s)).ok());
  }
  Snapshot other{{"q", 99, 1}, "test.State", 1, "q"};
  REQUIRE(wait(h, stores.snapshots->save(other)).ok());
  auto newest = wait(h, stores.snapshots->load("p", SnapshotCriteria::latest())).value();
  REQUIRE(newest);
  REQUIRE(*newest == Snapshot{{"p", 30, 1030}, "test.State", 3, "state@30"});
  REQUIRE(
      wait(h, stores.snapshots->load("p", SnapshotCriteria{0, 25})).value()->metadata.sequence_nr ==
      20);
  // Saving at the same sequence number replaces.
  REQUIRE(wait(h, stores.snapshots->save(Snapshot{{"p", 30, 5}, "test.State", 3, "again"})).ok());
  REQUIRE(wait(h, stores.snapshots->load("p", SnapshotCriteria::latest())).value()->payload ==
          "again");
  REQUIRE(wait(h, stores.snapshots->remove("p", SnapshotCriteria{0, 20})).ok());
  REQUIRE_FALSE(wait(h, stores.snapshots->load("p", SnapshotCriteria{0, 25})).value());
  REQUIRE(wait(h, stores.snapshots->load("q", SnapshotCriteria::latest())).value());
}

TEMPLATE_TEST_CASE("durable state refuses a stale revision and keeps it after a delete",
                   "[persistence][store][durable-state]", ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  REQUIRE_FALSE(wait(h, stores.durable_state->get("s")).value());
  DurableState first{"s", 1, "test.State", 1, "one", "tag", false};
  REQUIRE(wait(h, stores.durable_state->upsert(first)).ok());
  REQUIRE(*wait(h, stores.durable_state->get("s")).value() == first);
  for (Revision stale : {1, 3}) {
    DurableState wrong{"s", stale, "test.State", 1, "stale", "", false};
    auto refused = wait(h, stores.durable_state->upsert(wrong));
    REQUIRE(refused.error().code == Errc::refused);
  }
  DurableState second{"s", 2, "test.State", 2, "two", "", false};
  REQUIRE(wait(h, stores.durable_state->upsert(second)).ok());
  REQUIRE(wait(h, stores.durable_state->remove("s", 2)).error().code == Errc::refused);
  REQUIRE(wait(h, stores.durable_state->remove("s", 3)).ok());
  auto deleted = wait(h, stores.durable_state->get("s")).value();
  REQUIRE(deleted);
  REQUIRE(deleted->deleted);
  REQUIRE(deleted->revision == 3);
  REQUIRE(wait(h, stores.durable_state->upsert(DurableState{"s", 3, "m", 1, "x", "", false}))
              .error()
              .code == Errc::refused);
  REQUIRE(
      wait(h, stores.durable_state->upsert(DurableState{"s", 4, "m", 1, "back", "", false})).ok());
  REQUIRE(wait(h, stores.durable_state->get("s")).value()->payload == "back");
}

TEMPLATE_TEST_CASE("writes of one entity complete in the order they were made",
                   "[persistence][store]", ORRERY_STORE_FACTORIES) {
  TestType f;
  if (test::store_skipped(f)) return;
  auto& h = f.harness();
  auto stores = f.stores();
  std::vector<Future<Done>> writes;
  for (SequenceNr nr = 1; nr <= 200; ++nr)
    writes.push_back(stores.journal->write(write_of("p", nr, 1)));
  for (auto& w : writes)
    REQUIRE(wait(h, std::move(w)).ok());
  auto all = wait(h, stores.journal->replay("p", 1, max_sequence_nr, 1000)).value();
  REQUIRE(all.size() == 200);
  for (std::size_t i = 0; i < all.size(); ++i)
    REQUIRE(all[i].sequence_nr == static_cast<SequenceNr>(i + 1));
}

}  // namespace
}  // namespace orrery::persistence

// Mailboxes (bounded overflow policies, dead letters) and the stash.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Item {
  int n = 0;
};
struct Open {};
using Cmd = std::variant<Item, Open>;

/// Holds every Item until Open, then reports them in order.
Behavior<Cmd> gate(ActorRef<int> out) {
  return behaviors::receive<Cmd>(
      [out](ActorContext<Cmd>&, Open&) -> Behavior<Cmd> {
        return behaviors::receive<Cmd>([out](ActorContext<Cmd>&, Item& i) { out.tell(i.n); });
      },
      [](ActorContext<Cmd>&, Item&) { return behaviors::unhandled(); });
}

TEMPLATE_TEST_CASE("bounded mailboxes apply their overflow policy", "[mailbox]", ORRERY_HARNESSES) {
  if (TestType().threaded()) return;  // fills a mailbox that must not drain meanwhile
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<DeadLetter> dead(*system);
  system->event_stream().subscribe(dead.ref());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto receiver = behaviors::receive<Item>([reply](ActorContext<Item>&, Item& i) { reply.tell(i.n); });

  auto newest = system->spawn(receiver, "newest",
                              Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::drop_newest)));
  auto oldest = system->spawn(receiver, "oldest",
                              Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::drop_oldest)));
  auto failing = system->spawn(receiver, "failing",
                               Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::fail_sender)));
  for (int i = 1; i <= 5; ++i) newest.tell(Item{i});
  for (int i = 11; i <= 15; ++i) oldest.tell(Item{i});
  int refused = 0;
  for (int i = 21; i <= 25; ++i) {
    try {
      failing.tell(Item{i});
    } catch (const MailboxOverflowError& error) {
      ++refused;
      REQUIRE(std::string(error.what()).find("/user/failing") != std::string::npos);
    }
  }
  REQUIRE(refused == 2);
  REQUIRE(h.run_until(out.has(9), 5s));
  auto seen = out.messages();
  // Each actor's own order; the executor may interleave the three (the simulator does).
  const auto from = [&](int low, int high) {
    std::vector<int> part;
    for (int n : seen) {
      if (n >= low && n <= high) part.push_back(n);
    }
    return part;
  };
  REQUIRE(seen.size() == 9);
  REQUIRE(from(1, 5) == std::vector<int>{1, 2, 3});
  REQUIRE(from(11, 15) == std::vector<int>{13, 14, 15});
  REQUIRE(from(21, 25) == std::vector<int>{21, 22, 23});
  REQUIRE(system->dead_letter_count() == 6);
  REQUIRE(h.run_until(dead.has(6), 5s));
  REQUIRE(dead.messages()[0].reason == "mailbox full");
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a stopped actor's queued mail goes to dead letters, counted", "[mailbox]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto ref = system->spawn(behaviors::receive<Item>([reply](ActorContext<Item>&, Item& i) -> Behavior<Item> {
                             reply.tell(i.n);
                             if (i.n == 3) return behaviors::stopped();
                             return behaviors::same();
                           }),
                           "short-lived");
  for (int i = 1; i <= 10; ++i) ref.tell(Item{i});
  REQUIRE(h.run_until([&] { return ref.recipient()->terminated(); }, 5s));
  REQUIRE(out.messages() == std::vector<int>{1, 2, 3});
  // The lifecycle turns terminated before the queued mail is drained (on another worker under the pool).
  REQUIRE(h.run_until([&] { return system->dead_letter_count() == 7; }, 5s));
  ref.tell(Item{11});
  REQUIRE(system->dead_letter_count() == 8);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("stash holds messages until unstash_all, in order, bounded", "[stash]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<int> out(*system);
  auto reply = out.ref();
  auto ref = system->spawn(
      behaviors::setup<Cmd>([reply](ActorContext<Cmd>& ctx) {
        StashBuffer<Cmd>& stash = ctx.stash(3);
        auto open = behaviors::receive<Cmd>([reply](ActorContext<Cmd>&, Item& i) { reply.tell(i.n); });
        return behaviors::receive<Cmd>(
            [&stash, reply](ActorContext<Cmd>&, Item& i) {
              try {
                stash.stash(i);
              } catch (const StashOverflowError&) {
                reply.tell(-i.n);
              }
            },
            [&stash, open](ActorContext<Cmd>&, Open&) { return stash.unstash_all(open); });
      }),
      "stasher");
  for (int i = 1; i <= 4; ++i) ref.tell(Item{i});
  ref.tell(Open{});
  ref.tell(Item{5});
  REQUIRE(h.run_until(out.has(5), 5s));
  REQUIRE(out.messages() == std::vector<int>{-4, 1, 2, 3, 5});
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery

// Mailboxes (bounded overflow policies, dead letters) and the stash.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

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
  auto receiver =
      behaviors::receive<Item>([reply](ActorContext<Item>&, Item& i) { reply.tell(i.n); });

  auto newest =
      system->spawn(receiver, "newest",
                    Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::drop_newest)));
  auto oldest =
      system->spawn(receiver, "oldest",
                    Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::drop_oldest)));
  auto failing =
      system->spawn(receiver, "failing",
                    Props::with_mailbox(MailboxConfig::bounded(3, OverflowPolicy::fail_sender)));
  for (int i = 1; i <= 5; ++i)
    newest.tell(Item{i});
  for (int i = 11; i <= 15; ++i)
    oldest.tell(Item{i});
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
  auto ref = system->spawn(
      behaviors::receive<Item>([reply](ActorContext<Item>&, Item& i) -> Behavior<Item> {
        reply.tell(i.n);
        if (i.n == 3) return behaviors::stopped();
        return behaviors::same();
      }),
      "short-lived");
  for (int i = 1; i <= 10; ++i)
    ref.tell(Item{i});
  REQUIRE(h.run_until([&] { return ref.recipient()->terminated(); }, 5s));
  REQUIRE(out.messages() == std::vector<int>{1, 2, 3});
  // The lifecycle turns terminated before the queued mail is drained (on another worker under the
  // pool).
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
        auto open =
            behaviors::receive<Cmd>([reply](ActorContext<Cmd>&, Item& i) { reply.tell(i.n); });
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
  for (int i = 1; i <= 4; ++i)
    ref.tell(Item{i});
  ref.tell(Open{});
  ref.tell(Item{5});
  REQUIRE(h.run_until(out.has(5), 5s));
  REQUIRE(out.messages() == std::vector<int>{-4, 1, 2, 3, 5});
  h.shutdown(system);
}

/// Reports its ints; in its setup hands out a message adapter (a string becomes its length) and
/// pipes `piped` to itself: both reach it as adaptations in its mailbox.
Behavior<int> adapting(ActorRef<int> out, ActorRef<ActorRef<std::string>> adapters,
                       Future<int> piped) {
  return behaviors::setup<int>([out, adapters, piped](ActorContext<int>& ctx) {
    adapters.tell(ctx.template message_adapter<std::string>(
        [](std::string&& s) { return static_cast<int>(s.size()); }));
    ctx.pipe_to_self(piped, [](const Result<int>& r) { return r.ok() ? r.value() : -1; });
    return behaviors::receive<int>([out](ActorContext<int>&, int& n) { out.tell(n); });
  });
}

std::size_t with_reason(const std::vector<DeadLetter>& letters, std::string_view reason) {
  return static_cast<std::size_t>(std::count_if(
      letters.begin(), letters.end(), [&](const DeadLetter& d) { return d.reason == reason; }));
}

TEMPLATE_TEST_CASE("adapted messages count against a bounded mailbox and meet its overflow policy",
                   "[mailbox]", ORRERY_HARNESSES) {
  if (TestType().threaded()) return;  // fills a mailbox that must not drain meanwhile
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<DeadLetter> dead(*system);
  system->event_stream().subscribe(dead.ref());
  test::Recorder<int> newest_out(*system), oldest_out(*system), failing_out(*system);
  test::Recorder<ActorRef<std::string>> adapters(*system);
  Promise<int> newest_piped(h.env()), oldest_piped(h.env()), failing_piped(h.env());
  auto bounded = [](OverflowPolicy policy) {
    return Props::with_mailbox(MailboxConfig::bounded(2, policy));
  };
  auto newest = system->spawn(adapting(newest_out.ref(), adapters.ref(), newest_piped.future()),
                              "newest", bounded(OverflowPolicy::drop_newest));
  auto oldest = system->spawn(adapting(oldest_out.ref(), adapters.ref(), oldest_piped.future()),
                              "oldest", bounded(OverflowPolicy::drop_oldest));
  auto failing = system->spawn(adapting(failing_out.ref(), adapters.ref(), failing_piped.future()),
                               "failing", bounded(OverflowPolicy::fail_sender));
  REQUIRE(h.run_until(adapters.has(3), 5s));  // every setup ran; every mailbox is empty
  auto adapter_of = [&](const ActorRef<int>& target) {
    for (const auto& adapter : adapters.messages())
      if (adapter.untyped() == target.untyped()) return adapter;
    FAIL("no adapter of " << target.path());
    return ActorRef<std::string>();
  };

  // drop_newest: an adaptation and a message fill it; the next adaptations are refused.
  adapter_of(newest).tell("abc");
  newest.tell(10);
  adapter_of(newest).tell("abcd");  // refused
  newest_piped.complete(7);         // refused
  // drop_oldest: each newcomer pushes out the oldest entry, adaptation or message.
  adapter_of(oldest).tell("a");     // [a]
  oldest.tell(10);                  // [a 10]
  adapter_of(oldest).tell("abcd");  // [10 abcd]: a dropped
  oldest.tell(20);                  // [abcd 20]: 10 dropped
  oldest_piped.complete(7);         // [20 7]: abcd dropped
  // fail_sender: the adapter's sender fails as a tell's would; a completion is dropped.
  failing.tell(10);
  adapter_of(failing).tell("ab");
  REQUIRE_THROWS_AS(adapter_of(failing).tell("abc"), MailboxOverflowError);
  REQUIRE_NOTHROW(failing_piped.complete(7));

  REQUIRE(h.run_until(
      [&] {
        return newest_out.count() == 2 && oldest_out.count() == 2 && failing_out.count() == 2;
      },
      5s));
  h.pass(100ms);
  REQUIRE(newest_out.messages() == std::vector<int>{3, 10});
  REQUIRE(oldest_out.messages() == std::vector<int>{20, 7});
  REQUIRE(failing_out.messages() == std::vector<int>{10, 2});
  REQUIRE(h.run_until(dead.has(7), 5s));
  const auto letters = dead.messages();
  REQUIRE(letters.size() == 7);
  REQUIRE(with_reason(letters, "mailbox full") == 4);
  REQUIRE(with_reason(letters, "mailbox full: oldest dropped") == 3);
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery

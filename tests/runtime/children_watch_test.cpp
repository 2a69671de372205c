// Children (names, paths, clashes, stop order) and death watch (Terminated, watch_with, unwatch,
// death pacts, ChildFailed).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <orrery/actor.hpp>
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Msg {
  std::string text;
};

Behavior<Msg> reporter(ActorRef<std::string> out, std::string name) {
  return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) {})
      .receive_signal([out, name](ActorContext<Msg>&, const PostStop&) { out.tell(name + " stopped"); });
}

TEMPLATE_TEST_CASE("children have paths, unique names, and stop before their parent", "[children]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto parent = system->spawn(
      behaviors::setup<Msg>([reply](ActorContext<Msg>& ctx) {
        auto child = ctx.spawn(reporter(reply, "child"), "child");
        auto grandchild_parent = ctx.spawn(
            behaviors::setup<Msg>([reply](ActorContext<Msg>& inner) {
              inner.spawn(reporter(reply, "grandchild"), "leaf");
              return reporter(reply, "middle");
            }),
            "middle");
        auto anonymous = ctx.spawn_anonymous(reporter(reply, "anonymous"));
        reply.tell(child.path());
        reply.tell(anonymous.path().substr(0, 14));
        try {
          ctx.spawn(reporter(reply, "clash"), "child");
        } catch (const ActorNameError& error) {
          reply.tell(std::string("clash: ") + error.what());
        }
        try {
          ctx.spawn(reporter(reply, "bad"), "no/slash");
        } catch (const ActorNameError&) {
          reply.tell("bad name refused");
        }
        return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) -> Behavior<Msg> {
                 return behaviors::stopped();
               })
            .receive_signal([reply](ActorContext<Msg>&, const PostStop&) { reply.tell("parent stopped"); });
      }),
      "parent");
  REQUIRE(h.run_until(out.has(4), 5s));
  auto first = out.messages();
  REQUIRE(first[0] == "/user/parent/child");
  REQUIRE(first[1] == "/user/parent/$");
  REQUIRE(first[2] == "clash: the name 'child' is already taken by a child of /user/parent");
  REQUIRE(first[3] == "bad name refused");
  parent.tell(Msg{});
  const bool all_stopped = h.run_until(out.has(9), 5s);
  auto all = out.messages();
  INFO(fmt::format("{}", fmt::join(all, " | ")));
  REQUIRE(all_stopped);
  auto position = [&](const std::string& what) {
    return std::find(all.begin(), all.end(), what) - all.begin();
  };
  REQUIRE(position("parent stopped") == 8);  // last
  REQUIRE(position("grandchild stopped") < position("middle stopped"));
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a parent may reuse a child's name once the child has terminated",
                   "[children]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  struct Respawn {};
  auto parent = system->spawn(
      behaviors::setup<std::variant<Msg, Respawn>>([reply](auto& ctx) {
        using M = std::variant<Msg, Respawn>;
        auto child = ctx.spawn(reporter(reply, "first"), "worker");
        ctx.watch(child);
        return behaviors::receive<M>([](ActorContext<M>&, Msg&) {}).receive_signal(
            [reply](ActorContext<M>& inner, const Terminated& t) {
              reply.tell("terminated " + t.ref.path());
              auto again = inner.spawn(reporter(reply, "second"), "worker");
              reply.tell("respawned " + again.path());
            });
      }),
      "parent");
  REQUIRE(h.run_until([&] { return system->resolve("/user/parent/worker") != nullptr; }, 5s));
  auto* worker = system->resolve("/user/parent/worker");
  worker->post_stop();
  REQUIRE(h.run_until(out.has(3), 5s));
  auto seen = out.messages();
  REQUIRE(seen[0] == "first stopped");
  REQUIRE(seen[1] == "terminated /user/parent/worker");
  REQUIRE(seen[2] == "respawned /user/parent/worker");
  static_cast<void>(parent);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("death watch: Terminated, watch_with, unwatch, watching the dead",
                   "[watch]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto stopper = [] {
    return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) -> Behavior<Msg> { return behaviors::stopped(); });
  };
  auto a = system->spawn(stopper(), "a");
  auto b = system->spawn(stopper(), "b");
  auto c = system->spawn(stopper(), "c");
  struct Watch {
    UntypedActorRef target;
    std::string how;
  };
  using W = std::variant<Watch, std::string>;
  auto watcher = system->spawn(
      behaviors::receive<W>(
          [](ActorContext<W>& ctx, Watch& w) {
            if (w.how == "signal") ctx.watch(w.target);
            if (w.how == "message") ctx.watch_with(w.target, W(std::string("custom ") + w.target.path()));
            if (w.how == "unwatch") ctx.unwatch(w.target);
          },
          [reply](ActorContext<W>&, std::string& s) { reply.tell(s); })
          .receive_signal([reply](ActorContext<W>&, const Terminated& t) {
            reply.tell("terminated " + t.ref.path());
          }),
      "watcher");
  watcher.tell(Watch{a, "signal"});
  watcher.tell(Watch{b, "message"});
  watcher.tell(Watch{c, "signal"});
  watcher.tell(Watch{c, "unwatch"});
  h.pass(10ms);
  a.tell(Msg{});
  b.tell(Msg{});
  c.tell(Msg{});
  REQUIRE(h.run_until(out.has(2), 5s));
  h.pass(20ms);
  auto seen = out.messages();
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen == std::vector<std::string>{"custom /user/b", "terminated /user/a"});
  // Watching an actor that is already dead answers at once.
  watcher.tell(Watch{a, "signal"});
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages().back() == "terminated /user/a");
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("an unhandled Terminated is a death pact, a failed child gives ChildFailed",
                   "[watch]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto failing = behaviors::receive<Msg>([](ActorContext<Msg>&, Msg& m) {
    if (m.text == "fail") throw std::runtime_error("boom");
  });
  // Parent handles ChildFailed.
  auto parent = system->spawn(
      behaviors::setup<Msg>([failing, reply](ActorContext<Msg>& ctx) {
        auto child = ctx.spawn(failing, "child");
        ctx.watch(child);
        return behaviors::receive<Msg>([child](ActorContext<Msg>&, Msg& m) { child.tell(Msg{m.text}); })
            .receive_signal([reply](ActorContext<Msg>&, const ChildFailed& f) {
              reply.tell("child failed: " + f.reason);
            });
      }),
      "parent");
  parent.tell(Msg{"fail"});
  REQUIRE(h.run_until(out.has(1), 5s));
  REQUIRE(out.messages()[0] == "child failed: boom");
  // A watcher without a Terminated handler dies of a death pact.
  auto victim = system->spawn(failing, "victim");
  auto pact = system->spawn(
      behaviors::setup<Msg>([victim](ActorContext<Msg>& ctx) {
        ctx.watch(victim);
        return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) {}).receive_signal(
            [](ActorContext<Msg>&, const PostStop&) {});
      }),
      "pact");
  test::Recorder<std::string> pact_end(*system);
  auto observer = system->spawn(
      behaviors::setup<Msg>([pact, r = pact_end.ref()](ActorContext<Msg>& ctx) {
        ctx.watch(pact);
        return behaviors::receive<Msg>([](ActorContext<Msg>&, Msg&) {})
            .receive_signal([r](ActorContext<Msg>&, const Terminated& t) { r.tell(t.ref.path()); });
      }),
      "observer");
  h.pass(10ms);
  victim.tell(Msg{"fail"});
  REQUIRE(h.run_until(pact_end.has(1), 5s));
  REQUIRE(pact_end.messages()[0] == "/user/pact");
  static_cast<void>(observer);
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery

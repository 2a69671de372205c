// Timers (single, fixed delay, fixed rate, keyed, cancelled on stop), receive timeouts, ask from
// outside and inside, await, adapters and pipe_to_self.
#include <support/harnesses.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Tick {
  std::string key;
};

TEMPLATE_TEST_CASE("timers fire on time, keyed, replaced, cancelled", "[timers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  struct Cancel {
    std::string key;
  };
  using M = std::variant<Tick, Cancel>;
  auto ref =
      system->spawn(behaviors::setup<M>([reply](ActorContext<M>& ctx) {
                      auto& timers = ctx.timers();
                      timers.start_single_timer("once", M(Tick{"once"}), 50ms);
                      timers.start_single_timer("replaced", M(Tick{"replaced-old"}), 30ms);
                      timers.start_single_timer("replaced", M(Tick{"replaced-new"}), 60ms);
                      timers.start_timer_with_fixed_delay("every", M(Tick{"every"}), 20ms);
                      timers.start_single_timer("cancelled", M(Tick{"cancelled"}), 40ms);
                      timers.cancel("cancelled");
                      return behaviors::receive<M>(
                          [reply](ActorContext<M>& inner, Tick& t) {
                            reply.tell(t.key);
                            if (t.key == "every" && inner.timers().is_timer_active("every") &&
                                !inner.timers().is_timer_active("once")) {
                              inner.timers().cancel("every");
                            }
                          },
                          [](ActorContext<M>& inner, Cancel& c) { inner.timers().cancel(c.key); });
                    }),
                    "timed");
  REQUIRE(h.run_until(
      [&] {
        auto seen = out.messages();
        return std::count(seen.begin(), seen.end(), "replaced-new") == 1 &&
               std::count(seen.begin(), seen.end(), "once") == 1;
      },
      5s));
  h.pass(200ms);
  auto seen = out.messages();
  REQUIRE(std::count(seen.begin(), seen.end(), "replaced-old") == 0);
  REQUIRE(std::count(seen.begin(), seen.end(), "cancelled") == 0);
  const auto every = std::count(seen.begin(), seen.end(), "every");
  REQUIRE(every >= 2);
  REQUIRE(every <= 4);  // cancelled by the first tick after "once"
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a stopped actor's timers never fire", "[timers]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto ref = system->spawn(
      behaviors::setup<Tick>([reply](ActorContext<Tick>& ctx) {
        ctx.timers().start_timer_at_fixed_rate("rate", Tick{"rate"}, 10ms);
        return behaviors::receive<Tick>([reply](ActorContext<Tick>&, Tick& t) -> Behavior<Tick> {
          reply.tell(t.key);
          return behaviors::stopped();
        });
      }),
      "once-then-stop");
  REQUIRE(h.run_until(out.has(1), 5s));
  h.pass(100ms);
  REQUIRE(out.count() == 1);
  REQUIRE(system->dead_letter_count() == 0);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("receive timeout fires after silence and is reset by messages", "[timers]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto ref =
      system->spawn(behaviors::setup<Tick>([reply](ActorContext<Tick>& ctx) {
                      ctx.set_receive_timeout(100ms, Tick{"timeout"});
                      return behaviors::receive<Tick>([reply](ActorContext<Tick>& inner, Tick& t) {
                        reply.tell(t.key);
                        if (t.key == "timeout") inner.cancel_receive_timeout();
                      });
                    }),
                    "idle");
  h.pass(60ms);
  ref.tell(Tick{"keepalive"});
  h.pass(60ms);
  REQUIRE(out.messages() == std::vector<std::string>{"keepalive"});
  REQUIRE(h.run_until(out.has(2), 5s));
  h.pass(300ms);
  REQUIRE(out.messages() == std::vector<std::string>{"keepalive", "timeout"});
  h.shutdown(system);
}

struct Query {
  int n = 0;
  ActorRef<int> reply_to;
};

Behavior<Query> doubler() {
  return behaviors::receive<Query>(
      [](ActorContext<Query>&, Query& q) { q.reply_to.tell(q.n * 2); });
}

TEMPLATE_TEST_CASE("await inside an actor suspends only that actor's mailbox", "[ask]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto slow =
      system->spawn(behaviors::setup<Query>([](ActorContext<Query>& ctx) {
                      return behaviors::receive<Query>([&ctx](ActorContext<Query>&, Query& q) {
                        ctx.schedule_once(50ms, q.reply_to, q.n * 2);
                      });
                    }),
                    "slow");
  struct Start {
    int n = 0;
  };
  struct Other {};
  using M = std::variant<Start, Other>;
  auto client = system->spawn(behaviors::receive<M>(
                                  [slow, reply](ActorContext<M>& ctx, Start& s) {
                                    reply.tell("asking");
                                    Result<int> answer = ctx.await(ask<int>(
                                        slow,
                                        [n = s.n](ActorRef<int> r) {
                                          return Query{n, r};
                                        },
                                        1s));
                                    reply.tell("answer " + std::to_string(answer.value()));
                                  },
                                  [reply](ActorContext<M>&, Other&) { reply.tell("other"); }),
                              "client");
  auto bystander = system->spawn(doubler(), "bystander");
  client.tell(Start{21});
  client.tell(Other{});
  test::Recorder<int> side(*system);
  bystander.tell(Query{1, side.ref()});  // other actors go on meanwhile
  REQUIRE(h.run_until(side.has(1), 5s));
  REQUIRE(h.run_until(out.has(3), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"asking", "answer 42", "other"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("ctx.ask, adapters and pipe_to_self deliver to the actor", "[ask]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  auto reply = out.ref();
  auto target = system->spawn(doubler(), "doubler");
  using M = std::variant<int, std::string>;
  auto client = system->spawn(
      behaviors::setup<M>([target, reply](ActorContext<M>& ctx) {
        ctx.template ask<int>(
            target,
            [](ActorRef<int> r) {
              return Query{5, r};
            },
            1s,
            [](const Result<int>& r) {
              return M(std::string("ask ") + std::to_string(r.value()));
            });
        ActorRef<int> adapter = ctx.template message_adapter<int>([](int n) {
          if (n < 0) throw std::invalid_argument("negative");
          return M(std::string("adapted ") + std::to_string(n));
        });
        adapter.tell(7);
        adapter.tell(-1);
        Promise<int> promise(ctx.env());
        ctx.pipe_to_self(promise.future(), [](const Result<int>& r) {
          return M(std::string("piped ") + std::to_string(r.value()));
        });
        promise.complete(9);
        return behaviors::receive<M>([reply](ActorContext<M>&, std::string& s) { reply.tell(s); })
            .receive_signal([reply](ActorContext<M>&, const MessageAdaptionFailure& f) {
              reply.tell("adaption failed: " + f.reason);
            });
      }),
      "client");
  REQUIRE(h.run_until(out.has(4), 5s));
  auto seen = out.messages();
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen ==
          std::vector<std::string>{"adapted 7", "adaption failed: negative", "ask 10", "piped 9"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a late reply to a timed-out ask is a dead letter", "[ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  auto never =
      system->spawn(behaviors::receive<Query>([](ActorContext<Query>&, Query&) {}), "sink");
  test::Recorder<ActorRef<int>> captured(*system);
  auto keeper =
      system->spawn(behaviors::receive<Query>([c = captured.ref()](ActorContext<Query>&, Query& q) {
                      c.tell(q.reply_to);
                    }),
                    "keeper");
  auto lost = ask<int>(
      never,
      [](ActorRef<int> r) {
        return Query{1, r};
      },
      50ms);
  auto late = ask<int>(
      keeper,
      [](ActorRef<int> r) {
        return Query{1, r};
      },
      50ms);
  REQUIRE(h.run_until([&] { return lost.ready() && late.ready(); }, 5s));
  REQUIRE(lost.take().error().code == Errc::timeout);
  REQUIRE(late.take().error().code == Errc::timeout);
  REQUIRE(captured.count() == 1);
  captured.messages()[0].tell(99);
  REQUIRE(system->dead_letter_count() == 1);
  h.shutdown(system);
}

/// Watches the reply ref of each ask it is sent, and answers one only when told to.
struct AnswerNow {};
using Watching = std::variant<Query, AnswerNow>;

Behavior<Watching> watching_replier(ActorRef<std::string> out) {
  return behaviors::setup<Watching>([out](ActorContext<Watching>&) {
    auto held = std::make_shared<std::vector<ActorRef<int>>>();
    return behaviors::receive<Watching>(
               [out, held](ActorContext<Watching>& ctx, Query& q) {
                 ctx.watch(q.reply_to);
                 held->push_back(q.reply_to);
                 out.tell("watching");
               },
               [held](ActorContext<Watching>&, AnswerNow&) {
                 for (auto& reply_to : *held)
                   reply_to.tell(1);
                 held->clear();
               })
        .receive_signal([out](ActorContext<Watching>&, const Terminated&) {
          out.tell("reply ref terminated");
        });
  });
}

TEMPLATE_TEST_CASE("watching a pending ask tells when it is answered and when it times out",
                   "[ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> answered(*system);
  auto replier = system->spawn(watching_replier(answered.ref()), "answers");
  auto reply = ask<int>(
      replier,
      [](ActorRef<int> r) {
        return Watching(Query{1, r});
      },
      10s);
  REQUIRE(h.run_until(answered.has(1), 5s));
  REQUIRE_FALSE(reply.ready());  // the watch began while the ask was pending
  replier.tell(AnswerNow{});
  REQUIRE(h.run_until(answered.has(2), 5s));
  REQUIRE(answered.messages() == std::vector<std::string>{"watching", "reply ref terminated"});
  REQUIRE(reply.get().value() == 1);

  test::Recorder<std::string> timed_out(*system);
  auto silent = system->spawn(watching_replier(timed_out.ref()), "silent");
  auto lost = ask<int>(
      silent,
      [](ActorRef<int> r) {
        return Watching(Query{1, r});
      },
      100ms);
  REQUIRE(h.run_until(timed_out.has(2), 5s));
  REQUIRE(timed_out.messages() == std::vector<std::string>{"watching", "reply ref terminated"});
  REQUIRE(lost.get().error().code == Errc::timeout);
  h.shutdown(system);
}

struct Report {};
using Turned = std::variant<int, std::string, Report>;

/// Each adapter function writes into the actor's own unsynchronized log (TSan sees a race if one
/// runs outside the turn) and notes whether it ran inside the turn.
Behavior<Turned> turn_checker(ActorRef<Query> target, ActorRef<Query> silent, Future<int> piped,
                              ActorRef<ActorRef<int>> adapter_out, ActorRef<std::string> out) {
  return behaviors::setup<Turned>([=](ActorContext<Turned>& ctx) {
    auto log = std::make_shared<std::vector<std::string>>();
    ActorContext<Turned>* self = &ctx;
    auto note = [log, self](std::string what) {
      log->push_back(what + (self->in_turn() ? " in turn" : " OUTSIDE the turn"));
    };
    adapter_out.tell(ctx.template message_adapter<int>([note](int n) {
      note("adapter " + std::to_string(n));
      return Turned(n);
    }));
    ctx.pipe_to_self(piped, [note](const Result<int>& r) {
      note("piped " + std::to_string(r.value()));
      return Turned(std::string("piped"));
    });
    ctx.template ask<int>(
        target,
        [](ActorRef<int> r) {
          return Query{5, r};
        },
        5s,
        [note](const Result<int>& r) {
          note("answer " + std::to_string(r.value()));
          return Turned(std::string("answered"));
        });
    ctx.template ask<int>(  // completed by the timer thread in production
        silent,
        [](ActorRef<int> r) {
          return Query{1, r};
        },
        20ms,
        [note](const Result<int>& r) {
          note(r.ok() ? "late answer" : "timeout");
          return Turned(std::string("timed out"));
        });
    return behaviors::receive<Turned>(
        [log](ActorContext<Turned>&, int& n) { log->push_back("got " + std::to_string(n)); },
        [log](ActorContext<Turned>&, std::string& s) {
          if (s != "piped" && s != "answered" && s != "timed out") log->push_back("got " + s);
        },
        [log, out](ActorContext<Turned>&, Report&) {
          for (const std::string& line : *log)
            out.tell(line);
          log->clear();
        });
  });
}

TEMPLATE_TEST_CASE(
    "the functions of adapters, pipe_to_self and ctx.ask run inside the actor's turn", "[ask]",
    ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  test::Recorder<ActorRef<int>> adapters(*system);
  auto target = system->spawn(doubler(), "doubler");
  auto silent =
      system->spawn(behaviors::receive<Query>([](ActorContext<Query>&, Query&) {}), "silent");
  Promise<int> promise(h.env());
  auto checker = system->spawn(
      turn_checker(target, silent, promise.future(), adapters.ref(), out.ref()), "checker");
  REQUIRE(h.run_until(adapters.has(1), 5s));
  ActorRef<int> adapter = adapters.messages()[0];
  // From the test's thread: a direct message, one through the adapter, another direct one.
  checker.tell(Turned(std::string("a")));
  adapter.tell(7);
  checker.tell(Turned(std::string("b")));
  promise.complete(3);  // completes on this thread; the function must wait for the actor's turn
  h.pass(100ms);        // the ask to `silent` times out meanwhile
  checker.tell(Report{});
  REQUIRE(h.run_until(out.has(7), 5s));
  std::vector<std::string> seen = out.messages();
  CAPTURE(seen);
  // The sender's order holds through the adapter: a, the adapted 7, b.
  auto position = [&](const std::string& line) {
    return std::find(seen.begin(), seen.end(), line) - seen.begin();
  };
  REQUIRE(position("got a") < position("adapter 7 in turn"));
  REQUIRE(position("adapter 7 in turn") < position("got 7"));
  REQUIRE(position("got 7") < position("got b"));
  std::sort(seen.begin(), seen.end());
  REQUIRE(seen == std::vector<std::string>{"adapter 7 in turn", "answer 10 in turn", "got 7",
                                           "got a", "got b", "piped 3 in turn", "timeout in turn"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("an adaptation queued for a stopped actor never runs", "[ask]",
                   ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<ActorRef<int>> adapters(*system);
  auto ran = std::make_shared<std::atomic<int>>(0);
  Promise<int> promise(h.env());
  auto stopping = system->spawn(
      behaviors::setup<std::string>([&, ran, out = adapters.ref()](ActorContext<std::string>& ctx) {
        out.tell(ctx.template message_adapter<int>([ran](int) {
          ++*ran;
          return std::string("adapted");
        }));
        ctx.pipe_to_self(promise.future(), [ran](const Result<int>&) {
          ++*ran;
          return std::string("piped");
        });
        return behaviors::receive<std::string>(
            [](ActorContext<std::string>&, std::string& s) -> BehaviorDirective {
              if (s == "stop") return behaviors::stopped();
              return behaviors::same();
            });
      }),
      "stopping");
  REQUIRE(h.run_until(adapters.has(1), 5s));
  stopping.tell("stop");
  REQUIRE(h.run_until([&] { return stopping.recipient()->terminated(); }, 5s));
  const std::uint64_t dead_before = system->dead_letter_count();
  adapters.messages()[0].tell(1);
  promise.complete(2);
  h.pass(50ms);
  REQUIRE(ran->load() == 0);
  REQUIRE(system->dead_letter_count() == dead_before + 2);
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("a sender's order holds through a message adapter, under any interleaving",
                   "[ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  test::Recorder<ActorRef<int>> adapters(*system);
  using T = std::variant<int, std::string>;
  auto target = system->spawn(
      behaviors::setup<T>([o = out.ref(), a = adapters.ref()](ActorContext<T>& ctx) {
        a.tell(ctx.template message_adapter<int>([](int n) { return T(n); }));
        return behaviors::receive<T>([o](ActorContext<T>&, int& n) { o.tell(std::to_string(n)); },
                                     [o](ActorContext<T>&, std::string& s) { o.tell(s); });
      }),
      "target");
  REQUIRE(h.run_until(adapters.has(1), 5s));
  ActorRef<int> adapter = adapters.messages()[0];
  constexpr int rounds = 1000;  // the turn drains while this thread sends (production)
  for (int i = 0; i < rounds; ++i) {
    target.tell(T(std::string("a")));
    adapter.tell(i);
    target.tell(T(std::string("b")));
  }
  REQUIRE(h.run_until(out.has(3 * rounds), 10s));
  const std::vector<std::string> seen = out.messages();
  for (int i = 0; i < rounds; ++i) {
    INFO("round " << i);
    REQUIRE(seen[3 * i] == "a");
    REQUIRE(seen[3 * i + 1] == std::to_string(i));
    REQUIRE(seen[3 * i + 2] == "b");
  }
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("one message adapter per type - the same ref again, the newest function",
                   "[ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  test::Recorder<std::string> out(*system);
  test::Recorder<ActorRef<int>> ints(*system);
  test::Recorder<ActorRef<std::string>> strings(*system);
  using T = std::variant<int, std::string>;
  // Each int it handles asks for the int adapter again, with a function naming the turn: an
  // actor asking in every turn must not pile up adapters (nor exported refs, once on the wire).
  auto target = system->spawn(
      behaviors::setup<T>([o = out.ref(), i = ints.ref(), s = strings.ref()](ActorContext<T>& ctx) {
        i.tell(ctx.template message_adapter<int>(
            [](int n) { return T(std::string("first ") + std::to_string(n)); }));
        s.tell(ctx.template message_adapter<std::string>([](std::string text) { return T(text); }));
        return behaviors::receive<T>(
            [i](ActorContext<T>& ctx, int& n) {
              i.tell(ctx.template message_adapter<int>([n](int m) {
                return T("after " + std::to_string(n) + ": " + std::to_string(m));
              }));
            },
            [o](ActorContext<T>&, std::string& text) { o.tell(text); });
      }),
      "target");
  REQUIRE(h.run_until([&] { return ints.count() >= 1 && strings.count() >= 1; }, 5s));
  const ActorRef<int> first = ints.messages()[0];
  first.tell(1);
  REQUIRE(h.run_until(out.has(1), 5s));
  target.tell(T(41));  // asks again: the same ref, a new function
  REQUIRE(h.run_until(ints.has(2), 5s));
  const ActorRef<int> second = ints.messages()[1];
  REQUIRE(second == first);
  REQUIRE(second.path() == first.path());
  REQUIRE(!(UntypedActorRef(strings.messages()[0]) == UntypedActorRef(first)));
  first.tell(2);  // the old ref runs the newest function
  REQUIRE(h.run_until(out.has(2), 5s));
  REQUIRE(out.messages() == std::vector<std::string>{"first 1", "after 41: 2"});
  h.shutdown(system);
}

TEMPLATE_TEST_CASE("pipe_to_self of a future that never completes frees it all once dropped",
                   "[ask]", ORRERY_HARNESSES) {
  TestType h;
  auto system = ActorSystem::create(h.env());
  auto token = std::make_shared<int>(0);  // held by the adapter function only
  test::Recorder<bool> piped(*system);
  {
    auto promise = std::make_shared<Promise<int>>(h.env());
    std::weak_ptr<Promise<int>> weak = promise;  // the setup must not keep the promise alive
    system->spawn(behaviors::setup<int>([weak, token, p = piped.ref()](ActorContext<int>& ctx) {
                    ctx.pipe_to_self(weak.lock()->future(),
                                     [token](const Result<int>&) { return 0; });
                    p.tell(true);
                    return behaviors::receive<int>([](ActorContext<int>&, int&) {});
                  }),
                  "piper");
    REQUIRE(h.run_until(piped.has(1), 5s));
    REQUIRE(token.use_count() == 2);
  }  // the promise is dropped without completing: nothing keeps its state alive
  REQUIRE(token.use_count() == 1);
  h.shutdown(system);
}

}  // namespace
}  // namespace orrery

// Properties of the runtime under generated interleavings and failure patterns (rapidcheck).
// A failing property prints rapidcheck's reproduce line (RC_PARAMS="reproduce=...").
#include <catch2/catch.hpp>
#include <map>
#include <orrery/actor.hpp>
#include <rapidcheck/catch.h>
#include <support/manual_env.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Sequenced {
  std::uint32_t sender = 0;
  std::uint32_t sequence = 0;
};

TEST_CASE("per sender-receiver order holds under random interleavings", "[property][actor]") {
  rc::prop("each sender's messages arrive in the order sent", [] {
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    const auto senders = *rc::gen::inRange<std::uint32_t>(1, 6);
    const auto per_sender = *rc::gen::inRange<std::uint32_t>(0, 40);
    const auto throughput = *rc::gen::inRange<std::uint32_t>(1, 8);
    test::ManualEnv env(test::ManualEnv::Shuffled{seed});
    ActorSystemConfig config;
    config.throughput = throughput;
    auto system = ActorSystem::create(env.env(), config);
    auto received = std::make_shared<std::vector<Sequenced>>();
    auto receiver = system->spawn(
        behaviors::receive<Sequenced>([received](ActorContext<Sequenced>&, Sequenced& m) { received->push_back(m); }),
        "receiver");
    for (std::uint32_t s = 0; s < senders; ++s) {
      // Each sender is an actor that sends one message per turn to itself and one to the receiver.
      auto sender = system->spawn(
          behaviors::receive<std::uint32_t>([receiver, s, per_sender](ActorContext<std::uint32_t>& ctx, std::uint32_t& next) {
            if (next == per_sender) return;
            receiver.tell(Sequenced{s, next});
            ctx.self().tell(next + 1);
          }),
          "sender-" + std::to_string(s));
      sender.tell(0);
    }
    env.drain();
    RC_ASSERT(received->size() == senders * per_sender);
    std::map<std::uint32_t, std::uint32_t> next;
    for (const auto& m : *received) {
      RC_ASSERT(m.sequence == next[m.sender]);
      ++next[m.sender];
    }
    system->terminate();
    env.drain();
    RC_ASSERT(system->terminated());
  });
}

TEST_CASE("restart limits are respected for any failure pattern", "[property][supervision]") {
  rc::prop("an actor restarts at most N times within any window, then stops", [] {
    const auto max_restarts = *rc::gen::inRange<std::uint32_t>(0, 5);
    const auto window_ms = *rc::gen::inRange<int>(10, 500);
    const auto gaps_ms = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 300));
    test::ManualEnv env;
    auto system = ActorSystem::create(env.env());
    auto restarts = std::make_shared<std::vector<Instant>>();
    auto setups = std::make_shared<int>(0);
    auto ref = system->spawn(
        Behavior<int>(behaviors::supervise(behaviors::setup<int>([&env, restarts, setups](ActorContext<int>&) {
          if ((*setups)++ > 0) restarts->push_back(env.now());
          return behaviors::receive<int>([](ActorContext<int>&, int&) { throw std::runtime_error("fail"); });
        })).on_failure(SupervisorStrategy::restart().with_limit(max_restarts, std::chrono::milliseconds(window_ms)).with_logging(false))),
        "failing");
    std::size_t failures_sent = 0;
    for (int gap : gaps_ms) {
      env.advance(std::chrono::milliseconds(gap));
      if (ref.recipient()->terminated()) break;
      ref.tell(1);
      ++failures_sent;
      env.drain();
    }
    // Never more than max_restarts restarts inside one window.
    for (std::size_t i = 0; i < restarts->size(); ++i) {
      std::size_t in_window = 0;
      for (std::size_t j = i; j < restarts->size(); ++j) {
        if ((*restarts)[j] - (*restarts)[i] <= std::chrono::milliseconds(window_ms)) ++in_window;
      }
      RC_ASSERT(in_window <= max_restarts);
    }
    // Every failure either restarted the actor or stopped it.
    const bool stopped = ref.recipient()->terminated();
    RC_ASSERT(restarts->size() + (stopped ? 1 : 0) == failures_sent);
    system->terminate();
    env.drain();
  });
}

TEST_CASE("a stopped actor's mail goes to dead letters and nothing else is lost", "[property][mailbox]") {
  rc::prop("handled + dead letters == sent", [] {
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    const auto total = *rc::gen::inRange<int>(0, 200);
    const auto stop_after = *rc::gen::inRange<int>(0, 200);
    test::ManualEnv env(test::ManualEnv::Shuffled{seed});
    auto system = ActorSystem::create(env.env());
    auto handled = std::make_shared<int>(0);
    auto ref = system->spawn(behaviors::receive<int>([handled, stop_after](ActorContext<int>&, int&) -> Behavior<int> {
                               if (++*handled == stop_after) return behaviors::stopped();
                               return behaviors::same();
                             }),
                             "victim");
    for (int i = 0; i < total; ++i) {
      ref.tell(int{i});
      if (i % 7 == 0) env.drain();
    }
    env.drain();
    RC_ASSERT(static_cast<std::uint64_t>(*handled) + system->dead_letter_count() ==
              static_cast<std::uint64_t>(total));
    system->terminate();
    env.drain();
  });
}

TEST_CASE("an ask completes exactly once, whatever races its reply and its timeout", "[property][ask]") {
  rc::prop("one completion per ask", [] {
    const auto replies = *rc::gen::inRange<int>(0, 3);
    const auto reply_after_ms = *rc::gen::inRange<int>(0, 200);
    const auto timeout_ms = *rc::gen::inRange<int>(1, 200);
    test::ManualEnv env;
    auto system = ActorSystem::create(env.env());
    struct Q {
      ActorRef<int> reply_to;
    };
    auto slow = system->spawn(behaviors::receive<Q>([replies, reply_after_ms](ActorContext<Q>& ctx, Q& q) {
                                for (int i = 0; i < replies; ++i) {
                                  ctx.schedule_once(std::chrono::milliseconds(reply_after_ms), q.reply_to, int{i});
                                }
                              }),
                              "slow");
    auto future = ask<int>(slow, [](ActorRef<int> r) { return Q{r}; }, std::chrono::milliseconds(timeout_ms));
    auto completions = std::make_shared<int>(0);
    future.on_complete([completions](const Result<int>&) { ++*completions; });
    env.advance(500ms);
    RC_ASSERT(*completions == 1);
    const bool answered = replies > 0 && reply_after_ms < timeout_ms;
    RC_ASSERT(future.take().ok() == answered);
    system->terminate();
    env.drain();
  });
}

}  // namespace
}  // namespace orrery

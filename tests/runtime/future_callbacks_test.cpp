// A future's callbacks are isolated from each other: one that throws neither keeps the later
// ones from running nor, for an ask, its watchers from being told or its completer (the
// replying actor, the timer) from going on.
#include <stdexcept>
#include <support/manual_env.hpp>
#include <support/recorder.hpp>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a promise runs every callback when one throws, and its completer sees the first",
          "[future]") {
  Promise<int> promise(BlockingWait::allowed);
  Future<int> future = promise.future();
  std::vector<std::string> ran;
  future.on_complete([&](const Result<int>& r) { ran.push_back("first " + std::to_string(*r)); });
  future.on_complete([](const Result<int>&) { throw std::runtime_error("second threw"); });
  future.on_complete([](const Result<int>&) { throw std::logic_error("third threw"); });
  future.on_complete([&](const Result<int>& r) { ran.push_back("fourth " + std::to_string(*r)); });
  REQUIRE_THROWS_WITH(promise.complete(7), "second threw");
  CHECK(ran == std::vector<std::string>{"first 7", "fourth 7"});
  REQUIRE(future.ready());
  CHECK(promise.completed());
  CHECK_FALSE(promise.complete(8));  // completed once, by the completion that threw
  CHECK(future.take().value() == 7);
}

struct Request {
  ActorRef<int> reply_to;
};
struct Answer {};
using ReplierMessage = std::variant<Request, Answer>;

/// Watches each request's reply ref, answers on Answer, and records what it sees.
Behavior<ReplierMessage> watching_replier(ActorRef<std::string> out) {
  return behaviors::setup<ReplierMessage>([out](ActorContext<ReplierMessage>&) {
    auto pending = std::make_shared<std::vector<ActorRef<int>>>();
    return behaviors::receive<ReplierMessage>(
               [pending](ActorContext<ReplierMessage>& ctx, Request& request) {
                 ctx.watch(UntypedActorRef(request.reply_to));
                 pending->push_back(request.reply_to);
               },
               [pending, out](ActorContext<ReplierMessage>&, Answer&) {
                 for (ActorRef<int>& reply_to : *pending)
                   reply_to.tell(42);  // runs the ask's continuations on this actor's thread
                 pending->clear();
                 out.tell("answered");
               })
        .receive_signal(
            [out](ActorContext<ReplierMessage>&, const Terminated&) {
              out.tell("reply ref terminated");
            },
            [out](ActorContext<ReplierMessage>&, const PreRestart&) { out.tell("restarted"); });
  });
}

TEST_CASE(
    "an ask's continuation that throws - the later ones still run, its watchers are told, the "
    "replier and the timer go on, the error is logged",
    "[future][ask]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<std::string> seen(*system);
  auto replier = system->spawn(watching_replier(seen.ref()), "replier");
  auto answered = ask<int>(
      replier, [](ActorRef<int> r) { return ReplierMessage(Request{r}); }, 10s);
  std::vector<std::string> ran;
  answered.on_complete([](const Result<int>&) { throw std::runtime_error("a bad continuation"); });
  answered.on_complete([&](const Result<int>& r) { ran.push_back("later " + std::to_string(*r)); });
  env.advance(1ms);
  replier.tell(Answer{});
  env.advance(1ms);
  CHECK(ran == std::vector<std::string>{"later 42"});
  // The replier did not fail for the continuation (no restart, no stop) and saw its watch fire.
  CHECK(seen.messages() == std::vector<std::string>{"answered", "reply ref terminated"});
  const auto logged = [&](std::string_view what) {
    return std::count_if(
        env.log().lines.begin(), env.log().lines.end(),
        [&](const std::string& line) { return line.find(what) != std::string::npos; });
  };
  CHECK(logged("a continuation of the ask of /user/replier threw (the others ran): a bad "
               "continuation") == 1);

  // The timeout's completion runs the continuations on the timer: one that throws is logged
  // there too, and the timers go on.
  auto lost = ask<int>(
      replier, [](ActorRef<int> r) { return ReplierMessage(Request{r}); }, 50ms);
  lost.on_complete([](const Result<int>&) { throw std::runtime_error("on the timer"); });
  lost.on_complete(
      [&](const Result<int>& r) { ran.push_back(r.ok() ? "late answer" : "timed out"); });
  env.advance(100ms);
  CHECK(ran == std::vector<std::string>{"later 42", "timed out"});
  CHECK(logged("threw (the others ran): on the timer") == 1);
  system->terminate();
  env.advance(1s);
  CHECK(system->terminated());
}

}  // namespace
}  // namespace orrery

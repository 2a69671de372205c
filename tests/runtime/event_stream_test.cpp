// The event stream's supertypes: publishing an event reaches the subscribers of the types it
// declares as supertypes (EventSupertypes), transitively, each type once.
#include <support/manual_env.hpp>
#include <support/recorder.hpp>
#include <variant>

#include <catch2/catch.hpp>

#include <orrery/actor.hpp>

namespace orrery::test_events {

struct OrderEvent {
  std::string order;
};
struct OrderShipped : OrderEvent {
  std::string carrier;
};
struct ExpressShipped : OrderShipped {};
struct OrderPlaced : OrderEvent {};
/// A supertype that keeps every field: a variant built from either event.
using AnyOrderEvent = std::variant<OrderShipped, OrderPlaced>;
/// What one actor takes when it subscribes to OrderShipped and to its supertype OrderEvent.
using ShippedOrEvent = std::variant<OrderShipped, OrderEvent>;

}  // namespace orrery::test_events

template <>
struct orrery::EventSupertypes<orrery::test_events::OrderShipped> {
  using type = std::tuple<test_events::OrderEvent, test_events::AnyOrderEvent>;
};
template <>
struct orrery::EventSupertypes<orrery::test_events::ExpressShipped> {
  // OrderEvent is reached twice (directly and through OrderShipped): delivered once.
  using type = std::tuple<test_events::OrderShipped, test_events::OrderEvent>;
};
template <>
struct orrery::EventSupertypes<orrery::test_events::OrderPlaced> {
  using type = std::tuple<test_events::OrderEvent, test_events::AnyOrderEvent>;
};

namespace orrery {
namespace {

using namespace test_events;

TEST_CASE("a subscriber of a supertype receives the events of its subtypes", "[event-stream]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<OrderEvent> any_order(*system);
  test::Recorder<OrderShipped> shipped(*system);
  test::Recorder<AnyOrderEvent> whole(*system);
  EventStream& stream = system->event_stream();
  stream.subscribe(any_order.ref());
  stream.subscribe(shipped.ref());
  stream.subscribe(whole.ref());

  REQUIRE(stream.publish(OrderShipped{{"o-1"}, "post"}) == 3);
  REQUIRE(stream.publish(OrderPlaced{{"o-2"}}) == 2);  // not to the OrderShipped subscriber
  REQUIRE(stream.publish(OrderEvent{"o-3"}) == 1);     // a supertype reaches no subtype
  REQUIRE(stream.publish(ExpressShipped{{{"o-4"}, "air"}}) == 3);  // transitively, each type once

  std::vector<std::string> orders;
  for (const auto& e : any_order.messages())
    orders.push_back(e.order);
  REQUIRE(orders == std::vector<std::string>{"o-1", "o-2", "o-3", "o-4"});
  REQUIRE(shipped.messages().size() == 2);
  REQUIRE(shipped.messages()[1].carrier == "air");
  const auto kept = whole.messages();
  REQUIRE(kept.size() == 3);
  REQUIRE(std::get<OrderShipped>(kept[0]).carrier == "post");  // the variant kept every field
  REQUIRE(std::holds_alternative<OrderPlaced>(kept[1]));
  REQUIRE(std::get<OrderShipped>(kept[2]).carrier == "air");
  system->terminate();
  env.advance(std::chrono::seconds(1));
}

TEST_CASE("a subscriber of an event type and of its supertype receives each event once",
          "[event-stream]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<ShippedOrEvent> both(*system);
  test::Recorder<OrderEvent> other(*system);
  EventStream& stream = system->event_stream();
  // One actor, two subscriptions: to OrderShipped and to its supertype OrderEvent.
  stream.subscribe(both.ref().narrow<OrderShipped>());
  stream.subscribe(both.ref().narrow<OrderEvent>());
  stream.subscribe(other.ref());

  REQUIRE(stream.publish(OrderShipped{{"o-1"}, "post"}) == 2);  // both once, other once
  // ExpressShipped reaches OrderShipped, then OrderEvent both directly and through it.
  REQUIRE(stream.publish(ExpressShipped{{{"o-2"}, "air"}}) == 2);
  REQUIRE(stream.publish(OrderPlaced{{"o-3"}}) == 2);  // through OrderEvent only
  REQUIRE(stream.publish(OrderEvent{"o-4"}) == 2);

  const auto got = both.messages();
  REQUIRE(got.size() == 4);
  // As the most specific type it subscribed to: the first in delivery order.
  REQUIRE(std::holds_alternative<OrderShipped>(got[0]));
  REQUIRE(std::get<OrderShipped>(got[0]).carrier == "post");
  REQUIRE(std::holds_alternative<OrderShipped>(got[1]));
  REQUIRE(std::get<OrderShipped>(got[1]).carrier == "air");
  REQUIRE(std::holds_alternative<OrderEvent>(got[2]));
  REQUIRE(std::get<OrderEvent>(got[2]).order == "o-3");
  REQUIRE(std::get<OrderEvent>(got[3]).order == "o-4");
  REQUIRE(other.count() == 4);
  system->terminate();
  env.advance(std::chrono::seconds(1));
}

TEST_CASE("an actor subscribed twice to one type through two refs holds one subscription",
          "[event-stream]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<ShippedOrEvent> twice(*system);
  EventStream& stream = system->event_stream();
  stream.subscribe(twice.ref().narrow<OrderEvent>());
  stream.subscribe(twice.ref().narrow<OrderEvent>());  // another ref to the same actor
  REQUIRE(stream.subscriber_count<OrderEvent>() == 1);
  REQUIRE(stream.publish(OrderEvent{"o-1"}) == 1);
  REQUIRE(twice.count() == 1);
  stream.unsubscribe(twice.ref().narrow<OrderEvent>());  // any ref to it unsubscribes it
  REQUIRE(stream.subscriber_count<OrderEvent>() == 0);
  REQUIRE(stream.publish(OrderEvent{"o-2"}) == 0);
  REQUIRE(twice.count() == 1);
  system->terminate();
  env.advance(std::chrono::seconds(1));
}

TEST_CASE("an actor subscribed to two supertypes, itself and through an adapter, gets it once",
          "[event-stream]") {
  test::ManualEnv env;
  auto system = ActorSystem::create(env.env());
  test::Recorder<std::string> seen(*system);
  // The actor takes AnyOrderEvent itself and OrderEvent through a message adapter: both are
  // supertypes of OrderShipped, so a publish of one reaches the actor by two channels.
  auto subscriber = system->spawn(
      behaviors::setup<AnyOrderEvent>([&](ActorContext<AnyOrderEvent>& context) {
        EventStream& stream = context.system().event_stream();
        stream.subscribe(context.self());
        stream.subscribe(context.template message_adapter<OrderEvent>(
            [](OrderEvent&& e) { return AnyOrderEvent(OrderPlaced{{"adapted " + e.order}}); }));
        return behaviors::receive<AnyOrderEvent>(
            [&](ActorContext<AnyOrderEvent>&, AnyOrderEvent& event) {
              seen.ref().tell(std::visit([](const auto& e) { return e.order; }, event));
            });
      }),
      "subscriber");
  env.drain();
  EventStream& stream = system->event_stream();
  REQUIRE(stream.publish(OrderShipped{{"o-1"}, "post"}) == 1);
  REQUIRE(stream.publish(OrderEvent{"o-2"}) == 1);
  env.drain();
  // OrderShipped reaches OrderEvent before AnyOrderEvent (declaration order): the adapter.
  REQUIRE(seen.messages() == std::vector<std::string>{"adapted o-1", "adapted o-2"});
  static_cast<void>(subscriber);
  system->terminate();
  env.advance(std::chrono::seconds(1));
}

}  // namespace
}  // namespace orrery

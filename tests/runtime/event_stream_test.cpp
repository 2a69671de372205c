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

}  // namespace
}  // namespace orrery

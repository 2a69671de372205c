// Serialization: struct fields in protobuf's encoding, refs inside messages, variants, protobuf
// messages, the serialize-everything test mode, and decoders fed random and mutated bytes.
#include <catch2/catch.hpp>
#include <orrery/actor.hpp>
#include <orrery/remote/local_refs.hpp>
#include <orrery/remote/remoting.hpp>
#include <orrery/remote/v1/remote.pb.h>
#include <rapidcheck/catch.h>
#include <support/manual_env.hpp>
#include <support/memory_network.hpp>

namespace serialization_test {
enum class Color : std::uint8_t { red = 1, green = 2 };
struct Inner {
  std::int32_t x = 0;
  std::string label;
};
struct Everything {
  bool flag = false;
  std::int64_t signed_value = 0;
  std::uint32_t unsigned_value = 0;
  double ratio = 0;
  float small = 0;
  std::string text;
  std::chrono::milliseconds delay{0};
  Color color = Color::red;
  std::optional<std::int32_t> maybe;
  std::vector<std::string> words;
  std::vector<Inner> inners;
  Inner inner;
  orrery::ActorRef<std::string> reply_to;
  orrery::remote::v1::Address proto;
};
struct Ping {
  int n = 0;
};
struct Pong {
  int n = 0;
};
using PingPong = std::variant<Ping, Pong>;
}  // namespace serialization_test

using namespace serialization_test;
ORRERY_FIELDS(serialization_test::Inner, &Inner::x, &Inner::label);
ORRERY_FIELDS(serialization_test::Everything, &Everything::flag, &Everything::signed_value,
              &Everything::unsigned_value, &Everything::ratio, &Everything::small, &Everything::text,
              &Everything::delay, &Everything::color, &Everything::maybe, &Everything::words,
              &Everything::inners, &Everything::inner, &Everything::reply_to, &Everything::proto);
ORRERY_FIELDS(serialization_test::Ping, &Ping::n);
ORRERY_FIELDS(serialization_test::Pong, &Pong::n);

namespace orrery {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  Fixture() : system(ActorSystem::create(env.env())) {
    REQUIRE(system->serialization().register_type<Everything>("test.Everything").ok());
    REQUIRE(system->serialization().register_type<Ping>("test.Ping").ok());
    REQUIRE(system->serialization().register_type<Pong>("test.Pong").ok());
    REQUIRE(system->serialization().register_type<remote::v1::Address>("test.Address").ok());
  }
  ~Fixture() { system->abort(); }
  test::ManualEnv env;
  ActorSystemPtr system;
};

TEST_CASE("every supported field type survives a round trip", "[serialization][remote]") {
  Fixture f;
  auto sink = f.system->spawn(behaviors::receive<std::string>([](ActorContext<std::string>&, std::string&) {}), "sink");
  Everything value;
  value.flag = true;
  value.signed_value = -1234567890123;
  value.unsigned_value = 4000000000U;
  value.ratio = 0.125;
  value.small = -2.5F;
  value.text = std::string("bytes\0inside", 12);
  value.delay = 1500ms;
  value.color = Color::green;
  value.maybe = -7;
  value.words = {"a", "", "ccc"};
  value.inners = {Inner{1, "one"}, Inner{-2, "two"}};
  value.inner = Inner{42, "deep"};
  value.reply_to = sink;
  value.proto.set_system("s");
  value.proto.set_port(9);
  auto copy = f.system->serialization().roundtrip(value, f.system->ref_context());
  REQUIRE(copy.ok());
  REQUIRE(copy->flag);
  REQUIRE(copy->signed_value == value.signed_value);
  REQUIRE(copy->unsigned_value == value.unsigned_value);
  REQUIRE(copy->ratio == value.ratio);
  REQUIRE(copy->small == value.small);
  REQUIRE(copy->text == value.text);
  REQUIRE(copy->delay == value.delay);
  REQUIRE(copy->color == Color::green);
  REQUIRE(copy->maybe == std::optional<std::int32_t>(-7));
  REQUIRE(copy->words == value.words);
  REQUIRE(copy->inners.size() == 2);
  REQUIRE(copy->inners[1].label == "two");
  REQUIRE(copy->inner.x == 42);
  REQUIRE(copy->reply_to == sink);
  REQUIRE(copy->proto.port() == 9);
  // A variant encodes the alternative it holds, under that alternative's manifest.
  auto encoded = f.system->serialization().encode(PingPong(Pong{3}), f.system->ref_context());
  REQUIRE(encoded.ok());
  REQUIRE(encoded->manifest == "test.Pong");
  auto back = f.system->serialization().roundtrip(PingPong(Pong{3}), f.system->ref_context());
  REQUIRE(std::get<Pong>(*back).n == 3);
}

TEST_CASE("registration errors are clear", "[serialization][remote]") {
  Fixture f;
  auto again = f.system->serialization().register_type<Ping>("test.Ping2");
  REQUIRE_FALSE(again.ok());
  REQUIRE(again.error().message.find("is already registered as 'test.Ping'") != std::string::npos);
  auto taken = f.system->serialization().register_type<Inner>("test.Ping");
  REQUIRE(taken.error().message.find("manifest 'test.Ping' is already taken") != std::string::npos);
  struct NotRegistered {};
  auto missing = f.system->serialization().encode(NotRegistered{}, f.system->ref_context());
  REQUIRE(missing.error().message.find("is not registered for serialization") != std::string::npos);
  auto unknown = f.system->serialization().decode("no.such", "", f.system->ref_context());
  REQUIRE(unknown.error().message == "unknown manifest 'no.such'");
}

TEST_CASE("the serialize-everything mode sends local messages through the codecs", "[serialization][remote]") {
  test::ManualEnv env;
  ActorSystemConfig config;
  config.serialize_messages = true;
  auto system = ActorSystem::create(env.env(), config);
  REQUIRE(system->serialization().register_type<Ping>("test.Ping").ok());
  auto got = std::make_shared<int>(0);
  auto ref = system->spawn(behaviors::receive<Ping>([got](ActorContext<Ping>&, Ping& p) { *got += p.n; }), "p");
  ref.tell(Ping{5});
  struct Unserializable {};
  auto other = system->spawn(behaviors::receive<Unserializable>([](ActorContext<Unserializable>&, Unserializable&) {}), "u");
  other.tell(Unserializable{});
  env.drain();
  REQUIRE(*got == 5);
  REQUIRE(system->dead_letter_count() == 1);
  system->abort();
}

TEST_CASE("decoders survive random and mutated bytes", "[serialization][remote][fuzz]") {
  Fixture f;
  Everything sample;
  sample.text = "sample";
  sample.words = {"x", "y"};
  sample.inners = {Inner{3, "z"}};
  const std::string valid = f.system->serialization().encode(sample, f.system->ref_context())->payload;
  rc::prop("any payload decodes or fails cleanly", [&] {
    std::string bytes = *rc::gen::oneOf(
        rc::gen::arbitrary<std::string>(),
        rc::gen::map(rc::gen::arbitrary<std::vector<std::pair<std::uint16_t, std::uint8_t>>>(),
                     [&](const std::vector<std::pair<std::uint16_t, std::uint8_t>>& edits) {
                       std::string mutated = valid;
                       for (const auto& [at, value] : edits) {
                         if (!mutated.empty()) mutated[at % mutated.size()] = static_cast<char>(value);
                       }
                       return mutated;
                     }));
    for (const char* manifest : {"test.Everything", "test.Ping", "orrery.string", "orrery.int64", "test.Address"}) {
      auto decoded = f.system->serialization().decode(manifest, bytes, f.system->ref_context());
      if (!decoded.ok()) RC_ASSERT(!decoded.error().message.empty());
    }
  });
}

TEST_CASE("remoting survives random and mutated frames", "[remote][fuzz]") {
  test::MemoryNetwork network;
  const NodeAddress a{"fuzz", "a", 1};
  const NodeAddress b{"fuzz", "b", 1};
  Env& env_b = network.add_node(b);
  network.add_node(a);
  ActorSystemConfig config;
  config.name = "fuzz";
  auto system = ActorSystem::create(env_b, config);
  REQUIRE(system->serialization().register_type<Ping>("test.Ping").ok());
  auto total = std::make_shared<int>(0);
  system->spawn(behaviors::receive<Ping>([total](ActorContext<Ping>&, Ping& p) { *total += p.n; }), "sink");
  auto remoting = Remoting::start(*system, env_b.transport);
  remote::v1::RemoteFrame good;
  good.set_from_uid(99);
  good.set_to_uid(system->uid());
  good.mutable_envelope()->set_sequence(1);
  good.mutable_envelope()->set_recipient("/user/sink");
  good.mutable_envelope()->set_manifest("test.Ping");
  good.mutable_envelope()->set_payload(std::string("\x08\x02", 2));  // n = 1 (zigzag)
  const std::string valid = good.SerializeAsString();
  rc::prop("any frame is delivered, refused or dropped, never a crash", [&] {
    auto edits = *rc::gen::arbitrary<std::vector<std::pair<std::uint16_t, std::uint8_t>>>();
    if (edits.size() > 6) edits.resize(6);
    std::string frame = *rc::gen::element(valid, std::string());
    if (frame.empty()) frame = *rc::gen::arbitrary<std::string>();
    for (const auto& [at, value] : edits) {
      if (!frame.empty()) frame[at % frame.size()] = static_cast<char>(value);
    }
    network.inject(a, b, frame);
    network.advance(2ms);
  });
  const RemoteStats stats = remoting->stats();
  REQUIRE(stats.frames_received > 0);
  remoting.reset();
  system->abort();
}

}  // namespace
}  // namespace orrery

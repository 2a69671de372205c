// A user's first program against the installed Orrery: one actor on the production Env (the
// thread pool, real time), asked once. Exits 0 when the reply is right and the library it links
// is the production one, without BUGGIFY sites; then persistence, on SQLite (persistence.cpp).

#include <cstdio>
#include <cstdlib>
#include <string>

#include <orrery/actor.hpp>
#include <orrery/env/buggify.hpp>
#include <orrery/env/production/production_env.hpp>

#include "persistence.hpp"

namespace {

struct Greet {
  std::string name;
  orrery::ActorRef<std::string> reply_to;
};

orrery::Behavior<Greet> greeter() {
  return orrery::behaviors::receive<Greet>([](orrery::ActorContext<Greet>&, Greet& greet) {
    greet.reply_to.tell("hello, " + greet.name);
  });
}

int fail(const std::string& why) {
  std::fprintf(stderr, "orrery-consumer: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  if (argc != 2) return fail("usage: orrery-consumer STORAGE_ROOT");
  // orrery::runtime is the production library: its sites, and ours through its headers, are out.
  static_assert(ORRERY_BUGGIFY_ENABLED == 0, "orrery::runtime compiles BUGGIFY sites in");
  if (orrery::buggify_compiled_in()) return fail("the installed runtime has BUGGIFY sites");
  orrery::ProductionConfig config;
  config.executor.workers = 2;
  config.storage_root = argv[1];
  auto production = orrery::ProductionEnv::create(std::move(config));
  if (!production.ok()) return fail(production.error().message);

  auto system = orrery::ActorSystem::create((*production)->env());
  auto greeter_ref = system->spawn(greeter(), "greeter");
  auto reply = orrery::ask<std::string>(
                   greeter_ref,
                   [](orrery::ActorRef<std::string> reply_to) {
                     return Greet{"consumer", reply_to};
                   },
                   5s)
                   .get();
  system->terminate();
  const bool stopped = system->when_terminated().get().ok();
  system.reset();
  if (!reply.ok()) return fail("no reply: " + reply.error().message);
  if (*reply != "hello, consumer") return fail("wrong reply: " + *reply);
  if (!stopped) return fail("the actor system did not terminate");
  if (auto failed = consumer::check_persistence(argv[1]); !failed.empty()) {
    return fail("persistence: " + failed);
  }
  std::printf("%s\n", reply->c_str());
  return 0;
}

#pragma once
// A probe of which runtime variant a test links: actors run on a ManualEnv whose Buggify fires at
// every site it is asked about and counts the asks. The simulator's variant asks at every actor
// turn ("actor.turn.short"); the production library has no site to ask from.

#include <cstdint>
#include <string>
#include <string_view>
#include <support/manual_env.hpp>
#include <vector>

#include <orrery/actor.hpp>
#include <orrery/env/buggify.hpp>

namespace orrery::test {

/// Fires at every site, and remembers which sites asked.
class CountingBuggify final : public Buggify {
 public:
  bool fire(std::string_view site) override {
    sites.emplace_back(site);
    return true;
  }
  std::vector<std::string> sites;
};

/// What a run of `messages` tells to one actor saw: the sites that asked, and what arrived.
struct BuggifyProbe {
  std::vector<std::string> sites;
  int received = 0;
};

inline BuggifyProbe probe_buggify_sites(int messages) {
  ManualEnv manual;
  CountingBuggify buggify;
  manual.env().buggify = &buggify;
  BuggifyProbe probe;
  auto system = ActorSystem::create(manual.env());
  auto counter = system->spawn(behaviors::receive<int>([&probe](ActorContext<int>&, int& value) {
                                 probe.received += value;
                               }),
                               "counter");
  for (int i = 0; i < messages; ++i)
    counter.tell(1);
  manual.drain();
  system->terminate();
  manual.drain();
  probe.sites = buggify.sites;
  return probe;
}

}  // namespace orrery::test

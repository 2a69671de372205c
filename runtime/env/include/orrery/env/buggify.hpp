#pragma once
// Buggify: fault points inside framework code that widen the paths the simulator reaches
// (FoundationDB's BUGGIFY). The simulator enables a random subset of sites per seed and fires
// them with some probability; production has no Buggify (Env::buggify is null), and a build
// with ORRERY_BUGGIFY=OFF compiles every site out.
//
//   if (ORRERY_BUGGIFY(env, "remote.delay_handshake")) { ... take the rare path ... }

#include <string_view>

#ifndef ORRERY_BUGGIFY_ENABLED
#define ORRERY_BUGGIFY_ENABLED 1
#endif

namespace orrery {

class Buggify {
 public:
  virtual ~Buggify() = default;
  /// Whether the site fires this time. `site` is a stable, unique name for the fault point.
  virtual bool fire(std::string_view site) = 0;
};

}  // namespace orrery

#if ORRERY_BUGGIFY_ENABLED
#define ORRERY_BUGGIFY(env, site) ((env).buggify != nullptr && (env).buggify->fire(site))
#else
#define ORRERY_BUGGIFY(env, site) false
#endif

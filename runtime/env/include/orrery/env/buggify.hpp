#pragma once
// Buggify: fault points inside framework code that widen the paths the simulator reaches
// (FoundationDB's BUGGIFY). The simulator enables a random subset of sites per seed and fires
// them with some probability; production has no Buggify (Env::buggify is null).
//
//   if (ORRERY_BUGGIFY(env, "remote.delay_handshake")) { ... take the rare path ... }
//
// The sites exist only where asked for. The runtime is built twice (runtime/CMakeLists.txt):
// orrery::runtime_buggify, which the simulator, the test suite and the orrery tool link, has
// them (unless ORRERY_BUGGIFY=OFF); the production library that `find_package(orrery)` gives as
// orrery::runtime has none, and code that includes this header through it compiles every site
// to `false` (its ORRERY_BUGGIFY_ENABLED is 0). Only the runtime's translation units that hold a
// site are compiled twice; the rest are shared and must hold none (ORRERY_BUGGIFY_SHARED_OBJECT).

#include <string_view>

// Off unless asked for: code that includes the headers without either library target (no
// definition at all) gets production's `false`, never the simulator's sites.
#ifndef ORRERY_BUGGIFY_ENABLED
#define ORRERY_BUGGIFY_ENABLED 0
#endif

namespace orrery {

class Buggify {
 public:
  virtual ~Buggify() = default;
  /// Whether the site fires this time. `site` is a stable, unique name for the fault point.
  virtual bool fire(std::string_view site) = 0;
};

/// Whether the runtime library this program links has its BUGGIFY sites: true for the
/// simulator's variant (orrery::runtime_buggify in the build tree), false for the production
/// library, whatever the including code's ORRERY_BUGGIFY_ENABLED says.
bool buggify_compiled_in() noexcept;

}  // namespace orrery

#if defined(ORRERY_BUGGIFY_SHARED_OBJECT)
// A translation unit compiled once for both runtime variants: a site here would be in the
// production library, or missing from the simulator's. List the file among the runtime's variant
// sources instead (runtime/CMakeLists.txt).
#define ORRERY_BUGGIFY(env, site) ORRERY_BUGGIFY_site_in_a_source_shared_by_both_runtime_variants
#elif ORRERY_BUGGIFY_ENABLED
#define ORRERY_BUGGIFY(env, site) ((env).buggify != nullptr && (env).buggify->fire(site))
#else
#define ORRERY_BUGGIFY(env, site) false
#endif

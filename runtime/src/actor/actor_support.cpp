// Small shared pieces of the actor API: names of enums, exception descriptions, strategy
// builders, actor-name rules.

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <orrery/actor/ask.hpp>
#include <orrery/actor/detail/cell.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/actor/signals.hpp>
#include <orrery/actor/supervision.hpp>
#include <orrery/core/type_name.hpp>

namespace orrery {

std::string describe(const std::exception_ptr& error) {
  if (!error) return "no error";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "a non-standard exception";
  }
}

const char* to_string(OverflowPolicy policy) noexcept {
  switch (policy) {
    case OverflowPolicy::drop_newest: return "drop newest";
    case OverflowPolicy::drop_oldest: return "drop oldest";
    case OverflowPolicy::fail_sender: return "fail sender";
  }
  return "unknown";
}

const char* to_string(SupervisorStrategy::Kind kind) noexcept {
  switch (kind) {
    case SupervisorStrategy::Kind::resume: return "resume";
    case SupervisorStrategy::Kind::restart: return "restart";
    case SupervisorStrategy::Kind::stop: return "stop";
    case SupervisorStrategy::Kind::escalate: return "escalate";
    case SupervisorStrategy::Kind::restart_with_backoff: return "restart with backoff";
  }
  return "unknown";
}

SupervisorStrategy SupervisorStrategy::restart_with_backoff(Duration min, Duration max,
                                                            double random_factor) {
  ORRERY_ASSERT(min.count() > 0, "backoff needs a positive minimum");
  ORRERY_ASSERT(max >= min, "backoff maximum below its minimum");
  ORRERY_ASSERT(random_factor >= 0.0 && random_factor <= 10.0, "random factor out of [0, 10]");
  SupervisorStrategy strategy(Kind::restart_with_backoff);
  strategy.backoff_min_ = min;
  strategy.backoff_max_ = max;
  // Per mille, rounded once here so that every later computation is integer-exact.
  strategy.random_factor_permille_ = static_cast<std::uint32_t>(std::lround(random_factor * 1000.0));
  return strategy;
}

SupervisorStrategy SupervisorStrategy::with_limit(std::uint32_t max_restarts, Duration within) const {
  ORRERY_ASSERT(within.count() > 0, "a restart limit needs a positive window");
  SupervisorStrategy copy = *this;
  copy.limited_ = true;
  copy.max_restarts_ = max_restarts;
  copy.within_ = within;
  return copy;
}

SupervisorStrategy SupervisorStrategy::with_stop_children(bool stop_children) const {
  SupervisorStrategy copy = *this;
  copy.stop_children_ = stop_children;
  return copy;
}

SupervisorStrategy SupervisorStrategy::with_reset_backoff_after(Duration reset_after) const {
  SupervisorStrategy copy = *this;
  copy.reset_after_ = reset_after;
  return copy;
}

SupervisorStrategy SupervisorStrategy::with_logging(bool logging) const {
  SupervisorStrategy copy = *this;
  copy.logging_ = logging;
  return copy;
}

namespace detail {

void validate_actor_name(std::string_view name) {
  if (name.empty()) throw ActorNameError("an actor name must not be empty");
  if (name.front() == '$') {
    throw ActorNameError(fmt::format("actor name '{}' starts with '$', which is reserved", name));
  }
  static constexpr std::string_view allowed_punctuation = "-_.*+:@&=,!~';";
  for (const char c : name) {
    const bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alphanumeric && allowed_punctuation.find(c) == std::string_view::npos) {
      throw ActorNameError(fmt::format(
          "actor name '{}' has the character '{}'; use letters, digits and {}", name, c,
          allowed_punctuation));
    }
  }
}

void notify_terminated(CellBase& watcher, const RecipientBase& terminated) {
  auto* notice = new SystemMessage(SystemMessage::Kind::death_notice);
  notice->ref = UntypedActorRef(IntrusivePtr<RecipientBase>(const_cast<RecipientBase*>(&terminated)));
  watcher.post_system(notice);
}

void continuation_failed(ActorSystem& system, std::string_view ask_path,
                         std::string_view target_path, const std::exception_ptr& error) {
  system.log(LogLevel::error, ask_path,
             fmt::format("a continuation of the ask of {} threw (the others ran): {}",
                         target_path, describe(error)));
}

void CompletionWatchers::add(CellBase& watcher, const RecipientBase& watched) {
  {
    SpinLockGuard guard(lock_);
    if (!completed_) {
      UntypedActorRef ref = watcher.self_untyped();
      if (std::find(watchers_.begin(), watchers_.end(), ref) == watchers_.end()) {
        watchers_.push_back(std::move(ref));
      }
      return;
    }
  }
  notify_terminated(watcher, watched);
}

void CompletionWatchers::remove(CellBase& watcher) {
  const UntypedActorRef ref = watcher.self_untyped();
  SpinLockGuard guard(lock_);
  std::erase(watchers_, ref);
}

void CompletionWatchers::complete(const RecipientBase& watched) {
  std::vector<UntypedActorRef> watchers;
  {
    SpinLockGuard guard(lock_);
    if (completed_) return;
    completed_ = true;
    watchers.swap(watchers_);
  }
  for (const UntypedActorRef& watcher : watchers) {
    if (CellBase* cell = watcher.recipient()->as_cell()) notify_terminated(*cell, watched);
  }
}

}  // namespace detail
}  // namespace orrery

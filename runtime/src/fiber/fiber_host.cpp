// The fibers of one executor thread on Boost.Context, with pooled guard-paged stacks and the
// sanitizers' fiber-switch annotations (Debian's Boost.Context is built with fcontext, so the
// annotations are ours, around our own switches).
//
// The switch is built on fcontext (make_fcontext/jump_fcontext), the layer under
// boost::context::fiber: between a sanitizer annotation and the jump runs only our own code, so
// TSan's shadow call stacks stay balanced (fiber's resume_with runs instrumented frames on one
// fiber and returns through them on another, which corrupts them).
//
// Every switch goes through switch_to(): the jump passes the Fiber switched away from, and the
// fiber switched to stores the continuation in that Fiber's slot, then finishes the switch
// (finish_switch_in): sanitizer bookkeeping, then any deferred action (arming a parked fiber's
// wake-up, recycling a retired fiber's stack).

#include <algorithm>
#include <boost/context/detail/fcontext.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <orrery/core/assert.hpp>
#include <orrery/fiber/fiber_host.hpp>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define ORRERY_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define ORRERY_FIBER_TSAN 1
#endif

namespace orrery {

namespace ctx = boost::context;

namespace {

/// Guard-paged stacks, reused: mapping one costs tens of microseconds, reusing one nothing.
class StackPool {
 public:
  StackPool(std::size_t stack_bytes, std::size_t pooled_max)
      : maker_(stack_bytes), pooled_max_(pooled_max) {
    free_.reserve(pooled_max_);
  }
  ~StackPool() {
    for (auto& stack : free_) maker_.deallocate(stack);
  }
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  ctx::stack_context take() {
    if (free_.empty()) {
      ++mapped_;
      return maker_.allocate();
    }
    ctx::stack_context stack = free_.back();
    free_.pop_back();
#if defined(ORRERY_FIBER_ASAN)
    // A previous fiber may have left redzones poisoned in frames it never returned from.
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
    return stack;
  }

  void give(ctx::stack_context& stack) noexcept {
    if (free_.size() < pooled_max_) {
      free_.push_back(stack);  // never reallocates: reserved up front
    } else {
      maker_.deallocate(stack);
    }
    stack = {};
  }

  std::uint64_t mapped() const noexcept { return mapped_; }

 private:
  ctx::protected_fixedsize_stack maker_;
  std::size_t pooled_max_;
  std::vector<ctx::stack_context> free_;
  std::uint64_t mapped_ = 0;
};

}  // namespace

class Fiber final : public Runnable {
 public:
  enum class Kind : std::uint8_t { native, loop, driver };
  enum class State : std::uint8_t { fresh, running, parked, idle, done };

  void run(FiberHost& host) override;

  FiberHost::Impl* host = nullptr;
  Kind kind = Kind::native;
  State state = State::fresh;
  bool cancel_requested = false;
  /// The fiber to switch to when this one parks or retires (whoever resumed it).
  Fiber* return_to = nullptr;
  /// This fiber's continuation while it is not running (null while it runs).
  ctx::detail::fcontext_t context = nullptr;
  /// The pooled stack (none for the thread's own stack).
  ctx::stack_context stack{};
  std::string name;
  std::string waiting_for;
  UniqueFunction<void()> body;  // drivers only
  // Sanitizer bookkeeping: the stack's extent, ASan's fake stack across a switch, TSan's handle.
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

struct FiberHost::Impl {
  Impl(FiberHost& owner, FiberConfig config, UniqueFunction<bool()> step)
      : self(owner),
        worker_index(config.worker_index),
        stacks(config.stack_bytes, config.pooled_stacks_max),
        loop_step(std::move(step)) {
    native.host = this;
    native.kind = Fiber::Kind::native;
    native.state = Fiber::State::running;
#if defined(ORRERY_FIBER_TSAN)
    native.tsan_fiber = __tsan_get_current_fiber();
#endif
    current = &native;
  }

  FiberHost& self;
  std::int32_t worker_index;
  StackPool stacks;
  UniqueFunction<bool()> loop_step;
  Fiber native;                     // the thread's own stack
  Fiber* current = nullptr;         // the fiber running now
  Fiber* idle_loop = nullptr;       // the loop fiber parked between run() calls
  std::vector<Fiber*> parked;       // fibers parked in suspend(), in parking order
  std::vector<Fiber*> fresh;        // spawned, not started
  std::vector<std::unique_ptr<Fiber>> all;  // every fiber struct ever made, for reuse
  std::vector<Fiber*> free_structs;
  // Deferred to the resumption point of the fiber switched to.
  UniqueFunction<void(Fiber&)> pending_arm;
  Fiber* pending_arm_fiber = nullptr;
  Fiber* pending_retired = nullptr;

  Fiber& new_fiber(Fiber::Kind kind, std::string name) {
    Fiber* fiber = nullptr;
    if (!free_structs.empty()) {
      fiber = free_structs.back();
      free_structs.pop_back();
    } else {
      all.push_back(std::make_unique<Fiber>());
      fiber = all.back().get();
    }
    fiber->host = this;
    fiber->kind = kind;
    fiber->state = Fiber::State::fresh;
    fiber->cancel_requested = false;
    fiber->return_to = nullptr;
    fiber->name = std::move(name);
    fiber->affinity = worker_index;
    fiber->next_scheduled = nullptr;
    return *fiber;
  }

  /// Gives a fresh fiber its stack and entry; it starts running on the first switch to it.
  void materialize(Fiber& fiber) {
    ORRERY_ASSERT(fiber.state == Fiber::State::fresh);
    ORRERY_ASSERT(fiber.context == nullptr, "a fresh fiber has no continuation yet");
    fiber.stack = stacks.take();
    fiber.stack_bottom = static_cast<const char*>(fiber.stack.sp) - fiber.stack.size;
    fiber.stack_size = fiber.stack.size;
    fiber.context = ctx::detail::make_fcontext(fiber.stack.sp, fiber.stack.size, &trampoline);
    fiber.state = Fiber::State::running;
#if defined(ORRERY_FIBER_TSAN)
    fiber.tsan_fiber = __tsan_create_fiber(0);
#endif
  }

  /// Leaves `from` for `to`; returns when something switches back to `from`.
  void switch_to(Fiber& to, Fiber& from) {
    ORRERY_ASSERT(current == &from, "switching away from a fiber that is not running");
    ORRERY_ASSERT(&to != &from);
    ORRERY_ASSERT(to.context != nullptr, "switching to a fiber without a continuation");
    current = &to;
    ctx::detail::fcontext_t target = std::exchange(to.context, nullptr);
#if defined(ORRERY_FIBER_ASAN)
    __sanitizer_start_switch_fiber(&from.asan_fake_stack, to.stack_bottom, to.stack_size);
#endif
#if defined(ORRERY_FIBER_TSAN)
    __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
    const ctx::detail::transfer_t back = ctx::detail::jump_fcontext(target, &from);
    arrived(back, from);
  }

  /// The first thing a fiber does after a jump lands on it: the fiber that jumped passed itself
  /// as the data, and its continuation goes into its slot (unless it retired).
  void arrived(ctx::detail::transfer_t back, Fiber& me) {
    auto* left = static_cast<Fiber*>(back.data);
    ORRERY_ASSERT(left != nullptr && left != &me);
    if (left != pending_retired) left->context = back.fctx;
    finish_switch_in(me);
  }

  /// Runs at every resumption point of `me`, right after a switch into it.
  void finish_switch_in(Fiber& me) {
    ORRERY_ASSERT(current == &me, "resumed a fiber that is not current");
#if defined(ORRERY_FIBER_ASAN)
    const void* previous_bottom = nullptr;
    std::size_t previous_size = 0;
    __sanitizer_finish_switch_fiber(me.asan_fake_stack, &previous_bottom, &previous_size);
    me.asan_fake_stack = nullptr;
    if (native.stack_bottom == nullptr && me.kind != Fiber::Kind::native) {
      // The first switch away from the thread's own stack tells us where that stack is.
      native.stack_bottom = previous_bottom;
      native.stack_size = previous_size;
    }
#endif
    if (pending_retired != nullptr) recycle(*std::exchange(pending_retired, nullptr));
    if (pending_arm) {
      UniqueFunction<void(Fiber&)> arm = std::move(pending_arm);
      Fiber* fiber = std::exchange(pending_arm_fiber, nullptr);
      arm(*fiber);
    }
  }

  /// Returns a retired fiber's stack to the pool and its struct to the free list. Runs on
  /// another fiber: a stack is never freed while it is in use.
  void recycle(Fiber& retired) {
#if defined(ORRERY_FIBER_TSAN)
    __tsan_destroy_fiber(retired.tsan_fiber);
    retired.tsan_fiber = nullptr;
#endif
    stacks.give(retired.stack);
    retired.context = nullptr;
    retired.stack_bottom = nullptr;
    retired.stack_size = 0;
    retired.state = Fiber::State::done;
    retired.name.clear();
    retired.waiting_for.clear();
    retired.body.reset();
    free_structs.push_back(&retired);
  }

  /// Where every pooled fiber starts. It never returns: a retiring fiber jumps away for good.
  static void trampoline(ctx::detail::transfer_t first) noexcept {
    auto* left = static_cast<Fiber*>(first.data);
    Impl& impl = *left->host;
    Fiber& me = *impl.current;
    impl.arrived(first, me);
    if (me.kind == Fiber::Kind::loop) {
      impl.loop_main(me);
    } else {
      impl.driver_main(me);
    }
    impl.retire(me);
  }

  [[noreturn]] void retire(Fiber& me) noexcept {
    Fiber* next = std::exchange(me.return_to, nullptr);
    ORRERY_ASSERT(next != nullptr, "a retiring fiber has somewhere to return to");
    ORRERY_ASSERT(next->context != nullptr, "the fiber to return to is parked in a switch");
    pending_retired = &me;
    current = next;
    ctx::detail::fcontext_t target = std::exchange(next->context, nullptr);
#if defined(ORRERY_FIBER_ASAN)
    __sanitizer_start_switch_fiber(nullptr, next->stack_bottom, next->stack_size);
#endif
#if defined(ORRERY_FIBER_TSAN)
    __tsan_switch_to_fiber(next->tsan_fiber, 0);
#endif
    ctx::detail::jump_fcontext(target, &me);
    ORRERY_UNREACHABLE("a retired fiber was resumed");
  }

  void loop_main(Fiber& me) {
    for (;;) {
      bool more = true;
      try {
        more = loop_step();
      } catch (const FiberCancelled&) {
        ORRERY_ASSERT(me.return_to != nullptr, "a cancelled fiber was switched to by cancel()");
        return;
      }
      // A loop fiber that was parked in a turn and resumed has finished that turn: the loop
      // goes on on the fiber that resumed it, and this one retires.
      if (me.return_to != nullptr) return;
      if (!more) {
        me.state = Fiber::State::idle;
        idle_loop = &me;
        switch_to(native, me);
        me.state = Fiber::State::running;
        if (me.cancel_requested) return;
      }
    }
  }

  void driver_main(Fiber& me) {
    try {
      me.body();
    } catch (const FiberCancelled&) {
      // Unwound on purpose.
    } catch (...) {
      ORRERY_UNREACHABLE("an exception escaped a driver fiber; catch it inside the fiber");
    }
    me.body.reset();
  }

  void resume(Fiber& fiber) {
    ORRERY_ASSERT(fiber.host == this, "a fiber is resumed only by the host that parked it");
    ORRERY_ASSERT(fiber.state == Fiber::State::parked || fiber.state == Fiber::State::fresh,
                  "resuming a fiber that is not parked");
    Fiber& from = *current;
    fiber.return_to = &from;
    if (fiber.state == Fiber::State::fresh) {
      fresh.erase(std::find(fresh.begin(), fresh.end(), &fiber));
      materialize(fiber);
    } else {
      parked.erase(std::find(parked.begin(), parked.end(), &fiber));
      fiber.state = Fiber::State::running;
    }
    switch_to(fiber, from);
  }
};

void Fiber::run(FiberHost& executing_host) {
  ORRERY_ASSERT(executing_host.impl_.get() == host,
                "a fiber must be resumed on the executor thread that parked it");
  host->resume(*this);
}

FiberHost::FiberHost(FiberConfig config, UniqueFunction<bool()> step)
    : impl_(std::make_unique<Impl>(*this, config, std::move(step))) {
  ORRERY_ASSERT(impl_->loop_step, "a fiber host needs a loop step");
}

FiberHost::~FiberHost() {
  Impl& impl = *impl_;
  ORRERY_ASSERT(impl.current == &impl.native, "a fiber host is destroyed from its own thread stack");
  while (!impl.parked.empty()) cancel(*impl.parked.front());
  while (!impl.fresh.empty()) cancel(*impl.fresh.front());
  if (impl.idle_loop != nullptr) cancel(*impl.idle_loop);
}

void FiberHost::run() {
  Impl& impl = *impl_;
  ORRERY_ASSERT(impl.current == &impl.native, "FiberHost::run is not reentrant");
  Fiber* loop = std::exchange(impl.idle_loop, nullptr);
  if (loop == nullptr) {
    loop = &impl.new_fiber(Fiber::Kind::loop, "loop");
    impl.materialize(*loop);
  } else {
    ORRERY_ASSERT(loop->state == Fiber::State::idle);
  }
  impl.switch_to(*loop, impl.native);
  ORRERY_ASSERT(impl.idle_loop != nullptr, "run() returns only when the loop goes idle");
}

bool FiberHost::on_fiber() const noexcept { return impl_->current != &impl_->native; }

void FiberHost::suspend(std::string_view waiting_for, UniqueFunction<void(Fiber&)> arm) {
  Impl& impl = *impl_;
  Fiber& me = *impl.current;
  ORRERY_ASSERT(me.kind != Fiber::Kind::native,
                "suspend() needs a fiber: await inside an actor turn or a driver fiber");
  ORRERY_ASSERT(arm, "a parked fiber needs a way to be woken");
  Fiber* next = std::exchange(me.return_to, nullptr);
  if (next == nullptr) {
    // The loop fiber itself is parking mid-turn: a fresh loop fiber carries the loop on.
    ORRERY_ASSERT(me.kind == Fiber::Kind::loop);
    next = &impl.new_fiber(Fiber::Kind::loop, "loop");
    impl.materialize(*next);
    // materialize() marks it running; it is entered for the first time by this switch.
  }
  me.state = Fiber::State::parked;
  me.affinity = impl.worker_index;  // resumed by this host only
  me.waiting_for.assign(waiting_for);
  impl.parked.push_back(&me);
  ORRERY_ASSERT(!impl.pending_arm, "one deferred arm at a time");
  impl.pending_arm = std::move(arm);
  impl.pending_arm_fiber = &me;
  impl.switch_to(*next, me);
  me.waiting_for.clear();
  if (me.cancel_requested) throw FiberCancelled{};
}

Fiber& FiberHost::spawn(std::string name, UniqueFunction<void()> body) {
  ORRERY_ASSERT(body, "a driver fiber needs a body");
  Fiber& fiber = impl_->new_fiber(Fiber::Kind::driver, std::move(name));
  fiber.body = std::move(body);
  impl_->fresh.push_back(&fiber);
  return fiber;
}

Runnable& FiberHost::runnable(Fiber& fiber) noexcept { return fiber; }

void FiberHost::cancel(Fiber& fiber) {
  Impl& impl = *impl_;
  ORRERY_ASSERT(fiber.host == &impl);
  if (fiber.state == Fiber::State::fresh) {
    impl.fresh.erase(std::find(impl.fresh.begin(), impl.fresh.end(), &fiber));
    fiber.state = Fiber::State::done;
    fiber.body.reset();
    fiber.name.clear();
    impl.free_structs.push_back(&fiber);
    return;
  }
  if (fiber.state == Fiber::State::idle) {
    ORRERY_ASSERT(impl.idle_loop == &fiber);
    impl.idle_loop = nullptr;
  } else {
    ORRERY_ASSERT(fiber.state == Fiber::State::parked, "only a parked fiber can be cancelled");
    impl.parked.erase(std::find(impl.parked.begin(), impl.parked.end(), &fiber));
  }
  fiber.cancel_requested = true;
  fiber.return_to = impl.current;
  fiber.state = Fiber::State::running;
  impl.switch_to(fiber, *impl.current);
}

std::vector<ParkedFiber> FiberHost::parked() const {
  std::vector<ParkedFiber> result;
  result.reserve(impl_->parked.size());
  for (const Fiber* fiber : impl_->parked) result.push_back({fiber->name, fiber->waiting_for});
  std::sort(result.begin(), result.end(), [](const ParkedFiber& a, const ParkedFiber& b) {
    return a.name != b.name ? a.name < b.name : a.waiting_for < b.waiting_for;
  });
  return result;
}

std::uint64_t FiberHost::stacks_mapped() const noexcept { return impl_->stacks.mapped(); }

std::size_t FiberHost::fibers_live() const noexcept {
  return impl_->all.size() - impl_->free_structs.size();
}

}  // namespace orrery

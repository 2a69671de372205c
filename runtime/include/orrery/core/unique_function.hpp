#pragma once
// UniqueFunction<R(Args...)>: a move-only std::function (C++23's std::move_only_function,
// which C++20 lacks). Callables up to three pointers large and nothrow-movable live inline,
// so timer tasks and completion callbacks usually cost no allocation.

#include <cstddef>
#include <new>
#include <orrery/core/assert.hpp>
#include <type_traits>
#include <utility>

namespace orrery {

template <class Signature>
class UniqueFunction;

template <class R, class... Args>
class UniqueFunction<R(Args...)> {
  static constexpr std::size_t inline_size = 3 * sizeof(void*);

  template <class F>
  static constexpr bool fits_inline = sizeof(F) <= inline_size &&
                                      alignof(F) <= alignof(std::max_align_t) &&
                                      std::is_nothrow_move_constructible_v<F>;

  struct Ops {
    R (*invoke)(void* storage, Args&&... args);
    void (*move)(void* from, void* to) noexcept;  // move-constructs into `to`, destroys `from`
    void (*destroy)(void* storage) noexcept;
  };

  template <class F>
  static F* object(void* storage) noexcept {
    if constexpr (fits_inline<F>) {
      return std::launder(static_cast<F*>(storage));
    } else {
      return *static_cast<F**>(storage);
    }
  }

  template <class F>
  static constexpr Ops ops_for{
      [](void* storage, Args&&... args) -> R {
        return (*object<F>(storage))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        if constexpr (fits_inline<F>) {
          ::new (to) F(std::move(*object<F>(from)));
          object<F>(from)->~F();
        } else {
          *static_cast<F**>(to) = *static_cast<F**>(from);
        }
      },
      [](void* storage) noexcept {
        if constexpr (fits_inline<F>) {
          object<F>(storage)->~F();
        } else {
          delete object<F>(storage);
        }
      },
  };

 public:
  UniqueFunction() noexcept = default;
  UniqueFunction(std::nullptr_t) noexcept {}  // NOLINT: mirrors std::function

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, UniqueFunction> &&
                                     std::is_invocable_r_v<R, D&, Args...>>>
  UniqueFunction(F&& f) {  // NOLINT: implicit like std::function
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
    } else {
      *reinterpret_cast<D**>(storage_) = new D(std::forward<F>(f));
    }
    ops_ = &ops_for<D>;
  }

  UniqueFunction(UniqueFunction&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) {
      ops_->move(other.storage_, storage_);
      other.ops_ = nullptr;
    }
  }

  UniqueFunction& operator=(UniqueFunction&& other) noexcept {
    if (this != &other) {
      reset();
      if (other.ops_ != nullptr) {
        other.ops_->move(other.storage_, storage_);
        ops_ = std::exchange(other.ops_, nullptr);
      }
    }
    return *this;
  }

  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;
  ~UniqueFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) {
    ORRERY_ASSERT(ops_ != nullptr, "calling an empty UniqueFunction");
    return ops_->invoke(storage_, std::forward<Args>(args)...);
  }

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[inline_size];
  const Ops* ops_ = nullptr;
};

}  // namespace orrery

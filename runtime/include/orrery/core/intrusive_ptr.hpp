#pragma once
// IntrusivePtr<T>: a shared pointer whose count lives in the object (one word, one allocation).
// T provides `add_ref()` and `release()`; release() destroys the object when the count drops to 0.

#include <cstddef>
#include <utility>

namespace orrery {

struct adopt_ref_t {
  explicit adopt_ref_t() = default;
};
/// Takes over a reference the caller already holds instead of adding one.
inline constexpr adopt_ref_t adopt_ref{};

template <class T>
class IntrusivePtr {
 public:
  IntrusivePtr() noexcept = default;
  IntrusivePtr(std::nullptr_t) noexcept {}  // NOLINT
  explicit IntrusivePtr(T* p) noexcept : p_(p) {
    if (p_ != nullptr) p_->add_ref();
  }
  IntrusivePtr(T* p, adopt_ref_t) noexcept : p_(p) {}
  IntrusivePtr(const IntrusivePtr& o) noexcept : IntrusivePtr(o.p_) {}
  IntrusivePtr(IntrusivePtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U>
  IntrusivePtr(const IntrusivePtr<U>& o) noexcept : IntrusivePtr(o.get()) {}  // NOLINT
  template <class U>
  IntrusivePtr(IntrusivePtr<U>&& o) noexcept : p_(o.detach()) {}  // NOLINT
  ~IntrusivePtr() {
    if (p_ != nullptr) p_->release();
  }

  IntrusivePtr& operator=(IntrusivePtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  /// Gives up ownership without releasing.
  T* detach() noexcept { return std::exchange(p_, nullptr); }
  void reset() noexcept { IntrusivePtr().swap(*this); }
  void swap(IntrusivePtr& o) noexcept { std::swap(p_, o.p_); }

  friend bool operator==(const IntrusivePtr& a, const IntrusivePtr& b) noexcept {
    return a.p_ == b.p_;
  }
  friend bool operator==(const IntrusivePtr& a, std::nullptr_t) noexcept { return a.p_ == nullptr; }

 private:
  T* p_ = nullptr;
};

template <class T, class... Args>
IntrusivePtr<T> make_intrusive(Args&&... args) {
  return IntrusivePtr<T>(new T(std::forward<Args>(args)...));
}

}  // namespace orrery

#pragma once
// Result<T>: a value or an Error, for failures a caller can handle (I/O, bad input, timeouts).
// Exceptions are reserved for actor failures (they drive supervision); assertions for bugs.

#include <orrery/core/assert.hpp>
#include <string>
#include <utility>
#include <variant>

namespace orrery {

/// What went wrong, coarsely, so callers can branch; the message says it for humans.
enum class Errc {
  invalid_argument,
  not_found,
  already_exists,
  io_error,
  corrupt,
  timeout,
  overflow,
  closed,
  refused,
  unsupported,
};

const char* to_string(Errc code) noexcept;

struct Error {
  Errc code = Errc::invalid_argument;
  std::string message;

  friend bool operator==(const Error&, const Error&) = default;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    ORRERY_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    ORRERY_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    ORRERY_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const& {
    ORRERY_ASSERT(!ok(), "Result::error() on a value");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

/// Result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const& {
    ORRERY_ASSERT(failed_, "Result::error() on success");
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace orrery

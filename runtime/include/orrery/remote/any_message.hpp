#pragma once
// AnyMessage: a decoded message whose type is known only at run time, until a recipient that
// accepts it takes it (a cell of M accepts M, or any alternative of a variant M).

#include <memory>
#include <optional>
#include <orrery/core/type_name.hpp>
#include <variant>
#include <string_view>
#include <typeindex>
#include <utility>

namespace orrery {

class AnyMessage {
 public:
  template <class T>
  static AnyMessage of(T value) {
    return AnyMessage(typeid(T), ::orrery::type_name<T>(), new T(std::move(value)),
                      [](void* p) { delete static_cast<T*>(p); });
  }

  std::type_index type() const noexcept { return type_; }
  std::string_view type_name() const noexcept { return name_; }
  bool empty() const noexcept { return !value_; }

  template <class T>
  T* get_if() noexcept {
    return type_ == std::type_index(typeid(T)) ? static_cast<T*>(value_.get()) : nullptr;
  }

 private:
  AnyMessage(std::type_index type, std::string_view name, void* value, void (*destroy)(void*))
      : type_(type), name_(name), value_(value, destroy) {}

  std::type_index type_;
  std::string_view name_;
  std::unique_ptr<void, void (*)(void*)> value_;
};

namespace detail {
template <class M>
struct VariantTake {
  static std::optional<M> take(AnyMessage&) { return std::nullopt; }
};
template <class... Alternatives>
struct VariantTake<std::variant<Alternatives...>> {
  using M = std::variant<Alternatives...>;
  static std::optional<M> take(AnyMessage& any) {
    std::optional<M> out;
    ((out ? void() : [&] {
       if (auto* value = any.get_if<Alternatives>()) out.emplace(std::in_place_type<Alternatives>, std::move(*value));
     }()),
     ...);
    return out;
  }
};
}  // namespace detail

/// The type name of a message, or of the alternative a variant message holds.
template <class M>
std::string_view message_type_name(const M& message) {
  if constexpr (requires { std::variant_size<M>::value; }) {
    return std::visit([](const auto& alternative) {
      return ::orrery::type_name<std::decay_t<decltype(alternative)>>();
    }, message);
  } else {
    static_cast<void>(message);
    return ::orrery::type_name<M>();
  }
}

/// Takes the message out as an M: an M itself, or an alternative of the variant M.
template <class M>
std::optional<M> take_as(AnyMessage& any) {
  if (M* value = any.get_if<M>()) return std::move(*value);
  return detail::VariantTake<M>::take(any);
}

}  // namespace orrery

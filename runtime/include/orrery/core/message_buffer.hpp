#pragma once
// MessageBuffer<T>: a compact growable array (pointer and two 32-bit counts: 16 bytes) for
// mailboxes, where a million idle actors each hold two empty ones. Grows by doubling from 4;
// never shrinks on clear(), so a busy mailbox stops allocating once warm; release() frees.

#include <cstdint>
#include <memory>
#include <new>
#include <orrery/core/assert.hpp>
#include <type_traits>
#include <utility>

namespace orrery {

template <class T>
class MessageBuffer {
 public:
  MessageBuffer() noexcept = default;
  MessageBuffer(const MessageBuffer&) = delete;
  MessageBuffer& operator=(const MessageBuffer&) = delete;
  ~MessageBuffer() { release(); }

  std::uint32_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::uint32_t capacity() const noexcept { return capacity_; }

  T& operator[](std::uint32_t index) noexcept { return data_[index]; }

  void push_back(T&& value) {
    if (size_ == capacity_) grow();
    ::new (static_cast<void*>(data_ + size_)) T(std::move(value));
    ++size_;
  }

  /// Destroys the elements, keeps the memory.
  void clear() noexcept {
    std::destroy_n(data_, size_);
    size_ = 0;
  }

  /// Destroys the elements and frees the memory.
  void release() noexcept {
    clear();
    if (data_ != nullptr) {
      ::operator delete(static_cast<void*>(data_), std::align_val_t{alignof(T)});
      data_ = nullptr;
      capacity_ = 0;
    }
  }

  void swap(MessageBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  void grow() {
    const std::uint32_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
    ORRERY_ASSERT(capacity > capacity_, "mailbox buffer overflowed 2^32 messages");
    T* data = static_cast<T*>(::operator new(sizeof(T) * capacity, std::align_val_t{alignof(T)}));
    std::uninitialized_move_n(data_, size_, data);
    std::destroy_n(data_, size_);
    if (data_ != nullptr) ::operator delete(static_cast<void*>(data_), std::align_val_t{alignof(T)});
    data_ = data;
    capacity_ = capacity;
  }

  T* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

}  // namespace orrery

#pragma once
// The register scenario's messages and the register's durable state.
#include <cstdint>

#include <orrery/actor.hpp>
#include <orrery/remote/serialization.hpp>

namespace orrery::scenarios::reg {

enum OpKind : std::uint32_t { read_op = 0, write_op = 1, cas_op = 2 };

struct OpResult {
  std::uint64_t id = 0;
  bool ok = false;  // false: a cas whose expected value was not there (it took no effect)
  bool has_value = false;
  std::int64_t value = 0;  // what a read saw
};

struct Op {
  std::uint64_t id = 0;
  std::uint32_t kind = read_op;
  std::int64_t value = 0;     // what a write or cas writes
  std::int64_t expected = 0;  // what a cas expects
  ActorRef<OpResult> reply_to;
};

struct Register {
  bool has_value = false;  // a register starts nil
  std::int64_t value = 0;
};

}  // namespace orrery::scenarios::reg

ORRERY_FIELDS(orrery::scenarios::reg::OpResult, &orrery::scenarios::reg::OpResult::id,
              &orrery::scenarios::reg::OpResult::ok, &orrery::scenarios::reg::OpResult::has_value,
              &orrery::scenarios::reg::OpResult::value);
ORRERY_FIELDS(orrery::scenarios::reg::Op, &orrery::scenarios::reg::Op::id,
              &orrery::scenarios::reg::Op::kind, &orrery::scenarios::reg::Op::value,
              &orrery::scenarios::reg::Op::expected, &orrery::scenarios::reg::Op::reply_to);
ORRERY_FIELDS(orrery::scenarios::reg::Register, &orrery::scenarios::reg::Register::has_value,
              &orrery::scenarios::reg::Register::value);

#include <algorithm>
#include <map>
#include <string>

#include <fmt/format.h>

#include <orrery/core/prng.hpp>
#include <orrery/testkit/check/generate.hpp>

namespace orrery::testkit::check {

std::vector<Operation> generate_history(const GenerateOptions& options) {
  Xoshiro256 random(options.seed);
  auto below = [&](std::uint64_t n) {
    return n == 0 ? 0 : random.next() % n;
  };
  const bool kv = options.model == ModelKind::kv;
  const std::uint32_t keys = kv ? std::max<std::uint32_t>(options.keys, 1) : 1;

  struct Planned {
    Operation op;
    std::uint64_t effect = 0;  // the instant it takes effect
    bool takes_effect = true;
  };
  std::vector<Planned> planned;
  planned.reserve(options.operations);
  std::vector<std::uint64_t> client_free(options.clients, 0);
  std::uint32_t indeterminate_left = options.indeterminate;
  for (std::uint32_t i = 0; i < options.operations; ++i) {
    const auto client = static_cast<std::uint32_t>(below(options.clients));
    Planned p;
    p.op.process = client;
    p.op.call = client_free[client] + 1 + below(20);
    const std::uint64_t length = 1 + below(60);
    p.effect = p.op.call + below(length);
    p.op.ret = p.op.call + length;
    client_free[client] = p.op.ret;
    if (kv) p.op.key = Value::string(fmt::format("k{}", below(keys)));
    const Value value = Value::integer(static_cast<std::int64_t>(below(options.values)));
    const auto pick = below(kv ? 4 : options.model == ModelKind::cas_register ? 3 : 2);
    if (pick == 0) {
      p.op.f = kv ? "get" : "read";
    } else if (pick == 1) {
      p.op.f = kv ? "put" : "write";
      p.op.input = value;
    } else if (pick == 2) {
      p.op.f = "cas";
      p.op.input =
          Value::list({Value::integer(static_cast<std::int64_t>(below(options.values))), value});
    } else {
      p.op.f = "append";
      p.op.input = Value::string(fmt::format("{},", below(options.values)));
    }
    // Spread the indeterminate ones over the history.
    if (indeterminate_left > 0 && below(options.operations - i) < indeterminate_left) {
      --indeterminate_left;
      p.op.ret = indeterminate;
      p.takes_effect = below(2) == 0;
      client_free[client] += 1 + below(40);  // the client moves on after its timeout
    }
    planned.push_back(std::move(p));
  }

  // Apply in effect order to the real registers; outputs are what each read saw.
  std::vector<std::size_t> order(planned.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return planned[a].effect < planned[b].effect;
  });
  std::map<std::string, Value> registers;
  for (std::size_t index : order) {
    Planned& p = planned[index];
    Value& reg = registers[p.op.key.to_string()];
    const std::string& f = p.op.f;
    if (f == "read" || f == "get") {
      p.op.output = reg;
    } else if (!p.takes_effect) {
      continue;
    } else if (f == "write" || f == "put") {
      reg = p.op.input;
    } else if (f == "cas") {
      if (reg == p.op.input.as_list()[0]) {
        reg = p.op.input.as_list()[1];
      } else if (p.op.ret != indeterminate) {
        // A cas that found another value failed: in a history it is a :fail, left out. Keep it
        // as a read of what it found instead, so the history stays as long as asked.
        p.op.f = "read";
        p.op.output = reg;
        p.op.input = Value::nil();
      }
    } else {
      const std::string before = reg.is_nil()       ? std::string()
                                 : reg.is_integer() ? fmt::format("{}", reg.as_integer())
                                                    : reg.as_string();
      reg = Value::string(before + p.op.input.as_string());
    }
  }
  std::vector<Operation> operations;
  operations.reserve(planned.size());
  for (auto& p : planned)
    operations.push_back(std::move(p.op));
  std::stable_sort(operations.begin(), operations.end(),
                   [](const Operation& a, const Operation& b) { return a.call < b.call; });
  return operations;
}

}  // namespace orrery::testkit::check

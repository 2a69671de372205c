// The linearizability checker on hand-written histories (linearizable, not, with indeterminate
// operations), its limits, its minimal failing set, and a property: on small generated histories
// it agrees with a brute-force search over every order.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <orrery/testkit/check/generate.hpp>
#include <orrery/testkit/check/history_format.hpp>
#include <orrery/testkit/check/models.hpp>

using namespace orrery::testkit::check;

namespace {

/// Parses and checks a history written as EDN lines.
HistoryCheck check_edn(std::string_view text, ModelKind model, CheckLimits limits = {}) {
  auto events = parse_edn_history(text, "test.edn");
  REQUIRE(events.ok());
  auto operations = pair_operations(*events, "test.edn");
  REQUIRE(operations.ok());
  auto check = check_history(*operations, model, limits, "test.edn");
  REQUIRE(check.ok());
  return *check;
}

using Op = TimedOp<RegisterOp>;

Op wr(std::int64_t v, std::uint64_t call, std::uint64_t ret) {
  return {{RegisterOp::F::write, Value::integer(v), {}}, call, ret};
}
Op rd(std::int64_t v, std::uint64_t call, std::uint64_t ret) {
  return {{RegisterOp::F::read, {}, Value::integer(v)}, call, ret};
}
Op cas(std::int64_t from, std::int64_t to, std::uint64_t call, std::uint64_t ret) {
  return {
      {RegisterOp::F::cas, Value::list({Value::integer(from), Value::integer(to)}), {}}, call, ret};
}

/// Brute force: some order of the operations, respecting real time, that the model accepts;
/// indeterminate operations may also be left out.
bool brute_force(const std::vector<Op>& ops) {
  const std::size_t n = ops.size();
  std::vector<bool> used(n, false);
  auto determinate_left = [&] {
    for (std::size_t i = 0; i < n; ++i)
      if (!used[i] && ops[i].ret != indeterminate) return true;
    return false;
  };
  auto go = [&](auto& self, const RegisterState& state) -> bool {
    if (!determinate_left()) return true;
    for (std::size_t i = 0; i < n; ++i) {
      if (used[i]) continue;
      // i can go next only if no unused operation returned before i was called.
      bool minimal = true;
      for (std::size_t j = 0; j < n && minimal; ++j) {
        if (!used[j] && j != i && ops[j].ret != indeterminate && ops[j].ret < ops[i].call)
          minimal = false;
      }
      if (!minimal) continue;
      auto next = RegisterModel::step(state, ops[i].op, ops[i].ret != indeterminate);
      if (!next) continue;
      used[i] = true;
      const bool found = self(self, *next);
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return go(go, RegisterModel::init());
}

}  // namespace

TEST_CASE("linearizable: sequential and concurrent register histories", "[check]") {
  // write 1, then a read concurrent with write 2 may see either.
  std::vector<Op> ops = {wr(1, 0, 1), wr(2, 2, 5), rd(1, 3, 4), rd(2, 6, 7)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
  ops[2] = rd(2, 3, 4);
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
}

TEST_CASE("not linearizable: a stale read after a completed write", "[check]") {
  std::vector<Op> ops = {wr(1, 0, 1), wr(2, 2, 3), rd(1, 4, 5)};
  auto result = check_linearizable<RegisterModel>(ops);
  REQUIRE(result.verdict == Verdict::not_linearizable);
  // The failing set is the overwrite and the stale read: write 2 completed before read 1 began.
  CHECK(result.failing == std::vector<std::size_t>{1, 2});
  CHECK(result.failing_minimal);
}

TEST_CASE("the failing set leaves out what does not matter", "[check]") {
  // Lots of harmless traffic, then a read of a value never written.
  std::vector<Op> ops;
  std::uint64_t t = 0;
  for (int i = 0; i < 40; ++i) {
    ops.push_back(wr(i, t, t + 1));
    ops.push_back(rd(i, t + 2, t + 3));
    t += 4;
  }
  ops.push_back(rd(999, t, t + 1));
  for (int i = 0; i < 10; ++i)
    ops.push_back(wr(i, t + 2 + 2 * i, t + 3 + 2 * i));
  auto result = check_linearizable<RegisterModel>(ops);
  REQUIRE(result.verdict == Verdict::not_linearizable);
  // The impossible read and one operation that fixed the register before it (the last write or
  // read of 39): none of the 90 others.
  REQUIRE(result.failing.size() == 2);
  CHECK(result.failing[1] == 80);
  CHECK((result.failing[0] == 78 || result.failing[0] == 79));
  CHECK(result.failing_minimal);
}

TEST_CASE("the memo tells apart one set of operations reaching two states", "[check]") {
  // Two concurrent writes, then a read of the first: only the order 2, 1 explains it, and the
  // search meets {w1, w2} first with the register at 2.
  std::vector<Op> ops = {wr(1, 0, 10), wr(2, 1, 11), rd(1, 12, 13)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
}

TEST_CASE("indeterminate operations may take effect late or never", "[check]") {
  // An indeterminate write 2 explains a later read of 2...
  std::vector<Op> ops = {wr(1, 0, 1), wr(2, 2, indeterminate), rd(2, 10, 11)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
  // ...or never happened, and a read of 1 is fine too.
  ops[2] = rd(1, 10, 11);
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
  // But it cannot have happened before its call.
  ops = {wr(2, 5, indeterminate), rd(2, 0, 1)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::not_linearizable);
  // Nor be undone: once 2 was read, reading 1 again is not linearizable.
  ops = {wr(1, 0, 1), wr(2, 2, indeterminate), rd(2, 10, 11), rd(1, 12, 13)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::not_linearizable);
}

TEST_CASE("cas-register: a cas succeeds only on its expected value", "[check]") {
  std::vector<Op> ops = {wr(0, 0, 1), cas(0, 1, 2, 3), cas(1, 2, 4, 5), rd(2, 6, 7)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
  ops = {wr(0, 0, 1), cas(0, 1, 2, 3), cas(0, 2, 4, 5)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::not_linearizable);
  // Two concurrent cas from 0: only one may succeed.
  ops = {wr(0, 0, 1), cas(0, 1, 2, 6), cas(0, 2, 3, 7)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::not_linearizable);
  // One of them indeterminate: it did not happen.
  ops = {wr(0, 0, 1), cas(0, 1, 2, 6), cas(0, 2, 3, indeterminate), rd(1, 8, 9)};
  CHECK(check_linearizable<RegisterModel>(ops).verdict == Verdict::linearizable);
}

TEST_CASE("limits answer unknown, never a guess", "[check]") {
  // Many concurrent writes and an impossible read: exponential without the memo's help.
  std::vector<Op> ops;
  for (int i = 0; i < 24; ++i)
    ops.push_back(wr(i, 0, 100));
  ops.push_back(rd(7, 101, 102));
  ops.push_back(rd(999, 103, 104));
  CheckLimits tiny;
  tiny.max_steps = 2000;
  auto result = check_linearizable<RegisterModel>(ops, tiny);
  CHECK(result.verdict == Verdict::unknown);
  CHECK(result.limit == "steps");
  CheckLimits small_memory;
  small_memory.max_memory_bytes = 4096;
  result = check_linearizable<RegisterModel>(ops, small_memory);
  CHECK(result.verdict == Verdict::unknown);
  CHECK(result.limit == "memory");
  CheckLimits stopped;
  stopped.stop = [] {
    return true;
  };
  result = check_linearizable<RegisterModel>(ops, stopped);
  CHECK(result.verdict == Verdict::unknown);
  CHECK(result.limit == "stopped");
}

TEST_CASE("Jepsen EDN histories: register, cas-register and kv", "[check]") {
  const char* register_ok = R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :ok, :f :read, :value 1}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 2, :type :invoke, :f :write, :value 2}
{:process 2, :type :info, :f :write, :value 2, :error :timeout}
{:process 3, :type :invoke, :f :read, :value nil}
{:process 3, :type :ok, :f :read, :value 2}
)";
  auto ok = check_edn(register_ok, ModelKind::register_);
  CHECK(ok.verdict == Verdict::linearizable);
  CHECK(ok.operations == 4);

  const char* cas_bad = R"(
{:process 0, :type :invoke, :f :write, :value 0}
{:process 0, :type :ok, :f :write, :value 0}
{:process 1, :type :invoke, :f :cas, :value [0 1]}
{:process 1, :type :ok, :f :cas, :value [0 1]}
{:process 2, :type :invoke, :f :cas, :value [0 2]}
{:process 2, :type :fail, :f :cas, :value [0 2]}
{:process 3, :type :invoke, :f :read, :value nil}
{:process 3, :type :ok, :f :read, :value 0}
)";
  auto bad = check_edn(cas_bad, ModelKind::cas_register);
  CHECK(bad.verdict == Verdict::not_linearizable);
  REQUIRE(bad.failing.size() == 2);  // the cas that took effect and the read that missed it
  CHECK(bad.failing[0].f == "cas");
  CHECK(bad.failing[1].f == "read");

  const char* kv = R"(
{:process 0, :type :invoke, :f :append, :key "x", :value "a"}
{:process 0, :type :ok, :f :append, :key "x", :value "a"}
{:process 1, :type :invoke, :f :put, :key "y", :value 5}
{:process 1, :type :ok, :f :put, :key "y", :value 5}
{:process 0, :type :invoke, :f :append, :key "x", :value "b"}
{:process 0, :type :ok, :f :append, :key "x", :value "b"}
{:process 1, :type :invoke, :f :get, :key "x", :value nil}
{:process 1, :type :ok, :f :get, :key "x", :value "ab"}
{:process 1, :type :invoke, :f :get, :key "y", :value nil}
{:process 1, :type :ok, :f :get, :key "y", :value 4}
)";
  auto kv_check = check_edn(kv, ModelKind::kv);
  CHECK(kv_check.verdict == Verdict::not_linearizable);
  REQUIRE(kv_check.key.has_value());
  CHECK(*kv_check.key == Value::string("y"));
}

TEST_CASE("bad histories are refused naming the file, line and field", "[check]") {
  auto events = parse_edn_history(
      "{:process 0, :type :invoke, :f :write, :value 1}\n"
      "{:process 0, :type :maybe, :f :write, :value 1}\n",
      "h.edn");
  REQUIRE_FALSE(events.ok());
  CHECK(events.error().message.find("h.edn:2: field :type") != std::string::npos);

  events = parse_edn_history("{:process 0, :type :invoke, :f :write, :value [1 2}\n", "h.edn");
  REQUIRE_FALSE(events.ok());
  CHECK(events.error().message.find("h.edn:1: not EDN") != std::string::npos);

  auto json = parse_json_history(
      "{\"process\": 0, \"type\": \"invoke\", \"f\": \"read\"}\n"
      "{\"process\": \"zero\", \"type\": \"ok\", \"f\": \"read\"}\n",
      "h.jsonl");
  REQUIRE_FALSE(json.ok());
  CHECK(json.error().message.find("h.jsonl:2: field process") != std::string::npos);

  json = parse_json_history("{\"process\": 0, \"type\": \"invoke\", \"f\": \"read\"\n", "h.jsonl");
  REQUIRE_FALSE(json.ok());
  CHECK(json.error().message.find("h.jsonl:1: not JSON") != std::string::npos);

  auto dangling = parse_edn_history("{:process 0, :type :ok, :f :read, :value 1}\n", "h.edn");
  REQUIRE(dangling.ok());
  auto paired = pair_operations(*dangling, "h.edn");
  REQUIRE_FALSE(paired.ok());
  CHECK(paired.error().message.find("h.edn:1: process 0 completes :read") != std::string::npos);

  auto cas_on_register = parse_edn_history(
      "{:process 0, :type :invoke, :f :cas, :value [1 2]}\n{:process 0, :type :ok, :f :cas, "
      ":value [1 2]}\n",
      "h.edn");
  REQUIRE(cas_on_register.ok());
  auto ops = pair_operations(*cas_on_register, "h.edn");
  REQUIRE(ops.ok());
  auto checked = check_history(*ops, ModelKind::register_, {}, "h.edn");
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.error().message.find("h.edn:1: field f: no operation :cas") != std::string::npos);
}

TEST_CASE("JSON lines round trip through to_json_line", "[check]") {
  HistoryEvent event;
  event.process = 3;
  event.type = EventType::info;
  event.f = "cas";
  event.key = Value::string("k");
  event.value = Value::list({Value::integer(1), Value::nil()});
  event.time = 42;
  auto parsed = parse_history(to_json_line(event) + "\n", "x.jsonl");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 1);
  const auto& back = parsed->front();
  CHECK(back.process == 3);
  CHECK(back.type == EventType::info);
  CHECK(back.f == "cas");
  CHECK(back.key == event.key);
  CHECK(back.value == event.value);
  CHECK(back.time == 42);
}

TEST_CASE("property: the checker agrees with brute force on small histories", "[check]") {
  rc::prop("verdict equals brute force", [] {
    for (int round = 0; round < 20; ++round) {  // 20 histories a case: shapes that need many tries
      // Up to 7 operations over values 0..2, with random overlapping intervals, some indeterminate.
      const auto count = *rc::gen::inRange<std::size_t>(1, 8);
      std::vector<Op> ops;
      for (std::size_t i = 0; i < count; ++i) {
        const auto call = *rc::gen::inRange<std::uint64_t>(0, 20);
        const auto length = *rc::gen::inRange<std::uint64_t>(0, 8);
        const bool lost = *rc::gen::inRange(0, 6) == 0;
        const auto kind = *rc::gen::inRange(0, 3);
        const auto a = *rc::gen::inRange<std::int64_t>(0, 3);
        const auto b = *rc::gen::inRange<std::int64_t>(0, 3);
        const std::uint64_t ret = lost ? indeterminate : call + length;
        ops.push_back(kind == 0   ? wr(a, call, ret)
                      : kind == 1 ? rd(a, call, ret)
                                  : cas(a, b, call, ret));
      }
      const auto result = check_linearizable<RegisterModel>(ops);
      RC_ASSERT((result.verdict == Verdict::linearizable) == brute_force(ops));
      if (result.verdict == Verdict::not_linearizable) {
        // The failing window fails on its own (from the initial state too).
        std::vector<Op> failing;
        for (std::size_t i : result.failing)
          failing.push_back(ops[i]);
        RC_ASSERT(!brute_force(failing));
        RC_ASSERT(result.failing_minimal);
      }
    }
  });
}

TEST_CASE("generated histories are linearizable, and a read of a value never written is not",
          "[check]") {
  for (ModelKind model : {ModelKind::register_, ModelKind::cas_register, ModelKind::kv}) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      INFO("model " << to_string(model) << " seed " << seed);
      GenerateOptions options{.model = model,
                              .clients = 6,
                              .keys = 3,
                              .operations = 300,
                              .indeterminate = 20,
                              .seed = seed};
      auto ops = generate_history(options);
      REQUIRE(ops.size() == 300);
      auto check = check_history(ops, model, {}, "generated");
      REQUIRE(check.ok());
      CHECK(check->verdict == Verdict::linearizable);
      // One determinate read made to see 999: not linearizable, and the read is in the set.
      auto read = std::find_if(ops.begin() + 150, ops.end(), [](const Operation& op) {
        return op.determinate() && (op.f == "read" || op.f == "get");
      });
      REQUIRE(read != ops.end());
      read->output = Value::integer(999);
      check = check_history(ops, model, {}, "generated");
      REQUIRE(check.ok());
      CHECK(check->verdict == Verdict::not_linearizable);
      CHECK(std::any_of(check->failing.begin(), check->failing.end(), [&](const Operation& op) {
        return op.call == read->call && op.process == read->process;
      }));
    }
  }
}

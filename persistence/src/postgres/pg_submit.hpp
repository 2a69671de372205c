#pragma once
// PostgresStore::submit: a call as work on the queue, run with a connection (made first if need
// be) and completing its promise with what the work returns. Private to the store's sources.

#include <orrery/persistence/postgres_store.hpp>

#include "pg_shared.hpp"

namespace orrery::persistence {
namespace postgres {

inline BlockingWait blocking_of(Env& env) {
  return env.executor.supports_blocking_wait() ? BlockingWait::allowed : BlockingWait::refused;
}

inline Error closed_error() {
  return make_error(Errc::closed, "the PostgreSQL store is closed");
}

}  // namespace postgres

template <class T, class F>
Future<T> PostgresStore::submit(F work) {
  Promise<T> promise(postgres::blocking_of(env_));
  Future<T> future = promise.future();
  postgres::Op op;
  op.work = [promise = std::move(promise),
             work = std::move(work)](postgres::Shared* shared) mutable {
    if (shared == nullptr) {
      promise.fail(postgres::closed_error());
      return;
    }
    if (!shared->valid) {
      promise.fail(shared->valid.error());
      return;
    }
    auto connection = shared->session.connection();
    if (!connection) {
      promise.fail(connection.error());
      return;
    }
    Result<T> result = work(*connection.value(), shared->sql);
    if (connection.value()->broken()) shared->session.reset();
    promise.try_complete(std::move(result));
  };
  enqueue(std::move(op));
  return future;
}

}  // namespace orrery::persistence

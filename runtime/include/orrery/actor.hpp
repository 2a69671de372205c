#pragma once
// The actor API in one include: refs, behaviors, context, system, ask, timers, stash, routers,
// interceptors, StatusReply, SpawnProtocol.

#include <orrery/actor/actor_context.hpp>
#include <orrery/actor/actor_ref.hpp>
#include <orrery/actor/actor_system.hpp>
#include <orrery/actor/ask.hpp>
#include <orrery/actor/behavior.hpp>
#include <orrery/actor/behaviors.hpp>
#include <orrery/actor/detail/context_impl.hpp>
#include <orrery/actor/event_stream.hpp>
#include <orrery/actor/events.hpp>
#include <orrery/actor/future.hpp>
#include <orrery/actor/intercept.hpp>
#include <orrery/actor/props.hpp>
#include <orrery/actor/routers.hpp>
#include <orrery/actor/signals.hpp>
#include <orrery/actor/spawn_protocol.hpp>
#include <orrery/actor/status_reply.hpp>
#include <orrery/actor/supervision.hpp>
#include <orrery/actor/transform_messages.hpp>

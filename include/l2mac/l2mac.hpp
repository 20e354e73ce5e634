// The public C++ API of l2mac, all of it: include this, or the one header you need. These
// headers are the only ones installed; docs/EMBEDDING.md shows how to build against them.
//
//   run.hpp       Run: start, resume, cancel and wait for a run
//   options.hpp   Options, ResumeOptions: a run's task and bounds
//   provider.hpp  ModelOptions, ModelPresets(): how a run reaches its model
//   events.hpp    Event, EventCallback: the run's event stream
//   store.hpp     Store: a run's committed files
//   status.hpp    Status, Result<T>: how errors come back
#pragma once

#include "l2mac/events.hpp"
#include "l2mac/options.hpp"
#include "l2mac/provider.hpp"
#include "l2mac/run.hpp"
#include "l2mac/status.hpp"
#include "l2mac/store.hpp"

// Cost of the core's error path: throwing and catching cadence::core::Error, which
// every rejected input pays before the glue turns it into a SQL error. Run with
// build/core_bench; the median over repetitions is reported.
#include <benchmark/benchmark.h>

#include "core/error.hpp"

namespace {

void BM_ThrowCatchCoreError(benchmark::State& state) {
    for (auto _ : state) {
        try {
            throw cadence::core::Error(cadence::core::ErrorKind::invalid_parameter,
                                       "invalid cron expression \"61 * * * *\": minute 61 is "
                                       "out of range 0-59");
        } catch (const cadence::core::Error& e) {
            benchmark::DoNotOptimize(e.what());
        }
    }
}
BENCHMARK(BM_ThrowCatchCoreError)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

#include "core/job_counts.hpp"

#include <gtest/gtest.h>

namespace cadence::core {
namespace {

using Change = JobCountChanges::Change;

TEST(JobCountChanges, AMoveIsMinusOneThereAndPlusOneHere) {
    JobCountChanges c;
    c.move(10, "q", "scheduled", "q", "running");
    EXPECT_EQ(c.changes(), (std::vector<Change>{{10, "q", "running", 1}, {10, "q", "scheduled", -1}}));
}

TEST(JobCountChanges, StayingPutChangesNothing) {
    JobCountChanges c;
    c.move(10, "q", "running", "q", "running");  // a heartbeat
    EXPECT_TRUE(c.changes().empty());
}

TEST(JobCountChanges, ABatchAddsUpAndWhatCancelsOutIsLeftOut) {
    JobCountChanges c;
    for (int i = 0; i < 3; ++i) c.move(10, "q", "scheduled", "q", "running");
    c.move(11, "q", "running", "q", "completed");
    c.move(10, "q", "running", "q", "scheduled");  // cancels one of the three
    c.move(10, "a", "completed", "b", "completed");  // alter_job moved it to another queue
    c.add(12, "q", "scheduled", 1);                  // created
    c.add(12, "q", "fatal", -1);                     // deleted
    EXPECT_EQ(c.changes(), (std::vector<Change>{{10, "a", "completed", -1},
                                                {10, "b", "completed", 1},
                                                {10, "q", "running", 2},
                                                {10, "q", "scheduled", -2},
                                                {11, "q", "completed", 1},
                                                {11, "q", "running", -1},
                                                {12, "q", "fatal", -1},
                                                {12, "q", "scheduled", 1}}));
}

}  // namespace
}  // namespace cadence::core

#include "client/publisher_check.hpp"

#include <gtest/gtest.h>

namespace cadence::client {
namespace {

using Verdict = PublisherCheck::Verdict;

TEST(PublisherCheck, AFirstNotificationAsksWhoPublishes) {
    PublisherCheck check;
    EXPECT_EQ(check.check(100), Verdict::ask);
    check.learned(100, 100);
    EXPECT_EQ(check.check(100), Verdict::accept);
    EXPECT_EQ(check.dropped(), 0u);
}

TEST(PublisherCheck, AForgerIsLookedUpOnceThenDroppedAndCounted) {
    PublisherCheck check;
    check.learned(100, 100);
    EXPECT_EQ(check.check(666), Verdict::ask);
    check.learned(100, 666);  // still 100 publishes: 666 forged
    EXPECT_EQ(check.check(666), Verdict::drop);
    EXPECT_EQ(check.check(666), Verdict::drop);
    EXPECT_EQ(check.dropped(), 2u);
    EXPECT_EQ(check.check(100), Verdict::accept);
}

TEST(PublisherCheck, ARestartedPublisherIsLearnedFromItsFirstNotification) {
    PublisherCheck check;
    check.learned(100, 100);
    EXPECT_EQ(check.check(200), Verdict::ask);
    check.learned(200, 200);
    EXPECT_EQ(check.check(200), Verdict::accept);
    // The old publisher's pid is no longer trusted: a backend may reuse it.
    EXPECT_EQ(check.check(100), Verdict::ask);
}

TEST(PublisherCheck, NoPublisherRunningTrustsNobody) {
    PublisherCheck check;
    EXPECT_EQ(check.check(300), Verdict::ask);
    check.learned(std::nullopt, 300);
    EXPECT_EQ(check.check(300), Verdict::drop);
    EXPECT_FALSE(check.publisher().has_value());
}

TEST(PublisherCheck, AForgersPidThatBecomesThePublisherIsTrusted) {
    PublisherCheck check;
    check.learned(100, 666);
    EXPECT_EQ(check.check(666), Verdict::drop);
    check.learned(666, 100);  // the forger left, and a new scheduler got its pid
    EXPECT_EQ(check.check(666), Verdict::accept);
}

TEST(PublisherCheck, OnlyTheMostRecentForgersAreRemembered) {
    PublisherCheck check(2);
    check.learned(100, 1);
    check.learned(100, 2);
    check.learned(100, 3);  // 1 is forgotten
    EXPECT_EQ(check.check(1), Verdict::ask);
    EXPECT_EQ(check.check(2), Verdict::drop);
    EXPECT_EQ(check.check(3), Verdict::drop);
}

}  // namespace
}  // namespace cadence::client

// The scheduler's timer map: at most one timer per job (the next moment the job
// needs the scheduler), earliest first. An indexed binary heap of 24-byte entries
// plus an open-addressing index from job id to heap slot: O(log n) insert,
// replace and remove, O(1) look-up of the earliest, about 45 bytes per timer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace cadence::core {

// What a timer is for.
enum class TimerKind : std::uint8_t {
    fire,   // a periodic job's next tick
    retry,  // a failed run's retry
    lease,  // a running run's lease expiry
    due,    // a scheduled run becomes due (wake its workers)
};

const char* to_string(TimerKind kind) noexcept;
// The kind a name ("fire", "retry", "lease", "due") stands for; nullopt for any other.
std::optional<TimerKind> parse_timer_kind(std::string_view name) noexcept;

struct Timer {
    std::int64_t due_us;  // microseconds since the Unix epoch
    std::int64_t job_id;
    TimerKind kind;
};

class TimerMap {
public:
    // Sets the job's timer, replacing any it had.
    void set(std::int64_t job_id, std::int64_t due_us, TimerKind kind);
    // Removes the job's timer; false if it had none.
    bool remove(std::int64_t job_id);
    std::optional<Timer> get(std::int64_t job_id) const;

    // The earliest timer, if any.
    std::optional<Timer> earliest() const;
    // Removes and returns every timer due at or before now_us, earliest first.
    std::vector<Timer> pop_due(std::int64_t now_us, std::size_t limit = SIZE_MAX);

    std::size_t size() const noexcept { return heap_.size(); }
    bool empty() const noexcept { return heap_.empty(); }
    void clear();
    void reserve(std::size_t timers);
    // Bytes held (capacity, not just size).
    std::size_t memory_bytes() const noexcept;

    // Every timer, in no particular order (for snapshots and checks).
    const std::vector<Timer>& timers() const noexcept { return heap_; }

private:
    struct Slot {
        std::int64_t job_id;  // 0: empty (job ids start at 1)
        std::uint32_t position;
    };

    static bool before(const Timer& a, const Timer& b) noexcept {
        return a.due_us < b.due_us || (a.due_us == b.due_us && a.job_id < b.job_id);
    }
    void sift_up(std::size_t i);
    void sift_down(std::size_t i);
    void place(std::size_t i, const Timer& timer);
    void remove_at(std::size_t i);

    std::size_t slot_of(std::int64_t job_id) const noexcept;
    Slot* find(std::int64_t job_id);
    const Slot* find(std::int64_t job_id) const;
    void index_insert(std::int64_t job_id, std::uint32_t position);
    void index_erase(std::int64_t job_id);
    void index_rebuild(std::size_t slots);

    std::vector<Timer> heap_;
    std::vector<Slot> index_;  // power-of-two size, at most 3/4 full
    std::size_t used_ = 0;
};

}  // namespace cadence::core

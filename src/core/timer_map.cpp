#include "core/timer_map.hpp"

#include <stdexcept>
#include "core/pure_cpp.hpp"  // last: refuses PostgreSQL headers above

namespace cadence::core {

const char* to_string(TimerKind kind) noexcept {
    switch (kind) {
    case TimerKind::fire: return "fire";
    case TimerKind::retry: return "retry";
    case TimerKind::lease: return "lease";
    case TimerKind::due: return "due";
    }
    return "unknown";
}

std::optional<TimerKind> parse_timer_kind(std::string_view name) noexcept {
    for (auto kind : {TimerKind::fire, TimerKind::retry, TimerKind::lease, TimerKind::due})
        if (name == to_string(kind)) return kind;
    return std::nullopt;
}

std::size_t TimerMap::slot_of(std::int64_t job_id) const noexcept {
    // Fibonacci hashing spreads consecutive ids over the table.
    auto h = static_cast<std::uint64_t>(job_id) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h >> 32) & (index_.size() - 1);
}

TimerMap::Slot* TimerMap::find(std::int64_t job_id) {
    return const_cast<Slot*>(static_cast<const TimerMap*>(this)->find(job_id));
}

const TimerMap::Slot* TimerMap::find(std::int64_t job_id) const {
    if (index_.empty()) return nullptr;
    for (std::size_t i = slot_of(job_id);; i = (i + 1) & (index_.size() - 1)) {
        if (index_[i].job_id == job_id) return &index_[i];
        if (index_[i].job_id == 0) return nullptr;
    }
}

void TimerMap::index_rebuild(std::size_t slots) {
    std::vector<Slot> old = std::move(index_);
    index_.assign(slots, Slot{0, 0});
    used_ = 0;
    for (const Slot& s : old)
        if (s.job_id != 0) index_insert(s.job_id, s.position);
}

void TimerMap::index_insert(std::int64_t job_id, std::uint32_t position) {
    if ((used_ + 1) * 4 > index_.size() * 3) index_rebuild(index_.empty() ? 16 : index_.size() * 2);
    std::size_t i = slot_of(job_id);
    while (index_[i].job_id != 0) i = (i + 1) & (index_.size() - 1);
    index_[i] = Slot{job_id, position};
    ++used_;
}

// Linear probing with backward-shift deletion: no tombstones, so look-ups stay short.
void TimerMap::index_erase(std::int64_t job_id) {
    Slot* slot = find(job_id);
    if (slot == nullptr) return;
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = static_cast<std::size_t>(slot - index_.data());
    for (std::size_t j = (hole + 1) & mask; index_[j].job_id != 0; j = (j + 1) & mask) {
        std::size_t home = slot_of(index_[j].job_id);
        // Move j into the hole unless its home lies cyclically in (hole, j].
        bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            index_[hole] = index_[j];
            hole = j;
        }
    }
    index_[hole] = Slot{0, 0};
    --used_;
}

void TimerMap::place(std::size_t i, const Timer& timer) {
    heap_[i] = timer;
    find(timer.job_id)->position = static_cast<std::uint32_t>(i);
}

void TimerMap::sift_up(std::size_t i) {
    Timer moving = heap_[i];
    while (i > 0) {
        std::size_t parent = (i - 1) / 2;
        if (!before(moving, heap_[parent])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, moving);
}

void TimerMap::sift_down(std::size_t i) {
    Timer moving = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
        std::size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
        if (!before(heap_[child], moving)) break;
        place(i, heap_[child]);
        i = child;
    }
    place(i, moving);
}

void TimerMap::set(std::int64_t job_id, std::int64_t due_us, TimerKind kind) {
    if (job_id <= 0) throw std::invalid_argument("timer map: job ids are positive");
    Timer timer{due_us, job_id, kind};
    if (Slot* slot = find(job_id)) {
        std::size_t i = slot->position;
        bool earlier = before(timer, heap_[i]);
        heap_[i] = timer;
        if (earlier) sift_up(i); else sift_down(i);
        return;
    }
    heap_.push_back(timer);
    index_insert(job_id, static_cast<std::uint32_t>(heap_.size() - 1));
    sift_up(heap_.size() - 1);
}

void TimerMap::remove_at(std::size_t i) {
    index_erase(heap_[i].job_id);
    Timer last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    heap_[i] = last;
    find(last.job_id)->position = static_cast<std::uint32_t>(i);
    if (i > 0 && before(last, heap_[(i - 1) / 2])) sift_up(i); else sift_down(i);
}

bool TimerMap::remove(std::int64_t job_id) {
    const Slot* slot = find(job_id);
    if (slot == nullptr) return false;
    remove_at(slot->position);
    return true;
}

std::optional<Timer> TimerMap::get(std::int64_t job_id) const {
    const Slot* slot = find(job_id);
    if (slot == nullptr) return std::nullopt;
    return heap_[slot->position];
}

std::optional<Timer> TimerMap::earliest() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.front();
}

std::vector<Timer> TimerMap::pop_due(std::int64_t now_us, std::size_t limit) {
    std::vector<Timer> due;
    while (!heap_.empty() && heap_.front().due_us <= now_us && due.size() < limit) {
        due.push_back(heap_.front());
        remove_at(0);
    }
    return due;
}

void TimerMap::clear() {
    heap_.clear();
    index_.clear();
    used_ = 0;
}

void TimerMap::reserve(std::size_t timers) {
    heap_.reserve(timers);
    std::size_t slots = 16;
    while (slots * 3 < timers * 4) slots *= 2;
    if (slots > index_.size()) index_rebuild(slots);
}

std::size_t TimerMap::memory_bytes() const noexcept {
    return heap_.capacity() * sizeof(Timer) + index_.capacity() * sizeof(Slot);
}

}  // namespace cadence::core

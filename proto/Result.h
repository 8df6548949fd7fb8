#pragma once

#include <string>
#include <utility>
#include <variant>

// A value or the reason there is none: what proto's decoders return for untrusted input instead of
// throwing (std::expected is C++23; this is the small part of it proto needs). [any]
namespace headroom::proto
{

template <typename T, typename E>
class Result
{
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {} // NOLINT: implicit on purpose
    Result(E error) : state_(std::in_place_index<1>, std::move(error)) {} // NOLINT: implicit on purpose

    [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    // Precondition: ok().
    [[nodiscard]] T& value() & { return std::get<0>(state_); }
    [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Precondition: !ok().
    [[nodiscard]] const E& error() const& { return std::get<1>(state_); }

private:
    std::variant<T, E> state_;
};

} // namespace headroom::proto

// Deterministic randomness for the simulator. std:: distributions differ between standard
// libraries, so every draw here is built from raw 64-bit words: a simulated session is the
// same on every machine for the same seed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace p2a::sim {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a: stable across runs and platforms, unlike std::hash.
inline std::uint64_t hash_string(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Combines two words into a well-mixed one (order matters).
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ (b * 0xD6E8FEB86659FD93ULL);
  splitmix64(s);
  return splitmix64(s);
}

// A time as an integer key, so a query at the same time always draws the same numbers.
inline std::uint64_t time_key(double t_s) {
  return static_cast<std::uint64_t>(std::llround(t_s * 1000.0));
}

// xoshiro256** seeded through splitmix64 from (seed, stream name): separate streams of one
// seed are independent, so adding draws to one part does not shift another.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t s = seed;
    for (auto& w : state_) w = splitmix64(s);
  }
  Rng(std::uint64_t seed, std::string_view stream) : Rng(mix(seed, hash_string(stream))) {}

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // [0, n); n > 0.
  std::size_t index(std::size_t n) {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // [lo, hi] inclusive.
  int integer(int lo, int hi) { return lo + static_cast<int>(index(static_cast<std::size_t>(hi - lo + 1))); }
  bool chance(double p) { return uniform() < p; }

  // Marsaglia's polar method: needs only log and sqrt.
  double normal(double mean = 0.0, double sd = 1.0) {
    if (has_spare_) {
      has_spare_ = false;
      return mean + sd * spare_;
    }
    double u = 0, v = 0, s = 0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return mean + sd * u * f;
  }

  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace p2a::sim

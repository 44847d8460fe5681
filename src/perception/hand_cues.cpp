#include <algorithm>
#include <array>
#include <cmath>

#include "pro2assist/perception.hpp"

namespace p2a {

double FlowVec::magnitude() const { return std::hypot(dx_px, dy_px); }

double HandFlow::magnitude() const {
  double m = 0;
  for (const auto* v : {&left, &right, &frame})
    if (*v) m = std::max(m, (*v)->magnitude());
  return m;
}

std::string direction8(double dx_px, double dy_px) {
  // Image axes: +x right, +y down. Sectors of 45 degrees centred on the 8 directions.
  static const std::array<const char*, 8> names = {"right", "down-right", "down",  "down-left",
                                                   "left",  "up-left",    "up",    "up-right"};
  const double angle = std::atan2(dy_px, dx_px);  // (-pi, pi], 0 = right, +pi/2 = down
  int sector = static_cast<int>(std::lround(angle / (M_PI / 4.0)));
  sector = ((sector % 8) + 8) % 8;
  return names[static_cast<std::size_t>(sector)];
}

namespace {
std::string one(const char* who, const std::optional<FlowVec>& v, double still_px) {
  std::string s = who;
  if (!v) return s + " is not visible";
  if (v->magnitude() < still_px) return s + " is almost still";
  return s + " is moving " + direction8(v->dx_px, v->dy_px);
}
}  // namespace

std::string describe_motion(const HandFlow& f, double still_px) {
  if (f.left || f.right) {
    return one("the left hand", f.left, still_px) + ", " + one("the right hand", f.right, still_px);
  }
  if (f.frame) {
    // No hand detector: the whole frame stands in for the hands.
    if (f.frame->magnitude() < still_px) return "the hands are almost still";
    return "the hands are moving " + direction8(f.frame->dx_px, f.frame->dy_px);
  }
  return "no hand motion information";
}

}  // namespace p2a

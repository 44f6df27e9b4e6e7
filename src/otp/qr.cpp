#include "otp/qr.hpp"

#include <cerrno>
#include <memory>
#include <stdexcept>

#include <qrencode.h>

namespace gatehouse::otp {

namespace {

struct QrFree {
  void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};
using QrPtr = std::unique_ptr<QRcode, QrFree>;

bool dark(const QRcode& code, int x, int y) { return (code.data[y * code.width + x] & 1) != 0; }

/// Appends one sub-path per horizontal run of dark modules in row y: "M<x> <y>h<n>v1h-<n>z".
void append_row(std::string& path, const QRcode& code, int y) {
  for (int x = 0; x < code.width;) {
    if (!dark(code, x, y)) {
      ++x;
      continue;
    }
    int end = x;
    while (end < code.width && dark(code, end, y)) ++end;
    const std::string run = std::to_string(end - x);
    path += 'M' + std::to_string(x + kQrQuietZone) + ' ' + std::to_string(y + kQrQuietZone) + 'h' + run +
            "v1h-" + run + 'z';
    x = end;
  }
}

}  // namespace

Result<std::string, std::string> qr_svg(std::string_view text) {
  if (text.empty()) return unexpected(std::string("qr: nothing to encode"));
  if (text.size() > kQrMaxText) return unexpected(std::string("qr: the text is longer than 1024 bytes"));
  QrPtr code(QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()),
                               0, QR_ECLEVEL_M));
  if (!code) throw std::runtime_error("qr: libqrencode failed (errno " + std::to_string(errno) + ")");
  const std::string size = std::to_string(code->width + 2 * kQrQuietZone);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + ' ' + size +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"" + size + "\" height=\"" + size +
                    "\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  svg.reserve(svg.size() + static_cast<std::size_t>(code->width) * code->width * 4);
  for (int y = 0; y < code->width; ++y) append_row(svg, *code, y);
  svg += "\"/></svg>";
  return svg;
}

}  // namespace gatehouse::otp

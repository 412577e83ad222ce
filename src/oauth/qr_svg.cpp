#include "access/oauth/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

#include "access/core/strings.h"

namespace access_service {
namespace {

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

constexpr int kQuietZone = 4;  // ISO/IEC 18004: four modules of light margin

}  // namespace

Result<std::string> qr_svg(const std::string& text, const std::string& label) {
  if (text.empty() || text.find('\0') != std::string::npos)
    return Status::Invalid("nothing to draw as a QR code");
  errno = 0;
  std::unique_ptr<QRcode, QrFree> qr(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M));
  if (!qr) {
    if (errno == ERANGE) return Status::Invalid("too long for a QR code");
    return Status::Internal("libqrencode failed");
  }
  const int n = qr->width, size = n + 2 * kQuietZone;
  // One path of unit squares; runs of dark modules in a row become one
  // rectangle, which keeps the document small (about 5 KB for a URI).
  std::string path;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if (!(qr->data[y * n + x] & 1)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < n && (qr->data[y * n + x + run] & 1)) ++run;
      path += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" +
              std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  const std::string s = std::to_string(size), name = html_escape(label);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
         "\" role=\"img\" aria-label=\"" + name + "\" shape-rendering=\"crispEdges\"><title>" +
         name + "</title><rect width=\"" + s + "\" height=\"" + s +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

}  // namespace access_service

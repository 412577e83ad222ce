// QR codes drawn by the server (libqrencode, Debian libqrencode-dev) as SVG,
// for the two-factor enrolment of API.md section 7: the account page shows
// the otpauth:// URI as a code to scan without loading anything from
// elsewhere (the pages' CSP allows only the server's own resources).
#pragma once

#include <string>

#include "access/core/status.h"

namespace access_service {

// An SVG document of the QR code of `text` (error correction level M, byte
// mode, the 4-module quiet zone around it): one black <path> on a white
// <rect>, scaled by the viewBox, with role="img" and `label` as its
// accessible name (aria-label and <title>, escaped). No style attributes,
// scripts or external references, so it is valid under the pages' CSP.
// kInvalid when `text` is empty, holds a NUL or is too long for a QR code;
// kInternal when libqrencode fails otherwise (out of memory).
Result<std::string> qr_svg(const std::string& text, const std::string& label);

}  // namespace access_service

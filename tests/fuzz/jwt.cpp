// libFuzzer target: JWT parsing and verification (TokenSigner::verify: the
// compact form, base64url, header JSON, alg allow-list, kid, signature, claims
// JSON) and the base64url codec, as every bearer endpoint and introspection
// run them on the Authorization header.
//
// Keys: five fixed test keys, one per algorithm of the jws_algorithms.h table
// (RSA 2048, RSA-PSS 2048 restricted to SHA-256, EC P-256, EC P-384,
// Ed25519), written to a temporary directory once in LLVMFuzzerInitialize and
// loaded with
// TokenSigner::load, so the tokens in corpus/jwt/ stay valid across runs and
// the fuzzer can mutate its way past the signature check. They are test keys
// and sign nothing anywhere else.
//
// Each input is used three ways:
//   1. as a token: verify() must fail or return a JSON object;
//   2. split at the first '\n' into a header and a payload, signed with one of
//      the keys (chosen by the input length): verify() may succeed only when
//      the header names that very key (kid) and its alg, and then must fail
//      once one signature byte is flipped;
//   3. as claims: when it is a JSON object, verify(sign(claims)) == claims.
// Plus: base64url_decode(x) succeeding implies base64url_encode of the result
// is x (the decoder accepts only the canonical form).
#include <openssl/pem.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "access/crypto/crypto.h"
#include "access/crypto/jws.h"
#include "access/crypto/signer.h"
#include "fuzz_check.h"

using namespace access_service;
using json = nlohmann::json;

namespace {

const char kRsaPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC17Nd4fmqUFsWP\n"
    "E55LxlJFT1xVDdpnOZv2u4DlKKcPLAP4z9sx8gmLu8dIdTg14zq1g5gmVZm0Jx5D\n"
    "4wYqKfICF89EYFVDFhz4cMQtnrI8NnoreKruh8aeu4e/e0WeYty6jbaD1+LSNY/f\n"
    "IMKIZJwixh8AbCb/91Q0NukWUm35JuS2R6USsyzzII0mFCQCDdMpX/WiT9nE0KqT\n"
    "TDo8syP/2PAtoOmEGt7v4lpBZ6l2L84nVy28joaQLlSwbJp1FLJ0+k+EVS4AnJVT\n"
    "6tKwvvEfPORddLo5wJXNce6dQygBEt0YLqehpbxw3cFYnsEdp+iUZK1cRfEwiLXw\n"
    "Q1kicIHtAgMBAAECggEANEy0uwKYsB8Fx3aL3NvUPfGtKRR085T3tcw8p2Ry9mUg\n"
    "dTCIIskinmWqyjVMpg0/jPwaSvbz23sdc8W5uXhahuiCYPVSvZkHVhLRCw5izfWZ\n"
    "VJL5jN5CptJhmZYeMwTX0Ne5nxh6sBTO2gXodt55lnOfaPculQpszh/1DUJANE5Q\n"
    "sDjKRgMaW0KrF6BuXhVqZ0KssxxidNkcQu9WyepRkHos15V5lH9xceuU+Nh8W5PE\n"
    "pUvohCFUAsKbKQP8qkAC97tfLkH95TmOEVIUk/R3yxb/J9857zTroX8v7dBP6d1G\n"
    "0itucAwlZ5JAChw4T7VaSwq9KGB9E4CqxUBUrWa2PwKBgQD/90ldgufocHF1yr6Y\n"
    "cwcnZwpllkFdEBsvsDJffos2funlzBxwrh0Px7jZBWaYbXODkIRmVRBF3vLQwjFq\n"
    "GBYIKG8RRckaHeioS6WpOKs+6zjCgNUrtl2bGj4zfFz7QCEzYQSTZnhnQG+xnKYA\n"
    "DPQ7fyO7aIHTFZ30MGdMVcPGFwKBgQC18wjfCmXgq2f2HD70oe+1M0EQ7EtI29IB\n"
    "ioVmAcmb0R5cwosUic37KaSQUVnhTmlqqYM36Qp4Ne3Jp4u1HMNaC+OH3idBJnO4\n"
    "RdPT9D29cj59Ap3AjRAmjH44U3Zwjd10mEvezDDyoKKts1cG67vxuRSsbBAwct+/\n"
    "Pl3vr0I+mwKBgQDf5oDfcnXHhixJXErycZQtbF3U1OViMYeGZHr7u2atCcExySSL\n"
    "kFJNjmfsNmQzK3KjABRAq2HrrIT8BRJSerUy96OIGWI7HTR5mopThwWMqRdiVG2j\n"
    "qgcheIg2Yy+2e7dPCSuGgFkMAHpzg9JVMv+k16b69QSzDzK2+mwxgsgYiwKBgQCf\n"
    "bZo7XXARYf/RPcTINFDHFGcR/gqlh7/HC+qBjFVsy9rv6qNVVr5/Mmj4799ytXNX\n"
    "O7s3tWIwHQkDpmSbSN2/vCUdu0HoK1pAgCbxVNT4d+9bOHyj6LbbIEXE8xUX4KbI\n"
    "cF4ilgbZwnlo/HjoHozrbII55uJ0oWN+vpYu3AGOuwKBgBnc1qgreLStHK9ncOKY\n"
    "n3sFjTh1GlYz0L0/zM9uGh3LCsl94QduaKj43cQqP39tU9mrZJlHCrc0K6SjzYOn\n"
    "odyNPHzitdB5CI/b8rfZ830xEGG0R7ZGQfc1aDhIzTNMJkwiBRx2nq+neH0MWWh2\n"
    "HGHu7AobPE/Uy+P3A+gs3NtZ\n"
    "-----END PRIVATE KEY-----\n";
const char kEcPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgn7sIYApeaYoxtXMP\n"
    "mXGwo44eirPspYGugo8hwVaEfXihRANCAASgbzPIV45V4/KUokKtkiTASWVLGgi0\n"
    "8WNiV/FITGF6CyX9jPAgju81/KeNb5QrcABxocTRXyLRTE1G+e4YpgGD\n"
    "-----END PRIVATE KEY-----\n";
const char kPsPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIE8AIBADBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAQUAoRwwGgYJKoZI\n"
    "hvcNAQEIMA0GCWCGSAFlAwQCAQUAogMCASAEggSmMIIEogIBAAKCAQEAzM0Gxa1r\n"
    "pijJUktvJ6SnOq1eXzsUPC/eC/GgdkZsA5oe+xhszOGoZoFwYZzwAPLj1QbXSCnJ\n"
    "uoyvLHovU9PYXoHprxBgYLJpsgkz+6dejFV3g3CJ8vDRvHudS4AD+OiWBf0eSm0m\n"
    "iGF1OXdjqfc3eWOFusRsAa+cw7j4L3TsNkqpZOeseZycu68ZEdQTxC+0FusnRwyr\n"
    "+HV97SU63nRYiDadiD4zdSuAKWH40M4xGrQVTjZTqj7DWE6jrBcwVtVLsznxjWHI\n"
    "fdSnjCSxv8ZmV/MaweOcq7CHjjiALxpfQNJuo5kmmNfEYEshm0GiyFrj7DIke2or\n"
    "bMGIVwnearDVxwIDAQABAoIBAB0nptTR/lGA3EAZ5bCyu5fFLHp0HPUAf3obI2kT\n"
    "AgzKjlSCl/fcEVlzsyhCQNccZ3C2cO6gpvYmpvK2+4Z8fFXf5VYlslgHA2Lz9Rwt\n"
    "1G435d6mpmIZBFKdFQ8KzLCiM7vrL7plVXyexc2w1ar8Oup4pNtUsRIrCi8WuvDO\n"
    "kqibsPAcztnJyEt1awvIni9I/4WEBQOQTA1GNP+syX+yLvp9t7xdgCfKgllX56K2\n"
    "LRor5M/DiGn5/YcOFKy1dGwFkpeuszX3Tafbblrlj0JdPngYRmPF2weIuISPPVll\n"
    "bP+llqQezbTs9qT39h0ugwZw4zSfR062iHODTz/zEyWR/uECgYEA+SOHypjfSiB2\n"
    "eMJt2/gn9mOUqglGWQCCr9puYIYSPeqD6s4Rp6HKUqrJRDiOSKqyCRyoqTPtyoXJ\n"
    "8WmE3kEL1Li2E+aYAzPByT8MNxhS+iJRbZjHp7HFlYSMkX+/3Me9Ce58/FbJd495\n"
    "uo90lTCqjluaz/iUOIWyV0qEuCZNZjECgYEA0nDoDkImcMhy+dIoMl3diRN4cdHW\n"
    "isq9ViORYmBUv/vOGD3NoNrCxpB9OI+ji5wcvyA2HszZUpNBAsgymXXHdDfvRDFA\n"
    "VltW/pRB4X1fXn1bG34uySdv9fs6FHE/BdwYmIxjEF8yRDz59vrYNxm1PxZO37YN\n"
    "FEInyKTrI491ZXcCgYBOstiMOOof4k1KLDDD0YneHOqzI6bjKnQd1KQVPYS5pkDx\n"
    "hRKynzroDibxs+PONI10r2bfvBWbadO2vJxKEMYJ9icd9jOCn3DRf2b+aGKdvQV3\n"
    "11EKOe+uIWa991rGBRpD7t/wXgHaEKplMjejgPH/chRfKai4ihMh29o8yWydoQKB\n"
    "gE8mChF6zcxzh9LwORAgf7cTrKRagO+4qxefzwmKI7YFdhFmBVXvkXxvUbmZRLC4\n"
    "qZM1AUX6U+6b1cK/G1DenILYmtQyFfmk5wZfKpwttFXsnfysK9qaS6DfuYuAwGxq\n"
    "yJFvk77Pny9NI9LBq9qlf6bXtBit9yNccmwjoxC/3y6nAoGACrbZhn2lkDyWvEpN\n"
    "1SBb545XaRFSZNddu3Z/YdKLM8eSSPHvSEAePG1sOiMuXeH5/OMq64Ru6Lnx7EuV\n"
    "mYP+sNFlot+/c6KqJVaixRmfEJG/k2hdnb7gnI1DuPnbNuo4hDLAThEpyPz/PaJu\n"
    "sRon51bDVdkzvyd97Ahv93gMsFQ=\n"
    "-----END PRIVATE KEY-----\n";
const char kEc384Pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCb09xX6jPRWtuPcpgN\n"
    "4rojN2UMt2qoCUd/WIvGaJxRFedGLNrWeLUzlPyzfiCfQymhZANiAARmdyZd2gBC\n"
    "3vUCh+irDK8USvLZvtOUXQ2+inSsBN4Os3m6K9mOXdKwh3LdQ9iv1XfAWTQf7LdD\n"
    "DlvzseyJevzLbmgULNp9z78/gpyKCBIOrXkxVquxaU0F4oNU3+rV44c=\n"
    "-----END PRIVATE KEY-----\n";
const char kEdPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJmULa+wMG0hPaAwSvbEHMB0jfLgPsSmrs3gnPa8u+zC\n"
    "-----END PRIVATE KEY-----\n";

// In key file order, so g_pems[i] is the key of g_signer->keys()[i].
const char* const g_pems[] = {kRsaPem, kPsPem, kEcPem, kEc384Pem, kEdPem};
std::shared_ptr<TokenSigner> g_signer;
EvpPkeyPtr g_keys[5];  // g_pems, parsed here (TokenSigner keeps its keys to itself)

void write_file(const std::string& path, const char* text) {
  FILE* f = std::fopen(path.c_str(), "w");
  FUZZ_CHECK(f != nullptr);
  std::fputs(text, f);
  std::fclose(f);
}

void check_codec(const std::string& in) {
  std::string raw;
  if (base64url_decode(in, &raw)) FUZZ_CHECK(base64url_encode(raw) == in);
  FUZZ_CHECK(base64url_decode(base64url_encode(in), &raw) && raw == in);
}

void check_verify(const std::string& in) {
  Result<json> claims = g_signer->verify(in);
  if (claims.ok())
    FUZZ_CHECK(claims->is_object());
  else
    FUZZ_CHECK(claims.status().is_invalid());
}

void check_signed(const std::string& in) {
  size_t nl = in.find('\n');
  if (nl == std::string::npos) return;
  const size_t i = in.size() % g_signer->keys().size();
  const SigningKey& key = g_signer->keys()[i];
  std::string input =
      base64url_encode(in.substr(0, nl)) + "." + base64url_encode(in.substr(nl + 1));
  Result<std::string> sig = sign_jws_signature(input, key.alg, g_keys[i].get());
  FUZZ_CHECK(sig.ok());
  std::string token = input + "." + base64url_encode(*sig);
  Result<json> claims = g_signer->verify(token);
  if (!claims.ok()) return;
  // Accepted: the header named this key and its algorithm, nothing else.
  json header = json::parse(in.substr(0, nl), nullptr, false);
  FUZZ_CHECK(header.is_object() && header.value("kid", json()) == key.kid &&
             header.value("alg", json()) == key.alg);
  FUZZ_CHECK(claims->is_object());
  std::string forged = *sig;
  forged[forged.size() / 2] ^= 0x01;
  FUZZ_CHECK(!g_signer->verify(input + "." + base64url_encode(forged)).ok());
}

void check_round_trip(const std::string& in) {
  json claims = json::parse(in, nullptr, false);
  if (!claims.is_object()) return;
  Result<std::string> token = g_signer->sign(claims);
  FUZZ_CHECK(token.ok());
  if (token->size() > 8192) return;  // verify() refuses oversized tokens by design
  Result<json> back = g_signer->verify(*token);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(*back == json::parse(claims.dump()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/access-fuzz-jwt-XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  std::string files[5];
  for (int i = 0; i < 5; ++i) {
    files[i] = dir + "/key-20000101T00000" + std::to_string(i) + "Z.pem";
    write_file(files[i], g_pems[i]);
    BioPtr bio(BIO_new_mem_buf(g_pems[i], -1));
    g_keys[i].reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    FUZZ_CHECK(g_keys[i] != nullptr);
  }
  auto signer = TokenSigner::load(dir);
  for (const auto& f : files) unlink(f.c_str());
  rmdir(dir.c_str());
  if (!signer.ok()) {
    std::fprintf(stderr, "cannot load the test keys: %s\n", signer.status().ToString().c_str());
    std::abort();
  }
  g_signer = *signer;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in = fuzz::as_string(data, size);
  check_codec(in);
  check_verify(in);
  check_signed(in);
  check_round_trip(in);
  return 0;
}

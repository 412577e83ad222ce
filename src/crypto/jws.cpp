#include "access/crypto/jws.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

namespace access_service {
namespace {

// RFC 7518 3.3 (PKCS#1 v1.5) or 3.5: PSS with MGF1 over the same digest and a
// salt as long as the digest. RSA_PSS_SALTLEN_DIGEST makes verification demand
// exactly that length, not whatever the signature holds.
bool set_padding(const JwsAlgorithm& a, EVP_PKEY_CTX* pctx) {
  switch (a.padding) {
    case JwsPadding::kNone:
      return true;
    case JwsPadding::kPkcs1:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    case JwsPadding::kPss:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, a.digest()) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  return false;
}

// A digest-sign or digest-verify context for `key` under `a`, ready to be
// copied; null when OpenSSL refuses. EdDSA has no digest (NULL: one-shot
// signing of the message itself, RFC 8032 5.1.6).
EvpMdCtxPtr prepare(const JwsAlgorithm& a, EVP_PKEY* key, bool signing) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const EVP_MD* md = a.digest ? a.digest() : nullptr;
  if (!ctx ||
      (signing ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key)
               : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key)) != 1 ||
      !set_padding(a, pctx)) {
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

// OpenSSL's ECDSA gives DER (a SEQUENCE of two INTEGERs); JWS wants R||S,
// each left-padded to `half` bytes (RFC 7518 3.4).
bool der_to_raw(size_t half, std::string* sig) {
  const auto* p = reinterpret_cast<const unsigned char*>(sig->data());
  EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig->size())));
  if (!es) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  const int n = static_cast<int>(half);
  std::string out(2 * half, '\0');
  auto* o = reinterpret_cast<unsigned char*>(&out[0]);
  if (BN_bn2binpad(r, o, n) != n || BN_bn2binpad(s, o + half, n) != n) return false;
  *sig = std::move(out);
  return true;
}

// The reverse, for OpenSSL's verifier; the caller has checked the length.
bool raw_to_der(size_t half, std::string_view raw, std::string* der) {
  const auto* j = reinterpret_cast<const unsigned char*>(raw.data());
  const int n = static_cast<int>(half);
  BnPtr r(BN_bin2bn(j, n, nullptr));
  BnPtr s(BN_bin2bn(j + half, n, nullptr));
  EcdsaSigPtr es(ECDSA_SIG_new());
  if (!r || !s || !es || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by `es` from here on
  s.release();
  const int len = i2d_ECDSA_SIG(es.get(), nullptr);
  if (len <= 0) return false;
  der->assign(static_cast<size_t>(len), '\0');
  auto* d = reinterpret_cast<unsigned char*>(&(*der)[0]);
  return i2d_ECDSA_SIG(es.get(), &d) == len;
}

}  // namespace

Result<JwsKey> JwsKey::make(EvpPkeyPtr key, const JwsAlgorithm& alg) {
  Result<const JwsAlgorithm*> fits = jws_algorithm_for_key(key.get());
  if (!fits.ok() || *fits != &alg)
    return Status::Invalid(std::string("key is not for ") + alg.name);
  JwsKey k;
  k.alg_ = &alg;
  k.sign_ctx_ = prepare(alg, key.get(), true);
  k.verify_ctx_ = prepare(alg, key.get(), false);
  if (!k.verify_ctx_) return Status::Internal("cannot verify with this key");
  k.pkey_ = std::move(key);
  return k;
}

// Signs with a copy of the prepared context, which stays ready for the next
// call: no algorithm fetch and no key set-up per token.
Result<std::string> JwsKey::sign(std::string_view input) const {
  if (!sign_ctx_) return Status::Invalid("key cannot sign");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), sign_ctx_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    return Status::Internal("signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len, in,
                     input.size()) != 1)
    return Status::Internal("signing failed");
  sig.resize(len);
  if (alg_->form == JwsSignatureForm::kRawRS && !der_to_raw(alg_->coordinate_bytes, &sig))
    return Status::Internal("signing failed");
  return sig;
}

Status JwsKey::verify(std::string_view input, std::string_view signature) const {
  if (alg_->signature_bytes && signature.size() != alg_->signature_bytes)
    return Status::Invalid("bad signature");
  std::string der;
  if (alg_->form == JwsSignatureForm::kRawRS) {
    if (!raw_to_der(alg_->coordinate_bytes, signature, &der))
      return Status::Invalid("bad signature");
    signature = der;
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), verify_ctx_.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1) {
    ERR_clear_error();  // a forged token is not an OpenSSL failure worth keeping
    return Status::Invalid("bad signature");
  }
  return Status::Ok();
}

namespace {

// `key` (borrowed) as a JwsKey of the algorithm named `alg`.
Result<JwsKey> borrowed(std::string_view alg, EVP_PKEY* key) {
  const JwsAlgorithm* a = find_jws_algorithm(alg);
  if (!a || !key) return Status::Invalid("key is not for " + std::string(alg));
  if (EVP_PKEY_up_ref(key) != 1) return Status::Internal("cannot use the key");
  return JwsKey::make(EvpPkeyPtr(key), *a);
}

}  // namespace

Result<std::string> sign_jws_signature(std::string_view signing_input, std::string_view alg,
                                       EVP_PKEY* key) {
  Result<JwsKey> k = borrowed(alg, key);
  if (!k.ok()) return k.status();
  return k->sign(signing_input);
}

Status verify_jws_signature(std::string_view signing_input, std::string_view signature,
                            std::string_view alg, EVP_PKEY* key) {
  Result<JwsKey> k = borrowed(alg, key);
  if (!k.ok()) return Status::Invalid("algorithm does not match key");
  return k->verify(signing_input, signature);
}

}  // namespace access_service

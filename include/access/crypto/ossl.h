// OpenSSL handles owned by std::unique_ptr (DESIGN.md, Resources; the model
// is jwt-cpp's helper handles): one alias per OpenSSL type the project uses,
// each freed by that type's own free function. Every file that holds an
// OpenSSL object takes its handle from here; nothing else declares a deleter.
//
// Private to the implementation: src/ (crypto, store), the unit tests and the fuzz
// targets include it, and among the headers only jws.h and jws_algorithms.h
// (the layer that works on keys). signer.h, and so every handler, sees no
// OpenSSL type (`grep -n openssl include/access/crypto/signer.h` finds nothing).
// It lives in include/access/ rather than src/ because the tests use it too.
//
// A null handle is fine to destroy (every free function accepts NULL).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <memory>

namespace access_service {

// Calls `Free` on the pointer; Free's return value, if any, is ignored
// (BIO_free returns int).
template <auto Free>
struct OsslFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslFree<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, OsslFree<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslFree<ECDSA_SIG_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslFree<EVP_CIPHER_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslFree<EVP_MD_CTX_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslFree<EVP_PKEY_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree<EVP_PKEY_free>>;
using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslFree<OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OsslFree<OSSL_PARAM_free>>;

}  // namespace access_service

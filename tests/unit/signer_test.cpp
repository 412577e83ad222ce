// include/access/crypto/signer.h: key files, signing with RS256 (the default), the
// verify() order, JWKS. Per-algorithm behaviour is in jws_*_test.cpp.
#include "access/crypto/signer.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>

#include "access/crypto/crypto.h"
#include "access/crypto/jws.h"
#include "jws_testing.h"
#include "test_util.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

struct SignerFixture {
  testing::TempDir tmp;
  std::string dir = tmp.file("keys");
  std::shared_ptr<TokenSigner> signer;
  SignerFixture() {
    Result<std::string> path = create_signing_key(dir, "RS256");
    BOOST_REQUIRE_MESSAGE(path.ok(), path.status().ToString());
    auto s = TokenSigner::load(dir);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    signer = *s;
  }
  std::string sign(const json& claims) const {
    Result<std::string> t = signer->sign(claims);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    return *t;
  }
  bool verifies(const std::string& token) const { return signer->verify(token).ok(); }
};

json decode_json(const std::string& seg) { return json::parse(b64d(seg)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(signer)

BOOST_AUTO_TEST_CASE(load_empty_or_missing_dir_is_not_found) {
  testing::TempDir tmp;
  BOOST_TEST(TokenSigner::load(tmp.path()).status().is_not_found());
  BOOST_TEST(TokenSigner::load(tmp.file("absent")).status().is_not_found());
  // Files that are not key-*.pem are not keys.
  testing::write_text(tmp.file("hmac.key"), std::string(32, 'k'));
  testing::write_text(tmp.file("README"), "x");
  testing::write_text(tmp.file("key-x.pem.tmp.1"), "x");
  BOOST_TEST(TokenSigner::load(tmp.path()).status().is_not_found());
}

BOOST_AUTO_TEST_CASE(load_unusable_key_file_is_invalid) {
  testing::TempDir tmp;
  testing::write_text(tmp.file("key-20260101T000000Z.pem"), "not a pem\n");
  BOOST_TEST(TokenSigner::load(tmp.path()).status().is_invalid());

  // Key types of no algorithm in the table are refused at load.
  testing::TempDir p521_dir;  // EC, but on a curve no algorithm uses
  EvpPkeyPtr p521(EVP_EC_gen("P-521"));
  BOOST_REQUIRE(p521);
  write_pem(p521_dir.file("key-20260101T000000Z.pem"), p521.get());
  BOOST_TEST(TokenSigner::load(p521_dir.path()).status().is_invalid());

  testing::TempDir ed448_dir;
  EvpPkeyPtr ed448(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"));
  BOOST_REQUIRE(ed448);
  write_pem(ed448_dir.file("key-20260101T000000Z.pem"), ed448.get());
  BOOST_TEST(TokenSigner::load(ed448_dir.path()).status().is_invalid());

  testing::TempDir weak_dir;  // RSA shorter than 2048 bits
  EvpPkeyPtr weak = generate_rsa(1024);
  BOOST_REQUIRE(weak);
  write_pem(weak_dir.file("key-20260101T000000Z.pem"), weak.get());
  BOOST_TEST(TokenSigner::load(weak_dir.path()).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(create_signing_key_file_name_and_modes) {
  testing::TempDir tmp;
  std::string dir = tmp.file("keys");
  Result<std::string> path = create_signing_key(dir, "RS256");
  BOOST_REQUIRE(path.ok());
  std::string name = path->substr(path->rfind('/') + 1);
  BOOST_TEST(testing::has_shape(name, "key-DDDDDDDDTDDDDDDZ.pem"), *path);
  BOOST_TEST(path->rfind(dir + "/", 0) == 0);
  struct stat st {};
  BOOST_REQUIRE(stat(path->c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_REQUIRE(stat(dir.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  Result<std::string> bad = create_signing_key(tmp.file("k2"), "HS256");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.status().is_invalid());
  BOOST_TEST(bad.status().message().find("keys.algorithm") != std::string::npos,
             bad.status().message());
  BOOST_TEST(create_signing_key(tmp.file("k3"), "none").status().is_invalid());
  BOOST_TEST(create_signing_key(tmp.file("k4"), "rs256").status().is_invalid());
}

BOOST_FIXTURE_TEST_CASE(sign_verify_round_trip, SignerFixture) {
  json claims = {{"sub", "user-1"},
                 {"scope", {"read", "write"}},
                 {"exp", 4102444800LL},
                 {"name", "J\xC3\xBCrgen"}};
  std::string token = sign(claims);
  BOOST_TEST(std::count(token.begin(), token.end(), '.') == 2);
  Result<json> back = signer->verify(token);
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  BOOST_TEST(*back == claims);
}

BOOST_FIXTURE_TEST_CASE(header_has_alg_typ_and_active_kid, SignerFixture) {
  json header = decode_json(split(sign({{"sub", "x"}})).header);
  BOOST_TEST(header.at("alg") == "RS256");
  BOOST_TEST(header.at("typ") == "JWT");
  BOOST_TEST(header.at("kid") == signer->active().kid);
  BOOST_TEST(signer->active().alg == "RS256");
}

BOOST_FIXTURE_TEST_CASE(kid_is_rfc7638_thumbprint, SignerFixture) {
  const json& jwk = signer->active().jwk;
  std::string input = R"({"e":")" + jwk.at("e").get<std::string>() + R"(","kty":"RSA","n":")" +
                      jwk.at("n").get<std::string>() + R"("})";
  BOOST_TEST(signer->active().kid == base64url_encode(sha256(input)));
  BOOST_TEST(signer->active().kid.size() == 43u);
  // The JWK's modulus is that of a 2048-bit key, e = 65537.
  std::string n;
  BOOST_REQUIRE(base64url_decode(jwk.at("n").get<std::string>(), &n));
  BOOST_TEST(n.size() == 256u);
  BOOST_TEST(jwk.at("e") == "AQAB");
}

BOOST_FIXTURE_TEST_CASE(jwks_lists_public_key_only, SignerFixture) {
  json jwks = json::parse(signer->jwks_json());
  BOOST_REQUIRE(jwks.at("keys").is_array());
  BOOST_REQUIRE(jwks["keys"].size() == 1u);
  const json& k = jwks["keys"][0];
  BOOST_TEST(k.at("kty") == "RSA");
  BOOST_TEST(k.at("kid") == signer->active().kid);
  BOOST_TEST(k.at("alg") == "RS256");
  BOOST_TEST(k.at("use") == "sig");
  BOOST_TEST(k.contains("n"));
  BOOST_TEST(k.contains("e"));
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi"}) BOOST_TEST(!k.contains(priv), priv);
}

BOOST_FIXTURE_TEST_CASE(signature_verifies_independently_with_openssl, SignerFixture) {
  std::string token = sign({{"sub", "u"}, {"jti", "j"}});
  json jwk = json::parse(signer->jwks_json())["keys"][0];
  EvpPkeyPtr pub = key_from_jwk(jwk);
  BOOST_TEST(openssl_verifies(pub.get(), token));
  // ...and OpenSSL refuses it once the payload changes.
  Parts p = split(token);
  std::string forged = p.header + "." + b64u(R"({"sub":"admin","jti":"j"})") + "." + p.sig;
  BOOST_TEST(!openssl_verifies(pub.get(), forged));
}

BOOST_FIXTURE_TEST_CASE(tampered_payload_is_invalid, SignerFixture) {
  Parts p = split(sign({{"sub", "user-1"}, {"authorities", {"ROLE_COLLABORATOR"}}}));
  std::string forged =
      p.header + "." +
      b64u(json{{"sub", "user-1"}, {"authorities", {"ROLE_SYSTEM_ADMIN"}}}.dump()) + "." + p.sig;
  Result<json> r = signer->verify(forged);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.status().is_invalid());
}

BOOST_FIXTURE_TEST_CASE(tampered_signature_is_invalid, SignerFixture) {
  std::string token = sign({{"sub", "u"}});
  Parts p = split(token);
  std::string sig;
  BOOST_REQUIRE(base64url_decode(p.sig, &sig));
  sig[sig.size() / 2] ^= 0x01;
  BOOST_TEST(!verifies(p.header + "." + p.payload + "." + b64u(sig)));
  BOOST_TEST(!verifies(p.header + "." + p.payload + "." + b64u(sig.substr(1))));  // truncated
  BOOST_TEST(!verifies(p.header + "." + p.payload + "."));                        // empty
  BOOST_TEST(!verifies(p.header + "." + p.payload + ".!!!!"));                    // not base64url
}

// A header other than the server's own fixed string takes the slow path:
// decoded and checked (alg, crit, kid), then verified with the same key.
BOOST_FIXTURE_TEST_CASE(other_header_spellings_and_crit, SignerFixture) {
  const SigningKey& k = signer->active();
  EvpPkeyPtr pkey = read_pem(k.file);
  json payload = {{"sub", "u"}};
  auto signed_with = [&](const json& header) {
    std::string input = b64u(header.dump()) + "." + b64u(payload.dump());
    Result<std::string> sig = sign_jws_signature(input, k.alg, pkey.get());
    BOOST_REQUIRE(sig.ok());
    return input + "." + b64u(*sig);
  };
  // The same members in another order: not the fixed string, still valid.
  std::string reordered = signed_with({{"kid", k.kid}, {"alg", k.alg}});
  BOOST_TEST(split(reordered).header != k.jws_header);
  BOOST_TEST(verifies(reordered));
  // RFC 7515 4.1.11: a critical extension this verifier does not know.
  Result<json> r = signer->verify(
      signed_with({{"alg", k.alg}, {"typ", "JWT"}, {"kid", k.kid}, {"crit", {"exp"}}, {"exp", 1}}));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.status().message().find("critical") != std::string::npos, r.status().message());
  BOOST_TEST(!verifies(signed_with({{"alg", k.alg}, {"kid", k.kid}, {"crit", json::array()}})));
}

BOOST_FIXTURE_TEST_CASE(alg_none_is_invalid, SignerFixture) {
  json payload = {{"sub", "admin"}};
  const std::string kid = signer->active().kid;
  for (const char* alg : {"none", "None", "NONE"}) {
    BOOST_TEST(!verifies(make_token({{"alg", alg}, {"typ", "JWT"}}, payload, "")), alg);
    BOOST_TEST(!verifies(make_token({{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}, payload, "")),
               alg);
  }
  // Hand-written: eyJhbGciOiJub25lIn0 = {"alg":"none"}.
  BOOST_TEST(!verifies("eyJhbGciOiJub25lIn0." + b64u(payload.dump()) + "."));
  // alg missing or not a string.
  BOOST_TEST(!verifies(make_token({{"typ", "JWT"}, {"kid", kid}}, payload, "x")));
  BOOST_TEST(!verifies(make_token({{"alg", 256}, {"kid", kid}}, payload, "x")));
}

BOOST_FIXTURE_TEST_CASE(alg_hs256_is_invalid_even_keyed_with_public_key, SignerFixture) {
  const SigningKey& k = signer->active();
  json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", k.kid}};
  json payload = {{"sub", "admin"}};
  std::string input = b64u(header.dump()) + "." + b64u(payload.dump());
  // The classic confusion attack: HMAC keyed with public key material.
  for (const std::string& secret :
       {signer->jwks_json(), k.jwk.dump(), k.jwk.at("n").get<std::string>()}) {
    std::string token = input + "." + b64u(hmac_sha256(secret, input));
    BOOST_TEST(!verifies(token));
  }
  for (const char* alg : {"RS384", "RS512", "PS256", "ES256", "EdDSA", "rs256"}) {
    BOOST_TEST(!verifies(make_token({{"alg", alg}, {"kid", k.kid}}, payload, "sig")), alg);
  }
}

BOOST_FIXTURE_TEST_CASE(unknown_or_missing_kid_is_invalid, SignerFixture) {
  Parts p = split(sign({{"sub", "u"}}));
  auto with_header = [&](const json& h) { return b64u(h.dump()) + "." + p.payload + "." + p.sig; };
  BOOST_TEST(!verifies(with_header({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "no-such-kid"}})));
  BOOST_TEST(!verifies(with_header({{"alg", "RS256"}, {"typ", "JWT"}})));
  BOOST_TEST(!verifies(with_header({{"alg", "RS256"}, {"kid", 42}})));
  // Same header re-serialised: still valid (the signature covers the bytes).
  BOOST_TEST(verifies(p.header + "." + p.payload + "." + p.sig));
}

BOOST_FIXTURE_TEST_CASE(token_from_another_key_is_invalid, SignerFixture) {
  SignerFixture other;
  std::string foreign = other.sign({{"sub", "u"}});
  BOOST_TEST(other.verifies(foreign));
  BOOST_TEST(!verifies(foreign));  // unknown kid
  // The foreign signature under our kid: bad signature.
  Parts p = split(foreign);
  json h = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", signer->active().kid}};
  std::string input = b64u(h.dump()) + "." + p.payload;
  BOOST_TEST(!verifies(input + "." + p.sig));
}

BOOST_FIXTURE_TEST_CASE(wrong_segment_count_is_invalid, SignerFixture) {
  std::string token = sign({{"sub", "u"}});
  Parts p = split(token);
  BOOST_TEST(!verifies(p.header + "." + p.payload));  // 2 segments
  BOOST_TEST(!verifies(token + "." + p.sig));         // 4 segments
  BOOST_TEST(!verifies(token + "."));                 // 4, last empty
  BOOST_TEST(!verifies(""));
  BOOST_TEST(!verifies(".."));
  BOOST_TEST(!verifies(p.header));
  std::string many;
  for (int i = 0; i < 10000; ++i) many += (i ? "." : "") + std::string("eyJ");
  BOOST_TEST(!verifies(many));
  BOOST_TEST(!verifies(std::string(9999, '.')));
}

BOOST_FIXTURE_TEST_CASE(oversized_token_is_invalid, SignerFixture) {
  std::string big = sign({{"sub", "u"}, {"pad", std::string(9000, 'x')}});
  BOOST_TEST(big.size() > 8192u);
  Result<json> r = signer->verify(big);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.status().is_invalid());
  // A large-but-reasonable token still verifies.
  BOOST_TEST(verifies(sign({{"sub", "u"}, {"pad", std::string(3000, 'x')}})));
}

BOOST_FIXTURE_TEST_CASE(header_or_claims_not_json_objects_are_invalid, SignerFixture) {
  Parts p = split(sign({{"sub", "u"}}));
  BOOST_TEST(!verifies(b64u("not json") + "." + p.payload + "." + p.sig));
  BOOST_TEST(!verifies(b64u("[\"RS256\"]") + "." + p.payload + "." + p.sig));
  // A validly signed payload that is not a JSON object.
  BOOST_TEST(!verifies(sign(json::array({1, 2}))));
  BOOST_TEST(!verifies(sign("string claims")));
}

BOOST_AUTO_TEST_CASE(newest_key_signs_and_every_key_verifies) {
  SignerFixture old_keys;
  std::string old_token = old_keys.sign({{"sub", "u"}});
  // A second, newer key: generated elsewhere, named to sort last.
  testing::TempDir other;
  Result<std::string> newer = create_signing_key(other.file("k"), "RS256");
  BOOST_REQUIRE(newer.ok());
  std::string target = old_keys.dir + "/key-99991231T235959Z.pem";
  BOOST_REQUIRE(rename(newer->c_str(), target.c_str()) == 0);

  auto rotated = TokenSigner::load(old_keys.dir);
  BOOST_REQUIRE_MESSAGE(rotated.ok(), rotated.status().ToString());
  BOOST_TEST((*rotated)->keys().size() == 2u);
  BOOST_TEST((*rotated)->active().file == target);
  BOOST_TEST((*rotated)->active().kid != old_keys.signer->active().kid);
  BOOST_TEST((*rotated)->verify(old_token).ok());  // old key still verifies
  Result<std::string> fresh = (*rotated)->sign({{"sub", "u"}});
  BOOST_REQUIRE(fresh.ok());
  BOOST_TEST(decode_json(split(*fresh).header).at("kid") == (*rotated)->active().kid);
  BOOST_TEST(!old_keys.verifies(*fresh));  // the old signer does not know the new key
  json jwks = json::parse((*rotated)->jwks_json());
  BOOST_REQUIRE(jwks["keys"].size() == 2u);
  BOOST_TEST(jwks["keys"][0]["kid"] != jwks["keys"][1]["kid"]);
}

BOOST_AUTO_TEST_SUITE_END()

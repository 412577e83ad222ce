// include/access/crypto/jws_algorithms.h, across every algorithm of the table:
// what the table lists, key creation and recognition at load, round trips
// checked by OpenSSL alone, JWKS members and RFC 7638 thumbprints, tokens
// signed by OpenSSL alone, the refusals (tampering, algorithm confusion,
// "none" and unlisted algorithms), and config's keys.algorithm.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "access/core/config.h"
#include "access/crypto/jws.h"
#include "jws_testing.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const std::map<std::string, size_t> kSignatureBytes = {
    {"RS256", 256}, {"PS256", 256}, {"ES256", 64}, {"ES384", 96}, {"EdDSA", 64}};
const std::map<std::string, std::string> kMembers = {{"RS256", "alg,e,kid,kty,n,use"},
                                                     {"PS256", "alg,e,kid,kty,n,use"},
                                                     {"ES256", "alg,crv,kid,kty,use,x,y"},
                                                     {"ES384", "alg,crv,kid,kty,use,x,y"},
                                                     {"EdDSA", "alg,crv,kid,kty,use,x"}};

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jws_algorithms)

BOOST_AUTO_TEST_CASE(the_table_lists_every_algorithm_once) {
  BOOST_TEST(jws_algorithm_names() ==
             std::vector<std::string>(std::begin(kJwsAlgs), std::end(kJwsAlgs)));
  BOOST_TEST(jws_algorithm_list() == "RS256, PS256, ES256, ES384 or EdDSA");
  for (const JwsAlgorithm& a : access_service::jws_algorithms()) {
    BOOST_TEST_CONTEXT(a.name) {
      BOOST_TEST(find_jws_algorithm(a.name) == &a);
      // Its generator makes keys that are recognised as its own.
      EvpPkeyPtr key = a.generate(a);
      BOOST_REQUIRE(key);
      Result<const JwsAlgorithm*> back = jws_algorithm_for_key(key.get());
      BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
      BOOST_TEST(*back == &a);
    }
  }
  for (const char* name : {"", "none", "None", "rs256", "Rs256", "ps256", "es384", "eddsa", "EDDSA",
                           "HS256", "ES512", "PS384", "RS256 ", " RS256"})
    BOOST_TEST(find_jws_algorithm(name) == nullptr, "'" << name << "'");
}

BOOST_AUTO_TEST_CASE(create_signing_key_per_algorithm) {
  for (const char* alg : kJwsAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      BOOST_TEST(k.path.rfind(k.dir + "/key-", 0) == 0);
      struct stat st {};
      BOOST_REQUIRE(stat(k.path.c_str(), &st) == 0);
      BOOST_TEST((st.st_mode & 0777) == 0600u);
      BOOST_REQUIRE(stat(k.dir.c_str(), &st) == 0);
      BOOST_TEST((st.st_mode & 0777) == 0700u);
      // PKCS#8, not a type-specific ("BEGIN EC PRIVATE KEY") encoding.
      BOOST_TEST(read_text(k.path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
      BOOST_REQUIRE_EQUAL(k.signer->keys().size(), 1u);
      const SigningKey& key = k.signer->active();
      BOOST_TEST(key.alg == alg);
      BOOST_TEST(key.file == k.path);
      EvpPkeyPtr pkey = k.private_key();
      BOOST_TEST((*jws_algorithm_for_key(pkey.get()))->name == std::string(alg));
      if (key.jwk.at("kty") == "RSA") BOOST_TEST(EVP_PKEY_get_bits(pkey.get()) == 2048);
    }
  }
}

BOOST_AUTO_TEST_CASE(create_signing_key_unknown_algorithm_is_invalid) {
  TempDir tmp;
  for (const char* alg :
       {"ES512", "ES256K", "PS384", "HS256", "Ed25519", "Ed448", "es256", "ps256", "none", ""}) {
    Result<std::string> r = create_signing_key(tmp.file("keys"), alg);
    BOOST_TEST(r.status().is_invalid(), alg);
    BOOST_TEST(r.status().message().find("keys.algorithm") != std::string::npos,
               r.status().message());
    BOOST_TEST(
        r.status().message().find("RS256, PS256, ES256, ES384 or EdDSA") != std::string::npos,
        r.status().message());
  }
  struct stat st {};
  BOOST_TEST(stat(tmp.file("keys").c_str(), &st) != 0);  // nothing was created
}

BOOST_AUTO_TEST_CASE(load_refuses_other_key_types_naming_the_file) {
  std::vector<std::pair<std::string, EvpPkeyPtr>> keys;
  keys.emplace_back("EC P-521", generate("EC", "P-521"));
  keys.emplace_back("EC secp256k1", generate("EC", "secp256k1"));
  keys.emplace_back("EC P-224", generate("EC", "P-224"));
  keys.emplace_back("Ed448", generate("ED448"));
  keys.emplace_back("X25519", generate("X25519"));
  keys.emplace_back("DSA", generate_dsa());
  keys.emplace_back("RSA 1024", generate_rsa(1024));
  keys.emplace_back("RSA 2040", generate_rsa(2040));
  for (const auto& k : keys) {
    BOOST_TEST_CONTEXT(k.first) {
      BOOST_TEST(jws_algorithm_for_key(k.second.get()).status().is_invalid());
      TempDir tmp;
      std::string path = tmp.file("key-20260101T000000Z.pem");
      write_pem(path, k.second.get());
      auto r = TokenSigner::load(tmp.path());
      BOOST_TEST(r.status().is_invalid());
      BOOST_TEST(r.status().message().find(path) != std::string::npos, r.status().message());
      // One unusable key spoils the directory even next to a good one.
      EvpPkeyPtr good = generate("EC", "P-256");
      write_pem(tmp.file("key-20260102T000000Z.pem"), good.get());
      BOOST_TEST(TokenSigner::load(tmp.path()).status().is_invalid());
    }
  }
  BOOST_TEST(!jws_algorithm_for_key(nullptr).ok());
  Result<const JwsAlgorithm*> dsa = jws_algorithm_for_key(generate_dsa().get());
  BOOST_TEST(dsa.status().message().find("EC P-384") != std::string::npos,
             dsa.status().message());  // names what is accepted, from the table
  BOOST_TEST(jws_algorithm_for_key(generate_rsa(1024).get()).status().message() ==
             "RSA key shorter than 2048 bits");
}

BOOST_AUTO_TEST_CASE(round_trip_per_algorithm) {
  json claims = {
      {"sub", "user-1"}, {"scope", "read write"}, {"exp", 4102444800LL}, {"name", "J\xC3\xBCrgen"}};
  for (const char* alg : kJwsAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      std::string token = k.sign(claims);
      Parts p = split(token);
      json header = json::parse(b64d(p.header));
      BOOST_TEST(header == json({{"alg", alg}, {"typ", "JWT"}, {"kid", k.signer->active().kid}}));
      BOOST_TEST(b64d(p.sig).size() == kSignatureBytes.at(alg));
      Result<json> v = k.signer->verify(token);
      BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
      BOOST_TEST(*v == claims);
      // OpenSSL alone, with the key rebuilt from the published JWK, agrees.
      BOOST_TEST(openssl_verifies(k.published_key().get(), token));
      // Signing again reuses the prepared context: ECDSA and PSS give a new
      // signature, RSASSA-PKCS1-v1_5 and Ed25519 the same one.
      std::string again = k.sign(claims);
      const bool deterministic = std::string(alg) == "RS256" || std::string(alg) == "EdDSA";
      BOOST_TEST((again == token) == deterministic);
      BOOST_TEST(k.signer->verify(again).ok());
      // A token OpenSSL alone signs with the key file is accepted.
      EvpPkeyPtr priv = k.private_key();
      Result<json> theirs =
          k.signer->verify(openssl_token(priv.get(), alg, k.signer->active().kid, claims));
      BOOST_TEST(theirs.ok(), theirs.status().ToString());
    }
  }
}

BOOST_AUTO_TEST_CASE(jwks_members_and_thumbprints_per_algorithm) {
  for (const char* alg : kJwsAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      json jwks = json::parse(k.signer->jwks_json());
      BOOST_REQUIRE_EQUAL(jwks.at("keys").size(), 1u);
      const json& jwk = jwks.at("keys").at(0);
      BOOST_TEST(joined(member_names(jwk)) == kMembers.at(alg));  // no d, p, q, ...
      BOOST_TEST(jwk.at("use") == "sig");
      BOOST_TEST(jwk.at("alg") == alg);
      BOOST_TEST(jwk.at("kid") == k.signer->active().kid);
      BOOST_TEST(jwk == k.signer->active().jwk);
      // RFC 7638 recomputed by hand from the published members.
      BOOST_TEST(jwk.at("kid") == expected_kid(jwk));
      BOOST_TEST(jwk.at("kid").get<std::string>().size() == 43u);
      // The published key is the loaded key's public half (a JWK has no
      // RSA-PSS type: it is compared with the same numbers as plain RSA).
      EvpPkeyPtr priv = k.private_key();
      if (EVP_PKEY_is_a(priv.get(), "RSA-PSS")) priv = plain_rsa_twin(priv.get());
      BOOST_TEST(EVP_PKEY_eq(k.published_key().get(), priv.get()) == 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(tampered_tokens_are_refused_per_algorithm) {
  json claims = {{"sub", "user-1"}, {"admin", false}};
  for (const char* alg : kJwsAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      Parts p = split(k.sign(claims));
      auto refused = [&](const std::string& token) {
        Result<json> r = k.signer->verify(token);
        return !r.ok() && r.status().is_invalid();
      };
      BOOST_TEST(!refused(p.header + "." + p.payload + "." + p.sig));
      std::string forged = b64u(json{{"sub", "user-1"}, {"admin", true}}.dump());
      BOOST_TEST(k.signer->verify(p.header + "." + forged + "." + p.sig).status().message() ==
                 "bad signature");
      std::string sig = b64d(p.sig);
      for (size_t i : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
        std::string s = sig;
        s[i] ^= 0x01;
        BOOST_TEST(refused(p.header + "." + p.payload + "." + b64u(s)), "byte " << i);
      }
      json h = json::parse(b64d(p.header));
      h["typ"] = "at+jwt";  // same alg and kid, other header
      BOOST_TEST(refused(b64u(h.dump()) + "." + p.payload + "." + p.sig));
      // A signature by another key of the same algorithm.
      AlgKeys other(alg);
      BOOST_TEST(refused(p.header + "." + p.payload + "." + split(other.sign(claims)).sig));
    }
  }
}

// Keys of every algorithm in one directory: each verifies its own tokens,
// and a header claiming one algorithm with the kid of a key of another is
// refused before any signature check, even when the signature is genuine for
// the claimed algorithm (made by another loaded key): an ES384 key never
// verifies a PS256 or RS256 header, a PS256 key never an RS256 one, ...
BOOST_AUTO_TEST_CASE(header_alg_must_match_the_key_of_its_kid) {
  TempDir tmp;
  std::vector<EvpPkeyPtr> keys;  // in kJwsAlgs order, made by OpenSSL alone
  keys.push_back(generate_rsa(2048));
  keys.push_back(generate_rsa_pss("SHA256"));
  keys.push_back(generate("EC", "P-256"));
  keys.push_back(generate("EC", "P-384"));
  keys.push_back(generate("ED25519"));
  auto signer =
      load_keys(tmp, {keys[0].get(), keys[1].get(), keys[2].get(), keys[3].get(), keys[4].get()});
  BOOST_REQUIRE_EQUAL(signer->keys().size(), 5u);
  for (size_t i = 0; i < 5; ++i) BOOST_TEST(signer->keys()[i].alg == kJwsAlgs[i]);
  BOOST_TEST(signer->active().alg == "EdDSA");  // newest
  json claims = {{"sub", "x"}};
  for (size_t i = 0; i < 5; ++i) {
    const SigningKey& own = signer->keys()[i];
    Result<json> r = signer->verify(openssl_token(keys[i].get(), own.alg, own.kid, claims));
    BOOST_TEST(r.ok(), own.alg << ": " << r.status().ToString());
  }
  for (size_t c = 0; c < 5; ++c) {
    for (size_t o = 0; o < 5; ++o) {
      if (c == o) continue;
      const SigningKey& claimed = signer->keys()[c];
      const SigningKey& owner = signer->keys()[o];
      BOOST_TEST_CONTEXT(claimed.alg << " on the kid of the " << owner.alg << " key") {
        Result<json> r =
            signer->verify(openssl_token(keys[c].get(), claimed.alg, owner.kid, claims));
        BOOST_TEST(r.status().message() == "algorithm does not match key");
        // The primitives alone refuse the other key type for the alg too.
        std::string input = b64u(R"({"alg":"x"})") + ".e30";
        std::string sig = openssl_sign(keys[c].get(), claimed.alg, input);
        BOOST_TEST(!verify_jws_signature(input, sig, claimed.alg, keys[o].get()).ok());
        BOOST_TEST(sign_jws_signature(input, claimed.alg, keys[o].get()).status().is_invalid());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(alg_none_and_unlisted_algs_are_refused) {
  for (const char* alg : kJwsAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      const std::string kid = k.signer->active().kid;
      Parts p = split(k.sign({{"sub", "x"}}));
      for (const char* none : {"none", "None", "NONE"}) {
        for (const std::string& sig : {std::string(), b64d(p.sig)}) {
          Result<json> r = k.signer->verify(
              make_token({{"alg", none}, {"typ", "JWT"}, {"kid", kid}}, {{"sub", "x"}}, sig));
          BOOST_TEST(r.status().message() == "algorithm not allowed", none);
        }
      }
      // Unsecured JWS exactly as RFC 7515 A.5 writes it: {"alg":"none"}, empty signature.
      BOOST_TEST(!k.signer->verify("eyJhbGciOiJub25lIn0." + p.payload + ".").ok());
      BOOST_TEST(sign_jws_signature("x.y", "none", k.private_key().get()).status().is_invalid());
      for (const char* other : {"ES512", "ES256K", "Ed25519", "Ed448", "PS384", "PS512", "HS256",
                                "RS512", "es256", "es384", "ps256", "eddsa", "EDDSA", "rs256"}) {
        std::string header = b64u(json{{"alg", other}, {"typ", "JWT"}, {"kid", kid}}.dump());
        Result<json> r = k.signer->verify(header + "." + p.payload + "." + p.sig);
        BOOST_TEST(r.status().message() == "algorithm not allowed", other);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(config_keys_algorithm_accepts_every_table_entry) {
  const std::string base =
      "issuer: \"https://auth.example.com\"\n"
      "server:\n  listen: \"unix:/run/access-service/fcgi.sock\"\n"
      "store:\n  path: \"data/access.db\"\n"
      "keys:\n  dir: \"keys\"\n  jwks_file: \"/run/access-service/jwks.json\"\n";
  Result<Config> d = parse_config(base, "/etc/access");
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  BOOST_TEST(d->algorithm == "RS256");
  for (const char* alg : kJwsAlgs) {
    Result<Config> c = parse_config(base + "  algorithm: " + alg + "\n", "/etc/access");
    BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    BOOST_TEST(c->algorithm == alg);
  }
  for (const char* alg : {"ES512", "PS384", "HS256", "none", "es256", "ps256", "Ed25519"}) {
    Result<Config> c = parse_config(base + "  algorithm: " + alg + "\n", "/etc/access");
    BOOST_TEST(c.status().is_invalid(), alg);
    // The message names the key and every valid value, from the table.
    const std::string& m = c.status().message();
    BOOST_TEST(m.find("keys.algorithm") != std::string::npos, m);
    BOOST_TEST(m.find("RS256 PS256 ES256 ES384 EdDSA") != std::string::npos, m);
  }
}

BOOST_AUTO_TEST_SUITE_END()

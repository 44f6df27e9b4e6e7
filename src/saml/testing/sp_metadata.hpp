#pragma once
// Test fixture: the metadata of a service provider shaped like the ones mod_auth_mellon and
// pysaml2 publish (a signing and an encryption key, POST and Artifact consumers, Redirect and SOAP
// logout, two NameID formats), with certificates made at run time.

#include <string>
#include <string_view>

#include "saml/encoding.hpp"
#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml::testing {

/// A 1024-bit RSA certificate (CN=weak.sp.example), made once with the openssl tool: too weak to trust.
inline constexpr std::string_view kWeakRsaCertificate =
    "MIICEDCCAXmgAwIBAgIUfAohFc0n36q6uaU7BzSBRPy1+oUwDQYJKoZIhvcNAQELBQAwGjEYMBYG"
    "A1UEAwwPd2Vhay5zcC5leGFtcGxlMB4XDTI2MTIwNDE1NDgyNloXDTM2MTIwMTE1NDgyNlowGjEY"
    "MBYGA1UEAwwPd2Vhay5zcC5leGFtcGxlMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDG4Gb+"
    "ZBX6lSl8Rd/jzjdw3dfJK96UxeX9HYdBXAHRl7QjLVfuUzxS5tvHWLxr/hgjZca5/nIvWc/ZYQkN"
    "BtAYnva/WkTXenpSPHCKr14JwGZ/MhePSmqf1BZ+tSyR1jXoNew1ClDZRd8MuPDmDkqQ6ZIsyfTH"
    "fkaoFV2XW5GbHwIDAQABo1MwUTAdBgNVHQ4EFgQU9odA6uZJ7zS3G2jif6ZAmD+95/QwHwYDVR0j"
    "BBgwFoAU9odA6uZJ7zS3G2jif6ZAmD+95/QwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsF"
    "AAOBgQAxht9XdHdpnbttW6C083KVPeX82xNgRF5Mc49pLYdJGT5GljmteRK0aKa+YcBVCEYAPNqy"
    "/LE8iRz0pVN/f4L9htChqhbczZdmRgXRTx4yr2xARdsyZU/ggV+7QCAEwLJKf25QGA6kBZwsA+Tk"
    "0m4mp6Ov+25ygR2j/LnhfjNSGg==";

/// The base64 of a fresh 2048-bit RSA certificate, as metadata carries it (lines of 64).
inline std::string rsa_certificate_base64() {
  static const std::string cached = base64_encode(make_test_key(jose::Algorithm::kRS256, "sp.example").certificate_der, 64);
  return cached;  // one key per test binary: key generation is slow, and any valid key will do
}

/// A KeyDescriptor (use "" for none) around a certificate's base64, with the encryption methods given.
inline std::string key_descriptor(std::string_view use, std::string_view certificate_base64,
                                  std::string_view methods = "") {
  std::string out = "  <md:KeyDescriptor";
  if (!use.empty()) out += " use=\"" + std::string(use) + "\"";
  out += ">\n    <ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n" + std::string(certificate_base64) +
         "\n    </ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n" + std::string(methods) + "  </md:KeyDescriptor>\n";
  return out;
}

/// An EntityDescriptor for `entity_id` whose SPSSODescriptor holds `body` (use sp_body() for the usual one).
inline std::string sp_metadata(std::string_view entity_id, std::string_view body,
                               std::string_view sp_attributes = R"(AuthnRequestsSigned="true" WantAssertionsSigned="true")") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID=")" +
         std::string(entity_id) + R"(">
 <md:SPSSODescriptor )" + std::string(sp_attributes) +
         R"( protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
)" + std::string(body) +
         R"( </md:SPSSODescriptor>
 <md:Organization><md:OrganizationName xml:lang="en">Example</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">Example</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">https://sp.example/</md:OrganizationURL></md:Organization>
</md:EntityDescriptor>
)";
}

/// The endpoints and formats of a mellon-like SP at https://sp.example/mellon/.
inline constexpr std::string_view kSpEndpoints = R"(  <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://sp.example/mellon/logout"/>
  <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example/mellon/logout" ResponseLocation="https://sp.example/mellon/logout-done"/>
  <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
  <md:NameIDFormat>
    urn:oasis:names:tc:SAML:2.0:nameid-format:transient
  </md:NameIDFormat>
  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS" Location="https://sp.example/mellon/paosResponse" index="0"/>
  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/mellon/postResponse" index="1"/>
  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example/mellon/artifactResponse" index="2" isDefault="true"/>
)";

/// Good metadata for `entity_id`: a signing key, an encryption key with two methods, kSpEndpoints.
inline std::string good_sp_metadata(std::string_view entity_id = "https://sp.example/mellon/metadata") {
  const auto cert = rsa_certificate_base64();
  return sp_metadata(entity_id,
                     key_descriptor("signing", cert) +
                         key_descriptor("encryption", cert,
                                        "    <md:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes256-gcm\"/>\n"
                                        "    <md:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#rsa-oaep\"/>\n") +
                         std::string(kSpEndpoints));
}

}  // namespace gatehouse::saml::testing
